/* pressctl's side of remote access (events.md "Remote subscribers"):
 * `keygen`, and connecting every socket pressctl opens, as a CURVE client
 * when --server-key and --key (or PRESSCTL_SERVER_KEY and PRESSCTL_KEY)
 * name certificates. */
#ifndef PC_KEYS_H
#define PC_KEYS_H

#include "args.h"
#include "cert.h"
#include "pressctl.h"

/* Loads the certificates g names into g->keys. 0, or EX_USAGE
 * / EX_NOINPUT after saying why. */
int pc_keys_load(struct pc_global *g);

/* A socket of `type` connected to endpoint, a CURVE client when g carries
 * keys, lingering not at all (pressctl exits at once, whatever is queued).
 * NULL after printing why ("bad <what> endpoint ..."); errno then says
 * EINVAL or EPROTONOSUPPORT for a malformed endpoint. */
void *pc_connect(void *ctx, const struct pc_global *g, int type, const char *endpoint, const char *what);

int pc_cmd_keygen(const struct pc_global *g, const struct pc_args *a);

#endif
