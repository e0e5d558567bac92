/* Stage 3: contacts. Each frame's peaks (above contact_off) are matched to
 * the contacts being tracked, nearest to each contact's predicted position
 * first, so two contacts passing near each other keep their ids; a peak
 * left over starts a contact only above contact_on (hysteresis). A contact
 * not found is ended once it has stayed below contact_off for release_s;
 * one whose peak merged into a neighbour's (the pressure under its
 * predicted position is still above contact_off) coasts on its track for
 * up to AN_OCCLUDED_MAX_S and is found again when they part.
 *
 * Area, centre of pressure and force come from one sweep over the cells
 * around the matched peaks only: a breadth-first fill from all of them at
 * once over the cells above the noise floor, each cell going to the peak
 * that reaches it first. Then each contact's frame goes through its
 * press, stroke and hold stages. */
#include "internal.h"

#include <string.h>

static void emit_contact(struct pd_analysis *a, const struct an_contact *c, enum pd_phase phase,
			 double duration)
{
	struct pd_ev_contact e;
	memset(&e, 0, sizeof e);
	e.id = c->id;
	e.x = c->x;
	e.y = c->y;
	e.col = c->col;
	e.row = c->row;
	e.cop_x = c->cop_x;
	e.cop_y = c->cop_y;
	e.peak = c->peak;
	e.force = a->kpa ? c->force : 0;
	e.has_force = a->kpa;
	e.area_mm2 = c->area;
	e.duration = duration;
	an_emit(a, PD_EV_CONTACT, phase, &e, sizeof e);
}

/* ---- matching -------------------------------------------------------------- */

static void predict(const struct pd_analysis *a, const struct an_contact *c, double *x, double *y)
{
	/* a short horizon: a coasting contact is not flung across the mat */
	double h = fmin(a->t - c->t_seen, AN_OCCLUDED_MAX_S);
	*x = c->x + c->vx * h;
	*y = c->y + c->vy * h;
}

/* Greedy on distance, smallest first (ties: lower contact, then lower
 * peak): deterministic, and since peaks are at least min_separation_mm
 * apart, the nearest pairs are the right ones unless a contact moved
 * about that far from its prediction in one frame. */
static void match(struct pd_analysis *a)
{
	size_t nc = a->ncontacts, np = a->npeaks;
	double pitch = fmax(a->px, a->py);
	for (size_t j = 0; j < np; j++)
		a->peak_taken[j] = false;
	for (size_t i = 0; i < nc; i++) {
		struct an_contact *c = &a->contacts[i];
		c->matched = false;
		double x, y;
		predict(a, c, &x, &y);
		double h = a->t - c->t_seen;
		/* how far a peak may be from where the contact should be: a
		 * fast glide at a low frame rate moves a long way per frame */
		double gate = fmax(2 * a->p.min_separation_mm, 3 * pitch) + sqrt(c->vx * c->vx + c->vy * c->vy) * h;
		for (size_t j = 0; j < np; j++) {
			double d = an_dist(x, y, a->peaks[j].fcol * a->px, a->peaks[j].frow * a->py);
			a->match_d[i * AN_MAX_PEAKS + j] = d <= gate ? d : INFINITY;
		}
	}
	for (;;) {
		double best = INFINITY;
		size_t bi = 0, bj = 0;
		for (size_t i = 0; i < nc; i++) {
			if (a->contacts[i].matched)
				continue;
			const double *row = &a->match_d[i * AN_MAX_PEAKS];
			for (size_t j = 0; j < np; j++)
				if (row[j] < best && !a->peak_taken[j]) {
					best = row[j];
					bi = i;
					bj = j;
				}
		}
		if (best == INFINITY)
			return;
		a->contacts[bi].matched = true;
		a->contacts[bi].peak_idx = (int)bj;
		a->peak_taken[bj] = true;
	}
}

/* ---- the cell sweep -------------------------------------------------------- */

