/* The control socket (events.md "Control"): a ROUTER socket (REQ clients
 * see a REP) answering each JSON request with one JSON reply, a tare's
 * once its baseline is in force. Anything malformed is answered with
 * ok: false and the reason; nothing a client sends stops the daemon. */
#ifndef PD_CONTROL_H
#define PD_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "analysis_worker.h"
#include "curve_auth.h"
#include "device.h"
#include "params.h"
#include "record_roots.h"
#include "recorder.h"
#include "status_pub.h"

/* What requests act on; owned by the main thread. */
struct pd_control_target {
	struct pd_device *devs;
	int ndevs;
	struct pd_analysis_params *params; /* per device, the parameters in force */
	struct pd_analysis_worker *analysis;
	struct pd_status_pub *status;
	struct pd_recorder *recorder;
	struct pd_auth *auth; /* NULL: no remote access configured */
	/* daemon.record_roots: where record_start's dir may point (NULL: a
	 * dir is refused; the default directory still works). */
	const struct pd_record_roots *roots;
};

struct pd_control;

/* Binds endpoint, under CURVE if auth says so. */
struct pd_control *pd_control_open(void *zctx, const char *endpoint, struct pd_auth *auth, char *err,
				   size_t errlen);
void pd_control_close(struct pd_control *c);
/* For zmq_poll. */
void *pd_control_socket(struct pd_control *c);
/* Answers every request waiting, and the tares whose baseline came into
 * force, without blocking. */
void pd_control_serve(struct pd_control *c, const struct pd_control_target *t);
/* How long the main loop may sleep: short while tares wait. */
int pd_control_timeout_ms(const struct pd_control *c, int idle_ms);

/* One request (its bytes) to its reply; exposed for tests and fuzzing.
 * The caller frees the reply with json_decref. */
json_t *pd_control_handle(const struct pd_control_target *t, const char *req, size_t len);

#endif
