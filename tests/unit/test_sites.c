/* Stage 9 (analysis.md, "Sites and bouts") against its behaviour rows, at
 * 100 Hz and at 10 Hz: a finger scripted as presses and glides (a blob on
 * a 32 × 64 mat of 10 mm pitch, or a roller's load at an encoder
 * position), fed frame by frame, marks given between frames; the site
 * events held against the rows, and every stream checked for the
 * structural rules of analysis_capture.h (a bout is start, update…, end;
 * ids never reused; verdicts consistent with the figures; `rest` exactly
 * when over; remaining_s only with `hold`). */
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
#include "finger_script.h"
#include "params.h"

/* ---- the rows ------------------------------------------------------------------------ */

/* A hold of 30 s at A, then 4 glide passes of 80 mm across A: one site,
 * bout 1 compressed, glided, combined, passes 1..4; next hold → release →
 * glide → done. Then glides across A again 70 s after its last pass: bout 2
 * of the same site, passes 1, 2, 3. */
static void test_hold_then_glide(void **state)
{
	(void)state;
	FOR_RATES {
		struct step st[16];
		size_t n = 0;
		st[n++] = (struct step){ ON, 200, 150, 0, 0, 30 };
		st[n++] = (struct step){ OFF, 0, 0, 0, 0, 2 };
		n += glides(st + n, 4, 200, 150);
		st[n++] = (struct step){ OFF, 0, 0, 0, 0, 70 };
		n += glides(st + n, 3, 200, 150);
		struct script sc = { st, n, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		if (getenv("DUMP")) cap_dump(&r.cap, "dbg");
		assert_int_equal(count_sites(&r), 1);
		const struct pd_ev_stroke *sk[16] = { 0 };
		size_t ns = strokes(&r, sk, 16);
		assert_int_equal(ns, 7);
		uint32_t id = sk[0]->site;
		for (size_t i = 0; i < ns; i++) {
			assert_int_equal(sk[i]->site, id);
			assert_int_equal(sk[i]->pass, i < 4 ? i + 1 : i - 3);
		}
		double t;
		const struct pd_ev_site *b1 = bout_end(&r, id, 1, &t);
		assert_true(b1->compressed && b1->glided && b1->combined && !b1->over && b1->hold_reached);
		assert_int_equal(b1->passes, 4);
		assert_true(fabs(b1->hold_s - 30) <= 0.05);
		assert_true(fabs(b1->x - 200) <= 2.5 && fabs(b1->y - 150) <= 2.5); /* the compression's spot */
		assert_true(b1->direction_deg < 5 || b1->direction_deg > 175);
		assert_true(b1->spread_deg < 5);
		assert_string_equal(b1->next, "done");
		char seq[256];
		next_seq(&r, id, 1, seq, sizeof seq);
		assert_string_equal(seq, "hold release glide done");
		const struct pd_ev_site *b2 = bout_end(&r, id, 2, &t);
		assert_int_equal(b2->passes, 3);
		assert_false(b2->compressed);
		assert_true(b2->glided && !b2->combined);
		assert_string_equal(b2->next, "press"); /* glided only: compress first */
		/* every press, hold and pulse set says its site: A */
		for (size_t i = 0; i < r.cap.n; i++) {
			const struct pd_event *e = &r.cap.v[i].ev;
			if (e->type == PD_EV_PRESS)
				assert_int_equal(e->u.press.site, id);
			if (e->type == PD_EV_HOLD)
				assert_int_equal(e->u.hold.site, id);
		}
		cap_free(&r.cap);
	}
}

/* 3 × 10 s compressions 5 s apart at B: pulses 3, compressed; next from
 * the second press on: hold (10 s to go) → release → pulse → …; glide after
 * the third. */
static void test_pulses(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ ON, 300, 100, 0, 0, 10 }, { OFF, 0, 0, 0, 0, 5 }, { ON, 300, 100, 0, 0, 10 },
					  { OFF, 0, 0, 0, 0, 5 }, { ON, 300, 100, 0, 0, 10 });
		struct script sc = { st, 5, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		assert_int_equal(count_sites(&r), 1);
		uint32_t id = 0;
		for (size_t i = 0; i < r.cap.n; i++)
			if (r.cap.v[i].ev.type == PD_EV_PULSES)
				id = r.cap.v[i].ev.u.pulses.site;
		double t;
		const struct pd_ev_site *b = bout_end(&r, id, 1, &t);
		assert_int_equal(b->pulses, 3);
		assert_true(fabs(b->pulse_s - 10) <= 0.05);
		assert_true(b->compressed && !b->hold_reached && !b->glided && !b->over);
		assert_true(fabs(b->compression_s - 30) <= 0.15);
		char seq[256];
		next_seq(&r, id, 1, seq, sizeof seq);
		assert_string_equal(seq, "hold pulse hold release pulse hold release glide");
		/* the second press: 10 s to go, counting down */
		const struct pd_ev_site *s2 = site_after(&r, id, 15.0, &t);
		assert_non_null(s2);
		assert_string_equal(s2->next, "hold");
		assert_true(s2->remaining_s <= 10 && s2->remaining_s > 9.5);
		cap_free(&r.cap);
	}
}