static void sweep(struct pd_analysis *a)
{
	if (++a->sweep == 0) { /* after 2^32 frames: stamps from the last round could collide */
		memset(a->stamp, 0, a->ncells * sizeof *a->stamp);
		a->sweep = 1;
	}
	uint32_t stamp = a->sweep, *stamps = a->stamp;
	uint8_t *owner = a->owner;
	int32_t *queue = a->queue;
	int cols = a->cols;
	int32_t last_row = (int32_t)(a->ncells - (size_t)cols);
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < a->ncontacts; i++) {
		const struct an_contact *c = &a->contacts[i];
		if (!c->matched)
			continue;
		const struct pd_peak *p = &a->peaks[c->peak_idx];
		int32_t idx = p->row * cols + p->col;
		if (stamps[idx] == stamp)
			continue;
		stamps[idx] = stamp;
		owner[idx] = (uint8_t)i;
		queue[tail++] = idx;
	}
	const float *img = a->img;
#define VISIT(j)                                                          \
	do {                                                              \
		int32_t j_ = (j);                                         \
		if (img[j_] > 0 && stamps[j_] != stamp) {                 \
			stamps[j_] = stamp;                               \
			owner[j_] = o;                                    \
			queue[tail++] = j_;                               \
		}                                                         \
	} while (0)
	/* separate accumulators, so that no store of one has to be
	 * forwarded into a wider load of another */
	double sv[AN_MAX_CONTACTS] = { 0 }, svx[AN_MAX_CONTACTS] = { 0 }, svy[AN_MAX_CONTACTS] = { 0 };
	uint32_t sn[AN_MAX_CONTACTS] = { 0 };
	while (head < tail) {
		int32_t idx = queue[head++];
		uint8_t o = owner[idx];
		int r = idx / cols, col = idx - r * cols;
		double v = img[idx];
		sv[o] += v;
		svx[o] += v * col;
		svy[o] += v * r;
		sn[o]++;
		if (col > 0)
			VISIT(idx - 1);
		if (col + 1 < cols)
			VISIT(idx + 1);
		if (idx >= cols)
			VISIT(idx - cols);
		if (idx < last_row)
			VISIT(idx + cols);
	}
#undef VISIT
	for (size_t i = 0; i < a->ncontacts; i++)
		a->sw[i] = (struct an_sweep_acc){ sv[i], svx[i], svy[i], sn[i] };
}

/* ---- a contact's frame ------------------------------------------------------ */

static void observe(struct pd_analysis *a, struct an_contact *c)
{
	const struct pd_peak *p = &a->peaks[c->peak_idx];
	double x = p->fcol * a->px, y = p->frow * a->py;
	double h = a->t - c->t_seen;
	if (h > 0) {
		double k = 1 - exp(-h / AN_VEL_TAU_S);
		c->vx += k * ((x - c->x) / h - c->vx);
		c->vy += k * ((y - c->y) / h - c->vy);
	}
	c->x = x;
	c->y = y;
	c->col = p->fcol;
	c->row = p->frow;
	c->peak = p->value;
	const struct an_sweep_acc *sw = &a->sw[c - a->contacts];
	if (sw->v > 0) {
		c->cop_x = sw->vx / sw->v * a->px;
		c->cop_y = sw->vy / sw->v * a->py;
	} else {
		c->cop_x = x;
		c->cop_y = y;
	}
	c->area = sw->n * a->px * a->py;
	c->force = sw->v * a->px * a->py * 1e-3; /* kPa × mm² = mN */
}

static struct an_sample sample_of(const struct pd_analysis *a, const struct an_contact *c, double w)
{
	return (struct an_sample){ .t = a->t, .dt = a->dt, .w = w, .x = c->x, .y = c->y, .rx = c->x,
				   .ry = c->y, .p = c->peak, .moving = false };
}

static void start_contact(struct pd_analysis *a, size_t peak)
{
	if (a->ncontacts == AN_MAX_CONTACTS) {
		a->stats.contacts_dropped++;
		return;
	}
	struct an_contact *c = &a->contacts[a->ncontacts++];
	memset(c, 0, sizeof *c);
	c->id = an_next_id(a, PD_EV_CONTACT);
	c->t_start = c->t_seen = a->t;
	c->matched = true;
	c->peak_idx = (int)peak;
	c->last_pub = a->t;
	a->peak_taken[peak] = true;
}

