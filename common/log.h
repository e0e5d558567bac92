/* Logging for every pressd program: stderr in the foreground, syslog when
 * daemonised. Levels are syslog's, so LOG messages from pmf devices (which
 * carry a syslog level) pass through unchanged. */
#ifndef PD_LOG_H
#define PD_LOG_H

#include <syslog.h>

void pd_log_init(const char *ident, int use_syslog, int max_level);
void pd_log_set_level(int max_level);
int  pd_log_level(void);
void pd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pd_err(...)   pd_log(LOG_ERR, __VA_ARGS__)
#define pd_warn(...)  pd_log(LOG_WARNING, __VA_ARGS__)
#define pd_info(...)  pd_log(LOG_INFO, __VA_ARGS__)
#define pd_dbg(...)   pd_log(LOG_DEBUG, __VA_ARGS__)

#endif
