/* The analysis consumer: one thread running the analysis of every device
 * on the frames its reader delivers, one context per device. Events are
 * published (and logged at debug level). */
#ifndef PD_ANALYSIS_WORKER_H
#define PD_ANALYSIS_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "params.h"

struct pd_analysis_worker;

/* zctx: the ZeroMQ context the publisher runs in (NULL: log only). */
struct pd_analysis_worker *pd_analysis_worker_start(struct pd_device *devs, int ndevs,
						    const struct pd_analysis_params *params, void *zctx,
						    char *err, size_t errlen);
/* Drains what the (already stopped) readers delivered, ends whatever is
 * open, then stops. */
void pd_analysis_worker_stop(struct pd_analysis_worker *w);

/* New parameters for device `dev` (an index), or every device when dev < 0;
 * applied between frames. */
void pd_analysis_worker_set_params(struct pd_analysis_worker *w, int dev, const struct pd_analysis_params *params);
/* Returns once the analysis has taken every frame device `dev` (every
 * device: dev < 0) has delivered so far, and handed over its events. */
void pd_analysis_worker_sync(struct pd_analysis_worker *w, int dev);

/* Take device `dev`'s next frames as its zero baseline. Returns a ticket
 * for pd_analysis_worker_tare_result (0: not passed on). */
uint64_t pd_analysis_worker_tare(struct pd_analysis_worker *w, int dev);

/* The baseline that answered a tare: from the device time t of frame
 * `frame` on, averaged over `frames` frames. */
struct pd_tare_result {
	double t;
	uint32_t frame;
	unsigned frames;
};
/* Any thread: 1 with *out once a baseline asked for with `ticket` (or a
 * later one) is in force; 0 while it is not. */
int pd_analysis_worker_tare_result(struct pd_analysis_worker *w, int dev, uint64_t ticket,
				   struct pd_tare_result *out);


#endif
