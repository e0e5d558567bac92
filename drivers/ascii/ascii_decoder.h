/* The ascii decoder behind pd_protocol_ascii. Private to drivers/ascii.
 *
 * Lines: values are decimal integers 0..65535 (digits only: a sign, a
 * point or any other character makes the line unparsable), separated by
 * runs of ',', ';', ' ', '\t' (and '\r', so "\r\n" and "\n" both end a
 * line). A line holding only separators is empty. A line whose first
 * non-blank character is '#' is a comment; its "key=value" words set
 * rows, cols (1..65535), pitch_mm, rate (>= 0), model, serial (one word, at
 * most 32 bytes kept) and full_scale (1..65535); other words are ignored,
 * a bad value for a known key is a decode_error. Comments may appear
 * anywhere, also inside a block, and do not end it. Lines are bounded:
 * a data line longer than ASCII_MAX_LINE bytes is unparsable (the rest up
 * to the newline is skipped); a longer comment is ignored.
 *
 * Geometry: rows and cols each from a header comment, else from the
 * stream params (the device's own statement wins over the config), else
 * from the first block used. Once a block has set it, it stays until the
 * decoder is re-initialised: a later block of another size is an error,
 * not a new stream.
 *
 * Frames: with rows and cols known, a line of rows x cols values is a
 * frame (single-line form). Every other line belongs to a block: lines of
 * equal width ended by an empty line make a frame of #lines x width
 * (block form), which must match the known rows/cols. Sequence numbers
 * count from 0, +1 per frame; device_time_us is the host's monotonic
 * receive time in microseconds.
 *
 * Info: sent before the first frame, and again whenever it changes (a
 * header line, once rows and cols are known; the same info is never sent
 * twice in a row). protocol_version 0 (not a pmf device), kind mat, unit
 * and units_per_count from the params (counts and 0 if not given), pitch
 * (x and y) from a header or the params, rate from a header only.
 *
 * Cells: full_scale is taken from a header, else the params, else 1023
 * (an Arduino's 10-bit ADC). cell_bits is 8 when full_scale <= 255, else
 * 16. Values above full_scale are delivered as they are, but a value that
 * does not fit a cell (> 255 with 8-bit cells) drops the frame.
 *
 * Counters:
 *   decode_errors  one per dropped unit: a block that is unparsable
 *                  somewhere, has unequal widths or the wrong size; in
 *                  single-line position (geometry known, no block open) an
 *                  unparsable line or one of neither rows x cols nor cols
 *                  values; a frame with a value too big for its cells; a
 *                  header value that does not parse, or header rows x cols
 *                  above ASCII_MAX_CELLS (that line's rows and cols are
 *                  then ignored). A block stream with known geometry whose
 *                  first row is bad counts twice: that line, then the
 *                  block of the remaining rows, which is too short.
 *                  garbage_bytes counts a dropped unit's lines with their
 *                  line ends, not the empty line that ended it.
 *   resyncs,       the first unit after open (everything up to the first
 *   garbage_bytes  frame boundary: an empty line or a single-line frame)
 *                  may be the tail of something sent before the port was
 *                  opened. If it is dropped, that is counted as one resync
 *                  with its bytes as garbage, not as a decode_error. Without
 *                  known geometry the first block cannot be told from a
 *                  partial one and is always dropped so. In poll mode the
 *                  device only talks when asked, so there is no such unit.
 *   frames, bytes  as everywhere.
 *
 * Memory: the value buffer starts at rows x cols (or 256) values and
 * doubles when a line needs more, up to ASCII_MAX_CELLS values. */
#ifndef PD_ASCII_DECODER_H
#define PD_ASCII_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "protocol.h"

#define ASCII_MAX_LINE (256u << 10)
#define ASCII_MAX_CELLS (1u << 20)
#define ASCII_COMMENT_MAX 1024u
#define ASCII_DEFAULT_FULL_SCALE 1023u

enum ascii_line_state { ASCII_LINE_START, ASCII_LINE_DATA, ASCII_LINE_COMMENT, ASCII_LINE_SKIP };

struct ascii_dec {
	struct pd_decode_stats *stats;
	struct pd_stream_params params;

	/* What "# key=value" comments said; 0 or "" = not said. */
	uint16_t hdr_rows, hdr_cols;
	float hdr_pitch_mm, hdr_rate;
	uint32_t hdr_full_scale;
	char hdr_model[33], hdr_serial[33];
	/* Geometry of the first block used, when nothing else gave it. */
	uint16_t blk_geom_rows, blk_geom_cols;

	struct pd_device_info sent; /* the last info given to the sink */
	int info_sent;

	uint16_t *vals; /* parsed values of the open block, then the current line */
	size_t vals_cap;

	/* The line being read. */
	enum ascii_line_state line;
	size_t line_bytes; /* including its '\n' */
	size_t line_n;     /* values so far */
	uint32_t tok;      /* saturates above 65535 */
	int in_tok;
	int line_bad;
	char comment[ASCII_COMMENT_MAX];
	size_t comment_len;
	int comment_over;

	/* The block being collected. */
	size_t blk_lines, blk_width, blk_cells;
	int blk_bad;
	uint64_t blk_bytes;

	int synced; /* a frame boundary has been seen since open */
	uint32_t seq;

	/* Set for the duration of one feed() only. */
	const struct pd_decode_sink *sink;
	const struct pd_rx_time *rx;
};

int ascii_dec_init(void *state, const struct pd_stream_params *params,
		   struct pd_decode_stats *stats, char *err, size_t errlen);
void ascii_dec_fini(void *state);
void ascii_dec_feed(void *state, const uint8_t *data, size_t len,
		    const struct pd_rx_time *rx, const struct pd_decode_sink *sink);
/* Poll mode (params.poll_char >= 0): the poll byte, to send after each
 * frame (and once after opening: a polled device says nothing until
 * asked). 0 when not polling or cap is 0. */
size_t ascii_dec_poll(void *state, uint8_t *out, size_t cap);

/* Header comments (header.c). */
void ascii_dec_header(struct ascii_dec *d, const char *text, size_t len);
/* The geometry expected now (0 = not known) and the info to announce. */
uint16_t ascii_dec_rows(const struct ascii_dec *d);
uint16_t ascii_dec_cols(const struct ascii_dec *d);
void ascii_dec_info(const struct ascii_dec *d, uint16_t rows, uint16_t cols, struct pd_device_info *info);
void ascii_dec_announce(struct ascii_dec *d, const struct pd_device_info *info);

#endif