static void first_frame(struct pd_analysis *a, struct an_contact *c)
{
	emit_contact(a, c, PD_PHASE_START, a->dt);
	struct an_sample s = sample_of(a, c, a->dt);
	an_motion_reset(&c->motion, c->x, c->y, a->t);
	an_press_begin(c, &s);
	an_press_frame(a, c, &s);
	an_stroke_begin(&c->stroke);
	an_site_contact(a, c, &s);
	an_hold_begin(&c->hold, &s);
	an_hold_frame(a, &c->hold, c->id, &s, a->t);
}

static void next_frame(struct pd_analysis *a, struct an_contact *c, double t_prev_end, double w)
{
	struct an_sample s = sample_of(a, c, w);
	an_press_frame(a, c, &s);
	struct an_motion before = c->motion;
	bool vertex = an_motion_update(&c->motion, c->x, c->y, a->t, a->step);
	s.moving = an_motion_moving(&c->motion, a->t);
	an_stroke_frame(a, c, &s, vertex, &before);
	an_site_contact(a, c, &s);
	an_hold_frame(a, &c->hold, c->id, &s, t_prev_end);
	if (a->t - c->last_pub >= 1.0 / a->p.contact_rate_hz - AN_EPS_S) {
		c->last_pub = a->t;
		emit_contact(a, c, PD_PHASE_MOVE, a->t + a->dt - c->t_start);
	}
}

/* Everything of the contact ends with its last frame; release_s spent
 * making sure is not part of any duration. Its last stroke before its
 * press, so that a press under a glide knows the glide's site. */
static void end_contact(struct pd_analysis *a, struct an_contact *c)
{
	double t_end = c->t_seen + c->dt_seen;
	an_hold_end(a, &c->hold, c->id, t_end, &c->hold.acc, c->hold.drift);
	an_stroke_end(a, c);
	an_press_end(a, c, t_end);
	an_site_detach(a, &c->work, t_end);
	emit_contact(a, c, PD_PHASE_END, t_end - c->t_start);
}

static bool occluded(const struct pd_analysis *a, const struct an_contact *c)
{
	if (a->t - c->t_seen > AN_OCCLUDED_MAX_S + AN_EPS_S)
		return false;
	double x, y;
	predict(a, c, &x, &y);
	long col = lround(x / a->px), row = lround(y / a->py);
	if (col < 0 || row < 0 || col >= a->cols || row >= a->rows)
		return false;
	return a->img[(size_t)row * a->cols + col] > a->off;
}

void an_contacts_frame(struct pd_analysis *a)
{
	a->npeaks = an_peaks_find_hot(a->img, a->row_hot, a->rows, a->cols, a->off, a->p.min_separation_mm, a->px,
				      a->py, a->peaks, AN_MAX_PEAKS, a->peak_scratch);
	if (a->npeaks == AN_MAX_PEAKS)
		a->stats.peaks_capped++;
	match(a);
	size_t nold = a->ncontacts;
	for (size_t j = 0; j < a->npeaks; j++) /* strongest first */
		if (!a->peak_taken[j] && a->peaks[j].value > a->on)
			start_contact(a, j);
	sweep(a);

	size_t keep = 0;
	for (size_t i = 0; i < a->ncontacts; i++) {
		struct an_contact *c = &a->contacts[i];
		bool ended = false;
		if (c->matched) {
			double t_prev_end = c->t_seen + c->dt_seen, w = a->t - c->t_seen;
			observe(a, c);
			c->lost = false;
			if (i >= nold)
				first_frame(a, c);
			else
				next_frame(a, c, t_prev_end, w);
			c->t_seen = a->t;
			c->dt_seen = a->dt;
		} else if (occluded(a, c)) {
			c->lost = false; /* not below contact_off: the release clock does not run */
		} else {
			if (!c->lost) {
				c->lost = true;
				c->t_lost = a->t;
			}
			ended = a->t + a->dt - c->t_lost >= a->p.release_s - AN_EPS_S;
		}
		if (ended)
			end_contact(a, c);
		else if (keep != i)
			a->contacts[keep++] = *c;
		else
			keep++;
	}
	a->ncontacts = keep;
}

void an_contacts_flush(struct pd_analysis *a)
{
	for (size_t i = 0; i < a->ncontacts; i++)
		end_contact(a, &a->contacts[i]);
	a->ncontacts = 0;
}
