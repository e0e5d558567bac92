/* The scenario generator: deterministic frames, the right lengths, blobs
 * where the ground truth says, and a ground truth that matches analysis.md's
 * behaviour table. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario_truth.h"
#include "sim/scenario.h"

static struct pd_scenario *make(const struct pd_scenario_params *p)
{
	struct pd_scenario *sc = NULL;
	char err[256] = "";
	int rc = pd_scenario_new(&sc, p, err, sizeof err);
	if (rc != 0)
		fail_msg("pd_scenario_new: %s", err);
	assert_non_null(sc);
	return sc;
}

static struct pd_scenario *named(const char *name)
{
	return make(&(struct pd_scenario_params){ .name = name });
}

static unsigned cell(const struct pd_frame *f, size_t i)
{
	const uint8_t *c = f->cells;
	return f->cell_bits == 8 ? c[i] : (unsigned)(c[2 * i] | c[2 * i + 1] << 8);
}

static unsigned frame_max(const struct pd_frame *f, size_t *at)
{
	unsigned best = 0;
	for (size_t i = 0; i < (size_t)f->rows * f->cols; i++) {
		unsigned v = cell(f, i);
		if (v > best) {
			best = v;
			if (at)
				*at = i;
		}
	}
	return best;
}

/* Advances to frame `seq` (from a fresh scenario) and returns it. */
static struct pd_frame frame_no(struct pd_scenario *sc, uint64_t seq)
{
	pd_scenario_skip(sc, seq);
	struct pd_frame f;
	assert_true(pd_scenario_next(sc, &f));
	assert_int_equal(f.seq, (uint32_t)seq);
	return f;
}

static void test_deterministic(void **state)
{
	(void)state;
	const struct pd_scenario_params p = { .name = "pump", .seed = 7, .cell_bits = 16 };
	struct pd_scenario *a = make(&p), *b = make(&p);
	struct pd_scenario *c = make(&(struct pd_scenario_params){ .name = "pump", .seed = 8 });
	struct pd_frame fa, fb, fc;
	size_t bytes = pd_frame_cells_bytes(32, 32, 16);
	int differs = 0;
	while (pd_scenario_next(a, &fa)) {
		assert_true(pd_scenario_next(b, &fb));
		assert_true(pd_scenario_next(c, &fc));
		assert_int_equal(fa.seq, fb.seq);
		assert_int_equal(fa.device_time_us, fb.device_time_us);
		assert_memory_equal(fa.cells, fb.cells, bytes);
		differs += memcmp(fa.cells, fc.cells, bytes) != 0;
	}
	assert_false(pd_scenario_next(b, &fb));
	assert_true(differs > 1000); /* the seed is the noise */
	pd_scenario_free(a);
	pd_scenario_free(b);
	pd_scenario_free(c);
}

/* A frame depends on (params, seq) only, not on what came before. */
static void test_skip_is_random_access(void **state)
{
	(void)state;
	struct pd_scenario *a = named("glide"), *b = named("glide");
	struct pd_frame fa, fb;
	for (int i = 0; i <= 700; i++)
		assert_true(pd_scenario_next(a, &fa));
	fb = frame_no(b, 700);
	assert_int_equal(fa.seq, 700);
	assert_int_equal(fa.device_time_us, fb.device_time_us);
	assert_memory_equal(fa.cells, fb.cells, pd_frame_cells_bytes(32, 32, 16));
	pd_scenario_free(a);
	pd_scenario_free(b);
}

static void test_durations(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		double s;
	} want[] = { { "hold", 33 }, { "pump", 15 }, { "pulses", 43 }, { "glide", 20 },
		     { "two", 18 },  { "idle", 10 }, { "all", 139 },   { "roller", 33.5 } };
	size_t listed = 0;
	for (const struct pd_scenario_desc *d = pd_scenario_list(); d->name; d++) {
		listed++;
		assert_non_null(d->summary);
	}
	assert_int_equal(listed, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		struct pd_scenario *sc = named(want[i].name);
		assert_float_equal(pd_scenario_duration_s(sc), want[i].s, 1e-9);
		assert_float_equal(pd_scenario_truth(sc)->duration_s, want[i].s, 1e-9);
		assert_int_equal(pd_scenario_frames_per_pass(sc), (uint64_t)llround(want[i].s * 100));
		pd_scenario_free(sc);
	}
}

