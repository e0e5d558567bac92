/* The analysis stage against analysis.md's behaviour table: each row's
 * scenario (drivers/sim/scenario.h) fed frame by frame into a context, the
 * events collected through the callback and held against the table's
 * expectations and tolerances. Positions, times and peaks to compare with
 * come from the scenario's ground truth (derived from the same keyframes
 * as the frames); what must hold, and how closely, is analysis.md's.
 *
 * Every run is also checked for the structural rules of any event stream
 * (analysis_capture.h: ids never reused, start…end pairing, hold progress
 * once a device second, durations never negative or shrinking, t within
 * the stream, units present). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"
#include "analysis_capture.h"
#include "params.h"
#include "scenario_truth.h"
#include "sim/scenario.h"

/* analysis.md, "Behaviour that must hold (tolerances at a 100 Hz frame rate)" */
#define DUR_TOL_S 0.05      /* hold durations ± 0.05 s */
#define POS_TOL_CELLS 0.25  /* position within 0.25 cell of the blob centre */
#define PEAK_REL_TOL 0.02   /* peak within 2 % of the highest cell */
#define STROKE_LEN_TOL 4.0  /* lengths 80 ± 4 mm */
#define STROKE_DIR_TOL 5.0  /* directions 0°/180° ± 5° */
#define ROLL_LEN_TOL 10.0   /* 200 ± 10 mm */

/* ---- running a scenario ------------------------------------------------- */

struct run {
	struct pd_scenario *sc;
	struct pd_device_info info;
	const struct pd_scenario_truth *truth;
	struct pd_analysis_params params;
	struct pd_analysis_ids ids;
	struct capture cap;
	struct check_opts opts;
	size_t nframes;
	double pitch;
};

static struct pd_scenario *scenario(const struct pd_scenario_params *sp)
{
	struct pd_scenario *sc = NULL;
	char err[256] = "";
	if (pd_scenario_new(&sc, sp, err, sizeof err) != 0)
		fail_msg("pd_scenario_new(%s): %s", sp->name ? sp->name : "(default)", err);
	return sc;
}

static struct pd_analysis *new_context(const struct pd_device_info *info, const struct pd_analysis_params *p,
				       struct pd_analysis_ids *ids, struct capture *cap)
{
	struct pd_analysis *a = pd_analysis_new(info, p, ids, cap_emit, cap);
	if (!a)
		fail_msg("pd_analysis_new returned NULL for a %ux%u %s at %g Hz", info->rows, info->cols,
			 pd_kind_name(info->kind), (double)info->rate_hz);
	return a;
}

/* Feeds the whole scenario (rx as a live source would stamp it), flushes,
 * and checks the stream's structure. */
static void run_scenario(struct run *r, const struct pd_scenario_params *sp)
{
	memset(r, 0, sizeof *r);
	r->sc = scenario(sp);
	pd_scenario_info(r->sc, &r->info);
	r->truth = pd_scenario_truth(r->sc);
	r->pitch = r->info.pitch_x_mm;
	pd_analysis_params_default(&r->params);
	cap_init(&r->cap);
	struct pd_analysis *a = new_context(&r->info, &r->params, &r->ids, &r->cap);
	struct pd_frame f;
	while (pd_scenario_next(r->sc, &f)) {
		f.rx.mono_ns = (int64_t)f.device_time_us * 1000 + 5000000;
		f.rx.utc_ns = f.rx.mono_ns + 1700000000000000000LL;
		cap_feed(a, &r->cap, &f);
		r->nframes++;
	}
	cap_flush(a, &r->cap);
	pd_analysis_free(a);
	check_opts_init(&r->opts, &r->info, &r->params);
	cap_check(&r->cap, &r->opts);
}

static void run_named(struct run *r, const char *name)
{
	run_scenario(r, &(struct pd_scenario_params){ .name = name });
}

static void run_done(struct run *r)
{
	cap_free(&r->cap);
	pd_scenario_free(r->sc);
	memset(r, 0, sizeof *r);
}

/* ---- helpers ------------------------------------------------------------- */

static double ang_diff(double a, double b)
{
	double d = fmod(fabs(a - b), 360.0);
	return d > 180 ? 360 - d : d;
}

/* Distance in cells between two mm positions. */
static double cells_apart(const struct run *r, double x0, double y0, double x1, double y1)
{
	return hypot((x1 - x0) / r->info.pitch_x_mm, r->info.pitch_y_mm > 0 ? (y1 - y0) / r->info.pitch_y_mm : 0);
}

static void expect_count(const struct run *r, const char *scen, enum pd_event_type type, int phase, size_t want,
			 const char *why)
{
	size_t got = cap_count(&r->cap, type, phase);
	if (got != want) {
		cap_dump(&r->cap, scen);
		fail_msg("scenario '%s': expected %zu %s%s%s events (%s), got %zu", scen, want, ev_type_name(type),
			 phase == ANY_PHASE ? "" : "/", phase == ANY_PHASE ? "" : ev_phase_name((enum pd_phase)phase),
			 why, got);
	}
}

/* Ended holds in order of t_start (ties: by x, then y). */
static int by_hold_start(const void *a, const void *b)
{
	const struct pd_ev_hold *x = &(*(const struct pd_event *const *)a)->u.hold;
	const struct pd_ev_hold *y = &(*(const struct pd_event *const *)b)->u.hold;
	if (x->t_start != y->t_start)
		return x->t_start < y->t_start ? -1 : 1;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return (x->y > y->y) - (x->y < y->y);
}

/* The ended hold that is the truth's hold t: starting within the
 * tolerance of it, the nearest to where it is; NULL if none. */
