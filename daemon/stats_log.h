/* Per-device statistics as one log line, for the periodic report and the
 * final one at exit. */
#ifndef PD_STATS_LOG_H
#define PD_STATS_LOG_H

#include "device.h"

void pd_stats_log(int level, struct pd_device *d);
/* One-line summary of every device, for systemd's STATUS=. */
void pd_stats_summary(char *out, size_t cap, struct pd_device *devs, int n);

#endif
