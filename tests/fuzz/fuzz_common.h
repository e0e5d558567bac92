/* Shared by the decoder fuzzers. An input is
 *
 *   byte 0       which stream params to use (index into the fuzzer's table;
 *                fuzz_pmf also reads its top bit, see there)
 *   byte 1       k = byte % 16: how many split points follow
 *   k bytes      the lengths of the first k pieces (0 = an empty feed)
 *   the rest     the byte stream, its remainder fed as the last piece
 *
 * The stream is decoded twice: in those pieces and whole. Both runs must
 * give the same counters and the same events (a digest of them), every
 * frame's cells are read in full (so ASan sees any overread), no frame
 * comes before an info, and every frame matches the last info. */
#ifndef PD_FUZZ_COMMON_H
#define PD_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

struct fuzz_sink {
	uint64_t digest;
	int have_info;
	struct pd_device_info info;
	int check_geometry; /* frames must have the info's geometry */
};

static void fuzz_mix(struct fuzz_sink *s, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		s->digest ^= b[i];
		s->digest *= 0x100000001b3ull; /* FNV-1a */
	}
}

static void fuzz_mix_u64(struct fuzz_sink *s, uint64_t v)
{
	fuzz_mix(s, &v, sizeof v);
}

static void fuzz_on_info(void *ctx, const struct pd_device_info *info)
{
	struct fuzz_sink *s = ctx;
	if (info->rows == 0 || info->cols == 0 || (info->cell_bits != 8 && info->cell_bits != 16))
		abort();
	s->have_info = 1;
	s->info = *info;
	fuzz_mix_u64(s, 'I');
	fuzz_mix_u64(s, info->rows);
	fuzz_mix_u64(s, info->cols);
	fuzz_mix_u64(s, info->cell_bits);
	fuzz_mix_u64(s, info->kind);
	fuzz_mix_u64(s, info->full_scale);
	fuzz_mix(s, info->model, strlen(info->model));
	fuzz_mix(s, info->serial, strlen(info->serial));
	fuzz_mix(s, info->firmware, strlen(info->firmware));
}

static void fuzz_on_frame(void *ctx, const struct pd_frame *f)
{
	struct fuzz_sink *s = ctx;
	if (!s->have_info || !f->cells || (f->cell_bits != 8 && f->cell_bits != 16))
		abort();
	if (s->check_geometry &&
	    (f->rows != s->info.rows || f->cols != s->info.cols || f->cell_bits != s->info.cell_bits))
		abort();
	fuzz_mix_u64(s, 'F');
	fuzz_mix_u64(s, f->seq);
	fuzz_mix_u64(s, f->device_time_us);
	fuzz_mix_u64(s, (uint64_t)f->encoder);
	fuzz_mix_u64(s, f->has_encoder);
	fuzz_mix_u64(s, f->rows);
	fuzz_mix_u64(s, f->cols);
	fuzz_mix(s, f->cells, pd_frame_cells_bytes(f->rows, f->cols, f->cell_bits));
}

static void fuzz_on_log(void *ctx, int level, const char *text)
{
	struct fuzz_sink *s = ctx;
	if (level < 0 || level > 7)
		abort();
	fuzz_mix_u64(s, 'L');
	fuzz_mix_u64(s, (uint64_t)level);
	fuzz_mix(s, text, strlen(text));
}

static void fuzz_on_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	struct fuzz_sink *s = ctx;
	fuzz_mix_u64(s, 'A');
	fuzz_mix_u64(s, cmd);
	fuzz_mix_u64(s, status);
}

/* Per-protocol check of the state after a run (may be NULL). */
typedef void (*fuzz_check_fn)(void *state, const struct pd_decode_stats *st);

static void fuzz_run(const struct pd_protocol *proto, const struct pd_stream_params *params,
		     const uint8_t *data, size_t len, const uint8_t *cuts, size_t ncuts,
		     struct pd_decode_stats *st, struct fuzz_sink *s, fuzz_check_fn check)
{
	char err[128];
	void *state = calloc(1, proto->state_size);
	if (!state)
		abort();
	memset(st, 0, sizeof *st);
	memset(s, 0, sizeof *s);
	s->digest = 0xcbf29ce484222325ull;
	s->check_geometry = 1;
	if (proto->init(state, params, st, err, sizeof err) != 0) {
		fprintf(stderr, "init: %s\n", err);
		abort();
	}
	struct pd_decode_sink sink = { s, fuzz_on_info, fuzz_on_frame, fuzz_on_log, fuzz_on_ack };
	struct pd_rx_time rx = { 1, 2000 };
	size_t at = 0;
	for (size_t i = 0; i < ncuts && at <= len; i++) {
		size_t n = cuts[i] < len - at ? cuts[i] : len - at;
		proto->feed(state, data + at, n, &rx, &sink);
		at += n;
	}
	proto->feed(state, data + at, len - at, &rx, &sink);

	if (st->bytes != len || st->garbage_bytes > st->bytes || st->frames > st->bytes)
		abort();
	if (check)
		check(state, st);
	uint8_t out[64];
	if (proto->on_open)
		(void)proto->on_open(state, out, sizeof out);
	if (proto->after_frame)
		(void)proto->after_frame(state, out, sizeof out);
	proto->fini(state);
	free(state);
}

/* Where the stream starts in an input; 0 if the input is too short. */
static size_t fuzz_stream_offset(const uint8_t *data, size_t size)
{
	if (size < 2 || size < 2 + data[1] % 16u)
		return 0;
	return 2 + data[1] % 16u;
}

static int fuzz_one(const struct pd_protocol *proto, const struct pd_stream_params *variants,
		    size_t nvariants, const uint8_t *data, size_t size, fuzz_check_fn check)
{
	size_t off = fuzz_stream_offset(data, size);
	if (off == 0)
		return 0;
	const struct pd_stream_params *params = &variants[data[0] % nvariants];
	size_t ncuts = off - 2;
	const uint8_t *cuts = data + 2;
	const uint8_t *stream = data + off;
	size_t len = size - off;

	struct pd_decode_stats st_split, st_whole;
	struct fuzz_sink s_split, s_whole;
	fuzz_run(proto, params, stream, len, cuts, ncuts, &st_split, &s_split, check);
	fuzz_run(proto, params, stream, len, NULL, 0, &st_whole, &s_whole, check);
	if (memcmp(&st_split, &st_whole, sizeof st_split) != 0 || s_split.digest != s_whole.digest) {
		fprintf(stderr, "%s: the split changed the result\n", proto->name);
		abort();
	}
	return 0;
}

#endif
