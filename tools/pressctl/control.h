/* The control socket (events.md, "Control"): one JSON request, one JSON
 * reply, over a ZeroMQ REQ socket with a deadline, so pressctl never hangs
 * on a daemon that is not there. */
#ifndef PC_CONTROL_H
#define PC_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "pressctl.h"

/* Sends `req` to g->control and waits at most g->timeout_s for the reply.
 * Returns 0 with *reply (and, when raw is not NULL, the reply's bytes as
 * received, NUL-terminated, to free()) when the daemon answered ok:true;
 * otherwise prints why and returns the exit status: 1 (ok:false, with the
 * daemon's error), EX_UNAVAILABLE (no answer in time), EX_PROTOCOL (not a
 * reply per events.md), EX_USAGE (a malformed endpoint), EX_SOFTWARE. */
int pc_control_call(const struct pc_global *g, const json_t *req, json_t **reply, char **raw);

/* The pieces, for a caller that polls the socket itself (watch --map):
 * open a REQ socket on ctx (NULL after printing why), send one request,
 * and check a received reply (0 and *reply, or an exit status as above;
 * quiet: nothing is printed). */
void *pc_control_open(void *ctx, const struct pc_global *g);
int pc_control_send(void *sock, const json_t *req);
int pc_control_take_reply(void *sock, json_t **reply, char **raw, char *why, size_t whylen);

#endif
