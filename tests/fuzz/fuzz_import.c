/* libFuzzer harness of every importer (import/formats/NAME.c): built once
 * per registered format with FUZZ_FORMAT_NAME="NAME" (tests/fuzz and
 * tests/unit find the formats by the same glob), the file's text through
 * the line pump as pressctl import feeds it, survey pass included.
 *
 * Besides libFuzzer's byte mutations, a custom mutator makes the changes
 * real exports differ by: tabs for runs of spaces and back, CRLF for LF
 * and back, a UTF-8 byte-order mark, a word's case flipped, a unit word
 * for another (mm, cm, centimeters, inches), a field added to a line.
 *
 * Checks: a refusal says why and names a line; the geometry comes once,
 * before any frame, bounded, with a positive finite period and pitch and
 * a known unit; frames carry non-decreasing numbers and times from 0,
 * non-negative values and at most PI_MAX_DECIMALS decimals; an accepted
 * file has frames. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fmemopen */
#endif
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vendor_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

struct seen {
	bool geometry;
	unsigned rows, cols;
	uint64_t frames, last;
	double last_t;
};

static int on_field(void *ctx, const char *key, const char *value)
{
	(void)ctx;
	if (!key[0] || !value)
		abort();
	return 0;
}

static int on_geometry(void *ctx, const struct pi_geometry *g)
{
	struct seen *s = ctx;
	if (s->geometry || g->rows < 1 || g->rows > 65535 || g->cols < 1 || g->cols > 65535 ||
	    (size_t)g->rows * g->cols > 64u * 1024 * 1024 || !(g->period_s > 0) || !isfinite(g->period_s) ||
	    !(g->pitch_x_mm > 0) || !(g->pitch_y_mm > 0) || !isfinite(g->pitch_x_mm) || !isfinite(g->pitch_y_mm))
		abort();
	if (strcmp(g->unit, "kPa") && strcmp(g->unit, "mmHg") && strcmp(g->unit, "N") && strcmp(g->unit, "counts"))
		abort();
	if (g->start.set && (g->start.month < 1 || g->start.month > 12 || g->start.day < 1 || g->start.day > 31 ||
			     g->start.hour > 23 || g->start.minute > 59 || !(g->start.second < 61)))
		abort();
	s->geometry = true;
	s->rows = g->rows;
	s->cols = g->cols;
	return 0;
}

static int on_frame(void *ctx, const struct pi_frame *f)
{
	struct seen *s = ctx;
	if (!s->geometry || f->decimals < 0 || f->decimals > PI_MAX_DECIMALS || !isfinite(f->t) ||
	    (s->frames == 0 && f->t != 0) || (s->frames && (f->index < s->last || f->t < s->last_t)))
		abort();
	for (size_t i = 0; i < (size_t)s->rows * s->cols; i++)
		if (f->value[i] < 0)
			abort();
	s->frames++;
	s->last = f->index;
	s->last_t = f->t;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const struct pi_format *fmt = pi_format_named(FUZZ_FORMAT_NAME);
	if (!fmt)
		abort(); /* the registry lost a format the build found */
	FILE *in = fmemopen((void *)data, size, "rb");
	if (!in)
		return 0;
	/* the plain matrix's geometry from the first byte: 1..4 x 1..4 */
	struct pi_given given = { .rows = 1u + (data[0] & 3), .cols = 1u + ((data[0] >> 2) & 3), .rate_hz = 10,
				  .pitch_x_mm = 5, .pitch_y_mm = 5, .unit = "kPa", .by_cols = data[0] & 16,
				  .flip_rows = data[0] & 32, .flip_cols = data[0] & 64 };
	struct seen s = { 0 };
	struct pi_sink sink = { .ctx = &s, .given = fmt->needs_given ? &given : NULL, .field = on_field,
				.geometry = on_geometry, .frame = on_frame };
	char err[PI_ERR_LEN];
	err[0] = '\0';
	int rc = pi_feed_file(fmt->ops, in, &sink, err, sizeof err);
	fclose(in);
	if (rc != 0 && strncmp(err, "line ", 5) != 0)
		abort();
	if (rc == 0 && (!s.geometry || s.frames == 0))
		abort();
	pi_detect((const char *)data, size);
	return 0;
}

