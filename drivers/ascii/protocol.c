/* ascii decoder: a byte-at-a-time line reader (so any split of the input
 * gives the same result), and the single-line / block framing rules
 * described in ascii_decoder.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii_decoder.h"

static const struct pd_decode_sink no_sink;
static const struct pd_rx_time no_time;

#define ASCII_MAX_WIDTH 65535u /* cols is a u16 */

static int is_sep(uint8_t c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '\r';
}

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* A dropped unit is a decode error, or the expected partial start of the
 * stream when nothing has been framed since open. */
static void drop_unit(struct ascii_dec *d, uint64_t bytes)
{
	if (d->synced) {
		d->stats->decode_errors++;
	} else {
		d->stats->resyncs++;
		d->stats->garbage_bytes += bytes;
	}
}

static void reset_block(struct ascii_dec *d)
{
	d->blk_lines = d->blk_width = d->blk_cells = 0;
	d->blk_bad = 0;
	d->blk_bytes = 0;
}

/* A poisoned block only waits for its end; its values are not kept, so
 * lines still being read reuse the buffer from the start. */
static void poison(struct ascii_dec *d)
{
	d->blk_bad = 1;
	d->blk_cells = 0;
}

static size_t line_offset(const struct ascii_dec *d)
{
	return d->blk_bad ? 0 : d->blk_cells;
}

static void emit(struct ascii_dec *d, uint16_t *vals, uint16_t rows, uint16_t cols)
{
	struct pd_device_info info;
	size_t n = (size_t)rows * cols;

	ascii_dec_info(d, rows, cols, &info);
	uint16_t max = info.cell_bits == 8 ? 255 : 65535;
	for (size_t i = 0; i < n; i++) {
		if (vals[i] > max) {
			d->stats->decode_errors++;
			return;
		}
	}
	ascii_dec_announce(d, &info);

	/* In place into the wire layout of pd_frame: bytes, or little-endian
	 * u16. Going forward never overwrites a value not yet read. */
	uint8_t *out = (uint8_t *)vals;
	for (size_t i = 0; i < n; i++) {
		uint16_t v = vals[i];
		if (info.cell_bits == 8) {
			out[i] = (uint8_t)v;
		} else {
			out[2 * i] = (uint8_t)v;
			out[2 * i + 1] = (uint8_t)(v >> 8);
		}
	}

	struct pd_frame f = {
		.seq = d->seq++,
		.device_time_us = (uint64_t)(d->rx->mono_ns > 0 ? d->rx->mono_ns : 0) / 1000u,
		.rx = *d->rx,
		.rows = rows,
		.cols = cols,
		.cell_bits = info.cell_bits,
		.cells = out,
	};
	d->stats->frames++;
	if (d->sink->frame)
		d->sink->frame(d->sink->ctx, &f);
}

static void on_empty_line(struct ascii_dec *d)
{
	if (d->blk_lines == 0) {
		d->synced = 1;
		return;
	}
	uint16_t rows = ascii_dec_rows(d), cols = ascii_dec_cols(d);
	if (d->blk_bad || (rows && d->blk_lines != rows) || (cols && d->blk_width != cols)) {
		drop_unit(d, d->blk_bytes);
	} else if (!(rows && cols) && !d->synced) {
		drop_unit(d, d->blk_bytes);
	} else {
		if (!(rows && cols)) {
			d->blk_geom_rows = (uint16_t)d->blk_lines;
			d->blk_geom_cols = (uint16_t)d->blk_width;
		}
		emit(d, d->vals, (uint16_t)d->blk_lines, (uint16_t)d->blk_width);
	}
	reset_block(d);
	d->synced = 1;
}

static void on_data_line(struct ascii_dec *d, size_t n, int bad)
{
	uint16_t rows = ascii_dec_rows(d), cols = ascii_dec_cols(d);
	size_t off = line_offset(d);

	if (!bad && rows && cols && n == (size_t)rows * cols) {
		if (d->blk_lines) {
			drop_unit(d, d->blk_bytes);
			reset_block(d);
		}
		d->synced = 1;
		emit(d, d->vals + off, rows, cols);
		return;
	}
	if ((cols && n != cols) || n > ASCII_MAX_WIDTH)
		bad = 1;
	if (bad) {
		if (d->blk_lines) {
			poison(d);
		} else if (rows && cols) {
			drop_unit(d, d->line_bytes);
			d->synced = 1;
			return;
		} else {
			poison(d);
		}
	} else if (d->blk_lines == 0) {
		d->blk_width = n;
	} else if (n != d->blk_width) {
		poison(d);
	}
	d->blk_lines++;
	d->blk_bytes += d->line_bytes;
	if (!d->blk_bad)
		d->blk_cells += n;
	if ((rows && d->blk_lines > rows) || d->blk_lines > ASCII_MAX_WIDTH)
		poison(d);
}

static int grow(struct ascii_dec *d, size_t need)
{
	if (need <= d->vals_cap)
		return 0;
	if (need > ASCII_MAX_CELLS)
		return -1;
	size_t ncap = d->vals_cap * 2;
	if (ncap < need)
		ncap = need;
	if (ncap > ASCII_MAX_CELLS)
		ncap = ASCII_MAX_CELLS;
	uint16_t *nv = realloc(d->vals, ncap * sizeof *nv);
	if (!nv)
		return -1;
	d->vals = nv;
	d->vals_cap = ncap;
	return 0;
}

