/* ascii — text rows (serial-protocols.md §2): the emulator's encoder. */
#ifndef PD_ASCII_H
#define PD_ASCII_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "protocol.h"

enum ascii_form {
	ASCII_SINGLE_LINE, /* rows × cols values on one line; geometry from the URI */
	ASCII_BLOCK,       /* one line per row, block ended by an empty line */
};

/* Both encoders NUL-terminate, return the bytes written (no NUL counted),
 * and return 0 when cap is too small for that and the NUL. Lines end in
 * "\r\n", as an Arduino's println sends them. */

/* "# rows=.. cols=.. full_scale=.. [pitch_mm=..] [rate=..] [model=..]
 * [serial=..]\r\n": pitch and rate only when > 0, model and serial only
 * when not empty, with blanks in them replaced by '_'. */
size_t ascii_encode_header(char *out, size_t cap, const struct pd_device_info *info);
/* One frame of cells laid out as in struct pd_frame: bytes (cell_bits 8)
 * or little-endian u16 (16, which on a little-endian host is a plain
 * uint16_t array). Values are comma-separated. */
size_t ascii_encode_frame(char *out, size_t cap, enum ascii_form form, const void *cells,
			  uint16_t rows, uint16_t cols, uint8_t cell_bits);

/* The host's decoder (drivers/ascii/api.c). */
extern const struct pd_protocol pd_protocol_ascii;

#endif
