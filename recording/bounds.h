/* What a recording declares, checked before it is read: a crafted file
 * of a few kilobytes can declare a /frames of a billion frames, a table
 * of a hundred million rows or a chunk of gigabytes (fill values cost no
 * disk), and a reader that believes it allocates them. pressd-web's
 * review and pressctl's report, info and export refuse such a file
 * clearly instead (docs/robustness.md). */
#ifndef PRESSD_RECORDING_BOUNDS_H
#define PRESSD_RECORDING_BOUNDS_H
#include <stddef.h>
#include <stdint.h>

struct pd_rec_bounds {
	uint64_t max_frames;      /* /frames' length */
	uint64_t max_cells;       /* rows × cols of /frames */
	uint64_t max_table_bytes; /* any other dataset, as declared */
	uint64_t max_chunk_bytes; /* one chunk of any dataset */
};

/* The defaults pressctl uses (pressd-web's come from its [web] limits). */
void pd_rec_bounds_default(struct pd_rec_bounds *b);

/* 0 when every dataset of the file at path is within b; -1 with why
 * (the dataset, what it declares, the limit), or when it cannot be
 * opened. Reads only the file's metadata. */
int pd_rec_check_bounds(const char *path, const struct pd_rec_bounds *b, char *err, size_t errlen);
#endif