static const struct pd_event *match_hold(const struct run *r, const struct pd_truth_hold *t)
{
	const struct pd_event *best = NULL;
	double best_d = INFINITY;
	for (size_t i = 0; i < r->cap.n; i++) {
		const struct pd_event *e = &r->cap.v[i].ev;
		if (e->type != PD_EV_HOLD || e->phase != PD_PHASE_END || fabs(e->u.hold.t_start - t->t_start) > DUR_TOL_S)
			continue;
		double d = hypot(e->u.hold.x - t->x_mm, e->u.hold.y - t->y_mm);
		if (d < best_d) {
			best_d = d;
			best = e;
		}
	}
	return best;
}

static size_t ended_holds(const struct run *r, const struct pd_event **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->cap.n && n < max; i++)
		if (r->cap.v[i].ev.type == PD_EV_HOLD && r->cap.v[i].ev.phase == PD_PHASE_END)
			out[n++] = &r->cap.v[i].ev;
	qsort(out, n, sizeof *out, by_hold_start);
	return n;
}

static int by_pulse_start(const void *a, const void *b)
{
	const struct pd_event *x = *(const struct pd_event *const *)a, *y = *(const struct pd_event *const *)b;
	return x->u.pulses.t_start < y->u.pulses.t_start ? -1 : x->u.pulses.t_start > y->u.pulses.t_start;
}

static size_t pulse_sets(const struct run *r, const struct pd_event **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->cap.n && n < max; i++)
		if (r->cap.v[i].ev.type == PD_EV_PULSES)
			out[n++] = &r->cap.v[i].ev;
	qsort(out, n, sizeof *out, by_pulse_start);
	return n;
}

static const struct pd_event *contact_end(const struct run *r, uint32_t id)
{
	for (size_t i = 0; i < r->cap.n; i++)
		if (r->cap.v[i].ev.type == PD_EV_CONTACT && r->cap.v[i].ev.phase == PD_PHASE_END &&
		    r->cap.v[i].ev.u.contact.id == id)
			return &r->cap.v[i].ev;
	return NULL;
}

/* A hold as the table wants it: duration ± 0.05 s, reached as expected,
 * settled where the truth says (within 0.25 cell), peak within 2 %. */
static void expect_hold(const struct run *r, const char *scen, const struct pd_event *e,
			const struct pd_truth_hold *t, bool check_peak)
{
	char s[320];
	const struct pd_ev_hold *h = &e->u.hold;
	if (fabs(h->duration - t->duration) > DUR_TOL_S + 1e-9)
		fail_msg("%s: hold lasted %.4f s, expected %.2f ± %.2f s (truth [%.2f, %.2f)): %s", scen, h->duration,
			 t->duration, DUR_TOL_S, t->t_start, t->t_start + t->duration, ev_str(e, s, sizeof s));
	if (fabs(h->t_start - t->t_start) > DUR_TOL_S + 1e-9)
		fail_msg("%s: hold t_start %.4f, expected back-dated to when it settled, %.2f ± %.2f: %s", scen,
			 h->t_start, t->t_start, DUR_TOL_S, ev_str(e, s, sizeof s));
	if (h->reached != t->reached)
		fail_msg("%s: hold of %.2f s reached=%d, expected %d (hold_target_s %.0f): %s", scen, h->duration,
			 h->reached, t->reached, r->params.hold_target_s, ev_str(e, s, sizeof s));
	double d = cells_apart(r, h->x, h->y, t->x_mm, t->y_mm);
	if (d > POS_TOL_CELLS)
		fail_msg("%s: hold at (%.2f, %.2f) mm is %.3f cell from the blob centre (%.2f, %.2f), expected within %.2f",
			 scen, h->x, h->y, d, t->x_mm, t->y_mm, POS_TOL_CELLS);
	if (check_peak && fabs(h->peak - t->peak) > PEAK_REL_TOL * t->peak)
		fail_msg("%s: hold peak %.1f, expected within 2%% of the highest cell %.1f", scen, h->peak, t->peak);
}

/* ---- the table, counts -------------------------------------------------- */

#define TRUTH (-1) /* not in the table's row: as the ground truth derives it */
#define SKIP (-2)  /* not asserted */

struct row {
	const char *scenario;
	const char *says; /* analysis.md's row */
	int contacts, presses, holds, pulses, strokes, rolls;
};

static const struct row table[] = {
	{ "hold", "one blob held still 30 s: 1 contact, 1 press, 1 hold", 1, 1, 1, TRUTH, TRUTH, TRUTH },
	{ "pump", "pumping 12 times without lifting off: 1 contact, 12 presses, 1 pulse set", 1, 12, TRUTH, 1,
	  TRUTH, TRUTH },
	{ "pulses", "3 x 10 s, 5 s fully off: 3 contacts, 3 holds, 1 pulse set", 3, TRUTH, 3, 1, TRUTH, TRUTH },
	{ "glide", "glided back and forth 4 times: 4 strokes, no hold", TRUTH, TRUTH, 0, TRUTH, 4, TRUTH },
	{ "two", "two blobs 50 mm apart, one then lifted: 2 ids", 2, TRUTH, TRUTH, TRUTH, TRUTH, TRUTH },
	{ "idle", "noise below the noise floor: nothing at all", 0, 0, 0, 0, 0, 0 },
	{ "roller", "roller 5 passes then still 20 s: 5 rolls, 1 hold", SKIP, SKIP, 1, SKIP, SKIP, 5 },
};

