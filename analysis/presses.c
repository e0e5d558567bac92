/* Stage 4: presses. A contact's peak pressure is followed frame by frame;
 * once it has fallen to AN_DROP of the press's peak, the lowest point
 * since is the candidate trough, and when the pressure rises again by
 * AN_RISE of that peak the press ends at the trough and the next one
 * starts there (a finger pumping without lifting off). The trough is only
 * known afterwards, so what the press and its hold had accumulated at the
 * trough is kept until the rise confirms it. */
#include "internal.h"

#include <string.h>

/* An episode shorter than press_min_s is a tap (analysis.md stage 4): its
 * contact is reported, but it is no press and no part of a pulse set. The
 * duration is measured in whole frame intervals, as every duration is, so
 * the comparison allows for rounding. */
static bool is_tap(const struct pd_analysis *a, double duration)
{
	return duration < a->p.press_min_s - AN_EPS_S;
}

static void emit_press(struct pd_analysis *a, struct an_contact *c, double t0, double duration,
		       const struct an_stats *acc)
{
	bool tap = is_tap(a, duration);
	uint32_t site = an_site_press(a, &c->work, t0, duration, acc->peak_x, acc->peak_y, acc->peak, tap);
	if (tap) {
		a->stats.taps++;
		return;
	}
	struct pd_ev_press e;
	memset(&e, 0, sizeof e);
	e.id = an_next_id(a, PD_EV_PRESS);
	e.contact = c->id;
	e.site = site;
	e.t_start = t0;
	e.duration = duration;
	e.peak = acc->peak;
	e.mean = an_stats_mean(acc);
	e.impulse = an_impulse(acc, duration);
	e.x = acc->peak_x;
	e.y = acc->peak_y;
	an_emit(a, PD_EV_PRESS, PD_PHASE_NONE, &e, sizeof e);
	an_pulses_press(a, t0, duration, e.x, e.y, e.peak, site);
}

void an_press_begin(struct an_contact *c, const struct an_sample *s)
{
	memset(&c->press, 0, sizeof c->press);
	c->press.t0 = s->t;
}

/* The rise confirmed the trough: the press ends there, and so does a hold
 * that had settled before it; both start afresh from the trough with what
 * came after it. */
static void split(struct pd_analysis *a, struct an_contact *c)
{
	struct an_press *pr = &c->press;
	emit_press(a, c, pr->t0, pr->vmin.t - pr->t0, &pr->at_vmin);
	struct an_hold *h = &c->hold;
	if (h->at < pr->vmin.t - AN_EPS_S) {
		/* settled before the trough, so it is the hold the snapshot saw */
		an_hold_end(a, h, c->id, pr->vmin.t, &pr->hold_at_vmin, pr->hold_drift_at_vmin);
		an_hold_begin(h, &pr->vmin);
		h->acc = pr->since_vmin;
		h->drift = pr->since_vmin_drift;
	}
	struct an_press next;
	memset(&next, 0, sizeof next);
	next.t0 = pr->vmin.t;
	next.acc = pr->since_vmin;
	*pr = next;
}

/* Every frame of the contact, before the hold sees it. */
void an_press_frame(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s)
{
	struct an_press *pr = &c->press;
	bool low = pr->dropped ? s->p < pr->vmin.p : pr->acc.n > 0 && s->p <= AN_DROP * pr->acc.peak;
	if (low) {
		pr->dropped = true;
		pr->vmin = *s;
		pr->at_vmin = pr->acc;
		an_stats_clear(&pr->since_vmin);
		pr->since_vmin_drift = 0;
		pr->hold_at_vmin = c->hold.acc;
		pr->hold_drift_at_vmin = c->hold.drift;
	} else if (pr->dropped && s->p >= pr->vmin.p + AN_RISE * pr->at_vmin.peak) {
		split(a, c);
	}
	if (pr->dropped) {
		an_stats_add(&pr->since_vmin, s->p, s->w, s->rx, s->ry);
		double d = an_dist(pr->vmin.x, pr->vmin.y, s->x, s->y);
		if (d > pr->since_vmin_drift)
			pr->since_vmin_drift = d;
	}
	an_stats_add(&pr->acc, s->p, s->w, s->rx, s->ry);
}

/* The contact ended at t_end: so does its press, trough or not. */
void an_press_end(struct pd_analysis *a, struct an_contact *c, double t_end)
{
	struct an_press *pr = &c->press;
	if (pr->acc.n == 0)
		return;
	emit_press(a, c, pr->t0, t_end - pr->t0, &pr->acc);
	memset(pr, 0, sizeof *pr);
}
