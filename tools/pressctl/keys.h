/* pressctl's side of remote access (events.md "Remote subscribers"):
 * `keygen`, and making its sockets CURVE clients when --server-key and
 * --key (or PRESSCTL_SERVER_KEY and PRESSCTL_KEY) name certificates. */
#ifndef PC_KEYS_H
#define PC_KEYS_H

#include "args.h"
#include "cert.h"
#include "pressctl.h"

/* Loads the certificates g names into g's curve fields. 0, or EX_USAGE
 * / EX_NOINPUT after saying why. */
int pc_keys_load(struct pc_global *g);

/* Before connect: a CURVE client when g carries keys. 0, or -1 (printed). */
int pc_keys_apply(const struct pc_global *g, void *sock);

int pc_cmd_keygen(const struct pc_global *g, const struct pc_args *a);

#endif
