/* Stage 4: presses. A contact's peak pressure is followed frame by frame;
 * once it has turned down from its last peak (by AN_TURN), the lowest
 * point since is the candidate trough, and when the pressure has risen
 * again so that the trough lies AN_TROUGH_DEPTH below the smaller of the
 * peaks around it, the press ends at the trough and the next one starts
 * there (a finger pumping without lifting off). A rise that turns down
 * again first was a wiggle: its top is the peak the next trough is
 * measured from; one that gets back above the peak ends the candidate. The trough is only known
 * afterwards, so what the press and its hold had accumulated at the
 * trough is kept until the rise confirms it.
 *
 * A tap is told by how long the pressure that makes a press (contact_on)
 * lasted, not by how long the contact lingered: a real tap's one-frame
 * spike often leaves a few frames of tail between contact_off and
 * contact_on, which keep the contact but make no press. */
#include "internal.h"

#include <string.h>

/* An episode whose pressure was at or above contact_on for less than
 * press_min_s is a tap (analysis.md stage 4): its contact is reported, but
 * it is no press and no part of a pulse set. The span is measured in whole
 * frame intervals, as every duration is, so the comparison allows for
 * rounding. */
static bool is_tap(const struct pd_analysis *a, double on0, double on1)
{
	return on0 < 0 || on1 - on0 < a->p.press_min_s - AN_EPS_S;
}

static void emit_press(struct pd_analysis *a, struct an_contact *c, double t0, double duration,
		       const struct an_stats *acc, double on0, double on1)
{
	bool tap = is_tap(a, on0, on1);
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

static void press_reset(struct an_press *pr, double t0)
{
	memset(pr, 0, sizeof *pr);
	pr->t0 = t0;
	pr->on0 = pr->at_vmin_on0 = pr->since_vmin_on0 = -1;
}

void an_press_begin(struct an_contact *c, const struct an_sample *s)
{
	press_reset(&c->press, s->t);
}

/* A frame at or above contact_on widens the span [*on0, *on1). */
static void on_span(double *on0, double *on1, const struct an_sample *s)
{
	if (*on0 < 0)
		*on0 = s->t;
	*on1 = s->t + s->dt;
}

/* The rise confirmed the trough: the press ends there, and so does a hold
 * that had settled before it; both start afresh from the trough with what
 * came after it. */
static void split(struct pd_analysis *a, struct an_contact *c)
{
	struct an_press *pr = &c->press;
	emit_press(a, c, pr->t0, pr->vmin.t - pr->t0, &pr->at_vmin, pr->at_vmin_on0, pr->at_vmin_on1);
	struct an_hold *h = &c->hold;
	if (h->at < pr->vmin.t - AN_EPS_S) {
		/* settled before the trough, so it is the hold the snapshot saw */
		an_hold_end(a, h, c->id, pr->vmin.t, &pr->hold_at_vmin, pr->hold_drift_at_vmin);
		an_hold_begin(h, &pr->vmin);
		h->acc = pr->since_vmin;
		h->drift = pr->since_vmin_drift;
	}
	struct an_press next;
	press_reset(&next, pr->vmin.t);
	next.acc = pr->since_vmin;
	next.on0 = pr->since_vmin_on0;
	next.on1 = pr->since_vmin_on1;
	*pr = next;
}

/* Every frame of the contact, before the hold sees it. */
void an_press_frame(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s)
{
	struct an_press *pr = &c->press;
	bool low = false; /* this frame is the new candidate trough */
	if (!pr->dropped) {
		if (s->p > pr->lpk)
			pr->lpk = s->p;
		else if (s->p <= (1 - AN_TURN) * pr->lpk)
			low = true; /* turned down: a trough may follow */
	} else if (pr->rmax >= pr->vmin.p / (1 - AN_TURN) && s->p <= (1 - AN_TURN) * pr->rmax) {
		/* the rise since the trough turned down again before it split:
		 * a shallow trough, and rmax the peak before the next one */
		pr->lpk = pr->rmax;
		low = true;
	} else if (s->p < pr->vmin.p) {
		low = true;
	} else {
		if (s->p > pr->rmax)
			pr->rmax = s->p;
		/* the trough below the smaller of its peaks: the one before, or
		 * the rise's so far */
		double smaller = pr->rmax < pr->lpk ? pr->rmax : pr->lpk;
		if (smaller - pr->vmin.p >= AN_TROUGH_DEPTH * smaller) {
			split(a, c);
			pr->lpk = s->p;
		} else if (pr->rmax > pr->lpk) {
			pr->dropped = false; /* back above the peak: too shallow to split */
			pr->lpk = s->p;
		}
	}
	if (low) {
		pr->dropped = true;
		pr->vmin = *s;
		pr->rmax = s->p;
		pr->at_vmin = pr->acc;
		pr->at_vmin_on0 = pr->on0;
		pr->at_vmin_on1 = pr->on1;
		an_stats_clear(&pr->since_vmin);
		pr->since_vmin_drift = 0;
		pr->since_vmin_on0 = -1;
		pr->hold_at_vmin = c->hold.acc;
		pr->hold_drift_at_vmin = c->hold.drift;
	}
	bool on = s->p >= a->on;
	if (on)
		on_span(&pr->on0, &pr->on1, s);
	if (pr->dropped) {
		if (on)
			on_span(&pr->since_vmin_on0, &pr->since_vmin_on1, s);
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
	emit_press(a, c, pr->t0, t_end - pr->t0, &pr->acc, pr->on0, pr->on1);
	press_reset(pr, 0);
}