static void expect_counts(const struct run *r, const struct row *row)
{
	const struct pd_scenario_truth *t = r->truth;
	struct {
		int want;
		size_t truth;
		enum pd_event_type type;
		int phase;
	} c[] = {
		{ row->contacts, t->ncontacts, PD_EV_CONTACT, PD_PHASE_START },
		{ row->presses, t->npresses, PD_EV_PRESS, PD_PHASE_NONE },
		{ row->holds, t->nholds, PD_EV_HOLD, PD_PHASE_END },
		{ row->pulses, t->npulses, PD_EV_PULSES, PD_PHASE_NONE },
		{ row->strokes, t->nstrokes, PD_EV_STROKE, PD_PHASE_NONE },
		{ row->rolls, t->nrolls, PD_EV_ROLL, PD_PHASE_NONE },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		if (c[i].want == SKIP)
			continue;
		/* the generator's truth must agree with the table where it speaks */
		if (c[i].want != TRUTH && (size_t)c[i].want != c[i].truth)
			fail_msg("scenario '%s': ground truth has %zu %s, analysis.md's table says %d: the generator is wrong",
				 row->scenario, c[i].truth, ev_type_name(c[i].type), c[i].want);
		size_t want = c[i].want == TRUTH ? c[i].truth : (size_t)c[i].want;
		expect_count(r, row->scenario, c[i].type, c[i].phase, want,
			     c[i].want == TRUTH ? "by analysis.md's rules, as the ground truth derives them" : row->says);
	}
	/* everything that started, ended (also asserted by cap_check) */
	assert_int_equal(cap_count(&r->cap, PD_EV_CONTACT, PD_PHASE_START), cap_count(&r->cap, PD_EV_CONTACT, PD_PHASE_END));
	assert_int_equal(cap_count(&r->cap, PD_EV_HOLD, PD_PHASE_START), cap_count(&r->cap, PD_EV_HOLD, PD_PHASE_END));
}

static const struct row *row_of(const char *name)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (!strcmp(table[i].scenario, name))
			return &table[i];
	fail_msg("no table row for %s", name);
	return NULL;
}

/* Every row's counts, one scenario after the other (the details follow). */
static void test_table_counts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		struct run r;
		run_named(&r, table[i].scenario);
		expect_counts(&r, &table[i]);
		run_done(&r);
	}
}

/* ---- row 1: one blob held still 30 s ----------------------------------- */

static void test_row_hold(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "hold");
	expect_counts(&r, row_of("hold"));
	const struct pd_scenario_truth *t = r.truth;
	assert_int_equal(t->nholds, 1);
	const struct pd_truth_hold *th = &t->holds[0];
	assert_true(fabs(th->duration - 30.0) < 1e-9 && th->reached);

	/* the hold: 30 ± 0.05 s, reached, at the blob centre, peak within 2 % */
	const struct pd_event *end = cap_nth(&r.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	assert_non_null(end);
	expect_hold(&r, "hold", end, th, true);

	/* reported when hold_min_s was reached, back-dated to when it settled */
	const struct pd_event *start = cap_nth(&r.cap, PD_EV_HOLD, PD_PHASE_START, 0);
	assert_non_null(start);
	double due = th->t_start + r.params.hold_min_s - 1.0 / r.info.rate_hz;
	if (fabs(start->t - due) > DUR_TOL_S)
		fail_msg("hold start reported at t=%.4f, expected when hold_min_s = %g was reached (frame at t=%.2f)",
			 start->t, r.params.hold_min_s, due);
	if (fabs(start->u.hold.t_start - th->t_start) > DUR_TOL_S)
		fail_msg("hold start says t_start %.4f, expected back-dated to %.2f", start->u.hold.t_start, th->t_start);

	/* progress every second from start to end: 27 of them, give or take one */
	size_t np = cap_count(&r.cap, PD_EV_HOLD, PD_PHASE_PROGRESS);
	double span = th->duration - r.params.hold_min_s;
	if (fabs((double)np - span) > 1.0 + 1e-9)
		fail_msg("%zu hold progress events over the %.0f s between start and end: expected one a second", np, span);

	/* the contact: 30 s, and every report of it at the blob centre */
	const struct pd_event *cs = cap_nth(&r.cap, PD_EV_CONTACT, PD_PHASE_START, 0);
	assert_non_null(cs);
	const struct pd_event *ce = contact_end(&r, cs->u.contact.id);
	assert_non_null(ce);
	if (fabs(ce->u.contact.duration - t->contacts[0].duration) > DUR_TOL_S)
		fail_msg("contact lasted %.4f s, expected %.2f (analysis.md: from the first frame to the end of the last; "
			 "release_s not part of it)",
			 ce->u.contact.duration, t->contacts[0].duration);
	assert_int_equal(end->u.hold.contact, cs->u.contact.id);
	size_t nreports = 0;
	for (size_t i = 0; i < r.cap.n; i++) {
		const struct pd_event *e = &r.cap.v[i].ev;
		if (e->type != PD_EV_CONTACT || e->phase == PD_PHASE_END)
			continue;
		nreports++;
		double d = cells_apart(&r, e->u.contact.x, e->u.contact.y, th->x_mm, th->y_mm);
		double dc = hypot(e->u.contact.col - th->col, e->u.contact.row - th->row);
		if (d > POS_TOL_CELLS || dc > POS_TOL_CELLS) {
			char s[320];
			fail_msg("contact at %.3f cell (col/row %.3f cell) from the blob centre (col %.3f, row %.3f), expected "
				 "within %.2f: %s",
				 d, dc, th->col, th->row, POS_TOL_CELLS, ev_str(e, s, sizeof s));
		}
		/* centre of pressure of a symmetric blob: its centre (sanity: within a cell) */
		double dcop = cells_apart(&r, e->u.contact.cop_x, e->u.contact.cop_y, th->x_mm, th->y_mm);
		if (dcop > 1.0)
			fail_msg("centre of pressure (%.2f, %.2f) is %.2f cells from the blob centre", e->u.contact.cop_x,
				 e->u.contact.cop_y, dcop);
		if (fabs(e->u.contact.peak - th->peak) > PEAK_REL_TOL * th->peak)
			fail_msg("contact peak %.1f, expected within 2%% of the highest cell %.1f", e->u.contact.peak,
				 th->peak);
		if (e->u.contact.area_mm2 <= 0)
			fail_msg("contact area %.1f mm² under a 12 mm blob", e->u.contact.area_mm2);
	}
	/* updates are published (at most contact_rate_hz): a 30 s contact gets some */
	if (nreports < 30)
		fail_msg("only %zu contact start/move reports over a 30 s contact (contact_rate_hz %g)", nreports,
			 r.params.contact_rate_hz);

	/* the press: the whole contact, its peak and mean within 2 % */
	const struct pd_event *p = cap_nth(&r.cap, PD_EV_PRESS, PD_PHASE_NONE, 0);
	assert_non_null(p);
	assert_int_equal(p->u.press.contact, cs->u.contact.id);
	if (fabs(p->u.press.duration - t->presses[0].duration) > DUR_TOL_S ||
	    fabs(p->u.press.t_start - t->presses[0].t_start) > DUR_TOL_S)
		fail_msg("the press [%.4f, +%.4f s], expected the whole 30 s touch [%.2f, +%.2f s]", p->u.press.t_start,
			 p->u.press.duration, t->presses[0].t_start, t->presses[0].duration);
	if (fabs(p->u.press.peak - th->peak) > PEAK_REL_TOL * th->peak ||
	    fabs(p->u.press.mean - th->peak) > PEAK_REL_TOL * th->peak)
		fail_msg("press peak %.1f / mean %.1f, expected both within 2%% of %.1f (a still blob)", p->u.press.peak,
			 p->u.press.mean, th->peak);
	run_done(&r);
}

