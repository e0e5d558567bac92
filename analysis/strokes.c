/* Stage 7: strokes (glides). A contact's step-quantised path (motion.c)
 * is followed from the moment it sets off; the stroke ends where it
 * stopped (no step for AN_STOP_S), lifted, or turned back by more than
 * 120° against its heading over the last few steps. Where it ended is the
 * farthest point reached along the heading since the last vertex, so
 * neither the step size nor the time it takes to notice a stop or a turn
 * shows in the length, end point or duration. Reported when it ends if its
 * path reached stroke_min_mm, with its site and `pass`, its number among
 * the passes over that site in the current bout (sites.c). */
#include "internal.h"

#include <string.h>

#define PI 3.14159265358979323846

void an_stroke_begin(struct an_stroke *st)
{
	memset(st, 0, sizeof *st);
}

static void ring_reset(struct an_stroke *st, double x, double y)
{
	st->nring = 1;
	st->ring_head = 0;
	st->hx[0] = x;
	st->hy[0] = y;
	st->hlen[0] = 0;
	st->lx = x;
	st->ly = y;
	st->len = 0;
}

static void ring_push(struct an_stroke *st, double x, double y)
{
	st->len += an_dist(st->lx, st->ly, x, y);
	st->lx = x;
	st->ly = y;
	st->ring_head = (st->ring_head + 1) % AN_HEADING_RING;
	st->hx[st->ring_head] = x;
	st->hy[st->ring_head] = y;
	st->hlen[st->ring_head] = st->len;
	if (st->nring < AN_HEADING_RING)
		st->nring++;
}

/* Unit heading from a vertex about AN_TURN_BASE_STEPS steps of path back
 * to the last vertex; false while the path has no length. */
static bool heading(const struct an_stroke *st, double base, double *hx, double *hy)
{
	unsigned ref = st->ring_head;
	for (unsigned k = 1; k < st->nring; k++) {
		ref = (st->ring_head + AN_HEADING_RING - k) % AN_HEADING_RING;
		if (st->len - st->hlen[ref] >= base)
			break;
	}
	double dx = st->lx - st->hx[ref], dy = st->ly - st->hy[ref], l = sqrt(dx * dx + dy * dy);
	if (!(l > 0))
		return false;
	*hx = dx / l;
	*hy = dy / l;
	return true;
}

/* Ends the stroke at its farthest point; reports it if it was long enough. */
static void finish(struct pd_analysis *a, struct an_contact *c)
{
	struct an_stroke *st = &c->stroke;
	st->on = false;
	double length = st->len + an_dist(st->lx, st->ly, st->ex, st->ey);
	if (length < a->p.stroke_min_mm - AN_EPS_S)
		return;
	struct pd_ev_stroke e;
	memset(&e, 0, sizeof e);
	e.id = an_next_id(a, PD_EV_STROKE);
	e.contact = c->id;
	e.x0 = st->x0;
	e.y0 = st->y0;
	e.x1 = st->ex;
	e.y1 = st->ey;
	e.length_mm = length;
	e.duration = st->et - st->t0;
	e.speed_mm_s = e.duration > 0 ? length / e.duration : 0;
	double dir = atan2(e.y1 - e.y0, e.x1 - e.x0) * 180 / PI;
	if (dir < 0)
		dir += 360;
	e.direction_deg = dir >= 360 ? 0 : dir;
	e.mean = an_stats_mean(&st->at_e);
	e.peak = st->at_e.peak;
	e.site = an_site_stroke(a, &c->work, st->t0, &e, &e.pass);
	an_emit(a, PD_EV_STROKE, PD_PHASE_NONE, &e, sizeof e);
}

static void set_extreme(struct an_stroke *st, double x, double y, double t, double proj)
{
	st->ex = x;
	st->ey = y;
	st->et = t;
	st->eproj = proj;
	st->at_e = st->acc;
	an_stats_clear(&st->after_e);
}

void an_stroke_frame(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s, bool vertex,
		     const struct an_motion *before)
{
	struct an_stroke *st = &c->stroke;
	if (!st->on) {
		if (!vertex)
			return;
		/* set off from the vertex it rested at, when it was last there */
		st->on = true;
		st->x0 = before->vx;
		st->y0 = before->vy;
		st->t0 = before->near_t;
		an_stats_clear(&st->acc);
		ring_reset(st, st->x0, st->y0);
		set_extreme(st, st->x0, st->y0, st->t0, 0);
	}
	an_stats_add(&st->acc, s->p, s->w, s->x, s->y);
	double hx, hy;
	bool have_heading = heading(st, AN_TURN_BASE_STEPS * a->step, &hx, &hy);
	if (vertex) {
		double dx = s->x - st->lx, dy = s->y - st->ly, l = sqrt(dx * dx + dy * dy);
		if (have_heading && l > 0 && (dx * hx + dy * hy) / l < AN_TURN_COS) {
			/* turned back: this stroke ended at its farthest point and
			 * the next one starts there */
			an_stats_add(&st->after_e, s->p, s->w, s->x, s->y);
			struct an_stats after = st->after_e;
			finish(a, c);
			st->on = true;
			st->x0 = st->ex;
			st->y0 = st->ey;
			st->t0 = st->et;
			st->acc = after;
			ring_reset(st, st->x0, st->y0);
		}
		ring_push(st, s->x, s->y);
		set_extreme(st, s->x, s->y, s->t, 0);
		return;
	}
	/* a quarter step of progress, well above the position noise of a
	 * contact at rest, or the end of a stroke would creep later */
	double proj = have_heading ? (s->x - st->lx) * hx + (s->y - st->ly) * hy : 0;
	if (proj > st->eproj + 0.25 * a->step)
		set_extreme(st, s->x, s->y, s->t, proj);
	else
		an_stats_add(&st->after_e, s->p, s->w, s->x, s->y);
	if (!an_motion_moving(&c->motion, s->t))
		finish(a, c);
}

void an_stroke_end(struct pd_analysis *a, struct an_contact *c)
{
	if (c->stroke.on)
		finish(a, c);
}