/* --- the structural mutations ------------------------------------------ */

static uint32_t next(uint32_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
	return *x;
}

/* Replaces len bytes at at with rep (rlen bytes), if it fits. */
static size_t splice(uint8_t *d, size_t size, size_t max, size_t at, size_t len, const char *rep, size_t rlen)
{
	if (size - len + rlen > max)
		return size;
	memmove(d + at + rlen, d + at + len, size - at - len);
	memcpy(d + at, rep, rlen);
	return size - len + rlen;
}

static size_t find(const uint8_t *d, size_t size, size_t from, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = from; i + k <= size; i++)
		if (!memcmp(d + i, needle, k))
			return i;
	return (size_t)-1;
}

static size_t structural(uint8_t *d, size_t size, size_t max, uint32_t *rnd)
{
	static const char *const units[] = { "mm", "cm", "centimeters", "inches", "in", "MM", "Centimetres" };
	size_t at = size ? next(rnd) % size : 0;
	switch (next(rnd) % 7) {
	case 0: /* every LF a CRLF, or every CRLF an LF */
		if (find(d, size, 0, "\r\n") != (size_t)-1) {
			size_t o = 0;
			for (size_t i = 0; i < size; i++)
				if (!(d[i] == '\r' && i + 1 < size && d[i + 1] == '\n'))
					d[o++] = d[i];
			return o;
		}
		for (size_t i = 0; i < size; i++)
			if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
				size = splice(d, size, max, i, 0, "\r", 1), i++;
		return size;
	case 1: /* a byte-order mark */
		return splice(d, size, max, 0, 0, "\xef\xbb\xbf", 3);
	case 2: { /* tabs to runs of spaces from here on, to the line's end */
		for (size_t i = at; i < size && d[i] != '\n'; i++)
			if (d[i] == '\t')
				size = splice(d, size, max, i, 1, "   ", 1 + next(rnd) % 3), i++;
		return size;
	}
	case 3: { /* runs of spaces to a tab */
		size_t i = find(d, size, at, "  ");
		size_t e = i;
		while (e < size && d[e] == ' ')
			e++;
		return i == (size_t)-1 ? size : splice(d, size, max, i, e - i, "\t", 1);
	}
	case 4: /* a word's case flipped */
		while (at < size && !isalpha(d[at]))
			at++;
		for (; at < size && (isalnum(d[at]) || d[at] == '_'); at++)
			d[at] = (uint8_t)(isupper(d[at]) ? tolower(d[at]) : toupper(d[at]));
		return size;
	case 5: { /* a unit word for another */
		for (size_t u = 0; u < 7; u++) {
			size_t i = find(d, size, at, units[u]);
			if (i != (size_t)-1) {
				const char *w = units[next(rnd) % 7];
				return splice(d, size, max, i, strlen(units[u]), w, strlen(w));
			}
		}
		return size;
	}
	default: { /* a field added at a line's end: a stamp, an unknown key's value */
		static const char *const extra[] = { ",, 12/2/2019 6:21:52.34PM", "\t0", ",", " x" };
		size_t i = find(d, size, at, "\n");
		const char *w = extra[next(rnd) % 4];
		if (i == (size_t)-1)
			return size;
		if (i > 0 && d[i - 1] == '\r')
			i--;
		return splice(d, size, max, i, 0, w, strlen(w));
	}
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	uint32_t rnd = seed | 1;
	if (next(&rnd) % 3 == 0 || !LLVMFuzzerMutate)
		return structural(data, size, max_size, &rnd);
	return LLVMFuzzerMutate(data, size, max_size);
}
