/* `pressctl watch`: the event stream, one line per message (or the raw
 * JSON, or the live pressure map). */
#ifndef PC_WATCH_H
#define PC_WATCH_H

#include "args.h"
#include "pressctl.h"

int pc_cmd_watch(const struct pc_global *g, const struct pc_args *a);

#endif