/* ---- row 2: pumping 12 times without lifting off ----------------------- */

static void test_row_pump(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "pump");
	expect_counts(&r, row_of("pump"));
	const struct pd_scenario_truth *t = r.truth;
	const struct pd_event *cs = cap_nth(&r.cap, PD_EV_CONTACT, PD_PHASE_START, 0);
	assert_non_null(cs);
	/* all 12 presses belong to the one contact, one after the other */
	double prev_end = -1;
	for (size_t i = 0; i < 12; i++) {
		const struct pd_event *p = cap_nth(&r.cap, PD_EV_PRESS, PD_PHASE_NONE, i);
		assert_non_null(p);
		if (p->u.press.contact != cs->u.contact.id)
			fail_msg("press %zu belongs to contact %u, expected the one contact %u", i, p->u.press.contact,
				 cs->u.contact.id);
		if (p->u.press.t_start < prev_end - 1e-9)
			fail_msg("press %zu starts at %.4f, before the previous one ended (%.4f)", i, p->u.press.t_start,
				 prev_end);
		prev_end = p->u.press.t_start + p->u.press.duration;
		/* each push is to full pressure: the press's peak is the blob's */
		if (fabs(p->u.press.peak - t->presses[i].peak) > PEAK_REL_TOL * t->presses[i].peak)
			fail_msg("press %zu peak %.1f, expected within 2%% of %.1f", i, p->u.press.peak, t->presses[i].peak);
		/* a press is one push of a 1 s pump: it spans its push's peak */
		if (!(p->u.press.t_start <= t->presses[i].t_peak + 1e-9 &&
		      p->u.press.t_start + p->u.press.duration >= t->presses[i].t_peak - 1e-9))
			fail_msg("press %zu [%.3f, %.3f) does not contain its push's peak at %.2f", i, p->u.press.t_start,
				 p->u.press.t_start + p->u.press.duration, t->presses[i].t_peak);
	}
	/* one pulse set of 12, at the finger, over the whole pumping */
	const struct pd_event *ps = cap_nth(&r.cap, PD_EV_PULSES, PD_PHASE_NONE, 0);
	assert_non_null(ps);
	assert_int_equal(t->npulses, 1);
	if (ps->u.pulses.count != 12 || ps->u.pulses.ndurations != 12)
		fail_msg("pulse set count %u (%u durations), expected 12", ps->u.pulses.count, ps->u.pulses.ndurations);
	double d = cells_apart(&r, ps->u.pulses.x, ps->u.pulses.y, t->pulses[0].x_mm, t->pulses[0].y_mm);
	if (d > POS_TOL_CELLS)
		fail_msg("pulse set at %.3f cell from where the first press was, expected within %.2f", d, POS_TOL_CELLS);
	/* The set runs from touch-down to lift-off. Where one press of a pump
	 * ends and the next begins, analysis.md does not say to the frame; the
	 * first starts at touch-down and the last ends at lift-off, but within
	 * half a pump period (the pressure is at 15 % there) is all we ask. */
	if (fabs(ps->u.pulses.t_start - t->pulses[0].t_start) > 0.5 || fabs(ps->u.pulses.t_end - t->pulses[0].t_end) > 0.5)
		fail_msg("pulse set [%.3f, %.3f], expected about [%.2f, %.2f]", ps->u.pulses.t_start, ps->u.pulses.t_end,
			 t->pulses[0].t_start, t->pulses[0].t_end);
	for (uint32_t i = 0; i < ps->u.pulses.ndurations; i++)
		if (ps->u.pulses.durations[i] > 1.5 || ps->u.pulses.durations[i] < 0.3)
			fail_msg("pulse %u lasted %.3f s; the pushes are 1 s apart", i, ps->u.pulses.durations[i]);
	run_done(&r);
}

/* ---- row 3: 3 × 10 s compressions, 5 s fully off between --------------- */