/* 7 passes across C: its bout is over from the 6th pass: next rest. */
static void test_over_by_passes(void **state)
{
	(void)state;
	FOR_RATES {
		struct step st[8];
		size_t n = glides(st, 7, 300, 200);
		struct script sc = { st, n, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		const struct pd_ev_stroke *sk[8] = { 0 };
		assert_int_equal(strokes(&r, sk, 8), 7);
		uint32_t id = sk[0]->site;
		/* after each stroke, the site's next event says */
		for (size_t i = 0, k = 0; i < r.cap.n; i++) {
			if (r.cap.v[i].ev.type != PD_EV_STROKE)
				continue;
			k++;
			const struct pd_ev_site *s = NULL;
			for (size_t j = i + 1; j < r.cap.n && !s; j++)
				if (r.cap.v[j].ev.type == PD_EV_SITE)
					s = &r.cap.v[j].ev.u.site;
			assert_non_null(s);
			assert_int_equal(s->id, id);
			assert_int_equal(s->passes, k);
			assert_int_equal(s->over, k >= 6);
			assert_string_equal(s->next, k >= 6 ? "rest" : "press");
		}
		assert_true(bout_end(&r, id, 1, NULL)->over);
		cap_free(&r.cap);
	}
}

/* A press at D with a `sensation` mark 15 s into it: compressed
 * (released), next release until it ends, then glide. */
static void test_sensation_releases(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ ON, 100, 100, 0, 0, 20 });
		const struct mark_at mk[] = { { 15.0, "sensation" } };
		struct script sc = { st, 1, mk, 1, 65 };
		struct result r;
		run(&r, &sc, RATE);
		double t;
		const struct pd_ev_site *b = bout_end(&r, 0, 1, &t);
		assert_true(b->released && b->compressed && !b->hold_reached && !b->over);
		char seq[128];
		next_seq(&r, 0, 1, seq, sizeof seq);
		assert_string_equal(seq, "hold release glide");
		const struct pd_ev_site *s = site_after(&r, 0, 15.0, &t);
		assert_true(fabs(t - 15.0) < 1e-9 && s->released); /* at the frame it arrived with */
		cap_free(&r.cap);
	}
}

/* A bout ends exactly bout_gap_s after its last work, at both rates. */
static void test_bout_ends_at_gap(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ OFF, 0, 0, 0, 0, 1 }, { ON, 100, 100, 0, 0, 5 });
		struct script sc = { st, 2, NULL, 0, 70 };
		struct result r;
		run(&r, &sc, RATE);
		double t;
		const struct pd_ev_site *b = bout_end(&r, 0, 1, &t);
		assert_true(fabs(b->t_start - 1.0) < 1e-9 && fabs(b->duration - 5.0) < 1e-9);
		assert_true(fabs(t - (6.0 + r.p.bout_gap_s)) < 1e-9);
		cap_free(&r.cap);
	}
}

/* Sites get new ids, never one used before, in this context or an
 * earlier one sharing the ids; a site's later bouts keep its id. */
