/* report/compare.c: sessions put in time order from their
 * session_start_time, grouped by geometry, and their sites matched across
 * sessions by position within pulse_radius_mm (exactly the radius joins,
 * a hundredth of a millimetre more does not; a chain joins; two sites of
 * one session that both match are added together), with the numbers each
 * site got in each session. Hand-made dose tables: the matching alone. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void iso_times(void **state)
{
	(void)state;
	double t;
	assert_int_equal(pd_report_iso_utc("1970-01-01T00:00:00Z", &t), 0);
	NEAR(t, 0);
	/* as the recorder writes it (layout.c), and rec_write's default start */
	assert_int_equal(pd_report_iso_utc("2026-09-21T14:13:20.000000+00:00", &t), 0);
	NEAR(t, 1790000000);
	assert_int_equal(pd_report_iso_utc("2026-09-21T16:13:20.5+02:00", &t), 0);
	NEAR(t, 1790000000.5);
	assert_int_equal(pd_report_iso_utc("2026-09-21T09:13:20-0500", &t), 0);
	NEAR(t, 1790000000);
	assert_int_equal(pd_report_iso_utc("2024-02-29T00:00:00", &t), 0); /* no offset: UTC */
	NEAR(t, 1709164800);
	assert_int_equal(pd_report_iso_utc("", &t), -1);
	assert_int_equal(pd_report_iso_utc("yesterday", &t), -1);
	assert_int_equal(pd_report_iso_utc("2026-13-01T00:00:00Z", &t), -1);
	assert_int_equal(pd_report_iso_utc("2026-09-21T14:13:20 local", &t), -1);
	assert_int_equal(pd_report_iso_utc(NULL, &t), -1);
}

static struct pd_event hold(double x, double y, double duration, bool reached, double peak)
{
	struct pd_event e = { .type = PD_EV_HOLD, .phase = PD_PHASE_END };
	e.u.hold = (struct pd_ev_hold){ .x = x, .y = y, .duration = duration, .target_s = 30, .reached = reached,
					.peak = peak };
	return e;
}

static struct pd_event pulses(uint32_t count, double each)
{
	struct pd_event e = { .type = PD_EV_PULSES, .phase = PD_PHASE_END };
	e.u.pulses = (struct pd_ev_pulses){ .count = count, .ndurations = count };
	for (uint32_t i = 0; i < count; i++)
		e.u.pulses.durations[i] = each + 0.1 * i;
	return e;
}

static struct pd_event stroke(uint32_t pass)
{
	struct pd_event e = { .type = PD_EV_STROKE };
	e.u.stroke = (struct pd_ev_stroke){ .pass = pass };
	return e;
}

static const struct pd_device_info MAT = { .kind = PD_KIND_MAT, .rows = 32, .cols = 32, .pitch_x_mm = 10,
					   .pitch_y_mm = 10 };
static const struct pd_device_info SMALL = { .kind = PD_KIND_MAT, .rows = 16, .cols = 16, .pitch_x_mm = 10,
					     .pitch_y_mm = 10 };

