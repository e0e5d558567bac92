/* The client side of remote access (events.md "Remote subscribers"),
 * shared by every program that connects to pressd (pressctl, pressd-web):
 * pressd's public certificate and the client's own secret one, loaded
 * once before anything is opened, then set on each socket before it
 * connects, so a CURVE pressd sees the same client whichever tool it is. */
#ifndef PD_CURVE_CLIENT_H
#define PD_CURVE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

struct pd_curve_client_keys {
	bool enabled; /* both certificates loaded: connect as a CURVE client */
	struct pd_cert server, own;
};

/* Loads SERVER.key (public) and NAME.key_secret; both NULL leaves k
 * disabled. One without the other, a missing file or a file that is not
 * a certificate: -1 with the reason in err, and *missing set when a file
 * was not there (callers map that to EX_NOINPUT, the rest to their own
 * status). server_opt and own_opt name the two settings in the reason. */
int pd_curve_client_load(struct pd_curve_client_keys *k, const char *server_path, const char *own_path,
			 const char *server_opt, const char *own_opt, bool *missing, char *err, size_t errlen);

/* Sets the keys on a ZeroMQ socket that has not connected yet (nothing to
 * do when k is disabled). 0, or -1 with zmq_errno() saying why. */
int pd_curve_client_apply(const struct pd_curve_client_keys *k, void *sock);

#endif
