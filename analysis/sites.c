/* Stage 9: sites and bouts (analysis.md). The other stages tell this one
 * what happened (a compression under way, a press, hold, stroke or roll
 * ended); it keeps, per treatment site, the figures of the bout going on,
 * the verdicts and the coach's `next`, and publishes a site event when a
 * bout starts, when a field changes (and once a second while a press is in
 * progress there), and when the bout ends, bout_gap_s after its last work.
 *
 * A compression is a press that stays put: a press whose contact made no
 * stroke counts from its first frame once it has lasted press_min_s (so a
 * tap never does) to its end, or to where a stroke it turns into began;
 * in a press that glided, only its holds count (hold_min_s settled: a
 * hold after a glide, a roller's hold). Everything here is driven by
 * device time and sized in advance: sites past AN_MAX_SITES evict the one
 * idle longest. What a site event says, and the coach: site_event.c. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define GOOD_PULSE 0.9 /* a pulse counts towards the target at 90 % of pulse_target_s */

/* ---- lookups ------------------------------------------------------------- */

static struct an_site *site_by_id(struct pd_analysis *a, uint32_t id)
{
	for (size_t i = 0; i < a->nsites; i++)
		if (a->sites[i].used && a->sites[i].id == id)
			return &a->sites[i];
	return NULL;
}

/* The site a worker is attached to, by its slot if it is still there. */
static struct an_site *site_of_work(struct pd_analysis *a, const struct an_work *w)
{
	if (!w->has_site)
		return NULL;
	struct an_site *s = &a->sites[w->slot];
	return s->used && s->id == w->site ? s : site_by_id(a, w->site);
}

static void set_site(struct pd_analysis *a, struct an_work *w, const struct an_site *s)
{
	w->has_site = true;
	w->site = s->id;
	w->slot = (uint32_t)(s - a->sites);
}

/* Every contact's (or the roller's) work, and the end of its last frame. */
static size_t workers(struct pd_analysis *a, struct an_work **w, double *seen_end)
{
	if (a->roller) {
		if (!a->rl.loaded)
			return 0;
		w[0] = &a->rl.work;
		seen_end[0] = a->rl.t_seen + a->rl.dt_seen;
		return 1;
	}
	for (size_t i = 0; i < a->ncontacts; i++) {
		w[i] = &a->contacts[i].work;
		seen_end[i] = a->contacts[i].t_seen + a->contacts[i].dt_seen;
	}
	return a->ncontacts;
}

/* Another contact than w working site s. */
static bool others_on(struct pd_analysis *a, const struct an_work *w, const struct an_site *s)
{
	struct an_work *o[AN_MAX_CONTACTS];
	double end[AN_MAX_CONTACTS];
	size_t n = workers(a, o, end);
	for (size_t i = 0; i < n; i++)
		if (o[i] != w && o[i]->has_site && o[i]->site == s->id)
			return true;
	return false;
}

static bool attached(struct pd_analysis *a, uint32_t id)
{
	struct an_work *w[AN_MAX_CONTACTS];
	double end[AN_MAX_CONTACTS];
	size_t n = workers(a, w, end);
	for (size_t i = 0; i < n; i++)
		if (w[i]->has_site && w[i]->site == id)
			return true;
	return false;
}

/* On a roller, sites lie along the body: only y counts. */
static double point_dist(const struct pd_analysis *a, const struct an_site *s, double x, double y)
{
	return a->roller ? fabs(y - s->y) : an_dist(s->x, s->y, x, y);
}

static double seg_dist(const struct pd_analysis *a, const struct an_site *s, double x0, double y0, double x1,
		       double y1)
{
	if (a->roller)
		x0 = x1 = s->x;
	double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
	double u = l2 > 0 ? ((s->x - x0) * dx + (s->y - y0) * dy) / l2 : 0;
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	return an_dist(s->x, s->y, x0 + u * dx, y0 + u * dy);
}

/* The nearest site within site_radius_mm of a point (x1 = NAN) or of a
 * path; ties go to the lower id. */
static struct an_site *nearest(struct pd_analysis *a, double x0, double y0, double x1, double y1)
{
	struct an_site *best = NULL;
	double bd = INFINITY;
	for (size_t i = 0; i < a->nsites; i++) {
		struct an_site *s = &a->sites[i];
		if (!s->used)
			continue;
		double d = isnan(x1) ? point_dist(a, s, x0, y0) : seg_dist(a, s, x0, y0, x1, y1);
		if (d <= a->p.site_radius_mm + AN_EPS_S && (d < bd || (d == bd && best && s->id < best->id))) {
			best = s;
			bd = d;
		}
	}
	return best;
}

/* ---- sites and bouts ------------------------------------------------------- */