static void bad_line(struct ascii_dec *d)
{
	d->line_bad = 1;
	d->in_tok = 0;
	d->line = ASCII_LINE_SKIP;
}

static void end_token(struct ascii_dec *d)
{
	d->in_tok = 0;
	size_t idx = line_offset(d) + d->line_n;
	if (d->tok > 65535 || grow(d, idx + 1) < 0) {
		bad_line(d);
		return;
	}
	d->vals[idx] = (uint16_t)d->tok;
	d->line_n++;
}

static void end_line(struct ascii_dec *d)
{
	switch (d->line) {
	case ASCII_LINE_START:
		on_empty_line(d);
		break;
	case ASCII_LINE_COMMENT:
		if (!d->comment_over)
			ascii_dec_header(d, d->comment, d->comment_len);
		break;
	case ASCII_LINE_DATA:
		if (d->in_tok)
			end_token(d);
		on_data_line(d, d->line_n, d->line_bad);
		break;
	case ASCII_LINE_SKIP:
		on_data_line(d, d->line_n, 1);
		break;
	}
	d->line = ASCII_LINE_START;
	d->line_bytes = 0;
	d->line_n = 0;
	d->tok = 0;
	d->in_tok = 0;
	d->line_bad = 0;
	d->comment_len = 0;
	d->comment_over = 0;
}

static void digit(struct ascii_dec *d, uint8_t c)
{
	if (!d->in_tok) {
		d->in_tok = 1;
		d->tok = 0;
	}
	if (d->tok <= 65535)
		d->tok = d->tok * 10 + (uint32_t)(c - '0');
}

static void on_byte(struct ascii_dec *d, uint8_t c)
{
	d->line_bytes++;
	if (c == '\n') {
		end_line(d);
		return;
	}
	if (d->line_bytes > ASCII_MAX_LINE) {
		if (d->line == ASCII_LINE_COMMENT)
			d->comment_over = 1;
		else if (d->line != ASCII_LINE_SKIP)
			bad_line(d);
		return;
	}
	switch (d->line) {
	case ASCII_LINE_START:
		if (is_sep(c))
			break;
		if (c == '#') {
			d->line = ASCII_LINE_COMMENT;
		} else if (is_digit(c)) {
			d->line = ASCII_LINE_DATA;
			digit(d, c);
		} else {
			bad_line(d);
		}
		break;
	case ASCII_LINE_DATA:
		if (is_digit(c))
			digit(d, c);
		else if (is_sep(c)) {
			if (d->in_tok)
				end_token(d);
		} else
			bad_line(d);
		break;
	case ASCII_LINE_COMMENT:
		if (d->comment_len < ASCII_COMMENT_MAX)
			d->comment[d->comment_len++] = (char)c;
		else
			d->comment_over = 1;
		break;
	case ASCII_LINE_SKIP:
		break;
	}
}

int ascii_dec_init(void *state, const struct pd_stream_params *params,
		   struct pd_decode_stats *stats, char *err, size_t errlen)
{
	struct ascii_dec *d = state;
	memset(d, 0, sizeof *d);
	d->params.unit = -1;
	d->params.poll_char = -1;
	if (params)
		d->params = *params;
	d->stats = stats;

	const char *why = NULL;
	if (!stats)
		why = "no stats given";
	else if (d->params.full_scale > 65535)
		why = "full_scale above 65535 does not fit a 16-bit cell";
	else if ((size_t)d->params.rows * d->params.cols > ASCII_MAX_CELLS)
		why = "rows x cols too large";
	else if (d->params.poll_char > 255)
		why = "poll character is not a byte";
	if (why) {
		if (err && errlen)
			snprintf(err, errlen, "ascii: %s", why);
		return -1;
	}

	size_t cap = (size_t)d->params.rows * d->params.cols;
	if (cap < 256)
		cap = 256;
	d->vals = malloc(cap * sizeof *d->vals);
	if (!d->vals) {
		if (err && errlen)
			snprintf(err, errlen, "ascii: out of memory");
		return -1;
	}
	d->vals_cap = cap;
	d->synced = d->params.poll_char >= 0;
	return 0;
}

void ascii_dec_fini(void *state)
{
	struct ascii_dec *d = state;
	free(d->vals);
	d->vals = NULL;
	d->vals_cap = 0;
}

void ascii_dec_feed(void *state, const uint8_t *data, size_t len,
		    const struct pd_rx_time *rx, const struct pd_decode_sink *sink)
{
	struct ascii_dec *d = state;
	d->sink = sink ? sink : &no_sink;
	d->rx = rx ? rx : &no_time;
	d->stats->bytes += len;
	for (size_t i = 0; i < len; i++)
		on_byte(d, data[i]);
	d->sink = NULL;
	d->rx = NULL;
}

size_t ascii_dec_poll(void *state, uint8_t *out, size_t cap)
{
	const struct ascii_dec *d = state;
	if (d->params.poll_char < 0 || cap < 1)
		return 0;
	out[0] = (uint8_t)d->params.poll_char;
	return 1;
}