static void count_frames(const char *name, float rate, uint64_t want)
{
	struct pd_scenario *sc = make(&(struct pd_scenario_params){ .name = name, .rate_hz = rate });
	assert_int_equal(pd_scenario_frames_per_pass(sc), want);
	struct pd_frame f;
	uint64_t n = 0, last_t = 0;
	while (pd_scenario_next(sc, &f)) {
		assert_int_equal(f.seq, n);
		/* device time is seq / rate */
		assert_int_equal(f.device_time_us, (uint64_t)llround((double)n * 1e6 / rate));
		assert_true(n == 0 || f.device_time_us > last_t);
		last_t = f.device_time_us;
		n++;
	}
	assert_int_equal(n, want);
	pd_scenario_free(sc);
}

static void test_frame_count_at_rate(void **state)
{
	(void)state;
	count_frames("hold", 100, 3300);
	count_frames("hold", 1, 33);
	count_frames("hold", 7, 231);
	count_frames("roller", 7, 235); /* 33.5 s × 7 = 234.5: the last partial frame counts */
	count_frames("idle", 2000, 20000);
	count_frames("pump", 12.5f, 188);
}

static void test_loop_continues(void **state)
{
	(void)state;
	struct pd_scenario *sc = make(&(struct pd_scenario_params){ .name = "idle", .rate_hz = 10, .loop = true });
	struct pd_frame f;
	for (int i = 0; i < 250; i++) {
		assert_true(pd_scenario_next(sc, &f));
		assert_int_equal(f.seq, i);
		assert_int_equal(f.device_time_us, (uint64_t)i * 100000);
	}
	pd_scenario_free(sc);
}

/* The hold blob: its highest cell is the cell nearest the truth's position,
 * and holds the truth's peak, give or take the noise. */
static void test_hold_peak(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("hold");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->nholds, 1);
	const struct pd_truth_hold *h = &t->holds[0];
	struct pd_frame f = frame_no(sc, 1500);
	size_t at = 0;
	unsigned top = frame_max(&f, &at);
	assert_int_equal(at / 32, lround(h->row));
	assert_int_equal(at % 32, lround(h->col));
	/* off the cell grid, as the truth says */
	assert_true(fabs(h->col - round(h->col)) > 0.1 && fabs(h->row - round(h->row)) > 0.1);
	assert_true(fabs((double)top - h->peak) <= 0.0075 * 4095 + 1);
	assert_true(h->peak > 0.55 * 4095 && h->peak < 0.6 * 4095 + 1);
	/* before touch-down and after lift-off: nothing but noise below 1 % */
	struct pd_scenario *sc2 = named("hold");
	f = frame_no(sc2, 99);
	assert_true(frame_max(&f, NULL) < 41);
	pd_scenario_free(sc2);
	sc2 = named("hold");
	f = frame_no(sc2, 3100);
	assert_true(frame_max(&f, NULL) < 41);
	pd_scenario_free(sc2);
	sc2 = named("hold");
	f = frame_no(sc2, 3099); /* the last frame of the hold */
	assert_true(frame_max(&f, NULL) > 2000);
	pd_scenario_free(sc2);
	pd_scenario_free(sc);
}

static void test_noise_floor(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("idle");
	struct pd_frame f;
	unsigned top = 0;
	size_t nonzero = 0, cells = 0;
	while (pd_scenario_next(sc, &f)) {
		unsigned m = frame_max(&f, NULL);
		top = m > top ? m : top;
		for (size_t i = 0; i < 1024; i++)
			nonzero += cell(&f, i) != 0;
		cells += 1024;
	}
	assert_true(top > 0);
	assert_true(top < 41); /* below analysis.md's default noise floor, 1 % of 4095 */
	assert_true(nonzero > cells / 4 && nonzero < cells * 3 / 4); /* clamped at zero */
	pd_scenario_free(sc);
}

