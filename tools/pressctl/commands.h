/* The control commands: build the request of events.md from the command
 * line, send it, print the reply for people (or raw with --json). Each
 * returns pressctl's exit status. */
#ifndef PC_COMMANDS_H
#define PC_COMMANDS_H

#include <jansson.h>
#include <stdio.h>

#include "args.h"
#include "pressctl.h"

int pc_cmd_status(const struct pc_global *g, const struct pc_args *a);
int pc_cmd_record(const struct pc_global *g, const struct pc_args *a);
int pc_cmd_tare(const struct pc_global *g, const struct pc_args *a);
int pc_cmd_mark(const struct pc_global *g, const struct pc_args *a);
int pc_cmd_set(const struct pc_global *g, const struct pc_args *a);
int pc_cmd_version(const struct pc_global *g, const struct pc_args *a);
/* hotplug add|remove PATH: what pressd-device@.service runs */
int pc_cmd_hotplug(const struct pc_global *g, const struct pc_args *a);

/* The `status` reply as a table (status.c). */
void pc_status_print(FILE *out, json_t *reply);

/* "4" → 4, "-0.5" → -0.5, "4%" → "4%": what `set` sends (new reference). */
json_t *pc_set_value(const char *text);

#endif
