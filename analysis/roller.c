/* Stage 8: the roller. A sample is a 1 × n load profile taken at a
 * position along the body (the encoder's). While loaded (the highest cell
 * above contact_on, until it stays below contact_off for release_s: the
 * mat's hysteresis), the position is followed: a roll is a movement in one
 * direction, from where it set off or last turned to where it turned again
 * (back by AN_ROLL_REVERSE_MM) or stopped, reported if at least
 * stroke_min_mm long, with the total load as its force. Standing still
 * under load is a hold (holds.c) at that position, its pressure the
 * highest cell as on a mat. Rollers have no contacts, presses or pulse
 * sets; a hold's `contact` is the loaded spell's id, taken from the
 * contact ids though no contact event carries it. */
#include "internal.h"

#include <string.h>

#define PI 3.14159265358979323846

static void finish_roll(struct pd_analysis *a, struct an_roller *r)
{
	double length = fabs(r->e_pos - r->s_pos);
	r->dir = 0;
	if (length < a->p.stroke_min_mm - AN_EPS_S || length <= 0)
		return;
	struct pd_ev_roll e;
	memset(&e, 0, sizeof e);
	e.id = an_next_id(a, PD_EV_ROLL);
	e.from_mm = r->s_pos;
	e.to_mm = r->e_pos;
	e.length_mm = length;
	e.duration = r->e_t - r->s_t;
	e.speed_mm_s = e.duration > 0 ? length / e.duration : 0;
	e.direction = r->e_pos > r->s_pos ? 1 : -1;
	e.mean_force = an_stats_mean(&r->at_e);
	e.peak_force = r->at_e.peak;
	e.peak_axis_mm = r->at_e.peak_x;
	an_emit(a, PD_EV_ROLL, PD_PHASE_NONE, &e, sizeof e);
	an_site_roll(a, &r->work, r->s_t, &e); /* each roll is a pass over the sites it crosses */
}

static void rest_at(struct an_roller *r, const struct an_sample *s, double force)
{
	r->dir = 0;
	r->s_pos = s->y;
	r->s_t = s->t;
	an_stats_clear(&r->acc);
	an_stats_add(&r->acc, force, s->w, s->rx, s->y);
}

static void set_extreme(struct an_roller *r, const struct an_sample *s)
{
	r->e_pos = s->y;
	r->e_t = s->t;
	r->at_e = r->acc;
	an_stats_clear(&r->after_e);
}

static void roll_frame(struct pd_analysis *a, struct an_roller *r, const struct an_sample *s, double force)
{
	double reverse = fmin(AN_ROLL_REVERSE_MM, fmax(a->step, a->p.stroke_min_mm / 4));
	double pos = s->y;
	if (r->dir == 0) {
		double d = pos - r->s_pos;
		if (fabs(d) <= a->step / 4) {
			/* still where it rests: a roll would set off from here, now */
			double rest = r->s_pos;
			rest_at(r, s, force);
			r->s_pos = rest;
			return;
		}
		an_stats_add(&r->acc, force, s->w, s->rx, pos);
		if (fabs(d) >= reverse) {
			r->dir = d > 0 ? 1 : -1;
			set_extreme(r, s);
		}
		return;
	}
	an_stats_add(&r->acc, force, s->w, s->rx, pos);
	if ((pos - r->e_pos) * r->dir > 0.1 * a->step) {
		set_extreme(r, s);
		return;
	}
	an_stats_add(&r->after_e, force, s->w, s->rx, pos);
	if ((r->e_pos - pos) * r->dir >= reverse) {
		/* turned: the roll ended at its extreme, the next starts there */
		int dir = r->dir;
		struct an_stats after = r->after_e;
		finish_roll(a, r);
		r->s_pos = r->e_pos;
		r->s_t = r->e_t;
		r->dir = -dir;
		r->acc = after;
		set_extreme(r, s);
	} else if (!s->moving) {
		finish_roll(a, r);
		rest_at(r, s, force);
	}
}

static void end_spell(struct pd_analysis *a, struct an_roller *r)
{
	double t_end = r->t_seen + r->dt_seen;
	an_hold_end(a, &r->hold, r->spell, t_end, &r->hold.acc, r->hold.drift);
	if (r->dir != 0)
		finish_roll(a, r);
	an_site_detach(a, &r->work, t_end);
	r->loaded = false;
}

void an_roller_frame(struct pd_analysis *a, const struct pd_frame *f)
{
	struct an_roller *r = &a->rl;
	if (f->has_encoder && a->info.counts_per_rev)
		r->pos = (double)f->encoder / a->info.counts_per_rev * 2 * PI * a->info.radius_mm;
	an_heat_roller(a, r->pos);

	double force = 0;
	for (int c = 0; c < a->cols; c++)
		force += a->img[c];
	struct pd_peak pk;
	if (pd_peaks_find(a->img, 1, a->cols, 0, 0, a->px, a->py, &pk, 1, a->peak_scratch) == 1) {
		r->peak = pk.value;
		r->axis = pk.fcol * a->px;
	} else {
		r->peak = 0;
	}
	r->force = force;
	struct an_sample s = { .t = a->t, .dt = a->dt, .w = r->loaded ? a->t - r->t_seen : a->dt, .x = 0,
			       .y = r->pos, .rx = r->axis, .ry = r->pos, .p = r->peak };

	if (!r->loaded) {
		if (!(r->peak > a->on))
			return;
		r->loaded = true;
		r->lost = false;
		r->spell = an_next_id(a, PD_EV_CONTACT);
		r->t_start = a->t;
		an_motion_reset(&r->motion, 0, r->pos, a->t);
		an_hold_begin(&r->hold, &s);
		an_hold_frame(a, &r->hold, r->spell, &s, a->t);
		rest_at(r, &s, force);
		r->t_seen = a->t;
		r->dt_seen = a->dt;
		return;
	}
	if (r->peak > a->off) {
		double t_prev_end = r->t_seen + r->dt_seen;
		r->lost = false;
		an_motion_update(&r->motion, 0, r->pos, a->t, a->step);
		s.moving = an_motion_moving(&r->motion, a->t);
		roll_frame(a, r, &s, force);
		an_hold_frame(a, &r->hold, r->spell, &s, t_prev_end);
		r->t_seen = a->t;
		r->dt_seen = a->dt;
		return;
	}
	if (!r->lost) {
		r->lost = true;
		r->t_lost = a->t;
	}
	if (a->t + a->dt - r->t_lost >= a->p.release_s - AN_EPS_S)
		end_spell(a, r);
}

void an_roller_flush(struct pd_analysis *a)
{
	if (a->rl.loaded)
		end_spell(a, &a->rl);
}
