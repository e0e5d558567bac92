/* Stage 4 of analysis.md on real fingers' traces (analysis/presses.c):
 * a finger pumping on a 10 Hz mat without lifting off, its troughs
 * anywhere from 35 to 65 % of the peaks around them, is one press per
 * peak and one pulse set of them all; a real one-frame tap whose spike
 * leaves a 5-frame tail just above contact_off, beside that pulse set, is
 * no press and does not join it. Frames are built here: a Gaussian blob
 * on an 8-bit 16 × 16 mat whose amplitude follows the trace. */
#include "analysis_capture.h"

#include "params.h"

#define ROWS 16
#define COLS 16
#define RATE_HZ 10.0

struct mat {
	struct pd_device_info info;
	struct pd_analysis_params params;
	struct pd_analysis_ids ids;
	struct capture cap;
	struct pd_analysis *a;
	uint8_t cells[ROWS * COLS];
	uint32_t seq;
};

static void mat_open(struct mat *m)
{
	memset(m, 0, sizeof *m);
	m->info.kind = PD_KIND_MAT;
	m->info.rows = ROWS, m->info.cols = COLS;
	m->info.pitch_x_mm = m->info.pitch_y_mm = 10;
	m->info.rate_hz = (float)RATE_HZ;
	m->info.cell_bits = 8;
	m->info.full_scale = 255;
	m->info.unit = PD_UNIT_COUNTS;
	pd_analysis_params_default(&m->params);
	cap_init(&m->cap);
	m->a = pd_analysis_new(&m->info, &m->params, &m->ids, cap_emit, &m->cap);
	assert_non_null(m->a);
}

/* One frame: a blob of peak `amp` counts centred on cell (7, 7) (amp 0:
 * an empty mat; a tail of a few counts is the peak cell alone, as a real
 * one leaves it). */
static void mat_frame(struct mat *m, double amp)
{
	for (int r = 0; r < ROWS; r++)
		for (int c = 0; c < COLS; c++) {
			double d2 = (r - 7) * (r - 7) + (c - 7) * (c - 7);
			double v = amp >= 20 ? amp * exp(-d2 / 2.0) : d2 == 0 ? amp : 0;
			m->cells[r * COLS + c] = (uint8_t)lround(v < 255 ? v : 255);
		}
	struct pd_frame f = { .seq = m->seq, .device_time_us = (uint64_t)llround(m->seq * 1e6 / RATE_HZ),
			      .rows = ROWS, .cols = COLS, .cell_bits = 8, .cells = m->cells };
	f.rx.mono_ns = (int64_t)f.device_time_us * 1000;
	f.rx.utc_ns = f.rx.mono_ns + 1700000000000000000LL;
	m->seq++;
	cap_feed(m->a, &m->cap, &f);
}

static void mat_close(struct mat *m)
{
	cap_flush(m->a, &m->cap);
	pd_analysis_free(m->a);
	struct check_opts o;
	check_opts_init(&o, &m->info, &m->params);
	cap_check(&m->cap, &o);
}

/* Twelve pumps of 1 s (10 frames), peaks 180..220 counts, each trough at
 * `depth[k]` of the smaller of its two peaks, reached and left linearly;
 * touch-down and lift-off ramps at both ends. */
static void pump(struct mat *m, const double *trough_frac)
{
	static const double peak[12] = { 200, 185, 215, 190, 210, 180, 220, 195, 205, 188, 212, 198 };
	for (int k = 0; k < 5; k++) /* touch-down */
		mat_frame(m, peak[0] * (k + 1) / 6.0);
	for (int p = 0; p < 12; p++) {
		double next = p + 1 < 12 ? peak[p + 1] : 0;
		double smaller = next && next < peak[p] ? next : peak[p];
		double trough = p + 1 < 12 ? trough_frac[p] * smaller : 0;
		/* 5 frames down from the peak to the trough, 5 up to the next peak */
		for (int k = 0; k < 5; k++)
			mat_frame(m, peak[p] + (trough - peak[p]) * k / 5.0);
		if (p + 1 == 12)
			break;
		for (int k = 0; k < 5; k++)
			mat_frame(m, trough + (next - trough) * k / 5.0);
	}
	for (int k = 0; k < 10; k++) /* off: the contact ends */
		mat_frame(m, 0);
}

