/* `pressctl watch --map`: the live pressure map of one device in the
 * terminal, from `frame` messages, with the contacts' ids at their cells
 * and the running hold timer; redrawn in place on a terminal, one map
 * after another (plain text) into a pipe or file. */
#ifndef PC_MAP_H
#define PC_MAP_H

#include "pressctl.h"

/* device: the one to show (NULL: the first that sends a frame); frames:
 * stop after this many redraws (0: at SIGINT/SIGTERM). Exit status. */
int pc_map_run(const struct pc_global *g, const char *device, long frames);

#endif