static void test_row_pulses(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "pulses");
	expect_counts(&r, row_of("pulses"));
	const struct pd_scenario_truth *t = r.truth;
	assert_int_equal(t->nholds, 3);
	const struct pd_event *holds[8];
	size_t nh = ended_holds(&r, holds, 8);
	assert_int_equal(nh, 3);
	uint32_t contacts[3];
	for (size_t i = 0; i < 3; i++) {
		assert_true(fabs(t->holds[i].duration - 10.0) < 1e-9 && !t->holds[i].reached);
		char what[32];
		snprintf(what, sizeof what, "pulses, hold %zu", i + 1);
		expect_hold(&r, what, holds[i], &t->holds[i], true);
		contacts[i] = holds[i]->u.hold.contact;
		for (size_t j = 0; j < i; j++)
			if (contacts[j] == contacts[i])
				fail_msg("holds %zu and %zu both on contact %u; the finger lifted off between them", j + 1, i + 1,
					 contacts[i]);
		/* each contact lasted its 10 s */
		const struct pd_event *ce = contact_end(&r, contacts[i]);
		assert_non_null(ce);
		if (fabs(ce->u.contact.duration - 10.0) > DUR_TOL_S)
			fail_msg("contact %zu lasted %.4f s, expected 10 ± %.2f", i + 1, ce->u.contact.duration, DUR_TOL_S);
	}
	const struct pd_event *ps = cap_nth(&r.cap, PD_EV_PULSES, PD_PHASE_NONE, 0);
	assert_non_null(ps);
	if (ps->u.pulses.count != 3 || ps->u.pulses.ndurations != 3)
		fail_msg("pulse set count %u, expected 3", ps->u.pulses.count);
	for (uint32_t i = 0; i < 3; i++)
		if (fabs(ps->u.pulses.durations[i] - t->pulses[0].durations[i]) > DUR_TOL_S)
			fail_msg("pulse %u lasted %.4f s, expected %.2f ± %.2f", i + 1, ps->u.pulses.durations[i],
				 t->pulses[0].durations[i], DUR_TOL_S);
	if (fabs(ps->u.pulses.t_start - t->pulses[0].t_start) > DUR_TOL_S ||
	    fabs(ps->u.pulses.t_end - t->pulses[0].t_end) > DUR_TOL_S)
		fail_msg("pulse set [%.4f, %.4f], expected [%.2f, %.2f] ± %.2f", ps->u.pulses.t_start, ps->u.pulses.t_end,
			 t->pulses[0].t_start, t->pulses[0].t_end, DUR_TOL_S);
	double d = cells_apart(&r, ps->u.pulses.x, ps->u.pulses.y, t->pulses[0].x_mm, t->pulses[0].y_mm);
	if (d > POS_TOL_CELLS)
		fail_msg("pulse set at %.3f cell from the first press, expected within %.2f", d, POS_TOL_CELLS);
	run_done(&r);
}

/* ---- row 4: glided 80 mm at 20 mm/s, back and forth 4 times ------------ */

static void test_row_glide(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "glide");
	expect_counts(&r, row_of("glide"));
	expect_count(&r, "glide", PD_EV_HOLD, ANY_PHASE, 0, "no hold: it never stays 3 s");
	const struct pd_scenario_truth *t = r.truth;
	assert_int_equal(t->nstrokes, 4);
	const struct pd_event *cs = cap_nth(&r.cap, PD_EV_CONTACT, PD_PHASE_START, 0);
	assert_non_null(cs);
	for (size_t i = 0; i < 4; i++) {
		const struct pd_event *e = cap_nth(&r.cap, PD_EV_STROKE, PD_PHASE_NONE, i);
		assert_non_null(e);
		const struct pd_ev_stroke *s = &e->u.stroke;
		const struct pd_truth_stroke *ts = &t->strokes[i];
		char buf[320];
		assert_true(fabs(ts->length_mm - 80) < 1e-3); /* the generator */
		if (fabs(s->length_mm - ts->length_mm) > STROKE_LEN_TOL)
			fail_msg("stroke %zu is %.2f mm, expected 80 ± %.0f: %s", i + 1, s->length_mm, STROKE_LEN_TOL,
				 ev_str(e, buf, sizeof buf));
		double want_dir = i % 2 == 0 ? 0.0 : 180.0;
		assert_true(ang_diff(ts->direction_deg, want_dir) < 1e-6);
		if (ang_diff(s->direction_deg, want_dir) > STROKE_DIR_TOL)
			fail_msg("stroke %zu heads %.2f°, expected %.0f° ± %.0f°: %s", i + 1, s->direction_deg, want_dir,
				 STROKE_DIR_TOL, ev_str(e, buf, sizeof buf));
		if (s->pass != i + 1)
			fail_msg("stroke %zu has pass %u, expected %zu (each crosses the same spot): %s", i + 1, s->pass, i + 1,
				 ev_str(e, buf, sizeof buf));
		if (s->contact != cs->u.contact.id)
			fail_msg("stroke %zu on contact %u, expected %u", i + 1, s->contact, cs->u.contact.id);
		/* 20 mm/s: a stroke of 80 mm takes about 4 s */
		if (fabs(s->speed_mm_s - ts->speed_mm_s) > 0.1 * ts->speed_mm_s)
			fail_msg("stroke %zu at %.2f mm/s, expected about %.0f: %s", i + 1, s->speed_mm_s, ts->speed_mm_s,
				 ev_str(e, buf, sizeof buf));
	}
	run_done(&r);
}

/* ---- row 5: two blobs held 50 mm apart, one then lifted ---------------- */

