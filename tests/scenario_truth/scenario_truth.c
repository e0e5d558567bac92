/* The ground truth: the events analysis.md says the analysis must find in
 * a scenario, read off the same keyframes the frames are rendered from, so
 * the two cannot disagree. What the tests expect, so it lives with them:
 * pressd and pressd-sim never derive it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "scenario_truth.h"

/* analysis.md defaults, which the ground truth assumes. */
#define T_HOLD_MIN_S 3.0
#define T_HOLD_TARGET_S 30.0
#define T_HOLD_RADIUS_MM 10.0
#define T_PULSE_RADIUS_MM 15.0
#define T_PULSE_GAP_S 20.0
#define T_STROKE_MIN_MM 40.0
#define T_TURN_COS (-0.5) /* a turn of more than 120° ends a stroke */

/* One scenario's expected events, kept with it (pd_scenario.truth). */
struct truth {
	struct pd_scenario_truth truth;
	struct pd_truth_contact *contacts;
	struct pd_truth_press *presses;
	struct pd_truth_hold *holds;
	struct pd_truth_pulses *pulses;
	struct pd_truth_stroke *strokes;
	struct pd_truth_roll *rolls;
};

struct span {
	size_t seg, a, b; /* key indices within the segment, a < b */
};

static double snap_t(const struct pd_scenario *sc, double t)
{
	return (double)pd_sc_frame_at(t, sc->rate) / sc->rate;
}

/* The frame showing key i of segment s (the last key's time is one past). */
static int64_t key_frame(const struct pd_scenario *sc, const struct seg *s, size_t i)
{
	int64_t f = pd_sc_frame_at(sc->keys[s->first + i].t, sc->rate);
	if (f >= s->f1)
		f = s->f1 - 1;
	return f < s->f0 ? s->f0 : f;
}

static double span_peak(const struct pd_scenario *sc, struct span sp, size_t *at)
{
	const struct seg *s = &sc->segs[sp.seg];
	double best = -1;
	for (size_t i = sp.a; i <= sp.b; i++) {
		const struct key *k = &sc->keys[s->first + i];
		double v = pd_sc_clean_peak(sc, key_frame(sc, s, i), k->x, k->y);
		if (v > best + 1e-9) {
			best = v;
			if (at)
				*at = i;
		}
	}
	return best;
}

static double dist(double x0, double y0, double x1, double y1)
{
	return hypot(x1 - x0, y1 - y0);
}

static double point_seg_dist(double px, double py, double x0, double y0, double x1, double y1)
{
	double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
	double u = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	return dist(px, py, x0 + u * dx, y0 + u * dy);
}

/* Presses: a touch splits into pressure episodes at the amplitude's
 * troughs (a pump sinks to a third of the peak between pushes). */
static void truth_presses(const struct pd_scenario *sc, struct span *spans, size_t *nspans)
{
	size_t n = 0;
	for (size_t si = 0; si < sc->nsegs; si++) {
		const struct seg *s = &sc->segs[si];
		const struct key *k = sc->keys + s->first;
		size_t a = 0;
		for (size_t i = 1; i < s->n; i++) {
			bool trough = i + 1 < s->n && k[i].amp < k[i - 1].amp && k[i].amp < k[i + 1].amp;
			if (trough || i + 1 == s->n) {
				spans[n++] = (struct span){ si, a, i };
				a = i;
			}
		}
	}
	*nspans = n;
}