static size_t presses(const struct mat *m)
{
	return cap_count(&m->cap, PD_EV_PRESS, ANY_PHASE);
}

static void pumping_troughs_35_to_65_percent(void **state)
{
	(void)state;
	static const double troughs[11] = { 0.35, 0.65, 0.5, 0.6, 0.45, 0.62, 0.4, 0.65, 0.55, 0.38, 0.64 };
	struct mat m;
	mat_open(&m);
	pump(&m, troughs);
	mat_close(&m);
	assert_int_equal(cap_count(&m.cap, PD_EV_CONTACT, PD_PHASE_START), 1);
	assert_int_equal(presses(&m), 12);
	assert_int_equal(cap_count(&m.cap, PD_EV_PULSES, ANY_PHASE), 1);
	assert_int_equal(cap_nth(&m.cap, PD_EV_PULSES, ANY_PHASE, 0)->u.pulses.count, 12);
	cap_free(&m.cap);
}

static void wiggles_do_not_split(void **state)
{
	(void)state;
	/* troughs at 85-90 % of the peaks: a press that wavers, not a pump */
	static const double shallow[11] = { 0.88, 0.85, 0.9, 0.86, 0.87, 0.89, 0.85, 0.9, 0.86, 0.88, 0.87 };
	struct mat m;
	mat_open(&m);
	pump(&m, shallow);
	mat_close(&m);
	assert_int_equal(presses(&m), 1);
	cap_free(&m.cap);
}

static void a_tap_with_a_tail_is_no_press(void **state)
{
	(void)state;
	/* troughs any rule splits at: only the tap can change the count */
	static const double troughs[11] = { 0.5, 0.4, 0.45, 0.35, 0.5, 0.42, 0.4, 0.48, 0.5, 0.35, 0.45 };
	struct mat m;
	mat_open(&m);
	pump(&m, troughs);
	/* contact_on is 4 % of 255 (10.2 counts), contact_off 2 % (5.1): a
	 * 22-count spike, then 5 frames of 7-9 counts, then nothing */
	static const double tap[] = { 22, 8, 9, 7, 8, 7 };
	for (size_t i = 0; i < sizeof tap / sizeof *tap; i++)
		mat_frame(&m, tap[i]);
	for (int k = 0; k < 10; k++)
		mat_frame(&m, 0);
	mat_close(&m);
	assert_int_equal(cap_count(&m.cap, PD_EV_CONTACT, PD_PHASE_START), 2); /* the tap is a contact */
	assert_int_equal(presses(&m), 12);                                      /* but no press */
	assert_int_equal(cap_count(&m.cap, PD_EV_PULSES, ANY_PHASE), 1);
	assert_int_equal(cap_nth(&m.cap, PD_EV_PULSES, ANY_PHASE, 0)->u.pulses.count, 12);
	cap_free(&m.cap);
}

static void a_press_held_above_contact_on_is_a_press(void **state)
{
	(void)state;
	/* the other side of the tap rule: 4 frames (0.4 s) above contact_on
	 * are a press, whatever its tail */
	struct mat m;
	mat_open(&m);
	static const double press[] = { 60, 80, 70, 50, 8, 7 };
	for (size_t i = 0; i < sizeof press / sizeof *press; i++)
		mat_frame(&m, press[i]);
	for (int k = 0; k < 10; k++)
		mat_frame(&m, 0);
	mat_close(&m);
	assert_int_equal(presses(&m), 1);
	cap_free(&m.cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pumping_troughs_35_to_65_percent),
		cmocka_unit_test(wiggles_do_not_split),
		cmocka_unit_test(a_tap_with_a_tail_is_no_press),
		cmocka_unit_test(a_press_held_above_contact_on_is_a_press),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