static void test_row_two(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "two");
	expect_counts(&r, row_of("two"));
	const struct pd_scenario_truth *t = r.truth;
	assert_int_equal(t->ncontacts, 2);
	/* which id is which blob: by where each started */
	uint32_t id[2] = { 0, 0 };
	for (size_t k = 0; k < 2; k++) {
		const struct pd_event *s = cap_nth(&r.cap, PD_EV_CONTACT, PD_PHASE_START, k);
		assert_non_null(s);
		size_t b = cells_apart(&r, s->u.contact.x, s->u.contact.y, t->contacts[0].x_mm, t->contacts[0].y_mm) <
				   cells_apart(&r, s->u.contact.x, s->u.contact.y, t->contacts[1].x_mm, t->contacts[1].y_mm)
			   ? 0
			   : 1;
		id[b] = s->u.contact.id;
		if (fabs(s->t - t->contacts[b].t_start) > DUR_TOL_S)
			fail_msg("contact %u started at %.4f, expected at %.2f", s->u.contact.id, s->t, t->contacts[b].t_start);
	}
	if (id[0] == id[1])
		fail_msg("both blobs have id %u: expected 2 ids", id[0]);
	/* every report of an id is at its own blob: the ids never swap or change */
	double last_seen[2] = { -1, -1 };
	for (size_t i = 0; i < r.cap.n; i++) {
		const struct pd_event *e = &r.cap.v[i].ev;
		if (e->type != PD_EV_CONTACT)
			continue;
		size_t b = e->u.contact.id == id[0] ? 0 : 1;
		assert_true(e->u.contact.id == id[b]);
		double d = cells_apart(&r, e->u.contact.x, e->u.contact.y, t->contacts[b].x_mm, t->contacts[b].y_mm);
		if (d > POS_TOL_CELLS) {
			char s[320];
			fail_msg("contact %u reported %.3f cell from its blob %zu (expected within %.2f; the ids must not swap): %s",
				 id[b], d, b, POS_TOL_CELLS, ev_str(e, s, sizeof s));
		}
		if (e->phase != PD_PHASE_END)
			last_seen[b] = e->t;
	}
	/* each kept its id to the end of its touch: reported up to it, and
	 * ended with the touch's length */
	for (size_t b = 0; b < 2; b++) {
		double end = t->contacts[b].t_start + t->contacts[b].duration;
		if (last_seen[b] < end - 1.0)
			fail_msg("contact %u (blob %zu, down until %.2f) was last reported at %.2f", id[b], b, end, last_seen[b]);
		const struct pd_event *ce = contact_end(&r, id[b]);
		assert_non_null(ce);
		if (fabs(ce->u.contact.duration - t->contacts[b].duration) > DUR_TOL_S)
			fail_msg("contact %u lasted %.4f s, expected %.2f ± %.2f", id[b], ce->u.contact.duration,
				 t->contacts[b].duration, DUR_TOL_S);
	}
	/* each blob's hold belongs to its contact */
	const struct pd_event *holds[4];
	size_t nh = ended_holds(&r, holds, 4);
	assert_int_equal(nh, t->nholds);
	for (size_t i = 0; i < nh; i++) {
		const struct pd_truth_hold *th = &t->holds[i];
		size_t b = th->contact;
		assert_true(b < 2);
		const struct pd_event *mine = NULL;
		for (size_t j = 0; j < nh; j++)
			if (holds[j]->u.hold.contact == id[b])
				mine = holds[j];
		if (!mine)
			fail_msg("no hold on contact %u (blob %zu)", id[b], b);
		char what[32];
		snprintf(what, sizeof what, "two, blob %zu", b);
		expect_hold(&r, what, mine, th, true);
	}
	run_done(&r);
}

/* ---- row 6: roller ------------------------------------------------------- */

static void test_row_roller(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "roller");
	expect_counts(&r, row_of("roller"));
	const struct pd_scenario_truth *t = r.truth;
	assert_int_equal(t->nrolls, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct pd_event *e = cap_nth(&r.cap, PD_EV_ROLL, PD_PHASE_NONE, i);
		assert_non_null(e);
		const struct pd_ev_roll *o = &e->u.roll;
		const struct pd_truth_roll *tr = &t->rolls[i];
		char s[320];
		if (fabs(o->length_mm - 200) > ROLL_LEN_TOL)
			fail_msg("roll %zu is %.2f mm, expected 200 ± %.0f: %s", i + 1, o->length_mm, ROLL_LEN_TOL,
				 ev_str(e, s, sizeof s));
		int want = i % 2 == 0 ? 1 : -1;
		assert_int_equal(tr->direction, want);
		if (o->direction != want)
			fail_msg("roll %zu direction %+d, expected %+d (alternating, from +1): %s", i + 1, o->direction, want,
				 ev_str(e, s, sizeof s));
		if (fabs(o->from_mm - tr->from_mm) > ROLL_LEN_TOL || fabs(o->to_mm - tr->to_mm) > ROLL_LEN_TOL)
			fail_msg("roll %zu from %.1f to %.1f mm, expected %.0f to %.0f ± %.0f: %s", i + 1, o->from_mm, o->to_mm,
				 tr->from_mm, tr->to_mm, ROLL_LEN_TOL, ev_str(e, s, sizeof s));
		/* where along the axis the load peaked: refined below one cell */
		if (fabs(o->peak_axis_mm - tr->peak_axis_mm) > POS_TOL_CELLS * r.pitch)
			fail_msg("roll %zu peaked at %.2f mm along the axis, expected %.2f ± %.2f cell", i + 1, o->peak_axis_mm,
				 tr->peak_axis_mm, POS_TOL_CELLS);
		if (fabs(o->speed_mm_s - tr->speed_mm_s) > 0.1 * tr->speed_mm_s)
			fail_msg("roll %zu at %.1f mm/s, expected about %.0f", i + 1, o->speed_mm_s, tr->speed_mm_s);
	}
	assert_int_equal(t->nholds, 1);
	const struct pd_event *h = cap_nth(&r.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	assert_non_null(h);
	const struct pd_truth_hold *th = &t->holds[0];
	assert_true(fabs(th->duration - 20) < 1e-9 && !th->reached);
	if (fabs(h->u.hold.duration - th->duration) > DUR_TOL_S)
		fail_msg("roller hold lasted %.4f s, expected 20 ± %.2f", h->u.hold.duration, DUR_TOL_S);
	if (h->u.hold.reached)
		fail_msg("a 20 s hold has not reached the 30 s target");
	if (fabs(h->u.hold.t_start - th->t_start) > DUR_TOL_S)
		fail_msg("roller hold t_start %.4f, expected %.2f", h->u.hold.t_start, th->t_start);
	/* at that position: along the body (the encoder's), and along the axis */
	if (fabs(h->u.hold.y - th->y_mm) > 2.0)
		fail_msg("roller hold at %.2f mm along the body, expected %.1f", h->u.hold.y, th->y_mm);
	if (fabs(h->u.hold.x - th->x_mm) > POS_TOL_CELLS * r.pitch)
		fail_msg("roller hold at %.2f mm along the axis, expected %.2f ± %.2f cell", h->u.hold.x, th->x_mm,
			 POS_TOL_CELLS);
	run_done(&r);
}

