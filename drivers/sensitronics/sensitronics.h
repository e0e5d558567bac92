/* sensitronics — byte-RLE frames (serial-protocols.md §3): the emulator's encoder. */
#ifndef PD_SENSITRONICS_H
#define PD_SENSITRONICS_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

#define SENS_END 0xFF
#define SENS_MAX_VALUE 254

/* One frame of ncells bytes (values above 254 are clamped to 254); returns
 * bytes written or 0 when cap is too small. */
size_t sens_encode_frame(uint8_t *out, size_t cap, const uint8_t *cells, size_t ncells);

/* The host's decoder (drivers/sensitronics/api.c). */
extern const struct pd_protocol pd_protocol_sensitronics;

#endif
