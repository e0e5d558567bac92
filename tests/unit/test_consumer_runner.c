/* The consumer runner and the reader's backpressure: the test thread is
 * the device's reader (it drives the decode sink, as the reader thread
 * would), the runners are real threads. A lossless consumer sees every
 * frame in order however slow it is, because the writer waits for it; a
 * lossless one that stalls past its budget is let go, told what it missed,
 * and waited for again once it has caught up; a lossy one never holds the
 * writer back. Stop drains everything, then finishes; requests run on the
 * runner's thread, and one whose caller gave up is discarded there. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "consumer_runner.h"
#include "device.h"
#include "uri.h"

#define RING 64 /* the device's ring at its smallest */

struct seen {
	pthread_t runner_thread;
	_Atomic uint64_t frames, lost, finished_after, caught_up;
	_Atomic uint32_t last_seq;
	_Atomic int out_of_order;
	_Atomic int stall;        /* frame() blocks while set */
	int sleep_us;             /* per frame */
	_Atomic int requests_run, discarded, request_on_runner;
};

static void on_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	(void)dev;
	struct seen *s = ctx;
	s->runner_thread = pthread_self();
	uint64_t n = atomic_load(&s->frames);
	if (n > 0 && cf->frame->seq != atomic_load(&s->last_seq) + 1 && atomic_load(&s->lost) == 0)
		atomic_store(&s->out_of_order, 1);
	if (n == 0 && !cf->new_stream)
		atomic_store(&s->out_of_order, 1);
	if (!cf->info || cf->info->rows != 8)
		atomic_store(&s->out_of_order, 1);
	atomic_store(&s->last_seq, cf->frame->seq);
	atomic_fetch_add(&s->frames, 1);
	while (atomic_load(&s->stall))
		usleep(1000);
	if (s->sleep_us)
		usleep((useconds_t)s->sleep_us);
}

static void on_lost(void *ctx, int dev, uint64_t n)
{
	(void)dev;
	atomic_fetch_add(&((struct seen *)ctx)->lost, n);
}

static void on_caught_up(void *ctx, int dev)
{
	(void)dev;
	atomic_fetch_add(&((struct seen *)ctx)->caught_up, 1);
}

static void on_finish(void *ctx)
{
	struct seen *s = ctx;
	atomic_store(&s->finished_after, atomic_load(&s->frames));
}

static void setup_device(struct pd_device *d)
{
	struct pd_uri u;
	char err[256];
	assert_int_equal(pd_uri_parse("sim:mat?id=m", &u, err, sizeof err), 0);
	assert_int_equal(pd_device_init(d, &u, 0.1, err, sizeof err), 0); /* the smallest ring */
}

static void describe(struct pd_device *d)
{
	struct pd_device_info i = { .kind = PD_KIND_MAT, .cell_bits = 8, .rows = 8, .cols = 8,
				    .pitch_x_mm = 10, .pitch_y_mm = 10, .rate_hz = 100, .full_scale = 255 };
	d->src.sink.info(d->src.sink.ctx, &i);
}

static void write_frames(struct pd_device *d, uint32_t *seq, int n)
{
	static uint8_t cells[64];
	for (int k = 0; k < n; k++, (*seq)++) {
		memset(cells, (int)(*seq & 0xff), sizeof cells);
		struct pd_frame f = { .seq = *seq, .device_time_us = (uint64_t)*seq * 10000, .rows = 8, .cols = 8,
				      .cell_bits = 8, .cells = cells };
		d->src.sink.frame(d->src.sink.ctx, &f);
	}
}

static struct pd_consumer_ops ops(enum pd_consumer_kind kind, double stall_s)
{
	return (struct pd_consumer_ops){
		.name = "test consumer", .kind = kind, .stall_s = stall_s, .frame = on_frame, .lost = on_lost,
		.caught_up = on_caught_up, .finish = on_finish,
	};
}

/* A device that has described itself, with one runner of `kind` on it. */
struct fixture {
	struct pd_device d;
	struct seen s;
	struct pd_consumer_ops o;
	struct pd_runner *r;
};

static struct fixture *start(enum pd_consumer_kind kind, double stall_s, int stalled, int sleep_us)
{
	static struct fixture fx;
	memset(&fx, 0, sizeof fx);
	setup_device(&fx.d);
	atomic_store(&fx.s.stall, stalled);
	fx.s.sleep_us = sleep_us;
	fx.o = ops(kind, stall_s);
	char err[256];
	assert_int_equal(pd_runner_start(&fx.r, &fx.o, &fx.s, &fx.d, 1, err, sizeof err), 0);
	describe(&fx.d);
	return &fx;
}

static void slow_lossless_consumer_sees_every_frame(void **state)
{
	(void)state;
	struct fixture *fx = start(PD_CONSUMER_LOSSLESS, 0, 0, 200);
	struct pd_device *const d = &fx->d;
	struct seen *const s = &fx->s;
	struct pd_runner *const r = fx->r;
	uint32_t seq = 0;
	int64_t t0 = pd_mono_ns();
	write_frames(d, &seq, 10 * RING); /* ten rings' worth, far faster than it takes them */
	int64_t took = pd_mono_ns() - t0;
	pd_runner_stop(r);
	assert_int_equal(atomic_load(&s->frames), 10 * RING);
	assert_int_equal(atomic_load(&s->lost), 0);
	assert_int_equal(atomic_load(&s->out_of_order), 0);
	assert_int_equal(atomic_load(&s->finished_after), 10 * RING); /* finish came after the last frame */
	/* The writer was held back: nine rings at 200 us a frame at least. */
	assert_true(took >= 9LL * RING * 200 * 1000);
	pd_device_free(d);
}