/* ---- idle: noise alone makes nothing ------------------------------------ */

static void test_idle(void **state)
{
	(void)state;
	struct run r;
	run_named(&r, "idle");
	if (r.cap.n != 0) {
		cap_dump(&r.cap, "idle");
		fail_msg("noise below the 1%% noise floor produced %zu events, expected none", r.cap.n);
	}
	run_done(&r);
}

/* ---- all: every mat scenario in turn ------------------------------------ */

static void test_all_is_sum_of_parts(void **state)
{
	(void)state;
	static const char *const parts[] = { "hold", "pump", "pulses", "glide", "two", "idle" };
	size_t sum[6] = { 0 };
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct pd_scenario *sc = scenario(&(struct pd_scenario_params){ .name = parts[i] });
		const struct pd_scenario_truth *t = pd_scenario_truth(sc);
		size_t n[6] = { t->ncontacts, t->npresses, t->nholds, t->npulses, t->nstrokes, t->nrolls };
		for (size_t k = 0; k < 6; k++)
			sum[k] += n[k];
		pd_scenario_free(sc);
	}
	/* the parts, from analysis.md's table: 1+1+3+1+2 contacts, 1+12+3+1+2 presses,
	 * 1+3+2 holds, 1+1 pulse sets, 4 strokes */
	static const size_t want[6] = { 8, 19, 6, 2, 4, 0 };
	struct run r;
	run_named(&r, "all");
	const struct pd_scenario_truth *t = r.truth;
	size_t tn[6] = { t->ncontacts, t->npresses, t->nholds, t->npulses, t->nstrokes, t->nrolls };
	static const enum pd_event_type types[6] = { PD_EV_CONTACT, PD_EV_PRESS, PD_EV_HOLD,
						     PD_EV_PULSES,  PD_EV_STROKE, PD_EV_ROLL };
	static const int phases[6] = { PD_PHASE_START, PD_PHASE_NONE, PD_PHASE_END,
				       PD_PHASE_NONE,  PD_PHASE_NONE, PD_PHASE_NONE };
	for (size_t k = 0; k < 6; k++) {
		if (sum[k] != want[k] || tn[k] != want[k])
			fail_msg("generator: %s parts sum to %zu, 'all' truth has %zu, the table %zu", ev_type_name(types[k]),
				 sum[k], tn[k], want[k]);
		expect_count(&r, "all", types[k], phases[k], want[k], "the sum of the parts");
	}
	/* the holds: durations and targets as in the parts (the two blobs of
	 * 'two' settle at the same time: matched by place) */
	const struct pd_event *seen[8] = { NULL };
	for (size_t i = 0; i < t->nholds && i < 8; i++) {
		const struct pd_event *h = match_hold(&r, &t->holds[i]);
		if (!h)
			fail_msg("all: no hold starting at %.2f near (%.1f, %.1f) (truth hold %zu)", t->holds[i].t_start,
				 t->holds[i].x_mm, t->holds[i].y_mm, i + 1);
		for (size_t j = 0; j < i; j++)
			if (seen[j] == h)
				fail_msg("all: truth holds %zu and %zu both matched one hold", j + 1, i + 1);
		seen[i] = h;
		char what[32];
		snprintf(what, sizeof what, "all, hold %zu", i + 1);
		expect_hold(&r, what, h, &t->holds[i], true);
	}
	/* the pulse sets: the pump's 12, then the 3 compressions */
	const struct pd_event *sets[4];
	size_t ns = pulse_sets(&r, sets, 4);
	assert_int_equal(ns, 2);
	for (size_t i = 0; i < ns; i++)
		if (sets[i]->u.pulses.count != t->pulses[i].count)
			fail_msg("all: pulse set %zu has count %u, expected %u", i + 1, sets[i]->u.pulses.count,
				 t->pulses[i].count);
	for (size_t i = 0; i < 4; i++) {
		const struct pd_event *e = cap_nth(&r.cap, PD_EV_STROKE, PD_PHASE_NONE, i);
		assert_non_null(e);
		if (e->u.stroke.pass != t->strokes[i].pass || fabs(e->u.stroke.length_mm - 80) > STROKE_LEN_TOL)
			fail_msg("all: stroke %zu pass %u length %.2f, expected pass %u, 80 ± %.0f mm", i + 1, e->u.stroke.pass,
				 e->u.stroke.length_mm, t->strokes[i].pass, STROKE_LEN_TOL);
	}
	run_done(&r);
}

/* ---- row 7: replayed at any speed: the same events ---------------------- */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* Three contexts see the same frames (the same seq, device time, cells):
 *  A live: rx = device time, fed frame by frame;
 *  B a replay at several times real speed in irregular bursts (rx compressed
 *    and jittered, as a reader of a recording stamps it), each frame's cells
 *    in a fresh copy that is scribbled over as soon as the feed returns (the
 *    context may keep nothing of the frame), A and B fed alternately (no
 *    shared state between contexts);
 *  C a slow replay after A and B have finished, rx all zero.
 * Only device time may count: the three streams must be identical. */