static void test_truth_hold_pump_pulses(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("hold");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 1);
	assert_int_equal(t->npresses, 1);
	assert_int_equal(t->nholds, 1);
	assert_int_equal(t->npulses, 0);
	assert_int_equal(t->nstrokes, 0);
	assert_float_equal(t->holds[0].t_start, 1.0, 1e-9);
	assert_float_equal(t->holds[0].duration, 30.0, 1e-9);
	assert_true(t->holds[0].reached);
	assert_float_equal(t->hold_target_s, 30, 0);
	pd_scenario_free(sc);

	sc = named("pump");
	t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 1);
	assert_int_equal(t->npresses, 12);
	assert_int_equal(t->nholds, 0);
	assert_int_equal(t->npulses, 1);
	assert_int_equal(t->pulses[0].count, 12);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(t->presses[i].contact, 0);
		assert_float_equal(t->presses[i].duration, 1.0, 1e-9);
		assert_float_equal(t->presses[i].t_peak, 1.5 + i, 1e-9);
	}
	pd_scenario_free(sc);

	sc = named("pulses");
	t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 3);
	assert_int_equal(t->nholds, 3);
	for (int i = 0; i < 3; i++) {
		assert_float_equal(t->holds[i].duration, 10.0, 1e-9);
		assert_false(t->holds[i].reached);
		assert_float_equal(t->holds[i].t_start, 1.0 + 15 * i, 1e-9);
	}
	assert_int_equal(t->npulses, 1);
	assert_int_equal(t->pulses[0].count, 3);
	assert_float_equal(t->pulses[0].durations[2], 10.0, 1e-9);
	pd_scenario_free(sc);
}

static void test_truth_glide(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("glide");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 1);
	assert_int_equal(t->nholds, 0);
	assert_int_equal(t->nstrokes, 4);
	for (uint32_t i = 0; i < 4; i++) {
		const struct pd_truth_stroke *s = &t->strokes[i];
		assert_float_equal(s->length_mm, 80, 1e-3);
		assert_float_equal(s->speed_mm_s, 20, 1e-3);
		assert_float_equal(s->duration, 4, 1e-9);
		assert_float_equal(s->direction_deg, (i % 2 ? 180.0 : 0.0), 1e-6);
		assert_int_equal(s->pass, i + 1);
	}
	/* the blob really is where the truth says mid-stroke (t = 3.5 s: 40 mm in) */
	struct pd_frame f = frame_no(sc, 350);
	size_t at = 0;
	frame_max(&f, &at);
	double x = (t->strokes[0].x0 + t->strokes[0].x1) / 2;
	assert_int_equal(at % 32, lround(x / 10));
	pd_scenario_free(sc);
}

static void test_truth_two(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("two");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 2);
	assert_int_not_equal(t->contacts[0].blob, t->contacts[1].blob);
	assert_float_equal(hypot(t->contacts[0].x_mm - t->contacts[1].x_mm,
				 t->contacts[0].y_mm - t->contacts[1].y_mm), 50, 1e-3);
	assert_float_equal(t->contacts[0].duration, 10, 1e-9);
	assert_float_equal(t->contacts[1].duration, 15, 1e-9);
	assert_int_equal(t->npulses, 0);
	pd_scenario_free(sc);
}

/* `all` is the mat scenarios in turn, each at its own station: its truth is
 * theirs added up, shifted in time, with no pulse set spanning two. */
static void test_truth_all(void **state)
{
	(void)state;
	static const char *const parts[] = { "hold", "pump", "pulses", "glide", "two", "idle" };
	size_t c = 0, p = 0, h = 0, ps = 0, s = 0;
	for (size_t i = 0; i < 6; i++) {
		struct pd_scenario *sc = named(parts[i]);
		const struct pd_scenario_truth *t = pd_scenario_truth(sc);
		c += t->ncontacts, p += t->npresses, h += t->nholds, ps += t->npulses, s += t->nstrokes;
		pd_scenario_free(sc);
	}
	struct pd_scenario *sc = named("all");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, c);
	assert_int_equal(t->npresses, p);
	assert_int_equal(t->nholds, h);
	assert_int_equal(t->npulses, ps);
	assert_int_equal(t->nstrokes, s);
	assert_int_equal(t->nrolls, 0);
	assert_float_equal(t->contacts[1].t_start, 33 + 1, 1e-9); /* pump after hold */
	pd_scenario_free(sc);
	/* the same on a 16 x 16 mat, where the stations are pulled in */
	sc = make(&(struct pd_scenario_params){ .name = "all", .rows = 16, .cols = 16 });
	assert_int_equal(pd_scenario_truth(sc)->npulses, ps);
	pd_scenario_free(sc);
}

