/* A consumer's cursor across changes of geometry: the device moves to a
 * larger ring when a frame outgrows the present one, and every consumer
 * must still read every frame in order, whether it keeps up, lags two
 * changes behind, or first looks after the changes. The device is driven
 * through its decode sink, as its reader thread would drive it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "device.h"
#include "ring_cursor.h"
#include "uri.h"

static void info(struct pd_device *d, uint16_t rows, uint16_t cols, uint8_t bits)
{
	struct pd_device_info i = { .kind = PD_KIND_MAT, .cell_bits = bits, .rows = rows, .cols = cols,
				    .pitch_x_mm = 10, .pitch_y_mm = 10, .rate_hz = 100, .full_scale = 255 };
	d->src.sink.info(d->src.sink.ctx, &i);
}

static void frames(struct pd_device *d, uint32_t *seq, int n, uint16_t rows, uint16_t cols, uint8_t bits)
{
	static uint8_t cells[2 * 32 * 32];
	for (int k = 0; k < n; k++, (*seq)++) {
		memset(cells, (int)(*seq & 0xff), sizeof cells);
		struct pd_frame f = { .seq = *seq, .device_time_us = (uint64_t)*seq * 10000, .rows = rows,
				      .cols = cols, .cell_bits = bits, .cells = cells };
		d->src.sink.frame(d->src.sink.ctx, &f);
	}
}

/* What the cursor reads back: every frame, in order, none lost. */
static void read_all(struct pd_ring_cursor *c, uint32_t want)
{
	struct pd_frame f;
	uint32_t stream, next = 0;
	while (pd_ring_cursor_next(c, &f, &stream)) {
		assert_int_equal(f.seq, next);
		assert_int_equal(((const uint8_t *)f.cells)[0], next & 0xff);
		next++;
	}
	assert_int_equal(next, want);
	assert_int_equal(c->lost, 0);
}

static void setup_device(struct pd_device *d)
{
	struct pd_uri u;
	char err[256];
	assert_int_equal(pd_uri_parse("sim:mat?id=m", &u, err, sizeof err), 0);
	assert_int_equal(pd_device_init(d, &u, 60, err, sizeof err), 0);
}

static void starting_after_two_changes_reads_every_ring(void **state)
{
	(void)state;
	static struct pd_device d;
	setup_device(&d);
	struct pd_ring_cursor c;
	assert_int_equal(pd_ring_cursor_init(&c, &d, "test", false, 0), 0);
	uint32_t seq = 0;
	info(&d, 8, 8, 8);
	frames(&d, &seq, 5, 8, 8, 8);
	info(&d, 16, 16, 16); /* outgrows the first ring */
	frames(&d, &seq, 5, 16, 16, 16);
	info(&d, 32, 32, 16); /* and the second */
	frames(&d, &seq, 5, 32, 32, 16);
	read_all(&c, seq); /* first look: after both changes */
	pd_ring_cursor_fini(&c);
	pd_device_free(&d);
}

static void lagging_then_keeping_up(void **state)
{
	(void)state;
	static struct pd_device d;
	setup_device(&d);
	struct pd_ring_cursor c;
	assert_int_equal(pd_ring_cursor_init(&c, &d, "test", false, 0), 0);
	struct pd_frame f;
	uint32_t stream, seq = 0;
	info(&d, 8, 8, 8);
	frames(&d, &seq, 3, 8, 8, 8);
	assert_int_equal(pd_ring_cursor_next(&c, &f, &stream), 1); /* in the first ring, seq 0 */
	assert_int_equal(f.seq, 0);
	info(&d, 16, 16, 16);
	frames(&d, &seq, 3, 16, 16, 16);
	info(&d, 32, 32, 16);
	frames(&d, &seq, 3, 32, 32, 16);
	uint32_t next = 1;
	while (pd_ring_cursor_next(&c, &f, &stream)) {
		assert_int_equal(f.seq, next);
		next++;
	}
	assert_int_equal(next, seq);
	frames(&d, &seq, 2, 32, 32, 16); /* caught up: the present ring goes on */
	while (pd_ring_cursor_next(&c, &f, &stream))
		assert_int_equal(f.seq, next++);
	assert_int_equal(next, seq);
	assert_int_equal(c.lost, 0);
	pd_ring_cursor_fini(&c);
	pd_device_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starting_after_two_changes_reads_every_ring),
		cmocka_unit_test(lagging_then_keeping_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
