/* libFuzzer target: the Tekscan ASCII movie importer (import/tekscan.c)
 * fed through the line pump as pressctl import feeds it.
 *
 * Checks: a refusal says why and names a line; the geometry comes once,
 * before any frame, with sizes the parser promised to bound; frames carry
 * consecutive numbers, non-negative values and no more decimals than kept. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fmemopen */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	bool geometry;
	unsigned rows, cols;
	uint64_t frames, last;
};

static int on_field(void *ctx, const char *key, const char *value)
{
	(void)ctx;
	if (!key[0] || strlen(value) > 4096)
		abort();
	return 0;
}

static int on_geometry(void *ctx, const struct pi_geometry *g)
{
	struct seen *s = ctx;
	if (s->geometry || g->rows < 1 || g->rows > 4096 || g->cols < 1 || g->cols > 4096 || !(g->period_s > 0))
		abort();
	s->geometry = true;
	s->rows = g->rows;
	s->cols = g->cols;
	return 0;
}

static int on_frame(void *ctx, const struct pi_frame *f)
{
	struct seen *s = ctx;
	if (!s->geometry || (s->frames && f->index != s->last + 1) || f->decimals < 0 || f->decimals > PI_MAX_DECIMALS)
		abort();
	for (size_t i = 0; i < (size_t)s->rows * s->cols; i++)
		if (f->value[i] < 0)
			abort();
	s->frames++;
	s->last = f->index;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *in = fmemopen((void *)data, size, "rb");
	if (!in)
		return 0;
	struct seen s = { 0 };
	struct pi_sink sink = { .ctx = &s, .field = on_field, .geometry = on_geometry, .frame = on_frame };
	char err[PI_ERR_LEN];
	err[0] = '\0';
	int rc = pi_feed_file(&pi_tekscan, in, &sink, err, sizeof err);
	fclose(in);
	if (rc != 0 && strncmp(err, "line ", 5) != 0)
		abort();
	if (rc == 0 && (!s.geometry || s.frames == 0))
		abort();
	const char *what;
	pi_detect((const char *)data, size, &what);
	return 0;
}
