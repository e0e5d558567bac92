/* The per-site dose table: sites are the places presses, holds, pulse
 * sets and strokes (at their midpoint) happened, points closer than
 * pulse_radius_mm joined into one (single linkage: a chain of close
 * points is one site); and a roller's rolls grouped into regions along
 * the body (rolls whose ranges overlap). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linkage.h"
#include "report.h"

struct point {
	double t;
	enum pd_event_type type;
	size_t index;
};

/* Every event with a place: its time, kind and index in p, its position in xy. */
static size_t points(const struct pd_report_events *ev, struct point *p, struct pd_link_xy *xy)
{
	size_t n = 0;
	for (size_t i = 0; i < ev->npress; i++) {
		const struct pd_ev_press *e = &ev->press[i].u.press;
		xy[n] = (struct pd_link_xy){ e->x, e->y };
		p[n++] = (struct point){ e->t_start, PD_EV_PRESS, i };
	}
	for (size_t i = 0; i < ev->nhold; i++) {
		const struct pd_ev_hold *e = &ev->hold[i].u.hold;
		xy[n] = (struct pd_link_xy){ e->x, e->y };
		p[n++] = (struct point){ e->t_start, PD_EV_HOLD, i };
	}
	for (size_t i = 0; i < ev->npulses; i++) {
		const struct pd_ev_pulses *e = &ev->pulses[i].u.pulses;
		xy[n] = (struct pd_link_xy){ e->x, e->y };
		p[n++] = (struct point){ e->t_start, PD_EV_PULSES, i };
	}
	for (size_t i = 0; i < ev->nstroke; i++) {
		const struct pd_ev_stroke *e = &ev->stroke[i].u.stroke;
		xy[n] = (struct pd_link_xy){ (e->x0 + e->x1) / 2, (e->y0 + e->y1) / 2 };
		p[n++] = (struct point){ ev->stroke[i].t - e->duration, PD_EV_STROKE, i };
	}
	return n;
}

static int by_time(const void *a, const void *b)
{
	const struct pd_report_site *x = a, *y = b;
	/* `row` holds the first event's time until the sort is done */
	return (x->row > y->row) - (x->row < y->row);
}

static int regions(const struct pd_report_events *ev, struct pd_report_dose *out)
{
	size_t n = ev->nroll;
	if (!n)
		return 0;
	size_t *parent = malloc(n * sizeof *parent);
	out->region = calloc(n, sizeof *out->region);
	if (!parent || !out->region) {
		free(parent);
		return -1;
	}
	pd_link_init(parent, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct pd_ev_roll *a = &ev->roll[i].u.roll, *b = &ev->roll[j].u.roll;
			double a0 = fmin(a->from_mm, a->to_mm), a1 = fmax(a->from_mm, a->to_mm);
			double b0 = fmin(b->from_mm, b->to_mm), b1 = fmax(b->from_mm, b->to_mm);
			if (a0 <= b1 && b0 <= a1)
				pd_link_join(parent, i, j);
		}
	size_t *slot = malloc(n * sizeof *slot);
	if (!slot) {
		free(parent);
		return -1;
	}
	out->nregions = pd_link_labels(parent, n, slot);
	for (size_t k = 0; k < out->nregions; k++) {
		out->region[k].from_mm = INFINITY;
		out->region[k].to_mm = -INFINITY;
	}
	for (size_t i = 0; i < n; i++) {
		struct pd_report_region *g = &out->region[slot[i]];
		const struct pd_ev_roll *e = &ev->roll[i].u.roll;
		g->from_mm = fmin(g->from_mm, fmin(e->from_mm, e->to_mm));
		g->to_mm = fmax(g->to_mm, fmax(e->from_mm, e->to_mm));
		g->nrolls++;
		if (e->direction > 0)
			g->up++;
		else
			g->down++;
		g->mean_speed += e->speed_mm_s;
		g->mean_force += e->mean_force;
		g->peak_force = fmax(g->peak_force, e->peak_force);
	}
	for (size_t k = 0; k < out->nregions; k++) {
		out->region[k].mean_speed /= (double)out->region[k].nrolls;
		out->region[k].mean_force /= (double)out->region[k].nrolls;
	}
	free(slot);
	free(parent);
	return 0;
}