static void test_truth_roller(void **state)
{
	(void)state;
	struct pd_scenario *sc = make(&(struct pd_scenario_params){ .kind = PD_KIND_ROLLER });
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	assert_int_equal(t->ncontacts, 0);
	assert_int_equal(t->nstrokes, 0);
	assert_int_equal(t->nrolls, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_float_equal(t->rolls[i].length_mm, 200, 1e-3);
		assert_float_equal(t->rolls[i].speed_mm_s, 100, 1e-3);
		assert_int_equal(t->rolls[i].direction, i % 2 ? -1 : 1);
	}
	assert_int_equal(t->nholds, 1);
	assert_float_equal(t->holds[0].duration, 20, 1e-9);
	assert_float_equal(t->holds[0].y_mm, t->rolls[4].to_mm, 1e-9);
	pd_scenario_free(sc);
}

/* The encoder, turned back into millimetres, is the body position. */
static void test_roller_encoder(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("roller");
	const struct pd_scenario_truth *t = pd_scenario_truth(sc);
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	assert_int_equal(info.kind, PD_KIND_ROLLER);
	assert_int_equal(info.rows, 1);
	assert_int_equal(info.cols, 16);
	assert_true(info.radius_mm > 0 && info.counts_per_rev > 0);
	assert_float_equal(info.pitch_y_mm, 0, 0);
	double count_mm = 2 * M_PI * info.radius_mm / info.counts_per_rev;

	struct pd_frame f;
	double prev = -1;
	while (pd_scenario_next(sc, &f)) {
		assert_true(f.has_encoder);
		assert_int_equal(f.rows, 1);
		double pos = pd_roller_position_mm(&info, f.encoder);
		double t_s = f.device_time_us / 1e6;
		if (t_s < t->rolls[0].t_start)
			assert_float_equal(pos, t->rolls[0].from_mm, count_mm);
		if (t_s >= t->holds[0].t_start)
			assert_float_equal(pos, t->holds[0].y_mm, count_mm);
		/* mid first roll: half way, and moving up */
		if (f.seq == 250) {
			assert_float_equal(pos, 150, count_mm);
			assert_true(pos > prev);
		}
		prev = pos;
	}
	/* the mapping itself: one turn is 2πr */
	assert_float_equal(pd_roller_position_mm(&info, (int32_t)info.counts_per_rev),
			   2 * M_PI * info.radius_mm, 1e-6);
	assert_float_equal(pd_roller_position_mm(&info, -(int32_t)info.counts_per_rev / 2),
			   -M_PI * info.radius_mm, 1e-6);
	pd_scenario_free(sc);
}

static void test_8bit_clamp(void **state)
{
	(void)state;
	/* peak at 150 % of full scale: the blob saturates at full_scale, never wraps */
	struct pd_scenario *sc = make(&(struct pd_scenario_params){
		.name = "hold", .cell_bits = 8, .peak_fraction = 1.5f });
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	assert_int_equal(info.cell_bits, 8);
	assert_int_equal(info.full_scale, 254);
	struct pd_frame f = frame_no(sc, 1500);
	assert_int_equal(f.cell_bits, 8);
	assert_int_equal(frame_max(&f, NULL), 254);
	size_t saturated = 0;
	for (size_t i = 0; i < 1024; i++)
		saturated += cell(&f, i) == 254;
	assert_true(saturated >= 3); /* the cells within 10.8 mm of the centre */
	pd_scenario_free(sc);

	sc = make(&(struct pd_scenario_params){ .name = "hold", .cell_bits = 16, .full_scale = 1000,
						.peak_fraction = 2 });
	f = frame_no(sc, 1500);
	assert_int_equal(frame_max(&f, NULL), 1000);
	pd_scenario_free(sc);
}

static void test_small_and_odd_mats(void **state)
{
	(void)state;
	static const char *const fit8[] = { "hold", "pump", "pulses", "idle" };
	for (size_t i = 0; i < 4; i++) {
		struct pd_scenario *sc = make(&(struct pd_scenario_params){ .name = fit8[i], .rows = 8, .cols = 8,
									    .cell_bits = 8 });
		struct pd_frame f;
		assert_true(pd_scenario_next(sc, &f));
		assert_int_equal(f.rows, 8);
		pd_scenario_free(sc);
	}
	struct pd_scenario *sc = make(&(struct pd_scenario_params){ .name = "hold", .rows = 11, .cols = 37, .pitch_mm = 6 });
	const struct pd_truth_hold *h = &pd_scenario_truth(sc)->holds[0];
	struct pd_frame f = frame_no(sc, 1000);
	size_t at = 0;
	frame_max(&f, &at);
	assert_int_equal(at / 37, lround(h->row));
	assert_int_equal(at % 37, lround(h->col));
	pd_scenario_free(sc);
}