static void truth_holds(const struct pd_scenario *sc, struct truth *tr, const struct span *press, size_t npress)
{
	for (size_t p = 0; p < npress; p++) {
		const struct seg *s = &sc->segs[press[p].seg];
		const struct key *k = sc->keys + s->first;
		/* still stretches: runs of keys at the same place */
		for (size_t i = 0; i + 1 < s->n;) {
			size_t j = i;
			while (j + 1 < s->n && dist(k[j].x, k[j].y, k[j + 1].x, k[j + 1].y) < STILL_EPS_MM)
				j++;
			if (j == i) {
				i++;
				continue;
			}
			double ta = fmax(k[i].t, k[press[p].a].t), tb = fmin(k[j].t, k[press[p].b].t);
			double t0 = snap_t(sc, ta), d = snap_t(sc, tb) - t0;
			if (d >= T_HOLD_MIN_S - 1e-9) {
				size_t a = i > press[p].a ? i : press[p].a, b = j < press[p].b ? j : press[p].b;
				struct pd_truth_hold *h = &tr->holds[tr->truth.nholds++];
				*h = (struct pd_truth_hold){
					.contact = (uint32_t)press[p].seg, .press = (uint32_t)p,
					.t_start = t0, .duration = d, .x_mm = k[i].x, .y_mm = k[i].y,
					.col = k[i].x / sc->pitch,
					.row = sc->kind == PD_KIND_ROLLER ? 0 : k[i].y / sc->pitch,
					.peak = span_peak(sc, (struct span){ press[p].seg, a, b }, NULL),
					.reached = d >= T_HOLD_TARGET_S - 1e-9,
				};
			}
			i = j;
		}
	}
}

static void truth_pulses(struct truth *tr)
{
	/* Greedy, in order of start: a press joins the set at its spot whose
	 * last press ended at most pulse_gap_s before it began. */
	size_t np = tr->truth.npresses;
	size_t *order = calloc(np ? np : 1, sizeof *order);
	double *last_end = calloc(np ? np : 1, sizeof *last_end);
	if (!order || !last_end)
		goto out;
	for (size_t i = 0; i < np; i++)
		order[i] = i;
	for (size_t i = 1; i < np; i++) /* insertion sort: stable, tiny n */
		for (size_t j = i; j > 0 && tr->presses[order[j]].t_start < tr->presses[order[j - 1]].t_start; j--) {
			size_t tmp = order[j];
			order[j] = order[j - 1];
			order[j - 1] = tmp;
		}
	size_t nsets = 0;
	for (size_t oi = 0; oi < np; oi++) {
		const struct pd_truth_press *p = &tr->presses[order[oi]];
		size_t s = nsets;
		for (size_t j = 0; j < nsets; j++) {
			struct pd_truth_pulses *ps = &tr->pulses[j];
			if (dist(ps->x_mm, ps->y_mm, p->x_mm, p->y_mm) <= T_PULSE_RADIUS_MM &&
			    p->t_start - last_end[j] <= T_PULSE_GAP_S + 1e-9 && p->t_start >= last_end[j] - 1e-9) {
				s = j;
				break;
			}
		}
		struct pd_truth_pulses *ps = &tr->pulses[s];
		if (s == nsets) {
			nsets++;
			*ps = (struct pd_truth_pulses){ .t_start = p->t_start, .x_mm = p->x_mm, .y_mm = p->y_mm };
		}
		if (ps->count < PD_TRUTH_MAX_PULSES) {
			ps->press[ps->count] = (uint32_t)order[oi];
			ps->durations[ps->count] = p->duration;
		}
		ps->count++;
		ps->t_end = p->t_start + p->duration;
		last_end[s] = ps->t_end;
	}
	/* Only sets of two or more are pulse sets; keep them in order of start. */
	size_t out_n = 0;
	for (size_t j = 0; j < nsets; j++)
		if (tr->pulses[j].count >= 2)
			tr->pulses[out_n++] = tr->pulses[j];
	tr->truth.npulses = out_n;
out:
	free(order);
	free(last_end);
}

/* Movement runs within a touch: consecutive moving keyframe pairs, ended by
 * a stop or a turn of more than 120° (mat) or any reversal (roller). */