static void end_bout(struct pd_analysis *a, struct an_site *s)
{
	struct an_site_progress p = an_site_scan(a, s);
	an_site_emit(a, s, PD_PHASE_END, &p);
	s->open = false;
}

static struct an_site *new_site(struct pd_analysis *a, double x, double y, bool from_stroke)
{
	struct an_site *s = NULL;
	for (size_t i = 0; i < AN_MAX_SITES && !s; i++)
		if (!a->sites[i].used)
			s = &a->sites[i];
	if (!s) {
		/* all taken: the one idle longest, no press on it, makes room */
		for (size_t i = 0; i < AN_MAX_SITES; i++) {
			struct an_site *c = &a->sites[i];
			if (!attached(a, c->id) && (!s || c->t_last < s->t_last))
				s = c;
		}
		if (!s) /* cannot happen: fewer contacts than sites */
			s = &a->sites[0];
		if (s->open)
			end_bout(a, s);
		a->stats.sites_evicted++;
	}
	memset(s, 0, sizeof *s);
	s->used = true;
	s->id = an_next_id(a, PD_EV_SITE);
	if ((size_t)(s - a->sites) >= a->nsites)
		a->nsites = (size_t)(s - a->sites) + 1;
	s->x = x;
	s->y = y;
	s->from_stroke = from_stroke;
	return s;
}

/* Work that began at t0 is going on at s: a bout starts if none is. */
static void touch(struct pd_analysis *a, struct an_site *s, double t0, double t_end)
{
	if (!s->open) {
		uint32_t bouts = s->bouts;
		double x = s->x, y = s->y;
		bool from_stroke = s->from_stroke;
		uint32_t id = s->id;
		memset(s, 0, sizeof *s);
		s->used = true;
		s->id = id;
		s->x = x;
		s->y = y;
		s->from_stroke = from_stroke;
		s->bouts = bouts + 1;
		s->open = true;
		s->t_start = t0;
		s->t_last = t_end;
		s->last_pub = a->t;
		struct an_site_progress p = an_site_scan(a, s);
		an_site_emit(a, s, PD_PHASE_START, &p);
	}
	if (t_end > s->t_last)
		s->t_last = t_end;
}

static void set_compressed(struct an_site *s)
{
	if (!s->compressed) {
		s->compressed = true;
		s->passes_after = 0;
	}
	s->dirty = true;
}

/* A compression of the bout ended: its figures, the pulse set it extends. */
static void compression_done(struct pd_analysis *a, struct an_site *s, double t0, double d, bool released,
			     double peak)
{
	const struct pd_analysis_params *p = &a->p;
	s->compression_s += d;
	if (d > s->hold_s)
		s->hold_s = d;
	if (peak > s->peak)
		s->peak = peak;
	if (d >= p->hold_target_s - AN_EPS_S)
		s->hold_reached = true;
	if (released)
		s->released = true;
	if (d > p->hold_max_s + AN_EPS_S)
		s->over = true;
	bool good = d >= GOOD_PULSE * p->pulse_target_s - AN_EPS_S;
	if (good && d < p->hold_target_s - AN_EPS_S)
		s->pulsing = true;
	if (s->chain_n && t0 - s->chain_end <= p->pulse_gap_s + AN_EPS_S) {
		s->chain_n++;
	} else {
		s->chain_n = 1;
		s->chain_good = 0;
		s->chain_sum = 0;
	}
	s->chain_sum += d;
	s->chain_end = t0 + d;
	s->chain_good += good;
	if (s->chain_n >= 2 && s->chain_n >= s->best_n) {
		s->best_n = s->chain_n;
		s->best_sum = s->chain_sum;
	}
	if (s->hold_reached || s->released || s->chain_good >= p->pulse_target_count)
		set_compressed(s);
	s->dirty = true;
	if (t0 + d > s->t_last)
		s->t_last = t0 + d;
}

/* A pass (a stroke over the site, a roll along it) of axis dir_deg. */
static uint32_t pass(struct pd_analysis *a, struct an_site *s, double dir_deg, double peak, double t_end)
{
	double axis = fmod(dir_deg, 180);
	if (s->passes < AN_SITE_AXES)
		s->axes[s->passes] = axis < 0 ? axis + 180 : axis;
	else
		a->stats.passes_unlisted++;
	s->passes++;
	if (s->compressed)
		s->passes_after++;
	if (s->passes > a->p.passes_max)
		s->over = true;
	if (peak > s->peak)
		s->peak = peak;
	if (t_end > s->t_last)
		s->t_last = t_end;
	s->dirty = true;
	return s->passes;
}