static void expect_reject(const struct pd_scenario_params *p, const char *why)
{
	struct pd_scenario *sc = (struct pd_scenario *)1;
	char err[256] = "";
	assert_int_equal(pd_scenario_new(&sc, p, err, sizeof err), -1);
	assert_null(sc);
	if (!strstr(err, why))
		fail_msg("expected '%s' in: %s", why, err);
}

static void test_bad_params(void **state)
{
	(void)state;
	expect_reject(&(struct pd_scenario_params){ .name = "nope" }, "unknown scenario 'nope'");
	expect_reject(&(struct pd_scenario_params){ .rows = 7 }, "rows must be 8..1024");
	expect_reject(&(struct pd_scenario_params){ .cols = 2000 }, "cols must be 8..1024");
	expect_reject(&(struct pd_scenario_params){ .cell_bits = 12 }, "cell_bits must be 8 or 16");
	expect_reject(&(struct pd_scenario_params){ .rate_hz = 0.5f }, "rate must be 1..2000");
	expect_reject(&(struct pd_scenario_params){ .rate_hz = 2001 }, "rate must be 1..2000");
	expect_reject(&(struct pd_scenario_params){ .rate_hz = NAN }, "rate must be 1..2000");
	expect_reject(&(struct pd_scenario_params){ .pitch_mm = -1 }, "pitch");
	expect_reject(&(struct pd_scenario_params){ .cell_bits = 8, .full_scale = 300 }, "full_scale 300");
	expect_reject(&(struct pd_scenario_params){ .name = "roller", .kind = PD_KIND_MAT }, "is for a roller");
	expect_reject(&(struct pd_scenario_params){ .name = "hold", .kind = PD_KIND_ROLLER }, "is for a mat");
	expect_reject(&(struct pd_scenario_params){ .kind = PD_KIND_ROLLER, .rows = 2 }, "1 row");
	expect_reject(&(struct pd_scenario_params){ .kind = 3 }, "kind");
	expect_reject(&(struct pd_scenario_params){ .name = "glide", .rows = 8, .cols = 8 }, "does not fit");
	expect_reject(&(struct pd_scenario_params){ .name = "two", .rows = 32, .cols = 10 }, "does not fit");
}

/* SET_RATE: device time and the scenario's clock stay continuous. */
static void test_set_rate(void **state)
{
	(void)state;
	struct pd_scenario *sc = named("hold");
	struct pd_frame f;
	pd_scenario_skip(sc, 1000); /* 10 s in */
	assert_int_equal(pd_scenario_set_rate(sc, 50), 0);
	assert_int_equal(pd_scenario_set_rate(sc, 0), -1);
	assert_int_equal(pd_scenario_set_rate(sc, 2500), -1);
	assert_true(pd_scenario_next(sc, &f));
	assert_int_equal(f.seq, 1000);
	assert_int_equal(f.device_time_us, 10000000);
	assert_true(pd_scenario_next(sc, &f));
	assert_int_equal(f.device_time_us, 10020000);
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	assert_float_equal(info.rate_hz, 50, 0);
	/* the rest of the 33 s pass at 50 Hz: 23 s = 1150 frames, 2 made */
	uint64_t n = 2;
	while (pd_scenario_next(sc, &f))
		n++;
	assert_int_equal(n, 1150);
	pd_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_skip_is_random_access),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_frame_count_at_rate),
		cmocka_unit_test(test_loop_continues),
		cmocka_unit_test(test_hold_peak),
		cmocka_unit_test(test_noise_floor),
		cmocka_unit_test(test_truth_hold_pump_pulses),
		cmocka_unit_test(test_truth_glide),
		cmocka_unit_test(test_truth_two),
		cmocka_unit_test(test_truth_all),
		cmocka_unit_test(test_truth_roller),
		cmocka_unit_test(test_roller_encoder),
		cmocka_unit_test(test_8bit_clamp),
		cmocka_unit_test(test_small_and_odd_mats),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_set_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
