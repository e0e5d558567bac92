/* ascii encoders (the emulator's side of ascii_decoder.h): comma-separated
 * values, "\r\n" line ends as an Arduino's println sends them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"

/* The shortest %g form that reads back as the same float. */
static void fmt_float(char *buf, size_t cap, float f)
{
	snprintf(buf, cap, "%g", (double)f);
	if (strtof(buf, NULL) != f)
		snprintf(buf, cap, "%.9g", (double)f);
}

/* Header values end at a blank, so blanks inside a name become '_'. */
static void fmt_word(char *dst, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		dst[i] = (c <= ' ' || c == ',' || c == ';' || c == 0x7f) ? '_' : (char)c;
	}
	dst[n] = '\0';
}

size_t ascii_encode_header(char *out, size_t cap, const struct pd_device_info *info)
{
	char pitch[32], rate[32], model[33], serial[33];
	size_t o = 0;
	int n;

	fmt_float(pitch, sizeof pitch, info->pitch_x_mm);
	fmt_float(rate, sizeof rate, info->rate_hz);
	fmt_word(model, sizeof model, info->model);
	fmt_word(serial, sizeof serial, info->serial);

	n = snprintf(out, cap, "# rows=%u cols=%u full_scale=%lu", info->rows, info->cols,
		     (unsigned long)info->full_scale);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	o = (size_t)n;
	if (info->pitch_x_mm > 0) {
		n = snprintf(out + o, cap - o, " pitch_mm=%s", pitch);
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	if (info->rate_hz > 0) {
		n = snprintf(out + o, cap - o, " rate=%s", rate);
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	if (model[0]) {
		n = snprintf(out + o, cap - o, " model=%s", model);
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	if (serial[0]) {
		n = snprintf(out + o, cap - o, " serial=%s", serial);
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	n = snprintf(out + o, cap - o, "\r\n");
	if (n < 0 || (size_t)n >= cap - o)
		return 0;
	return o + (size_t)n;
}

/* Appends `len` bytes, keeping room for the final NUL. */
static int put(char *out, size_t cap, size_t *o, const char *s, size_t len)
{
	if (cap - *o <= len)
		return -1;
	memcpy(out + *o, s, len);
	*o += len;
	return 0;
}

static int put_uint(char *out, size_t cap, size_t *o, unsigned v)
{
	char tmp[8];
	size_t n = 0;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return put(out, cap, o, tmp + sizeof tmp - n, n);
}

size_t ascii_encode_frame(char *out, size_t cap, enum ascii_form form, const void *cells,
			  uint16_t rows, uint16_t cols, uint8_t cell_bits)
{
	const uint8_t *c = cells;
	size_t o = 0;

	if ((cell_bits != 8 && cell_bits != 16) || !rows || !cols || !cells || cap == 0)
		return 0;
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			size_t i = r * cols + k;
			/* Little-endian like pd_frame cells. */
			unsigned v = cell_bits == 16 ? (unsigned)(c[2 * i] | c[2 * i + 1] << 8) : c[i];
			if (k > 0 && put(out, cap, &o, ",", 1) < 0)
				return 0;
			if (put_uint(out, cap, &o, v) < 0)
				return 0;
		}
		int row_ends_line = form == ASCII_BLOCK || r + 1 == rows;
		if (row_ends_line) {
			if (put(out, cap, &o, "\r\n", 2) < 0)
				return 0;
		} else if (put(out, cap, &o, ",", 1) < 0) {
			return 0;
		}
	}
	if (form == ASCII_BLOCK && put(out, cap, &o, "\r\n", 2) < 0)
		return 0;
	out[o] = '\0';
	return o;
}
