/* The analysis consumer: one thread running the analysis of every device
 * on the frames its reader delivers, one context per device. Events are
 * logged (debug level) until the event stream publishes them. */
#ifndef PD_ANALYSIS_WORKER_H
#define PD_ANALYSIS_WORKER_H

#include "device.h"
#include "params.h"

struct pd_analysis_worker;

struct pd_analysis_worker *pd_analysis_worker_start(struct pd_device *devs, int ndevs,
						    const struct pd_analysis_params *params);
/* Drains what the (already stopped) readers delivered, ends whatever is
 * open, then stops. */
void pd_analysis_worker_stop(struct pd_analysis_worker *w);

/* New parameters for every device (SIGHUP), applied between frames. */
void pd_analysis_worker_set_params(struct pd_analysis_worker *w, const struct pd_analysis_params *params);

#endif