static void lossy_consumer_never_holds_the_writer(void **state)
{
	(void)state;
	struct fixture *fx = start(PD_CONSUMER_LOSSY, 0, 1, 0);
	struct pd_device *const d = &fx->d;
	struct seen *const s = &fx->s;
	struct pd_runner *const r = fx->r;
	uint32_t seq = 0;
	write_frames(d, &seq, 1); /* it takes this one and stalls in it */
	while (atomic_load(&s->frames) == 0)
		usleep(1000);
	write_frames(d, &seq, 5 * RING); /* would block for good if it waited */
	atomic_store(&s->stall, 0);
	pd_runner_stop(r);
	/* The oldest went; what is left of the ring came; all is accounted for. */
	assert_true(atomic_load(&s->lost) > 0);
	assert_int_equal(atomic_load(&s->frames) + atomic_load(&s->lost), 5 * RING + 1);
	assert_int_equal(atomic_load(&s->last_seq), 5 * RING);
	pd_device_free(d);
}

static void stalled_lossless_consumer_is_let_go_and_rejoins(void **state)
{
	(void)state;
	struct fixture *fx = start(PD_CONSUMER_LOSSLESS, 0.3, 1, 0);
	struct pd_device *const d = &fx->d;
	struct seen *const s = &fx->s;
	struct pd_runner *const r = fx->r;
	uint32_t seq = 0;
	int64_t t0 = pd_mono_ns();
	write_frames(d, &seq, 3 * RING); /* waits 0.3 s, then goes on without it */
	int64_t held = pd_mono_ns() - t0;
	assert_true(held >= 300000000LL);
	assert_true(held < 3000000000LL);
	atomic_store(&s->stall, 0);
	while (atomic_load(&s->frames) + atomic_load(&s->lost) < 3 * RING)
		usleep(1000);
	uint64_t lost = atomic_load(&s->lost);
	assert_true(lost > 0);
	assert_int_equal(atomic_load(&s->frames) + lost, 3 * RING);
	/* Caught up: it is waited for again, so a slow patch now loses nothing. */
	s->sleep_us = 200;
	write_frames(d, &seq, 4 * RING);
	pd_runner_stop(r);
	assert_int_equal(atomic_load(&s->lost), lost);
	assert_int_equal(atomic_load(&s->frames) + lost, 7 * RING);
	pd_device_free(d);
}

/* ---- requests ---- */

static void count_request(void *ctx, void *data)
{
	struct seen *s = ctx;
	int *v = data;
	atomic_fetch_add(&s->requests_run, 1);
	if (pthread_equal(pthread_self(), s->runner_thread))
		atomic_fetch_add(&s->request_on_runner, 1);
	*v *= 2;
}

static void count_discard(void *ctx, void *data)
{
	(void)data;
	atomic_fetch_add(&((struct seen *)ctx)->discarded, 1);
}

static void requests_run_on_the_runner(void **state)
{
	(void)state;
	struct fixture *fx = start(PD_CONSUMER_LOSSLESS, 0, 0, 0);
	struct pd_device *const d = &fx->d;
	struct seen *const s = &fx->s;
	struct pd_runner *const r = fx->r;
	uint32_t seq = 0;
	write_frames(d, &seq, 1);
	while (atomic_load(&s->frames) == 0)
		usleep(1000);
	int v = 21;
	assert_int_equal(pd_runner_call(r, count_request, &v, sizeof v, count_discard, 2000), 0);
	assert_int_equal(v, 42); /* answered, the bytes copied back */
	assert_int_equal(atomic_load(&s->request_on_runner), 1);
	assert_int_equal(atomic_load(&s->discarded), 0);
	/* Fire and forget: runs, then is discarded. */
	assert_int_equal(pd_runner_call(r, count_request, &v, sizeof v, count_discard, 0), 0);
	/* One the caller gives up on (the runner is stuck in a frame). */
	atomic_store(&s->stall, 1);
	write_frames(d, &seq, 1);
	while (atomic_load(&s->frames) < 2)
		usleep(1000);
	v = 1;
	assert_int_equal(pd_runner_call(r, count_request, &v, sizeof v, count_discard, 50), -1);
	assert_int_equal(v, 1);
	atomic_store(&s->stall, 0);
	pd_runner_stop(r);
	assert_int_equal(atomic_load(&s->requests_run), 3);
	assert_int_equal(atomic_load(&s->discarded), 2);
	assert_int_equal(atomic_load(&s->request_on_runner), 3);
	pd_device_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slow_lossless_consumer_sees_every_frame),
		cmocka_unit_test(lossy_consumer_never_holds_the_writer),
		cmocka_unit_test(stalled_lossless_consumer_is_let_go_and_rejoins),
		cmocka_unit_test(requests_run_on_the_runner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
