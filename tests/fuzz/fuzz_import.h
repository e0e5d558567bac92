/* libFuzzer harness shared by the vendor importers' targets (fuzz_xsensor,
 * fuzz_emed, fuzz_novel_asc, fuzz_stappone): the file's text through the
 * line pump as pressctl import feeds it, survey pass included. Each target
 * defines FUZZ_IMPORT_OPS (the parser) and includes this.
 *
 * Checks: a refusal says why and names a line; the geometry comes once,
 * before any frame, bounded, with a positive finite period and a known
 * unit; frames carry non-decreasing numbers and times from 0, non-negative
 * values and at most PI_MAX_DECIMALS decimals; an accepted file has frames. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fmemopen */
#endif
#include <math.h>
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
	    !(g->pitch_x_mm > 0) || !(g->pitch_y_mm > 0))
		abort();
	if (strcmp(g->unit, "kPa") && strcmp(g->unit, "mmHg") && strcmp(g->unit, "N") && strcmp(g->unit, "counts"))
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
	FILE *in = fmemopen((void *)data, size, "rb");
	if (!in)
		return 0;
	struct seen s = { 0 };
	struct pi_sink sink = { .ctx = &s, .field = on_field, .geometry = on_geometry, .frame = on_frame };
	char err[PI_ERR_LEN];
	err[0] = '\0';
	int rc = pi_feed_file(&FUZZ_IMPORT_OPS, in, &sink, err, sizeof err);
	fclose(in);
	if (rc != 0 && strncmp(err, "line ", 5) != 0)
		abort();
	if (rc == 0 && (!s.geometry || s.frames == 0))
		abort();
	const char *what;
	pi_detect((const char *)data, size, &what);
	return 0;
}