static void matching(void **state)
{
	(void)state;
	/* early (t 100): a reached 30 s hold at (0, 0), a site at (100, 100) */
	struct pd_event early_h[] = { hold(0, 0, 30.5, true, 200), hold(100, 100, 4, false, 50) };
	size_t eh0[] = { 0 }, eh1[] = { 1 };
	struct pd_report_site early_s[] = {
		{ .x = 0, .y = 0, .npress = 1, .compression_s = 30.5, .peak = 200, .holds = eh0, .nholds = 1 },
		{ .x = 100, .y = 100, .npress = 1, .compression_s = 4, .peak = 50, .holds = eh1, .nholds = 1 },
	};
	/* mid (t 200): (15, 0) and (-15, 0), each exactly the radius from
	 * early's (0, 0): both match it and are added together */
	struct pd_event mid_h[] = { hold(15, 0, 20, false, 150), hold(-15, 0, 12, false, 90) };
	struct pd_event mid_p[] = { pulses(2, 10), pulses(3, 9.9) };
	struct pd_event mid_g[] = { stroke(1), stroke(3), stroke(2) };
	size_t mh0[] = { 0 }, mh1[] = { 1 }, mp[] = { 0, 1 }, mg[] = { 0, 1, 2 };
	struct pd_report_site mid_s[] = {
		{ .x = 15, .y = 0, .npress = 6, .compression_s = 50, .peak = 150, .holds = mh0, .nholds = 1,
		  .pulses = mp, .npulses = 2, .strokes = mg, .nstrokes = 3 },
		{ .x = -15, .y = 0, .npress = 1, .compression_s = 12, .peak = 90, .holds = mh1, .nholds = 1 },
	};
	/* late (t 300, a larger radius of its own): (0, 15.01) is 0.01 mm too
	 * far from (0, 0) for the group's radius, the smallest: 15 */
	struct pd_event late_h[] = { hold(0, 15.01, 31, true, 210) };
	size_t lh0[] = { 0 };
	struct pd_report_site late_s[] = {
		{ .x = 0, .y = 15.01, .npress = 1, .compression_s = 31, .peak = 210, .holds = lh0, .nholds = 1 },
	};
	/* another mat, first of all (t 50): at (0, 0) but not comparable */
	struct pd_event other_h[] = { hold(0, 0, 30, true, 100) };
	struct pd_report_site other_s[] = {
		{ .x = 0, .y = 0, .npress = 1, .compression_s = 30, .peak = 100, .holds = lh0, .nholds = 1 },
	};
	struct pd_report_events ev[] = {
		{ .hold = late_h, .nhold = 1 },
		{ .hold = other_h, .nhold = 1 },
		{ .hold = early_h, .nhold = 2 },
		{ .hold = mid_h, .nhold = 2, .pulses = mid_p, .npulses = 2, .stroke = mid_g, .nstroke = 3 },
	};
	struct pd_report_dose dose[] = { { late_s, 1, NULL, 0 }, { other_s, 1, NULL, 0 }, { early_s, 2, NULL, 0 },
					 { mid_s, 2, NULL, 0 } };
	/* given out of time order; the start time of `mid` is unknown */
	struct pd_report_session s[] = {
		{ &dose[0], &ev[0], &MAT, 300, 20 },
		{ &dose[1], &ev[1], &SMALL, 50, 15 },
		{ &dose[2], &ev[2], &MAT, 100, 15 },
		{ &dose[3], &ev[3], &MAT, NAN, 15 },
	};
	struct pd_report_compare c;
	assert_int_equal(pd_report_compare(s, 4, &c), 0);
	assert_int_equal(c.n, 4);
	/* known times first, ascending; the unknown one last */
	size_t order[] = { 1, 2, 0, 3 };
	assert_memory_equal(c.order, order, sizeof order);

	assert_int_equal(c.ngroups, 2);
	assert_int_equal(c.group[0].rows, 16);
	assert_int_equal(c.group[0].nsessions, 1);
	assert_int_equal(c.group[0].session[0], 1);
	assert_int_equal(c.group[0].nsites, 1);

	const struct pd_report_group *g = &c.group[1];
	assert_int_equal(g->nsessions, 3);
	size_t gs[] = { 2, 0, 3 }; /* early, late, mid */
	assert_memory_equal(g->session, gs, sizeof gs);
	NEAR(g->radius_mm, 15);
	assert_true(g->radius_differs);
	assert_int_equal(g->nsites, 3);

	/* 1: early's (0, 0) with mid's two; first in early's order */
	const struct pd_report_match *m = &g->site[0];
	NEAR(m->x, 0);
	NEAR(m->y, 0);
	assert_true(m->cell[0].present);
	assert_int_equal(m->cell[0].nholds, 1);
	assert_int_equal(m->cell[0].nreached, 1);
	NEAR(m->cell[0].longest_hold_s, 30.5);
	NEAR(m->cell[0].longest_target_s, 30);
	assert_false(m->cell[1].present); /* late */
	const struct pd_report_cell *mc = &m->cell[2];
	assert_true(mc->present);
	NEAR(mc->compression_s, 62);
	assert_int_equal(mc->nholds, 2);
	assert_int_equal(mc->nreached, 0);
	NEAR(mc->longest_hold_s, 20);
	NEAR(mc->peak, 150);
	assert_int_equal(mc->nsets, 2);
	assert_int_equal(mc->best_set_count, 3);
	NEAR(mc->best_set_mean_s, 10); /* 9.9, 10.0, 10.1 */
	assert_int_equal(mc->nglides, 3);
	assert_int_equal(mc->max_pass, 3);

	/* 2: early's (100, 100), early alone */
	NEAR(g->site[1].x, 100);
	assert_true(g->site[1].cell[0].present);
	assert_false(g->site[1].cell[1].present);
	assert_false(g->site[1].cell[2].present);
	NEAR(g->site[1].cell[0].compression_s, 4);

	/* 3: late's (0, 15.01), late alone */
	NEAR(g->site[2].y, 15.01);
	assert_false(g->site[2].cell[0].present);
	assert_true(g->site[2].cell[1].present);
	assert_int_equal(g->site[2].cell[1].nreached, 1);
	NEAR(g->site[2].cell[1].peak, 210);
	pd_report_compare_free(&c);

	/* the radius edge from the other side: 15.01 joins at 15.01 */
	s[0].radius_mm = s[2].radius_mm = s[3].radius_mm = 15.01;
	assert_int_equal(pd_report_compare(s, 4, &c), 0);
	assert_int_equal(c.group[1].nsites, 2);
	assert_false(c.group[1].radius_differs);
	assert_true(c.group[1].site[0].cell[1].present);
	pd_report_compare_free(&c);
}

static void nothing_to_match(void **state)
{
	(void)state;
	struct pd_report_events ev = { 0 };
	struct pd_report_dose d = { 0 };
	struct pd_report_session s[] = { { &d, &ev, &MAT, 1, 15 }, { &d, &ev, &MAT, 0, 15 } };
	struct pd_report_compare c;
	assert_int_equal(pd_report_compare(s, 2, &c), 0);
	assert_int_equal(c.order[0], 1);
	assert_int_equal(c.ngroups, 1);
	assert_int_equal(c.group[0].nsites, 0);
	pd_report_compare_free(&c);
	assert_int_equal(pd_report_compare(s, 0, &c), 0);
	assert_int_equal(c.ngroups, 0);
	pd_report_compare_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso_times),
		cmocka_unit_test(matching),
		cmocka_unit_test(nothing_to_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
