/* A `frame` message: the JSON header (rows, cols, dtype, units,
 * units_per_count) and part 3, the raw cells, row-major little-endian. */
#ifndef PC_FRAME_MESSAGE_H
#define PC_FRAME_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pc_frame {
	int rows, cols;
	int cell_bytes; /* 1 (uint8) or 2 (uint16) */
	const uint8_t *cells;
	double units_per_count; /* 1 when the frame is in counts */
	const char *units;      /* points into the JSON header */
};

/* Checks the header against the cells: false with why otherwise. */
bool pc_frame_parse(json_t *hdr, const void *cells, size_t len, struct pc_frame *f, char *why, size_t whylen);

static inline uint32_t pc_frame_cell(const struct pc_frame *f, size_t i)
{
	if (f->cell_bytes == 1)
		return f->cells[i];
	return (uint32_t)f->cells[2 * i] | (uint32_t)f->cells[2 * i + 1] << 8;
}

uint32_t pc_frame_max(const struct pc_frame *f);

/* "2407 counts" or "12.5 kPa": a count in the frame's units. */
void pc_frame_value_str(const struct pc_frame *f, double counts, char *buf, size_t len);

#endif