/* A compression at (x, y) from t0 on: to the nearest site, or a new one. */
static void attach_compression(struct pd_analysis *a, struct an_work *w, double t0, double x, double y,
			       bool is_hold)
{
	struct an_site *s = nearest(a, x, y, NAN, NAN);
	if (!s) {
		s = new_site(a, x, y, false);
	} else if (s->from_stroke) {
		s->x = x;
		s->y = y;
		s->from_stroke = false;
		s->dirty = true;
	}
	set_site(a, w, s);
	w->comp = true;
	w->comp_hold = is_hold;
	w->comp_t0 = t0;
	w->comp_peak = 0;
	w->released = false;
	touch(a, s, t0, a->t + a->dt);
}

/* The site a worker is on (it may have been evicted: then the nearest). */
static struct an_site *site_of(struct pd_analysis *a, struct an_work *w, double x, double y, double t0,
			       double t_end)
{
	struct an_site *s = site_of_work(a, w);
	if (!s)
		s = nearest(a, x, y, NAN, NAN);
	if (!s)
		s = new_site(a, x, y, false);
	set_site(a, w, s);
	touch(a, s, t0, t_end);
	return s;
}

/* ---- the hooks -------------------------------------------------------------- */

void an_site_contact(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s)
{
	struct an_work *w = &c->work;
	if (w->comp) {
		if (s->p > w->comp_peak)
			w->comp_peak = s->p;
		struct an_site *st = site_of_work(a, w);
		if (st && s->p > st->peak)
			st->peak = s->p;
		return;
	}
	if (w->glided || c->stroke.on || c->press.acc.n == 0 ||
	    s->t + s->dt - c->press.t0 < a->p.press_min_s - AN_EPS_S)
		return;
	attach_compression(a, w, c->press.t0, s->x, s->y, false);
	w->comp_peak = c->press.acc.peak;
}

uint32_t an_site_press(struct pd_analysis *a, struct an_work *w, double t0, double duration, double x, double y,
		       double peak, bool tap)
{
	bool comp = w->comp && !w->comp_hold;
	if (comp)
		w->comp = false;
	w->glided = false;
	if (tap)
		return 0; /* no press: counts nowhere */
	struct an_site *s = site_of(a, w, x, y, t0, t0 + duration);
	if (comp)
		compression_done(a, s, w->comp_t0, t0 + duration - w->comp_t0, w->released, peak);
	if (peak > s->peak)
		s->peak = peak;
	if (comp)
		w->released = false;
	return s->id;
}

/* The worker whose hold this is: the roller's, or a contact's. */
static struct an_work *hold_owner(struct pd_analysis *a, const struct an_hold *h)
{
	if (a->roller)
		return &a->rl.work;
	return &((struct an_contact *)((char *)h - offsetof(struct an_contact, hold)))->work;
}

uint32_t an_site_hold(struct pd_analysis *a, const struct an_hold *h, enum pd_phase phase, double duration,
		      double peak)
{
	struct an_work *w = hold_owner(a, h);
	if (phase == PD_PHASE_START && !w->comp)
		attach_compression(a, w, h->at, h->rx, h->ry, true);
	struct an_site *s = site_of(a, w, h->rx, h->ry, h->at, h->at + duration);
	if (w->comp && w->comp_hold) {
		w->comp_peak = peak;
		if (phase == PD_PHASE_END) {
			w->comp = false;
			compression_done(a, s, h->at, duration, w->released, peak);
			w->released = false;
		}
	}
	return s->id;
}

uint32_t an_site_stroke(struct pd_analysis *a, struct an_work *w, double t0, const struct pd_ev_stroke *e,
			uint32_t *pass_no)
{
	if (w->comp && !w->comp_hold) {
		/* the press turned into a glide: held still long enough to be
		 * a hold, it was a compression until then; a finger resting a
		 * moment before it glides was none, and a site it began is
		 * the glide's */
		w->comp = false;
		double d = t0 - w->comp_t0;
		struct an_site *cs = site_of_work(a, w);
		if (cs && (d >= a->p.hold_min_s - AN_EPS_S || w->released))
			compression_done(a, cs, w->comp_t0, d, w->released, w->comp_peak);
		else if (cs && cs->bouts == 1 && cs->compression_s == 0 && cs->passes == 0 && !cs->over &&
			 !cs->released && !others_on(a, w, cs))
			cs->from_stroke = true;
		w->released = false;
	}
	w->glided = true;
	double mx = (e->x0 + e->x1) / 2, my = (e->y0 + e->y1) / 2;
	struct an_site *s = nearest(a, e->x0, e->y0, e->x1, e->y1);
	if (!s) {
		s = new_site(a, mx, my, true);
	} else if (s->from_stroke && s->passes == 0) {
		s->x = mx;
		s->y = my;
		s->dirty = true;
	}
	touch(a, s, t0, t0 + e->duration);
	set_site(a, w, s);
	*pass_no = pass(a, s, e->direction_deg, e->peak, t0 + e->duration);
	return s->id;
}