static void truth_moves(const struct pd_scenario *sc, struct truth *tr)
{
	bool roller = sc->kind == PD_KIND_ROLLER;
	for (size_t si = 0; si < sc->nsegs; si++) {
		const struct seg *s = &sc->segs[si];
		const struct key *k = sc->keys + s->first;
		size_t i = 0;
		while (i + 1 < s->n) {
			if (dist(k[i].x, k[i].y, k[i + 1].x, k[i + 1].y) < STILL_EPS_MM) {
				i++;
				continue;
			}
			size_t j = i + 1;
			double len = dist(k[i].x, k[i].y, k[j].x, k[j].y);
			while (j + 1 < s->n) {
				double ax = k[j].x - k[j - 1].x, ay = k[j].y - k[j - 1].y;
				double bx = k[j + 1].x - k[j].x, by = k[j + 1].y - k[j].y;
				double la = hypot(ax, ay), lb = hypot(bx, by);
				if (lb < STILL_EPS_MM)
					break;
				bool turn = roller ? (ay * by < 0) : ((ax * bx + ay * by) / (la * lb) < T_TURN_COS);
				if (turn)
					break;
				len += lb;
				j++;
			}
			if (len >= T_STROKE_MIN_MM - 1e-9) {
				double t0 = snap_t(sc, k[i].t), d = snap_t(sc, k[j].t) - t0;
				size_t at = i;
				double peak = span_peak(sc, (struct span){ si, i, j }, &at);
				if (roller) {
					struct pd_truth_roll *r = &tr->rolls[tr->truth.nrolls++];
					*r = (struct pd_truth_roll){
						.t_start = t0, .duration = d, .from_mm = k[i].y, .to_mm = k[j].y,
						.length_mm = len, .speed_mm_s = d > 0 ? len / d : 0,
						.direction = k[j].y > k[i].y ? 1 : -1,
						.peak_axis_mm = k[at].x, .peak = peak,
					};
				} else {
					struct pd_truth_stroke *st = &tr->strokes[tr->truth.nstrokes++];
					double dir = atan2(k[j].y - k[i].y, k[j].x - k[i].x) * 180 / PI;
					*st = (struct pd_truth_stroke){
						.contact = (uint32_t)si, .t_start = t0, .duration = d,
						.x0 = k[i].x, .y0 = k[i].y, .x1 = k[j].x, .y1 = k[j].y,
						.length_mm = len, .speed_mm_s = d > 0 ? len / d : 0,
						.direction_deg = dir < 0 ? dir + 360 : dir, .peak = peak,
					};
				}
			}
			i = j;
		}
	}
	/* Passes: strokes so far (segments are in time order within a blob, and
	 * blobs of one scenario do not glide at once) crossing this midpoint. */
	for (size_t a = 0; a < tr->truth.nstrokes; a++) {
		struct pd_truth_stroke *st = &tr->strokes[a];
		double mx = (st->x0 + st->x1) / 2, my = (st->y0 + st->y1) / 2;
		st->pass = 1;
		for (size_t b = 0; b < a; b++) {
			const struct pd_truth_stroke *o = &tr->strokes[b];
			if (point_seg_dist(mx, my, o->x0, o->y0, o->x1, o->y1) <= T_HOLD_RADIUS_MM)
				st->pass++;
		}
	}
}

