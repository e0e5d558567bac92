/* Test helper for the decoder tests: a sink that records everything a
 * decoder delivers, and runners that feed a stream whole, in two pieces at
 * every possible point, or a byte at a time, so a test can assert that the
 * split never changes the result. Header-only: each test is one file. */
#ifndef PD_TEST_DECODER_CAPTURE_H
#define PD_TEST_DECODER_CAPTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "protocol.h"

enum cap_kind { CAP_INFO = 'I', CAP_FRAME = 'F', CAP_LOG = 'L', CAP_ACK = 'A' };

struct cap_event {
	enum cap_kind kind;
	struct pd_device_info info;
	/* frame */
	uint32_t seq;
	uint64_t t_us;
	int32_t encoder;
	int has_encoder;
	uint16_t rows, cols;
	uint8_t cell_bits;
	uint8_t *cells;
	size_t cells_len;
	struct pd_rx_time rx;
	/* log */
	int level;
	char *text;
	/* ack */
	uint8_t cmd, status;
};

struct capture {
	struct cap_event *ev;
	size_t n, cap;
};

static inline struct cap_event *cap_push(struct capture *c, enum cap_kind kind)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->ev = realloc(c->ev, c->cap * sizeof *c->ev);
		assert_non_null(c->ev);
	}
	struct cap_event *e = &c->ev[c->n++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	return e;
}

static inline void cap_on_info(void *ctx, const struct pd_device_info *info)
{
	cap_push(ctx, CAP_INFO)->info = *info;
}

static inline void cap_on_frame(void *ctx, const struct pd_frame *f)
{
	struct cap_event *e = cap_push(ctx, CAP_FRAME);
	e->seq = f->seq;
	e->t_us = f->device_time_us;
	e->encoder = f->encoder;
	e->has_encoder = f->has_encoder;
	e->rows = f->rows;
	e->cols = f->cols;
	e->cell_bits = f->cell_bits;
	e->rx = f->rx;
	e->cells_len = pd_frame_cells_bytes(f->rows, f->cols, f->cell_bits);
	e->cells = malloc(e->cells_len ? e->cells_len : 1);
	assert_non_null(e->cells);
	memcpy(e->cells, f->cells, e->cells_len);
}

static inline void cap_on_log(void *ctx, int level, const char *text)
{
	struct cap_event *e = cap_push(ctx, CAP_LOG);
	e->level = level;
	e->text = strdup(text);
}

static inline void cap_on_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	struct cap_event *e = cap_push(ctx, CAP_ACK);
	e->cmd = cmd;
	e->status = status;
}

static inline struct pd_decode_sink cap_sink(struct capture *c)
{
	struct pd_decode_sink s = { c, cap_on_info, cap_on_frame, cap_on_log, cap_on_ack };
	return s;
}

static inline void cap_free(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->ev[i].cells);
		free(c->ev[i].text);
	}
	free(c->ev);
	memset(c, 0, sizeof *c);
}

static inline size_t cap_count(const struct capture *c, enum cap_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += c->ev[i].kind == kind;
	return n;
}

/* The i-th event of a kind; fails the test if there is none. */
static inline const struct cap_event *cap_nth(const struct capture *c, enum cap_kind kind, size_t i)
{
	for (size_t k = 0; k < c->n; k++)
		if (c->ev[k].kind == kind && i-- == 0)
			return &c->ev[k];
	fail_msg("no event '%c' #%zu", kind, i);
	return NULL;
}

static inline int cap_info_equal(const struct pd_device_info *a, const struct pd_device_info *b)
{
	return a->protocol_version == b->protocol_version && a->kind == b->kind &&
	       a->cell_bits == b->cell_bits && a->unit == b->unit && a->rows == b->rows &&
	       a->cols == b->cols && a->pitch_x_mm == b->pitch_x_mm &&
	       a->pitch_y_mm == b->pitch_y_mm && a->rate_hz == b->rate_hz &&
	       a->units_per_count == b->units_per_count && a->full_scale == b->full_scale &&
	       a->radius_mm == b->radius_mm && a->counts_per_rev == b->counts_per_rev &&
	       !strcmp(a->model, b->model) && !strcmp(a->serial, b->serial) &&
	       !strcmp(a->firmware, b->firmware);
}

/* Same events in the same order; the receive time is left out, since it
 * belongs to whichever read completed the frame. */
static inline void cap_assert_equal(const struct capture *a, const struct capture *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu events vs %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct cap_event *x = &a->ev[i], *y = &b->ev[i];
		int same = x->kind == y->kind;
		if (same && x->kind == CAP_INFO)
			same = cap_info_equal(&x->info, &y->info);
		if (same && x->kind == CAP_FRAME)
			same = x->seq == y->seq && x->t_us == y->t_us && x->encoder == y->encoder &&
			       x->has_encoder == y->has_encoder && x->rows == y->rows &&
			       x->cols == y->cols && x->cell_bits == y->cell_bits &&
			       x->cells_len == y->cells_len && !memcmp(x->cells, y->cells, x->cells_len);
		if (same && x->kind == CAP_LOG)
			same = x->level == y->level && !strcmp(x->text, y->text);
		if (same && x->kind == CAP_ACK)
			same = x->cmd == y->cmd && x->status == y->status;
		if (!same)
			fail_msg("%s: event %zu ('%c' vs '%c') differs", what, i, x->kind, y->kind);
	}
}