int pd_report_dose(const struct pd_report_events *ev, double pitch_x_mm, double pitch_y_mm, double radius_mm,
		   struct pd_report_dose *out)
{
	memset(out, 0, sizeof *out);
	size_t max = ev->npress + ev->nhold + ev->npulses + ev->nstroke;
	struct point *p = malloc((max ? max : 1) * sizeof *p);
	struct pd_link_xy *xy = malloc((max ? max : 1) * sizeof *xy);
	size_t *parent = malloc((max ? max : 1) * sizeof *parent);
	size_t *slot = malloc((max ? max : 1) * sizeof *slot);
	size_t *count = calloc(max ? max : 1, sizeof *count);
	out->site = calloc(max ? max : 1, sizeof *out->site);
	int rc = -1;
	if (!p || !xy || !parent || !slot || !count || !out->site)
		goto out;
	size_t n = points(ev, p, xy);
	out->nsites = pd_link_within(xy, n, radius_mm, parent, slot);
	for (size_t k = 0; k < out->nsites; k++)
		out->site[k].row = INFINITY; /* the first event's time, for sorting */
	for (size_t i = 0; i < n; i++) {
		struct pd_report_site *s = &out->site[slot[i]];
		s->x += xy[i].x;
		s->y += xy[i].y;
		s->row = fmin(s->row, p[i].t);
		count[slot[i]]++;
		switch (p[i].type) {
		case PD_EV_PRESS:
			s->npress++;
			s->compression_s += ev->press[p[i].index].u.press.duration;
			s->peak = fmax(s->peak, ev->press[p[i].index].u.press.peak);
			break;
		case PD_EV_HOLD:
			s->nholds++;
			s->peak = fmax(s->peak, ev->hold[p[i].index].u.hold.peak);
			break;
		case PD_EV_PULSES: s->npulses++; break; /* its presses are counted as presses */
		default:
			s->nstrokes++;
			s->peak = fmax(s->peak, ev->stroke[p[i].index].u.stroke.peak);
			break;
		}
	}
	for (size_t k = 0; k < out->nsites; k++) {
		struct pd_report_site *s = &out->site[k];
		s->holds = calloc(s->nholds + 1, sizeof *s->holds);
		s->pulses = calloc(s->npulses + 1, sizeof *s->pulses);
		s->strokes = calloc(s->nstrokes + 1, sizeof *s->strokes);
		if (!s->holds || !s->pulses || !s->strokes)
			goto out;
		s->nholds = s->npulses = s->nstrokes = 0;
		s->x /= (double)count[k];
		s->y /= (double)count[k];
	}
	/* the lists, in time order (the tables are) */
	for (size_t i = 0; i < n; i++) {
		struct pd_report_site *s = &out->site[slot[i]];
		if (p[i].type == PD_EV_HOLD)
			s->holds[s->nholds++] = p[i].index;
		else if (p[i].type == PD_EV_PULSES)
			s->pulses[s->npulses++] = p[i].index;
		else if (p[i].type == PD_EV_STROKE)
			s->strokes[s->nstrokes++] = p[i].index;
	}
	qsort(out->site, out->nsites, sizeof *out->site, by_time);
	for (size_t k = 0; k < out->nsites; k++) {
		struct pd_report_site *s = &out->site[k];
		s->col = pitch_x_mm > 0 ? s->x / pitch_x_mm : 0;
		s->row = pitch_y_mm > 0 ? s->y / pitch_y_mm : 0;
	}
	rc = regions(ev, out);
out:
	free(p);
	free(xy);
	free(parent);
	free(slot);
	free(count);
	if (rc)
		pd_report_dose_free(out);
	return rc;
}

void pd_report_dose_free(struct pd_report_dose *d)
{
	for (size_t k = 0; d->site && k < d->nsites; k++) {
		free(d->site[k].holds);
		free(d->site[k].pulses);
		free(d->site[k].strokes);
	}
	free(d->site);
	free(d->region);
	memset(d, 0, sizeof *d);
}
