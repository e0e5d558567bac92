/* The offline commands: work on recording files directly, with the
 * recording library's reader, no daemon involved. Each returns pressctl's
 * exit status: 0, 1 when the file cannot be used (the reason on stderr),
 * 64 bad usage, 74 output failed. */
#ifndef PC_OFFLINE_H
#define PC_OFFLINE_H

#include <stdint.h>

#include "args.h"
#include "pressctl.h"

int pc_cmd_info(const struct pc_global *g, const struct pc_args *a);    /* info.c */
int pc_cmd_export(const struct pc_global *g, const struct pc_args *a);  /* export.c */
int pc_cmd_import(const struct pc_global *g, const struct pc_args *a);  /* import.c */
int pc_cmd_report(const struct pc_global *g, const struct pc_args *a);  /* report.c */
int pc_cmd_recover(const struct pc_global *g, const struct pc_args *a); /* info.c */

/* What the file at path declares is within the recording library's
 * bounds (recording/bounds.h), with at most max_cells cells a frame (0:
 * the default): else 0 after saying why on stderr. Before any reader
 * believes the file (info.c). */
#define PC_REPORT_MAX_CELLS (512u * 512u) /* the report's maps, drawn */
int pc_bounds_ok(const char *path, uint64_t max_cells);

/* The event types a recording has tables for, and their CSV file names. */

#endif