static void test_site_ids_never_reused(void **state)
{
	(void)state;
	const struct step *st = S({ ON, 100, 100, 0, 0, 2 }, { OFF, 0, 0, 0, 0, 1 }, { ON, 300, 100, 0, 0, 2 },
				  { OFF, 0, 0, 0, 0, 70 }, { ON, 100, 100, 0, 0, 2 });
	struct script sc = { st, 5, NULL, 0, 65 };
	struct pd_analysis_ids ids = { 0 };
	struct result r1, r2;
	run_with(&r1, &sc, 100, false, NULL, &ids);
	assert_int_equal(count_sites(&r1), 2);
	assert_int_equal(bout_end(&r1, 0, 2, NULL)->bout, 2); /* back at the first: its bout 2 */
	assert_int_equal(ids.next[PD_EV_SITE], 2);
	run_with(&r2, &sc, 100, false, NULL, &ids); /* the checker refuses ids below ids_before: check by hand */
	for (size_t i = 0; i < r2.cap.n; i++)
		if (r2.cap.v[i].ev.type == PD_EV_SITE)
			assert_true(r2.cap.v[i].ev.u.site.id >= 2);
	cap_free(&r1.cap);
	cap_free(&r2.cap);
}

/* More sites than are kept at once: the one idle longest makes room (its
 * bout ended early, counted), and no id comes back. */
static void test_sites_evicted(void **state)
{
	(void)state;
	struct step st[2 * 66];
	size_t n = 0;
	for (int k = 0; k < 66; k++) {
		st[n++] = (struct step){ ON, 20 + (k % 12) * 50, 20 + (k / 12) * 50, 0, 0, 0.5 };
		st[n++] = (struct step){ OFF, 0, 0, 0, 0, 0.3 };
	}
	struct script sc = { st, n, NULL, 0, 65 };
	struct result r;
	struct pd_analysis_ids ids = { 0 };
	run_with(&r, &sc, 100, false, NULL, &ids);
	assert_int_equal(count_sites(&r), 66);
	assert_int_equal(r.stats.sites_evicted, 2);
	double t;
	bout_end(&r, 0, 1, &t);
	assert_true(t < 60); /* ended early, to make room */
	cap_free(&r.cap);
}

/* A stroke within site_radius_mm of two sites goes to the nearer. */
static void test_stroke_to_nearer_site(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ ON, 200, 100, 0, 0, 2 }, { OFF, 0, 0, 0, 0, 1 }, { ON, 200, 140, 0, 0, 2 },
					  { OFF, 0, 0, 0, 0, 1 }, { GLIDE, 160, 125, 240, 125, 4 });
		struct script sc = { st, 5, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		assert_int_equal(count_sites(&r), 2);
		const struct pd_ev_stroke *sk[2] = { 0 };
		assert_int_equal(strokes(&r, sk, 2), 1);
		assert_int_equal(sk[0]->site, 1); /* 15 mm from the second, 25 from the first */
		assert_int_equal(bout_end(&r, 1, 1, NULL)->passes, 1);
		assert_int_equal(bout_end(&r, 0, 1, NULL)->passes, 0);
		cap_free(&r.cap);
	}
}

/* Marks at every phase of a bout: before it, during a compression,
 * between compressions, during a glide, in the gap, after it ended. */