void an_site_roll(struct pd_analysis *a, struct an_work *w, double t0, const struct pd_ev_roll *e)
{
	struct an_site *s = nearest(a, 0, e->from_mm, 0, e->to_mm);
	if (!s)
		s = new_site(a, e->peak_axis_mm, (e->from_mm + e->to_mm) / 2, true);
	touch(a, s, t0, t0 + e->duration);
	set_site(a, w, s);
	pass(a, s, 90, e->peak_force, t0 + e->duration); /* along the body */
}

void an_site_detach(struct pd_analysis *a, struct an_work *w, double t_end)
{
	struct an_site *s = site_of_work(a, w);
	if (s && t_end > s->t_last)
		s->t_last = t_end;
	memset(w, 0, sizeof *w);
}

/* ---- marks -------------------------------------------------------------------- */

int pd_analysis_mark(struct pd_analysis *a, const char *label)
{
	enum an_mark m;
	if (!strcmp(label, "sensation"))
		m = AN_MARK_SENSATION;
	else if (!strcmp(label, "pain"))
		m = AN_MARK_PAIN;
	else
		return 0; /* other labels do not count in the analysis */
	if (a->nmarks == AN_MAX_MARKS) {
		a->stats.marks_dropped++;
		return -1;
	}
	a->marks[a->nmarks++] = m;
	return 0;
}

/* The compression in progress that began last (the latest thing done). */
static struct an_work *compressing(struct pd_analysis *a)
{
	struct an_work *w[AN_MAX_CONTACTS], *best = NULL;
	double end[AN_MAX_CONTACTS];
	size_t n = workers(a, w, end);
	for (size_t i = 0; i < n; i++)
		if (w[i]->comp && (!best || w[i]->comp_t0 > best->comp_t0))
			best = w[i];
	return best;
}

static void apply_mark(struct pd_analysis *a, enum an_mark m)
{
	struct an_work *w = compressing(a);
	struct an_site *s = w ? site_of_work(a, w) : NULL;
	if (m == AN_MARK_SENSATION) {
		if (!s) {
			a->stats.marks_ignored++;
			return;
		}
		w->released = true;
		s->released = true;
		set_compressed(s);
		return;
	}
	if (!s) /* the site worked last */
		for (size_t i = 0; i < a->nsites; i++)
			if (a->sites[i].used && (!s || a->sites[i].t_last > s->t_last))
				s = &a->sites[i];
	if (!s || !s->open) {
		a->stats.marks_ignored++;
		return;
	}
	s->over = true;
	s->dirty = true;
}

/* ---- each frame ------------------------------------------------------------------ */

void an_sites_frame(struct pd_analysis *a)
{
	for (size_t i = 0; i < a->nmarks; i++)
		apply_mark(a, a->marks[i]);
	a->nmarks = 0;
	for (size_t i = 0; i < a->nsites; i++) {
		struct an_site *s = &a->sites[i];
		if (!s->used || !s->open)
			continue;
		struct an_site_progress p = an_site_scan(a, s);
		if (p.busy && p.seen_end > s->t_last)
			s->t_last = p.seen_end;
		if (p.comp && p.cur > a->p.hold_max_s + AN_EPS_S && !s->over) {
			s->over = true;
			s->dirty = true;
		}
		if (p.comp && p.cur >= a->p.hold_target_s - AN_EPS_S && !s->hold_reached) {
			s->hold_reached = true;
			set_compressed(s);
		}
		if (!p.busy && a->t >= s->t_last + a->p.bout_gap_s - AN_EPS_S) {
			end_bout(a, s);
			continue;
		}
		bool tick = p.busy && a->t - s->last_pub >= 1.0 - AN_EPS_S;
		if (tick) {
			/* on a one-second grid; after a pause, from now */
			s->last_pub += 1.0;
			if (a->t - s->last_pub >= 1.0 - AN_EPS_S)
				s->last_pub = a->t;
		}
		double remaining;
		if (s->dirty || tick || strcmp(an_site_coach(a, s, &p, &remaining), s->last_next))
			an_site_emit(a, s, PD_PHASE_UPDATE, &p);
	}
}

/* The stream ended: every bout going on ends, in order of id. */
void an_sites_flush(struct pd_analysis *a)
{
	for (;;) {
		struct an_site *first = NULL;
		for (size_t i = 0; i < a->nsites; i++)
			if (a->sites[i].used && a->sites[i].open && (!first || a->sites[i].id < first->id))
				first = &a->sites[i];
		if (!first)
			return;
		end_bout(a, first);
	}
}
