/* Stage 9: what a site event says (analysis.md, events.md): the bout's
 * figures with the compression in progress counted so far, the verdicts,
 * and the coach's `next` and `remaining_s`. The sites and bouts
 * themselves are sites.c's. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define PI 3.14159265358979323846

struct an_site_progress an_site_scan(const struct pd_analysis *a, const struct an_site *s)
{
	struct an_site_progress p = { 0 };
	size_t n = a->roller ? a->rl.loaded : a->ncontacts; /* every frame: no copies */
	for (size_t i = 0; i < n; i++) {
		const struct an_work *w = a->roller ? &a->rl.work : &a->contacts[i].work;
		if (!w->has_site || w->site != s->id)
			continue;
		double end = a->roller ? a->rl.t_seen + a->rl.dt_seen : a->contacts[i].t_seen + a->contacts[i].dt_seen;
		p.busy = true;
		if (end > p.seen_end)
			p.seen_end = end;
		if (w->comp) {
			double d = a->t + a->dt - w->comp_t0;
			if (!p.comp || d > p.cur) {
				p.cur = d;
				p.released = w->released;
			}
			p.comp = true;
		}
	}
	return p;
}

/* The coach (analysis.md's table): `rest` wins, then a compression in
 * progress, then what the bout still lacks. */
const char *an_site_coach(const struct pd_analysis *a, const struct an_site *s, const struct an_site_progress *p,
			  double *remaining)
{
	*remaining = 0;
	if (s->over)
		return "rest";
	if (p->comp) {
		double goal = s->pulsing ? a->p.pulse_target_s : a->p.hold_target_s;
		if (p->released || p->cur >= goal - AN_EPS_S || p->cur >= a->p.hold_max_s - AN_EPS_S)
			return "release";
		*remaining = goal - p->cur;
		return "hold";
	}
	if (s->compressed)
		return s->passes < a->p.passes_min ? "glide" : "done";
	return s->pulsing ? "pulse" : "press";
}

/* The mean axis of the passes (doubled angles: 10° and 190° are one
 * axis) and the largest angle of a pass's axis from it. */
static void axes(const struct an_site *s, double *mean, double *spread)
{
	uint32_t n = s->passes < AN_SITE_AXES ? s->passes : AN_SITE_AXES;
	*mean = *spread = 0;
	if (n == 0)
		return;
	double c = 0, si = 0;
	for (uint32_t i = 0; i < n; i++) {
		c += cos(s->axes[i] * PI / 90);
		si += sin(s->axes[i] * PI / 90);
	}
	double m = atan2(si, c) * 90 / PI;
	m = m < 0 ? m + 180 : m;
	*mean = m >= 180 ? 0 : m;
	for (uint32_t i = 0; i < n; i++) {
		double d = fabs(s->axes[i] - *mean);
		d = d > 90 ? 180 - d : d;
		if (d > *spread)
			*spread = d;
	}
}

void an_site_emit(struct pd_analysis *a, struct an_site *s, enum pd_phase phase, const struct an_site_progress *p)
{
	struct pd_ev_site e;
	memset(&e, 0, sizeof e);
	e.id = s->id;
	e.x = s->x;
	e.y = s->y;
	e.bout = s->bouts;
	e.t_start = s->t_start;
	double end = p->busy && p->seen_end > s->t_last ? p->seen_end : s->t_last;
	e.duration = end > s->t_start ? end - s->t_start : 0;
	double cur = p->comp ? p->cur : 0;
	e.compression_s = s->compression_s + cur;
	e.hold_s = cur > s->hold_s ? cur : s->hold_s;
	e.hold_reached = s->hold_reached;
	e.released = s->released;
	e.pulses = s->best_n;
	e.pulse_s = s->best_n ? s->best_sum / s->best_n : 0;
	e.passes = s->passes;
	axes(s, &e.direction_deg, &e.spread_deg);
	e.compressed = s->compressed;
	e.glided = s->passes >= a->p.passes_min;
	e.combined = s->compressed && s->passes_after >= a->p.passes_min;
	e.over = s->over;
	snprintf(e.next, sizeof e.next, "%s", an_site_coach(a, s, p, &e.remaining_s));
	e.peak = s->peak;
	an_emit(a, PD_EV_SITE, phase, &e, sizeof e);
	snprintf(s->last_next, sizeof s->last_next, "%s", e.next);
	s->dirty = false;
}