static void test_marks_every_phase(void **state)
{
	(void)state;
	/* 0–10: press 10 s; 10–15 off; 15–19 a glide across; 19–30 off; the
	 * bout ends at 79 (60 s after the glide), then a press at 90 */
	const struct step *st = S({ ON, 200, 100, 0, 0, 10 }, { OFF, 0, 0, 0, 0, 5 },
				  { GLIDE, 160, 100, 240, 100, 4 }, { OFF, 0, 0, 0, 0, 71 }, { ON, 200, 100, 0, 0, 5 });
	struct {
		const char *label;
		double t;
		bool released, over; /* bout 1's end */
		bool over2;          /* bout 2's end */
		uint64_t ignored;
	} cases[] = {
		{ "sensation", 0.0, false, false, false, 1 }, /* before anything: no press yet */
		{ "pain", 0.0, false, false, false, 1 },
		{ "sensation", 5.0, true, false, false, 0 },  /* during the compression */
		{ "pain", 5.0, false, true, false, 0 },
		{ "sensation", 12.0, false, false, false, 1 }, /* between: no press in progress */
		{ "pain", 12.0, false, true, false, 0 },       /* the site worked last */
		{ "sensation", 17.0, false, false, false, 1 }, /* a glide is no compression */
		{ "pain", 17.0, false, true, false, 0 },
		{ "pain", 50.0, false, true, false, 0 },      /* in the gap, the bout still going on */
		{ "pain", 85.0, false, false, false, 1 },     /* after it ended: no bout to make over */
		{ "sensation", 92.0, false, false, false, 0 }, /* bout 2's compression */
		{ "pain", 92.0, false, false, true, 0 },
		{ "other", 5.0, false, false, false, 0 },     /* not the analysis' words */
	};
	FOR_RATES {
		for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
			const struct mark_at mk[] = { { cases[k].t, cases[k].label } };
			struct script sc = { st, 5, mk, 1, 65 };
			struct result r;
			run(&r, &sc, RATE);
			const struct pd_ev_site *b1 = bout_end(&r, 0, 1, NULL), *b2 = bout_end(&r, 0, 2, NULL);
			print_message("%s at %.0f s, %g Hz\n", cases[k].label, cases[k].t, RATE);
			assert_int_equal(b1->released, cases[k].released);
			assert_int_equal(b1->over, cases[k].over);
			assert_int_equal(b2->over, cases[k].over2);
			assert_int_equal(b2->released, !strcmp(cases[k].label, "sensation") && cases[k].t > 90);
			assert_int_equal(r.stats.marks_ignored, cases[k].ignored);
			cap_free(&r.cap);
		}
	}
}

/* remaining_s counts down by device time, once a second during a press. */
static void test_remaining_counts_down(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ OFF, 0, 0, 0, 0, 0.5 }, { ON, 100, 100, 0, 0, 20 });
		struct script sc = { st, 2, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		double prev_t = -1, prev_rem = 0;
		size_t holds = 0;
		for (size_t i = 0; i < r.cap.n; i++) {
			double t;
			const struct pd_ev_site *s = site_ev(&r, i, NULL, &t);
			if (!s || strcmp(s->next, "hold"))
				continue;
			/* the goal, 30 s of compression, less what has been done by the end of this frame */
			assert_true(fabs(s->remaining_s - (30 - (t + 1 / RATE - 0.5))) < 1e-6);
			if (prev_t >= 0) {
				assert_true(fabs(t - prev_t - 1.0) < 1e-6);
				assert_true(fabs(prev_rem - s->remaining_s - 1.0) < 1e-6);
			}
			prev_t = t;
			prev_rem = s->remaining_s;
			holds++;
		}
		assert_true(holds >= 19 && holds <= 21);
		cap_free(&r.cap);
	}
}

/* A roller's sites lie along the body: a hold is compression there, each
 * roll over it a pass; another stretch of the body is another site. */
static void test_roller_sites(void **state)
{
	(void)state;
	FOR_RATES {
		const struct step *st = S({ ON, 0, 300, 0, 0, 31 }, { GLIDE, 0, 300, 0, 400, 2.5 },
					  { GLIDE, 0, 400, 0, 200, 5 }, { GLIDE, 0, 200, 0, 400, 5 },
					  { GLIDE, 0, 400, 0, 300, 2.5 }, { OFF, 0, 0, 0, 0, 2 }, { ON, 0, 700, 0, 0, 5 });
		struct script sc = { st, 7, NULL, 0, 65 };
		struct result r;
		struct pd_analysis_ids ids = { 0 };
		run_with(&r, &sc, RATE, true, NULL, &ids);
		assert_int_equal(count_sites(&r), 2);
		const struct pd_ev_site *a = bout_end(&r, 0, 1, NULL), *b = bout_end(&r, 1, 1, NULL);
		assert_true(fabs(a->y - 300) <= 1 && fabs(b->y - 700) <= 1);
		assert_true(a->hold_reached && a->compressed);
		assert_int_equal(a->passes, 4);
		assert_true(a->glided && a->combined);
		assert_true(fabs(a->direction_deg - 90) < 1e-9);
		assert_int_equal(b->passes, 0);
		assert_true(fabs(b->hold_s - 5) <= 0.05 && !b->compressed);
		assert_string_equal(b->next, "press");
		cap_free(&r.cap);
	}
}

