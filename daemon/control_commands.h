/* The control socket's commands: a request's bytes to its reply. */
#ifndef PD_CONTROL_COMMANDS_H
#define PD_CONTROL_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

/* What a handler says when its reply must wait (a tare, until its
 * baseline is in force). */
struct pd_control_defer {
	bool deferred;
	int dev;
	uint64_t ticket;
};

/* The reply to one request; df (may be NULL: then a tare is answered at
 * once with the ticket taken) says when it is deferred. cmd_out gets the
 * command's name for the log. */
json_t *pd_control_dispatch(const struct pd_control_target *t, const char *data, size_t len,
			    struct pd_control_defer *df, char *cmd_out, size_t cmd_cap);
/* Does this command change what pressd does (its requester is logged)? */
bool pd_control_changes(const char *cmd);

/* {"ok": false, "error": ...} and {"ok": true}. */
json_t *pd_control_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
json_t *pd_control_ok(void);

#endif
