/* Remote access (events.md "Remote subscribers"): once keys are
 * configured, every event or control socket on the network stack (tcp://,
 * ws://, loopback included: one rule for pressctl and dashboards alike)
 * is a CURVE server, and a ZAP handler
 * lets in only clients whose public key is on the allow-list (without a
 * handler libzmq would admit anyone who knows the server's public key).
 * Refused clients are logged and counted: a wrong key by the ZAP handler,
 * a client without CURVE (or with the wrong server key) from the socket's
 * monitor, since such a handshake fails before ZAP is asked. */
#ifndef PD_CURVE_AUTH_H
#define PD_CURVE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "curve_keys.h"

struct pd_auth;

struct pd_auth_counters {
	uint64_t accepted;          /* CURVE clients let in */
	uint64_t refused_key;       /* CURVE clients whose key is not allowed */
	uint64_t refused_handshake; /* clients without CURVE, with the wrong server key, or silent */
};

/* Binds the ZAP handler in zctx (before any CURVE socket binds, so no
 * handshake can slip past it). keys->enabled must be true. */
struct pd_auth *pd_auth_new(void *zctx, const struct pd_curve_keys *keys, char *err, size_t errlen);

/* Before `sock` binds `endpoint`: on tcp:// or ws://, makes it a CURVE
 * server under the allow-list and watches its handshakes. With a NULL
 * auth, or an ipc:// endpoint (guarded by file permissions), does nothing. role names the
 * socket in logs ("pub", "control"). 0, or -1 with a reason. */
int pd_auth_prepare(struct pd_auth *a, void *sock, const char *endpoint, const char *role, char *err,
		    size_t errlen);

/* Starts answering, on its own thread. */
int pd_auth_run(struct pd_auth *a);

/* A new allow-list (SIGHUP). Clients already connected stay connected. */
void pd_auth_update(struct pd_auth *a, const struct pd_curve_keys *keys);

void pd_auth_get_counters(struct pd_auth *a, struct pd_auth_counters *out);

/* Stops the thread and closes its sockets; before zmq_ctx_term. */
void pd_auth_free(struct pd_auth *a);

#endif