/* Without lifting: a hold that turns into glides counts until the glide
 * began; a glide that stops on the knot and stays counts from its hold. */
static void test_without_lifting(void **state)
{
	(void)state;
	FOR_RATES {
		struct step st[8];
		size_t n = 0;
		st[n++] = (struct step){ ON, 160, 150, 0, 0, 30 };
		n += glides(st + n, 4, 200, 150);
		struct script sc = { st, n, NULL, 0, 65 };
		struct result r;
		run(&r, &sc, RATE);
		assert_int_equal(count_sites(&r), 1);
		const struct pd_ev_site *b = bout_end(&r, 0, 1, NULL);
		assert_true(fabs(b->hold_s - 30) <= 0.15 && b->hold_reached && b->combined);
		assert_int_equal(b->passes, 4);
		cap_free(&r.cap);

		/* across the knot at 200 and back onto it, then still */
		const struct step *st2 = S({ GLIDE, 150, 150, 250, 150, 5 }, { GLIDE, 250, 150, 200, 150, 2.5 },
					   { ON, 200, 150, 0, 0, 35 });
		struct script sc2 = { st2, 3, NULL, 0, 65 };
		run(&r, &sc2, RATE);
		assert_int_equal(count_sites(&r), 1);
		b = bout_end(&r, 0, 1, NULL);
		/* the hold back-dated to when the glide stopped, less the second it takes to know */
		assert_true(b->hold_s > 33 && b->hold_s <= 35 + 0.05 && b->hold_reached && b->compressed);
		assert_int_equal(b->passes, 2);
		assert_string_equal(b->next, "glide");
		cap_free(&r.cap);

		/* resting a moment before gliding is no compression: the site
		 * it began is the glide's */
		const struct step *st3 = S({ ON, 160, 150, 0, 0, 1 }, { GLIDE, 160, 150, 240, 150, 4 });
		struct script sc3 = { st3, 2, NULL, 0, 65 };
		run(&r, &sc3, RATE);
		assert_int_equal(count_sites(&r), 1);
		b = bout_end(&r, 0, 1, NULL);
		assert_true(fabs(b->x - 200) <= 1 && b->compression_s == 0 && !b->compressed);
		assert_int_equal(b->passes, 1);
		assert_string_equal(b->next, "press");
		cap_free(&r.cap);
	}
}

/* A compression longer than hold_max_s makes the bout over: release at
 * hold_max_s, then rest. */
static void test_over_by_hold_max(void **state)
{
	(void)state;
	struct pd_analysis_params p;
	pd_analysis_params_default(&p);
	char err[128];
	assert_int_equal(pd_analysis_params_set(&p, "hold_max_s", "40", err, sizeof err), 0);
	assert_int_not_equal(pd_analysis_params_set(&p, "passes_max", "2.5", err, sizeof err), 0);
	FOR_RATES {
		const struct step *st = S({ ON, 100, 100, 0, 0, 45 });
		struct script sc = { st, 1, NULL, 0, 65 };
		struct result r;
		struct pd_analysis_ids ids = { 0 };
		run_with(&r, &sc, RATE, false, &p, &ids);
		char seq[128];
		next_seq(&r, 0, 1, seq, sizeof seq);
		assert_string_equal(seq, "hold release rest");
		assert_true(bout_end(&r, 0, 1, NULL)->over);
		cap_free(&r.cap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_then_glide),
		cmocka_unit_test(test_pulses),
		cmocka_unit_test(test_over_by_passes),
		cmocka_unit_test(test_sensation_releases),
		cmocka_unit_test(test_bout_ends_at_gap),
		cmocka_unit_test(test_site_ids_never_reused),
		cmocka_unit_test(test_stroke_to_nearer_site),
		cmocka_unit_test(test_sites_evicted),
		cmocka_unit_test(test_marks_every_phase),
		cmocka_unit_test(test_remaining_counts_down),
		cmocka_unit_test(test_roller_sites),
		cmocka_unit_test(test_over_by_hold_max),
		cmocka_unit_test(test_without_lifting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
