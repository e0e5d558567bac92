/* pressctl export: a recording as CSV files (export_csv.c) or as a MAT
 * file (export_mat.c), from the tables export_tables.c reads. */
#ifndef PC_EXPORT_H
#define PC_EXPORT_H

#include <stddef.h>

#include "recording.h"

/* A file-level attribute as text: group "" (the recording's own: format,
 * software, device_id, session_start_time, source), "device." or
 * "frames." (unit, conversion). */
struct pc_attr {
	const char *group;
	const char *key;
	char value[256];
	bool number; /* value is a number (MAT: a double) */
};
size_t pc_export_attrs(struct pd_rec_reader *rd, const char *file, struct pc_attr *out, size_t max);

/* Each returns pressctl's exit status. */
int pc_export_csv(struct pd_rec_reader *rd, const char *file, const char *dir);
int pc_export_mat(struct pd_rec_reader *rd, const char *file, const char *out);

#endif
