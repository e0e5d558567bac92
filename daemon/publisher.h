/* The event stream (events.md): one thread owns the XPUB socket. It
 * forwards what the other threads queue through their outlets (analysis
 * events, status, marks), publishes frames itself straight from the
 * devices' rings (at most daemon.frame_rate_hz per device, cells sent
 * without a further copy), and keeps each device's last status to send
 * at once to a subscriber that has just arrived (the ZeroMQ guide's
 * last-value cache). Sends never block: a slow subscriber loses messages,
 * not the daemon. */
#ifndef PD_PUBLISHER_H
#define PD_PUBLISHER_H

#include <stddef.h>

#include "curve_auth.h"
#include "device.h"

struct pd_publisher;

/* Binds `endpoint` (in the caller's thread, so a bad endpoint is reported
 * before the daemon says it is ready), under CURVE if auth says so, and
 * starts publishing. NULL, with the reason in err, on failure. */
struct pd_publisher *pd_publisher_start(void *zctx, const char *endpoint, struct pd_auth *auth,
					struct pd_device *devs, int ndevs, long frame_rate_hz, char *err,
					size_t errlen);

/* Once every producer has finished: publishes what is queued, then stops
 * and closes its sockets. */
void pd_publisher_stop(struct pd_publisher *p);
/* After zmq_ctx_term: ZeroMQ may hold frame buffers until then. */
void pd_publisher_free(struct pd_publisher *p);

#endif
