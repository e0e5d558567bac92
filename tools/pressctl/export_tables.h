/* A recording's tables as the exports (CSV, MAT) write them: every event
 * table of format_version 2 (from a version 1 file too), pulse_durations,
 * gaps, with each column's unit resolved to the file's. */
#ifndef PC_EXPORT_TABLES_H
#define PC_EXPORT_TABLES_H

#include <jansson.h>
#include <stddef.h>

#include "recording.h"

#define PC_TABLE_COLS 32

struct pc_table {
	const char *name;                      /* "presses": the HDF5 table's and the export's name */
	struct pd_rec_column col[PC_TABLE_COLS];
	char unit[PC_TABLE_COLS][16];          /* col[i].unit with the row's units filled in ("kPa*s"), "" none */
	size_t ncols;
	json_t *rows;                          /* an array of objects, one per row, keyed by column name */
};

struct pc_tables {
	struct pc_table t[16];
	size_t n;
};

/* Reads every table of rd. 0, or -1 with why on stderr. */
int pc_tables_load(struct pd_rec_reader *rd, const char *file, struct pc_tables *out);
void pc_tables_free(struct pc_tables *t);

#endif