static void replay_identical(const char *name)
{
	struct pd_scenario *sc = scenario(&(struct pd_scenario_params){ .name = name });
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	struct pd_analysis_params p;
	pd_analysis_params_default(&p);
	struct pd_analysis_ids ids_a = { { 0 } }, ids_b = { { 0 } }, ids_c = { { 0 } };
	struct capture ca, cb, cc;
	cap_init(&ca);
	cap_init(&cb);
	cap_init(&cc);
	struct pd_analysis *a = new_context(&info, &p, &ids_a, &ca);
	struct pd_analysis *b = new_context(&info, &p, &ids_b, &cb);
	size_t bytes = pd_frame_cells_bytes(info.rows, info.cols, info.cell_bits);
	size_t cap_frames = (size_t)pd_scenario_frames_per_pass(sc);
	/* keep the frames for C */
	uint8_t *all_cells = malloc(cap_frames * bytes);
	struct pd_frame *frames = calloc(cap_frames, sizeof *frames);
	assert_non_null(all_cells);
	assert_non_null(frames);
	uint64_t rng = 12345;
	int64_t host_ns = 0;
	size_t n = 0;
	struct pd_frame f;
	while (pd_scenario_next(sc, &f)) {
		assert_true(n < cap_frames);
		memcpy(all_cells + n * bytes, f.cells, bytes);
		frames[n] = f;
		frames[n].cells = all_cells + n * bytes;

		struct pd_frame fa = f;
		fa.rx.mono_ns = (int64_t)f.device_time_us * 1000;
		fa.rx.utc_ns = fa.rx.mono_ns + 1700000000000000000LL;
		cap_feed(a, &ca, &fa);

		uint8_t *copy = malloc(bytes);
		assert_non_null(copy);
		memcpy(copy, f.cells, bytes);
		struct pd_frame fb = f;
		fb.cells = copy;
		if (lcg(&rng) % 8 == 0)
			host_ns += (int64_t)(lcg(&rng) % 50000000); /* a stall, then a burst */
		else
			host_ns += (int64_t)(lcg(&rng) % 300000); /* ~7x real speed */
		fb.rx.mono_ns = host_ns;
		fb.rx.utc_ns = 1600000000000000000LL + host_ns;
		cap_feed(b, &cb, &fb);
		memset(copy, 0xA5, bytes);
		free(copy);
		n++;
	}
	cap_flush(a, &ca);
	cap_flush(b, &cb);
	pd_analysis_free(a);
	pd_analysis_free(b);

	struct pd_analysis *c = new_context(&info, &p, &ids_c, &cc);
	for (size_t i = 0; i < n; i++) {
		struct pd_frame fc = frames[i];
		fc.rx = (struct pd_rx_time){ 0, 0 };
		cap_feed(c, &cc, &fc);
	}
	cap_flush(c, &cc);
	pd_analysis_free(c);

	struct check_opts o;
	check_opts_init(&o, &info, &p);
	cap_check(&ca, &o);
	if (ca.n < 10)
		fail_msg("scenario '%s' gave only %zu events: nothing to compare", name, ca.n);
	char what[64];
	snprintf(what, sizeof what, "%s: live vs fast irregular replay", name);
	cap_assert_identical(&ca, &cb, what);
	snprintf(what, sizeof what, "%s: live vs slow replay", name);
	cap_assert_identical(&ca, &cc, what);
	assert_memory_equal(&ids_a, &ids_b, sizeof ids_a);
	assert_memory_equal(&ids_a, &ids_c, sizeof ids_a);

	cap_free(&ca);
	cap_free(&cb);
	cap_free(&cc);
	free(frames);
	free(all_cells);
	pd_scenario_free(sc);
}

static void test_replay_identical_mat(void **state)
{
	(void)state;
	replay_identical("all");
}

static void test_replay_identical_roller(void **state)
{
	(void)state;
	replay_identical("roller");
}

/* ---- ids shared by successive contexts of one device --------------------- */

/* A device whose geometry changed gets a new context with the same ids:
 * the second context's ids continue where the first's stopped. */
static void test_ids_continue_across_contexts(void **state)
{
	(void)state;
	struct pd_analysis_ids ids = { { 0 } };
	struct pd_analysis_params p;
	pd_analysis_params_default(&p);
	struct capture first, second;
	cap_init(&first);
	cap_init(&second);
	struct pd_scenario *sc = scenario(&(struct pd_scenario_params){ .name = "pulses" });
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	struct pd_analysis *a = new_context(&info, &p, &ids, &first);
	struct pd_frame f;
	while (pd_scenario_next(sc, &f))
		cap_feed(a, &first, &f);
	cap_flush(a, &first);
	pd_analysis_free(a);
	pd_scenario_free(sc);
	struct check_opts o;
	check_opts_init(&o, &info, &p);
	cap_check(&first, &o);
	struct pd_analysis_ids after_first = ids;

	/* a different geometry: 24 × 40 */
	sc = scenario(&(struct pd_scenario_params){ .name = "pulses", .rows = 24, .cols = 40 });
	pd_scenario_info(sc, &info);
	a = new_context(&info, &p, &ids, &second);
	while (pd_scenario_next(sc, &f))
		cap_feed(a, &second, &f);
	cap_flush(a, &second);
	pd_analysis_free(a);
	pd_scenario_free(sc);
	check_opts_init(&o, &info, &p);
	memcpy(o.ids_before, after_first.next, sizeof o.ids_before);
	cap_check(&second, &o); /* fails on any id the first context used */
	/* and no id of a type is shared between the two streams */
	for (size_t i = 0; i < first.n; i++)
		for (size_t j = 0; j < second.n; j++) {
			const struct pd_event *x = &first.v[i].ev, *y = &second.v[j].ev;
			if (x->type != y->type || x->type != PD_EV_CONTACT)
				continue;
			if (x->u.contact.id == y->u.contact.id)
				fail_msg("contact id %u used by both contexts sharing the ids", x->u.contact.id);
		}
	assert_int_equal(cap_count(&second, PD_EV_CONTACT, PD_PHASE_START), 3);
	cap_free(&first);
	cap_free(&second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_counts),
		cmocka_unit_test(test_row_hold),
		cmocka_unit_test(test_row_pump),
		cmocka_unit_test(test_row_pulses),
		cmocka_unit_test(test_row_glide),
		cmocka_unit_test(test_row_two),
		cmocka_unit_test(test_row_roller),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_all_is_sum_of_parts),
		cmocka_unit_test(test_replay_identical_mat),
		cmocka_unit_test(test_replay_identical_roller),
		cmocka_unit_test(test_ids_continue_across_contexts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
