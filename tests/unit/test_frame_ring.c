/* The frame ring: order, loss accounting, and torn reads never surfacing
 * while a writer runs flat out on another thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frame_ring.h"

#define CELLS 64 /* 8 × 8 u8 */

static void make_frame(struct pd_frame *f, uint8_t *cells, uint32_t seq)
{
	for (int i = 0; i < CELLS; i++)
		cells[i] = (uint8_t)(seq * 7 + (uint32_t)i);
	*f = (struct pd_frame){ .seq = seq, .device_time_us = (uint64_t)seq * 10000, .rows = 8,
				.cols = 8, .cell_bits = 8, .cells = cells, .encoder = -(int32_t)seq,
				.has_encoder = true, .rx = { 1000 + seq, 2000 + seq } };
}

static void check_frame(const struct pd_frame *f)
{
	const uint8_t *c = f->cells;
	assert_int_equal(f->rows, 8);
	assert_int_equal(f->device_time_us, (uint64_t)f->seq * 10000);
	assert_int_equal(f->encoder, -(int32_t)f->seq);
	assert_int_equal(f->rx.utc_ns, 1000 + f->seq);
	for (int i = 0; i < CELLS; i++)
		assert_int_equal(c[i], (uint8_t)(f->seq * 7 + (uint32_t)i));
}

static void in_order_without_loss(void **state)
{
	(void)state;
	struct pd_frame_ring *r = pd_frame_ring_new(16, CELLS);
	uint8_t cells[CELLS], buf[CELLS];
	struct pd_frame f, out;
	uint64_t cur = 0, lost = 0;
	uint32_t stream;
	for (uint32_t s = 0; s < 10; s++) {
		make_frame(&f, cells, s);
		assert_int_equal(pd_frame_ring_write(r, &f, 3), 0);
	}
	for (uint32_t s = 0; s < 10; s++) {
		assert_int_equal(pd_frame_ring_read(r, &cur, &lost, &out, &stream, buf), 1);
		assert_int_equal(out.seq, s);
		assert_int_equal(stream, 3);
		check_frame(&out);
	}
	assert_int_equal(pd_frame_ring_read(r, &cur, &lost, &out, &stream, buf), 0);
	assert_int_equal(lost, 0);
	pd_frame_ring_free(r);
}

static void slow_reader_loses_oldest_and_counts_them(void **state)
{
	(void)state;
	struct pd_frame_ring *r = pd_frame_ring_new(8, CELLS);
	uint8_t cells[CELLS], buf[CELLS];
	struct pd_frame f, out;
	uint64_t cur = 0, lost = 0;
	uint32_t stream;
	for (uint32_t s = 0; s < 20; s++) {
		make_frame(&f, cells, s);
		pd_frame_ring_write(r, &f, 0);
	}
	assert_int_equal(pd_frame_ring_read(r, &cur, &lost, &out, &stream, buf), 1);
	assert_int_equal(lost, 12);
	assert_int_equal(out.seq, 12);
	pd_frame_ring_free(r);
}

static void oversized_frame_is_refused(void **state)
{
	(void)state;
	struct pd_frame_ring *r = pd_frame_ring_new(4, 16);
	uint8_t cells[CELLS];
	struct pd_frame f;
	make_frame(&f, cells, 0);
	assert_int_equal(pd_frame_ring_write(r, &f, 0), -1);
	assert_int_equal(pd_frame_ring_head(r), 0);
	pd_frame_ring_free(r);
}

#define STRESS_FRAMES 200000u

static void *writer(void *arg)
{
	struct pd_frame_ring *r = arg;
	uint8_t cells[CELLS];
	struct pd_frame f;
	for (uint32_t s = 0; s < STRESS_FRAMES; s++) {
		make_frame(&f, cells, s);
		pd_frame_ring_write(r, &f, 0);
	}
	return NULL;
}

static void concurrent_reader_sees_only_whole_frames(void **state)
{
	(void)state;
	struct pd_frame_ring *r = pd_frame_ring_new(32, CELLS);
	pthread_t t;
	pthread_create(&t, NULL, writer, r);
	uint8_t buf[CELLS];
	struct pd_frame out;
	uint64_t cur = 0, lost = 0, got = 0;
	uint32_t stream, last = 0;
	int first = 1;
	while (cur < STRESS_FRAMES) {
		if (!pd_frame_ring_read(r, &cur, &lost, &out, &stream, buf))
			continue;
		check_frame(&out);
		if (!first)
			assert_true(out.seq > last);
		first = 0;
		last = out.seq;
		got++;
	}
	pthread_join(t, NULL);
	assert_int_equal(got + lost, STRESS_FRAMES);
	pd_frame_ring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_without_loss),
		cmocka_unit_test(slow_reader_loses_oldest_and_counts_them),
		cmocka_unit_test(oversized_frame_is_refused),
		cmocka_unit_test(concurrent_reader_sees_only_whole_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