static int derive(const struct pd_scenario *sc, struct truth *tr)
{
	size_t cap = sc->nkeys + sc->nsegs + 1;
	struct span *spans = calloc(cap, sizeof *spans);
	tr->contacts = calloc(cap, sizeof *tr->contacts);
	tr->presses = calloc(cap, sizeof *tr->presses);
	tr->holds = calloc(cap, sizeof *tr->holds);
	tr->pulses = calloc(cap, sizeof *tr->pulses);
	tr->strokes = calloc(cap, sizeof *tr->strokes);
	tr->rolls = calloc(cap, sizeof *tr->rolls);
	if (!spans || !tr->contacts || !tr->presses || !tr->holds || !tr->pulses || !tr->strokes ||
	    !tr->rolls) {
		free(spans);
		return -1;
	}
	struct pd_scenario_truth *t = &tr->truth;
	*t = (struct pd_scenario_truth){
		.duration_s = sc->duration, .rate_hz = sc->rate,
		.hold_min_s = T_HOLD_MIN_S, .hold_target_s = T_HOLD_TARGET_S,
		.hold_radius_mm = T_HOLD_RADIUS_MM, .pulse_radius_mm = T_PULSE_RADIUS_MM,
		.pulse_gap_s = T_PULSE_GAP_S, .stroke_min_mm = T_STROKE_MIN_MM,
	};

	for (size_t si = 0; si < sc->nsegs; si++) {
		const struct seg *s = &sc->segs[si];
		const struct key *k0 = &sc->keys[s->first];
		tr->contacts[si] = (struct pd_truth_contact){
			.blob = s->blob, .t_start = (double)s->f0 / sc->rate,
			.duration = (double)(s->f1 - s->f0) / sc->rate, .x_mm = k0->x, .y_mm = k0->y,
			.peak = span_peak(sc, (struct span){ si, 0, s->n - 1 }, NULL),
		};
	}
	t->ncontacts = sc->nsegs;

	size_t nspans = 0;
	truth_presses(sc, spans, &nspans);
	for (size_t p = 0; p < nspans; p++) {
		const struct seg *s = &sc->segs[spans[p].seg];
		size_t at = spans[p].a;
		double peak = span_peak(sc, spans[p], &at);
		double t0 = snap_t(sc, sc->keys[s->first + spans[p].a].t);
		const struct key *kp = &sc->keys[s->first + at];
		tr->presses[p] = (struct pd_truth_press){
			.contact = (uint32_t)spans[p].seg, .t_start = t0,
			.duration = snap_t(sc, sc->keys[s->first + spans[p].b].t) - t0,
			.t_peak = snap_t(sc, kp->t), .x_mm = kp->x, .y_mm = kp->y, .peak = peak,
		};
	}
	t->npresses = nspans;
	truth_holds(sc, tr, spans, nspans);
	truth_moves(sc, tr);
	free(spans);

	if (sc->kind == PD_KIND_ROLLER) {
		/* The roller has rolls and holds; contacts, presses, pulse sets
		 * and strokes are mat events. */
		t->ncontacts = t->npresses = 0;
	} else {
		truth_pulses(tr);
	}
	t->contacts = tr->contacts;
	t->presses = tr->presses;
	t->holds = tr->holds;
	t->pulses = tr->pulses;
	t->strokes = tr->strokes;
	t->rolls = tr->rolls;
	return 0;
}

static void truth_free(void *p)
{
	struct truth *tr = p;
	if (!tr)
		return;
	free(tr->contacts);
	free(tr->presses);
	free(tr->holds);
	free(tr->pulses);
	free(tr->strokes);
	free(tr->rolls);
	free(tr);
}

const struct pd_scenario_truth *pd_scenario_truth(const struct pd_scenario *scenario)
{
	/* Derived on first use and kept with the scenario, which frees it: the
	 * scenario itself is not const, only this view of it. */
	struct pd_scenario *sc = (struct pd_scenario *)scenario;
	if (!sc->truth) {
		/* On the frame grid of the rate the scenario was made with, even
		 * after pd_scenario_set_rate. */
		double rate = sc->rate;
		sc->rate = sc->created_rate;
		pd_sc_snap_segments(sc);
		struct truth *tr = calloc(1, sizeof *tr);
		int rc = tr ? derive(sc, tr) : -1;
		sc->rate = rate;
		pd_sc_snap_segments(sc);
		if (rc != 0) {
			truth_free(tr);
			fprintf(stderr, "pd_scenario_truth: out of memory\n");
			abort();
		}
		sc->truth = tr;
		sc->truth_free = truth_free;
	}
	return &((const struct truth *)sc->truth)->truth;
}
