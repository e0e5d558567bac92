/* The sensitronics decoder behind pd_protocol_sensitronics. Private to
 * drivers/sensitronics.
 *
 * Stream: one byte per cell (1..254); 0x00 N means N zero cells
 * (N 1..254); 0xFF ends a frame and is never a count, so "0x00 0xFF" is a
 * broken run that ends the frame. Geometry must come from the params
 * (init fails otherwise). Info (sent before the first frame): kind mat,
 * cell_bits 8, full_scale from the params or 254, unit and pitch from the
 * params. Sequence numbers count from 0; device_time_us is the host's
 * monotonic receive time in microseconds.
 *
 * Counters:
 *   decode_errors  frames that do not decode to exactly rows x cols cells,
 *                  or hold a run count of 0 (or 0xFF right after 0x00).
 *   resyncs,       the bytes up to the first 0xFF after open are usually
 *   garbage_bytes  the tail of a frame sent before the port was opened. If
 *                  they do not make a good frame, they are dropped as one
 *                  resync with their bytes (0xFF included) as garbage rather
 *                  than a decode_error; if they do (the device started
 *                  afresh), the frame is delivered.
 *   frames, bytes  as everywhere.
 * Memory: rows x cols bytes, allocated at init. */
#ifndef PD_SENS_DECODER_H
#define PD_SENS_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "protocol.h"

#define SENS_MAX_CELLS (1u << 20)
#define SENS_DEFAULT_FULL_SCALE 254u

struct sens_dec {
	struct pd_decode_stats *stats;
	struct pd_device_info info;
	int info_sent;
	uint8_t *cells; /* rows x cols */
	size_t ncells;
	size_t pos;        /* cells of the current frame so far */
	int zero_pending;  /* a 0x00 waits for its count */
	int bad;           /* the current frame is broken */
	uint64_t frame_bytes;
	int synced;        /* a 0xFF has been seen since open */
	uint32_t seq;
};

int sens_dec_init(void *state, const struct pd_stream_params *params,
		  struct pd_decode_stats *stats, char *err, size_t errlen);
void sens_dec_fini(void *state);
void sens_dec_feed(void *state, const uint8_t *data, size_t len,
		   const struct pd_rx_time *rx, const struct pd_decode_sink *sink);

#endif
