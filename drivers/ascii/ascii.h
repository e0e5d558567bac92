/* ascii — text rows (serial-protocols.md §2): the emulator's encoder. */
#ifndef PD_ASCII_H
#define PD_ASCII_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

enum ascii_form {
	ASCII_SINGLE_LINE, /* rows × cols values on one line; geometry from the URI */
	ASCII_BLOCK,       /* one line per row, block ended by an empty line */
};

/* "# rows=.. cols=.. pitch_mm=.. rate=.. model=.. serial=.. full_scale=.." */
size_t ascii_encode_header(char *out, size_t cap, const struct pd_device_info *info);
/* One frame of u16 cell values (cell_bits 16) or bytes (8); returns bytes
 * written (no NUL counted) or 0 when cap is too small. */
size_t ascii_encode_frame(char *out, size_t cap, enum ascii_form form, const void *cells,
			  uint16_t rows, uint16_t cols, uint8_t cell_bits);

#endif