static inline void stats_assert_equal(const struct pd_decode_stats *a, const struct pd_decode_stats *b,
				      const char *what)
{
	if (memcmp(a, b, sizeof *a) == 0)
		return;
	fail_msg("%s: stats differ: bytes %llu/%llu frames %llu/%llu crc %llu/%llu decode %llu/%llu "
		 "resyncs %llu/%llu garbage %llu/%llu packets %llu/%llu logs %llu/%llu acks %llu/%llu "
		 "unknown %llu/%llu",
		 what, (unsigned long long)a->bytes, (unsigned long long)b->bytes,
		 (unsigned long long)a->frames, (unsigned long long)b->frames,
		 (unsigned long long)a->crc_errors, (unsigned long long)b->crc_errors,
		 (unsigned long long)a->decode_errors, (unsigned long long)b->decode_errors,
		 (unsigned long long)a->resyncs, (unsigned long long)b->resyncs,
		 (unsigned long long)a->garbage_bytes, (unsigned long long)b->garbage_bytes,
		 (unsigned long long)a->packets, (unsigned long long)b->packets,
		 (unsigned long long)a->logs, (unsigned long long)b->logs,
		 (unsigned long long)a->acks, (unsigned long long)b->acks,
		 (unsigned long long)a->unknown, (unsigned long long)b->unknown);
}

/* A decoder instance the way the owner runs one. */
struct dec_run {
	const struct pd_protocol *proto;
	void *state;
	struct pd_decode_stats stats;
	struct capture cap;
	struct pd_decode_sink sink;
	int64_t clock_ns; /* rx time of the next feed */
	int64_t tick_ns;  /* added after each feed: 1 ms, 0 in split runs */
};

static inline void dec_open(struct dec_run *r, const struct pd_protocol *proto,
			    const struct pd_stream_params *params)
{
	char err[256] = "";
	memset(r, 0, sizeof *r);
	r->proto = proto;
	r->state = calloc(1, proto->state_size);
	assert_non_null(r->state);
	if (proto->init(r->state, params, &r->stats, err, sizeof err) != 0)
		fail_msg("%s init failed: %s", proto->name, err);
	r->sink = cap_sink(&r->cap);
	r->clock_ns = 1000000000;
	r->tick_ns = 1000000;
}

static inline void dec_feed(struct dec_run *r, const void *data, size_t len)
{
	struct pd_rx_time rx = { .utc_ns = r->clock_ns + 1700000000000000000, .mono_ns = r->clock_ns };
	r->proto->feed(r->state, data, len, &rx, &r->sink);
	r->clock_ns += r->tick_ns;
}

static inline void dec_close(struct dec_run *r)
{
	r->proto->fini(r->state);
	free(r->state);
	cap_free(&r->cap);
}

/* Decodes `data` in pieces ending at the offsets in cuts[] (ascending),
 * all at the same receive time: protocols without a device clock use the
 * host's, which must not make splits look different. */
static inline void dec_run_cuts(struct dec_run *r, const struct pd_protocol *proto,
				const struct pd_stream_params *params, const uint8_t *data, size_t len,
				const size_t *cuts, size_t ncuts)
{
	size_t at = 0;
	dec_open(r, proto, params);
	r->tick_ns = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		dec_feed(r, data + at, end - at);
		at = end;
	}
}

/* The split property: whole, in two pieces at every offset, and a byte at
 * a time all give the same events and counters. Leaves the whole-stream
 * run in *whole for the caller to check (dec_close it). */
static inline void dec_assert_split_invariant(struct dec_run *whole, const struct pd_protocol *proto,
					      const struct pd_stream_params *params,
					      const uint8_t *data, size_t len)
{
	char what[64];
	dec_run_cuts(whole, proto, params, data, len, NULL, 0);
	for (size_t k = 0; k <= len; k++) {
		struct dec_run r;
		dec_run_cuts(&r, proto, params, data, len, &k, 1);
		snprintf(what, sizeof what, "split at %zu", k);
		cap_assert_equal(&whole->cap, &r.cap, what);
		stats_assert_equal(&whole->stats, &r.stats, what);
		dec_close(&r);
	}
	struct dec_run r;
	dec_open(&r, proto, params);
	r.tick_ns = 0;
	for (size_t i = 0; i < len; i++)
		dec_feed(&r, data + i, 1);
	cap_assert_equal(&whole->cap, &r.cap, "byte at a time");
	stats_assert_equal(&whole->stats, &r.stats, "byte at a time");
	dec_close(&r);
}

/* A growing byte buffer for building test streams. */
struct bytes {
	uint8_t *p;
	size_t len, cap;
};

static inline void bytes_add(struct bytes *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
}

static inline void bytes_str(struct bytes *b, const char *s)
{
	bytes_add(b, s, strlen(s));
}

static inline void bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

#endif
