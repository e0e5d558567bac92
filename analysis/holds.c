/* Stage 5: holds. Within a press, the contact is anchored where it
 * settled; once it has stayed within hold_radius_mm of that spot for
 * hold_min_s the hold is reported (start, back-dated to the settling),
 * then every second of device time (progress), then when it drifts out,
 * the press ends or the contact lifts (end).
 *
 * Settling: while the contact is still arriving (it took a path step in
 * the last AN_STOP_S) the anchor follows it, so a hold after a glide or a
 * roll starts when the contact stopped, not up to hold_radius_mm earlier.
 * Once it no longer moves, only leaving the radius moves the anchor, so a
 * slow drift within the radius stays one hold. */
#include "internal.h"

#include <string.h>

static void emit(struct pd_analysis *a, const struct an_hold *h, uint32_t contact, enum pd_phase phase,
		 double duration, const struct an_stats *acc, double drift)
{
	struct pd_ev_hold e;
	memset(&e, 0, sizeof e);
	e.id = h->id;
	e.contact = contact;
	e.site = an_site_hold(a, h, phase, duration, acc->peak);
	e.x = h->rx;
	e.y = h->ry;
	e.t_start = h->at;
	e.duration = duration;
	e.peak = acc->peak;
	e.mean = an_stats_mean(acc);
	e.impulse = an_impulse(acc, duration);
	e.drift_mm = drift;
	e.target_s = a->p.hold_target_s;
	e.reached = duration >= a->p.hold_target_s - AN_EPS_S;
	an_emit(a, PD_EV_HOLD, phase, &e, sizeof e);
}

void an_hold_begin(struct an_hold *h, const struct an_sample *s)
{
	memset(h, 0, sizeof *h);
	h->ax = s->x;
	h->ay = s->y;
	h->rx = s->rx;
	h->ry = s->ry;
	h->at = s->t;
}

void an_hold_end(struct pd_analysis *a, struct an_hold *h, uint32_t contact, double t_end,
		 const struct an_stats *acc, double drift)
{
	if (!h->active)
		return;
	emit(a, h, contact, PD_PHASE_END, t_end - h->at, acc, drift);
	h->active = false;
}

/* Called for every frame of the press, the first included (after
 * an_hold_begin). t_prev_end: the end of the previous frame of this
 * contact, where a hold broken by this frame ends. */
void an_hold_frame(struct pd_analysis *a, struct an_hold *h, uint32_t contact, const struct an_sample *s,
		   double t_prev_end)
{
	double d = an_dist(h->ax, h->ay, s->x, s->y);
	double radius = a->p.hold_radius_mm;
	if (h->active) {
		if (d > radius) {
			an_hold_end(a, h, contact, t_prev_end, &h->acc, h->drift);
			an_hold_begin(h, s);
		}
	} else if (d > radius || (s->moving && d > a->step / 4)) {
		an_hold_begin(h, s);
	}
	an_stats_add(&h->acc, s->p, s->w, s->rx, s->ry);
	d = an_dist(h->ax, h->ay, s->x, s->y);
	if (d > h->drift)
		h->drift = d;

	double duration = s->t + s->dt - h->at;
	if (!h->active) {
		if (duration >= a->p.hold_min_s - AN_EPS_S) {
			h->active = true;
			h->id = an_next_id(a, PD_EV_HOLD);
			h->last_pub = s->t;
			emit(a, h, contact, PD_PHASE_START, duration, &h->acc, h->drift);
		}
	} else if (s->t - h->last_pub >= 1.0 - AN_EPS_S) {
		/* on a one-second grid from the start, whatever the frame rate;
		 * after a gap in the frames, from now */
		h->last_pub += 1.0;
		if (s->t - h->last_pub >= 1.0 - AN_EPS_S)
			h->last_pub = s->t;
		emit(a, h, contact, PD_PHASE_PROGRESS, duration, &h->acc, h->drift);
	}
}
