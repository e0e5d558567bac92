/* Test helper for the analysis tests (test_analysis.c, test_analysis_edges.c):
 * a sink that records every event an analysis context emits, with the
 * frame it was emitted for, and a checker of the structural rules every
 * event stream must keep whatever the input (analysis.md, events.md and the
 * comments of analysis.h):
 *  - every event says its unit, the device's ("kPa", "N" or "counts");
 *  - an event emitted while a frame is fed carries that frame's t and seq;
 *    events emitted by pd_analysis_flush lie within the stream;
 *  - t never goes back (unless the test fed device time going back);
 *  - ids are never reused; a contact is start, move…, end; a hold is
 *    start, progress about once per device second, end; everything open is
 *    ended by the flush;
 *  - durations are never negative and never shrink; nothing ends before it
 *    happened (start + duration ≤ the frame that reports it + one frame);
 *  - contact updates at most contact_rate_hz per device second;
 *  - the per-type fields are consistent (reached = duration ≥ target,
 *    speed = length / duration, a stroke or roll is at least stroke_min_mm,
 *    mean ≤ peak, impulse = mean × duration, pulse sets of two or more…).
 * Header-only: each test is one file. */
#ifndef PD_TEST_ANALYSIS_CAPTURE_H
#define PD_TEST_ANALYSIS_CAPTURE_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"
#include "frame.h"

#define ANY_PHASE (-1)

struct cap_ev {
	struct pd_event ev;
	char units[16];    /* a copy: the pointer need only live during the callback */
	bool units_null;
	bool in_flush;     /* emitted by pd_analysis_flush */
	bool in_feed;      /* emitted by pd_analysis_feed (of frame fed_seq, fed_t) */
	uint32_t fed_seq;
	double fed_t;
	size_t fed_index;  /* how many frames had been fed before this one */
};

struct capture {
	struct cap_ev *v;
	size_t n, cap;
	/* what is being fed right now */
	bool feeding, flushing;
	uint32_t cur_seq;
	double cur_t;
	size_t nfed;
	/* the stream as fed */
	bool have_first;
	double t_first, t_last, t_max, t_min;
	uint32_t seq_first, seq_last;
	bool time_went_back;
};

static inline void cap_init(struct capture *c)
{
	memset(c, 0, sizeof *c);
}

static inline void cap_free(struct capture *c)
{
	free(c->v);
	memset(c, 0, sizeof *c);
}

static inline void cap_emit(void *ctx, const struct pd_event *ev)
{
	struct capture *c = ctx;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 256;
		struct cap_ev *nv = realloc(c->v, ncap * sizeof *nv);
		assert_non_null(nv);
		c->v = nv;
		c->cap = ncap;
	}
	struct cap_ev *e = &c->v[c->n++];
	memset(e, 0, sizeof *e);
	e->ev = *ev;
	e->units_null = ev->units == NULL;
	if (ev->units)
		snprintf(e->units, sizeof e->units, "%s", ev->units);
	e->ev.units = NULL; /* compare e->units, never a stale pointer */
	e->in_flush = c->flushing;
	e->in_feed = c->feeding;
	e->fed_seq = c->cur_seq;
	e->fed_t = c->cur_t;
	e->fed_index = c->nfed;
}

static inline double frame_t(const struct pd_frame *f)
{
	return (double)f->device_time_us / 1e6;
}

static inline void cap_feed(struct pd_analysis *a, struct capture *c, const struct pd_frame *f)
{
	double t = frame_t(f);
	if (!c->have_first) {
		c->have_first = true;
		c->t_first = t;
		c->seq_first = f->seq;
		c->t_max = t;
		c->t_min = t;
	} else if (t < c->t_last) {
		c->time_went_back = true;
	}
	if (t > c->t_max)
		c->t_max = t;
	if (t < c->t_min)
		c->t_min = t;
	c->t_last = t;
	c->seq_last = f->seq;
	c->cur_seq = f->seq;
	c->cur_t = t;
	c->feeding = true;
	pd_analysis_feed(a, f);
	c->feeding = false;
	c->nfed++;
}

static inline void cap_flush(struct pd_analysis *a, struct capture *c)
{
	c->flushing = true;
	pd_analysis_flush(a);
	c->flushing = false;
}

static inline size_t cap_count(const struct capture *c, enum pd_event_type type, int phase)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].ev.type == type && (phase == ANY_PHASE || (int)c->v[i].ev.phase == phase))
			n++;
	return n;
}

/* The k-th event (from 0) of this type and phase, or NULL. */
static inline const struct pd_event *cap_nth(const struct capture *c, enum pd_event_type type, int phase,
					     size_t k)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].ev.type == type && (phase == ANY_PHASE || (int)c->v[i].ev.phase == phase))
			if (k-- == 0)
				return &c->v[i].ev;
	return NULL;
}

static inline const char *ev_type_name(enum pd_event_type t)
{
	const char *n = pd_event_type_name(t);
	return n ? n : "?";
}

static inline const char *ev_phase_name(enum pd_phase p)
{
	return p == PD_PHASE_NONE ? "none" : pd_phase_name(p);
}

/* One line describing an event, for failure messages. */
static inline const char *ev_str(const struct pd_event *e, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s t=%.4f frame=%u ", ev_type_name(e->type), ev_phase_name(e->phase),
			 e->t, e->frame);
	if (n < 0 || (size_t)n >= len)
		return buf;
	char *p = buf + n;
	size_t l = len - (size_t)n;
	switch (e->type) {
	case PD_EV_CONTACT:
		snprintf(p, l, "id=%u x=%.2f y=%.2f col=%.3f row=%.3f peak=%.1f duration=%.4f", e->u.contact.id,
			 e->u.contact.x, e->u.contact.y, e->u.contact.col, e->u.contact.row, e->u.contact.peak,
			 e->u.contact.duration);
		break;
	case PD_EV_PRESS:
		snprintf(p, l, "id=%u contact=%u t_start=%.4f duration=%.4f peak=%.1f mean=%.1f impulse=%.2f",
			 e->u.press.id, e->u.press.contact, e->u.press.t_start, e->u.press.duration, e->u.press.peak,
			 e->u.press.mean, e->u.press.impulse);
		break;
	case PD_EV_HOLD:
		snprintf(p, l,
			 "id=%u contact=%u x=%.2f y=%.2f t_start=%.4f duration=%.4f peak=%.1f mean=%.1f "
			 "impulse=%.2f drift=%.2f reached=%d",
			 e->u.hold.id, e->u.hold.contact, e->u.hold.x, e->u.hold.y, e->u.hold.t_start,
			 e->u.hold.duration, e->u.hold.peak, e->u.hold.mean, e->u.hold.impulse, e->u.hold.drift_mm,
			 e->u.hold.reached);
		break;
	case PD_EV_PULSES:
		snprintf(p, l, "id=%u count=%u ndurations=%u t_start=%.4f t_end=%.4f x=%.2f y=%.2f", e->u.pulses.id,
			 e->u.pulses.count, e->u.pulses.ndurations, e->u.pulses.t_start, e->u.pulses.t_end,
			 e->u.pulses.x, e->u.pulses.y);
		break;
	case PD_EV_STROKE:
		snprintf(p, l, "id=%u contact=%u (%.1f,%.1f)->(%.1f,%.1f) length=%.2f duration=%.3f dir=%.2f pass=%u",
			 e->u.stroke.id, e->u.stroke.contact, e->u.stroke.x0, e->u.stroke.y0, e->u.stroke.x1,
			 e->u.stroke.y1, e->u.stroke.length_mm, e->u.stroke.duration, e->u.stroke.direction_deg,
			 e->u.stroke.pass);
		break;
	case PD_EV_ROLL:
		snprintf(p, l, "id=%u %.1f->%.1f length=%.2f duration=%.3f dir=%d peak_axis=%.2f", e->u.roll.id,
			 e->u.roll.from_mm, e->u.roll.to_mm, e->u.roll.length_mm, e->u.roll.duration,
			 e->u.roll.direction, e->u.roll.peak_axis_mm);
		break;
	case PD_EV_SITE: {
		const struct pd_ev_site *q = &e->u.site;
		snprintf(p, l,
			 "id=%u bout=%u (%.1f,%.1f) t_start=%.3f duration=%.3f compression_s=%.3f hold_s=%.3f reached=%d "
			 "released=%d pulses=%u pulse_s=%.3f passes=%u dir=%.1f spread=%.1f c=%d g=%d comb=%d over=%d "
			 "next=%s remaining=%.3f",
			 q->id, q->bout, q->x, q->y, q->t_start, q->duration, q->compression_s, q->hold_s, q->hold_reached,
			 q->released, q->pulses, q->pulse_s, q->passes, q->direction_deg, q->spread_deg, q->compressed,
			 q->glided, q->combined, q->over, q->next, q->remaining_s);
		break;
	}
	case PD_EV_TARE:
		snprintf(p, l, "frames=%u mean=%.3f", e->u.tare.frames, e->u.tare.mean);
		break;
	case PD_EV_MARK:
		snprintf(p, l, "label=\"%s\"", e->u.mark.label);
		break;
	case PD_EV_SETTING:
		snprintf(p, l, "%s=%s", e->u.setting.key, e->u.setting.value);
		break;
	}
	return buf;
}

/* Prints the events from..to (for a failing test's log). */
static inline void cap_dump_range(const struct capture *c, size_t from, size_t to, const char *why)
{
	char buf[320];
	if (to > c->n)
		to = c->n;
	print_message("---- events [%zu, %zu) of %zu (%s) ----\n", from, to, c->n, why);
	for (size_t i = from; i < to; i++)
		print_message("  [%zu]%s %s\n", i, c->v[i].in_flush ? " (flush)" : "",
			      ev_str(&c->v[i].ev, buf, sizeof buf));
}

/* Every event but contact moves (all of them if few). */
static inline void cap_dump(const struct capture *c, const char *why)
{
	if (c->n <= 80) {
		cap_dump_range(c, 0, c->n, why);
		return;
	}
	char buf[320];
	print_message("---- %zu events, contact moves left out (%s) ----\n", c->n, why);
	for (size_t i = 0; i < c->n; i++)
		if (!(c->v[i].ev.type == PD_EV_CONTACT && c->v[i].ev.phase == PD_PHASE_MOVE))
			print_message("  [%zu]%s %s\n", i, c->v[i].in_flush ? " (flush)" : "",
				      ev_str(&c->v[i].ev, buf, sizeof buf));
}

/* ---- the structural checker --------------------------------------------- */

struct check_opts {
	const struct pd_device_info *info;
	const struct pd_analysis_params *params;
	/* hold_min_s may have been changed live: the smallest and largest
	 * values it had */
	double hold_min_lo, hold_min_hi;
	/* hold_target_s was changed live: each hold says its own target */
	bool targets_vary;
	/* ids below these were used by an earlier context sharing the ids */
	uint32_t ids_before[PD_EV_SITE + 1];
};

struct track {
	enum pd_event_type type;
	uint32_t id;
	bool open;
	double t_open, last_pub_t, last_duration, t_start;
	int nprogress;
	enum pd_phase last_phase;
};

struct checker {
	const struct check_opts *o;
	const struct capture *c;
	struct track *tr;
	size_t ntr, cap;
	double dt; /* one frame interval */
	char msg[1024];
};

#define CHK(cond, ...)                                                                                  \
	do {                                                                                            \
		if (!(cond)) {                                                                          \
			char evs_[320];                                                                 \
			snprintf(ck->msg, sizeof ck->msg, __VA_ARGS__);                                  \
			cap_dump_range(ck->c, idx > 40 ? idx - 40 : 0, idx + 5, "the stream up to the event"); \
			fail_msg("event [%zu] %s: %s", idx, ev_str(e, evs_, sizeof evs_), ck->msg);      \
		}                                                                                       \
	} while (0)

static inline struct track *chk_find(struct checker *ck, enum pd_event_type type, uint32_t id)
{
	for (size_t i = 0; i < ck->ntr; i++)
		if (ck->tr[i].type == type && ck->tr[i].id == id)
			return &ck->tr[i];
	return NULL;
}

static inline struct track *chk_add(struct checker *ck, enum pd_event_type type, uint32_t id)
{
	if (ck->ntr == ck->cap) {
		size_t ncap = ck->cap ? 2 * ck->cap : 64;
		struct track *nt = realloc(ck->tr, ncap * sizeof *nt);
		assert_non_null(nt);
		ck->tr = nt;
		ck->cap = ncap;
	}
	struct track *t = &ck->tr[ck->ntr++];
	memset(t, 0, sizeof *t);
	t->type = type;
	t->id = id;
	return t;
}

static inline bool close_rel(double a, double b, double rel, double abs_tol)
{
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + abs_tol;
}

static inline bool finite_all(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

/* A new id for a single-shot event (press, pulses, stroke, roll) or the
 * start of a contact or hold: never seen before, in this stream or in an
 * earlier context sharing the ids. */
static inline void chk_new_id(struct checker *ck, size_t idx, const struct pd_event *e, uint32_t id,
			      struct track **out)
{
	CHK(chk_find(ck, e->type, id) == NULL, "%s id %u reused (ids are never reused while the daemon runs)",
	    ev_type_name(e->type), id);
	CHK(id >= ck->o->ids_before[e->type],
	    "%s id %u was already handed out by an earlier context sharing the ids (next was %u)",
	    ev_type_name(e->type), id, ck->o->ids_before[e->type]);
	struct track *t = chk_add(ck, e->type, id);
	t->open = true;
	if (out)
		*out = t;
}

static inline void chk_contact_known(struct checker *ck, size_t idx, const struct pd_event *e, uint32_t contact)
{
	if (ck->o->info->kind == PD_KIND_ROLLER)
		return;
	struct track *t = chk_find(ck, PD_EV_CONTACT, contact);
	CHK(t != NULL, "refers to contact %u, which never started", contact);
}

static inline void chk_contact(struct checker *ck, size_t idx, const struct pd_event *e)
{
	const struct pd_ev_contact *k = &e->u.contact;
	const struct pd_device_info *info = ck->o->info;
	double f[] = { k->x, k->y, k->col, k->row, k->cop_x, k->cop_y, k->peak, k->area_mm2, k->duration };
	CHK(finite_all(f, sizeof f / sizeof f[0]), "contact fields must be finite numbers");
	CHK(k->peak >= 0 && k->area_mm2 >= 0, "peak and area are never negative");
	CHK(k->duration >= 0, "contact duration %.6f is negative", k->duration);
	CHK(k->col >= -0.5 && k->col <= info->cols - 0.5 && k->row >= -0.5 && k->row <= info->rows - 0.5,
	    "position (col %.3f, row %.3f) is off the %ux%u mat", k->col, k->row, info->rows, info->cols);
	CHK(fabs(k->x - k->col * info->pitch_x_mm) < 1e-3 && fabs(k->y - k->row * info->pitch_y_mm) < 1e-3,
	    "x, y must be col × pitch_x_mm, row × pitch_y_mm (analysis.md, coordinates)");
	if (info->kind == PD_KIND_MAT)
		CHK(k->has_force == (info->unit == PD_UNIT_KPA),
		    "has_force must be set exactly when the mat is calibrated in kPa (events.md: force where calibrated)");
	if (k->has_force)
		CHK(isfinite(k->force) && k->force >= 0, "force must be a finite, non-negative number");
	struct track *t = chk_find(ck, PD_EV_CONTACT, k->id);
	switch (e->phase) {
	case PD_PHASE_START:
		chk_new_id(ck, idx, e, k->id, &t);
		t->t_open = e->t;
		t->last_pub_t = e->t;
		t->last_duration = k->duration;
		break;
	case PD_PHASE_MOVE:
	case PD_PHASE_END:
		CHK(t != NULL, "contact %u %s without a start", k->id, ev_phase_name(e->phase));
		CHK(t->open, "contact %u %s after its end", k->id, ev_phase_name(e->phase));
		if (!ck->c->time_went_back)
			CHK(k->duration >= t->last_duration - 1e-9,
			    "contact duration went back from %.6f to %.6f", t->last_duration, k->duration);
		t->last_duration = k->duration;
		if (e->phase == PD_PHASE_MOVE) {
			double min_gap = 1.0 / ck->o->params->contact_rate_hz - 1e-6;
			if (!ck->c->time_went_back)
				CHK(e->t - t->last_pub_t >= min_gap,
				    "contact %u updated %.4f s after the previous update: at most contact_rate_hz = %g per "
				    "second of device time",
				    k->id, e->t - t->last_pub_t, ck->o->params->contact_rate_hz);
			t->last_pub_t = e->t;
		} else {
			t->open = false;
			if (!ck->c->time_went_back)
				CHK(k->duration <= e->t + ck->dt - ck->c->t_first + 1e-6,
				    "contact lasted %.4f s, longer than the stream before its end", k->duration);
		}
		break;
	default:
		CHK(false, "a contact's phase is start, move or end");
	}
}

static inline void chk_hold(struct checker *ck, size_t idx, const struct pd_event *e)
{
	const struct pd_ev_hold *h = &e->u.hold;
	const struct pd_analysis_params *p = ck->o->params;
	double f[] = { h->x, h->y, h->t_start, h->duration, h->peak, h->mean, h->impulse, h->drift_mm, h->target_s };
	CHK(finite_all(f, sizeof f / sizeof f[0]), "hold fields must be finite numbers");
	CHK(h->duration >= 0, "hold duration %.6f is negative", h->duration);
	CHK(h->drift_mm >= 0, "drift is a distance, never negative");
	CHK(h->drift_mm <= p->hold_radius_mm + 1.0,
	    "a hold drifted %.2f mm, beyond hold_radius_mm = %g (it should have ended)", h->drift_mm, p->hold_radius_mm);
	CHK(ck->o->targets_vary || h->target_s == p->hold_target_s, "target_s %.3f is not hold_target_s %.3f",
	    h->target_s, p->hold_target_s);
	CHK(h->reached == (h->duration >= h->target_s - 1e-9), "reached must be duration >= target_s");
	CHK(h->mean <= h->peak * (1 + 1e-9) + 1e-9 && h->mean >= 0, "0 <= mean <= peak");
	CHK(close_rel(h->impulse, h->mean * h->duration, 0.02, 1e-6),
	    "impulse %.3f should be the pressure-time integral, mean × duration = %.3f", h->impulse,
	    h->mean * h->duration);
	if (!ck->c->time_went_back) {
		CHK(h->t_start >= ck->c->t_first - 1e-6, "the hold starts before the stream (t_start %.4f)", h->t_start);
		CHK(h->t_start + h->duration <= e->t + ck->dt + 1e-6,
		    "the hold reports %.4f s from %.4f, past the frame reporting it", h->duration, h->t_start);
	}
	struct track *t = chk_find(ck, PD_EV_HOLD, h->id);
	double progress_slack = 1.5 * ck->dt + 1e-6;
	switch (e->phase) {
	case PD_PHASE_START:
		chk_new_id(ck, idx, e, h->id, &t);
		chk_contact_known(ck, idx, e, h->contact);
		CHK(h->duration >= ck->o->hold_min_lo - ck->dt - 1e-6,
		    "a hold is reported when hold_min_s (%.3f) is reached, not before (at %.4f s)", ck->o->hold_min_lo,
		    h->duration);
		CHK(h->duration <= ck->o->hold_min_hi + 1.0 + ck->dt + 1e-6,
		    "a hold is reported when hold_min_s (%.3f) is reached, not %.4f s in", ck->o->hold_min_hi, h->duration);
		t->t_open = e->t;
		t->last_pub_t = e->t;
		t->last_duration = h->duration;
		t->t_start = h->t_start;
		t->last_phase = PD_PHASE_START;
		break;
	case PD_PHASE_PROGRESS:
	case PD_PHASE_END:
		CHK(t != NULL, "hold %u %s without a start", h->id, ev_phase_name(e->phase));
		CHK(t->open, "hold %u %s after its end", h->id, ev_phase_name(e->phase));
		CHK(fabs(h->t_start - t->t_start) < 1e-9, "t_start changed from %.6f during the hold", t->t_start);
		if (!ck->c->time_went_back) {
			CHK(h->duration >= t->last_duration - 1e-9, "hold duration went back from %.6f to %.6f",
			    t->last_duration, h->duration);
			double gap = e->t - t->last_pub_t;
			if (e->phase == PD_PHASE_PROGRESS) {
				double lo = t->last_phase == PD_PHASE_START ? 0 : 1.0 - progress_slack;
				CHK(gap > lo - 1e-9 && gap <= 1.0 + progress_slack,
				    "hold progress %.4f s after the previous report: expected about one per second of "
				    "device time",
				    gap);
				t->nprogress++;
			} else {
				CHK(gap <= 1.0 + ck->o->params->release_s + 2 * ck->dt + 1e-6,
				    "hold ended %.4f s after its last report: progress is due every second", gap);
			}
		}
		t->last_pub_t = e->t;
		t->last_duration = h->duration;
		t->last_phase = e->phase;
		if (e->phase == PD_PHASE_END)
			t->open = false;
		break;
	default:
		CHK(false, "a hold's phase is start, progress or end");
	}
}

/* A site event (analysis.md stage 9): start, update…, end per bout; a
 * new id for a new site, the next bout number for a known one; the
 * verdicts and the coach consistent with the figures. */
static inline void chk_site(struct checker *ck, size_t idx, const struct pd_event *e)
{
	const struct pd_ev_site *s = &e->u.site;
	const struct pd_analysis_params *p = ck->o->params;
	double f[] = { s->x, s->y, s->t_start, s->duration, s->compression_s, s->hold_s, s->pulse_s, s->direction_deg,
		       s->spread_deg, s->remaining_s, s->peak };
	CHK(finite_all(f, sizeof f / sizeof f[0]), "site fields must be finite numbers");
	struct track *t = chk_find(ck, PD_EV_SITE, s->id);
	if (e->phase == PD_PHASE_START) {
		if (t) {
			CHK(!t->open, "site %u: a bout starts while bout %d is open", s->id, t->nprogress);
			CHK(s->bout == (uint32_t)t->nprogress + 1, "site %u: bout %u follows bout %d", s->id, s->bout,
			    t->nprogress);
		} else {
			chk_new_id(ck, idx, e, s->id, &t);
			CHK(s->bout == 1, "a new site starts at bout 1, not %u", s->bout);
		}
		t->open = true;
		t->nprogress = (int)s->bout;
		t->t_start = s->t_start;
		t->last_duration = 0;
		t->t_open = e->t;
		t->last_pub_t = 0; /* passes so far */
	} else {
		CHK(e->phase == PD_PHASE_UPDATE || e->phase == PD_PHASE_END, "a site is start, update…, end");
		CHK(t && t->open, "site %u: %s without a start", s->id, ev_phase_name(e->phase));
		CHK(s->bout == (uint32_t)t->nprogress, "site %u: bout changed within a bout", s->id);
		CHK(s->t_start == t->t_start, "site %u: t_start changed within a bout", s->id);
		CHK(s->duration >= t->last_duration - 1e-9, "site %u: duration shrank", s->id);
		CHK(s->passes >= (uint32_t)t->last_pub_t, "site %u: passes went down", s->id);
		if (e->phase == PD_PHASE_END) {
			t->open = false;
			if (!ck->c->time_went_back)
				CHK(e->t >= s->t_start + s->duration - 1e-6, "a bout ends after its last work");
		}
	}
	t->last_duration = s->duration;
	t->last_pub_t = s->passes;
	CHK(s->duration >= 0 && s->compression_s >= 0 && s->hold_s >= 0, "durations are never negative");
	CHK(s->hold_s <= s->compression_s + 1e-6, "the longest compression is part of the sum");
	CHK(s->pulses == 0 || s->pulses >= 2, "a pulse set is two or more compressions, not %u", s->pulses);
	CHK((s->pulses == 0) == (s->pulse_s == 0), "pulse_s is the pulses' mean duration");
	CHK(s->direction_deg >= 0 && s->direction_deg < 180 && s->spread_deg >= 0 && s->spread_deg <= 90 + 1e-9,
	    "direction in [0, 180), spread in [0, 90]");
	CHK(s->glided == (s->passes >= p->passes_min), "glided is passes >= passes_min");
	CHK(!s->combined || (s->compressed && s->glided), "combined is compressed, then glided");
	CHK(!(s->passes > p->passes_max) || s->over, "more than passes_max passes is over");
	CHK(!s->hold_reached || s->compressed, "a compression reaching the target compresses");
	CHK(!s->released || s->compressed, "a released compression compresses");
	static const char *const nexts[] = { "press", "hold", "release", "pulse", "glide", "done", "rest" };
	bool known = false;
	for (size_t i = 0; i < 7; i++)
		known |= !strcmp(s->next, nexts[i]);
	CHK(known, "next \"%s\" is none of the coach's words", s->next);
	CHK(s->over == !strcmp(s->next, "rest"), "rest wins exactly when the bout is over");
	CHK(!strcmp(s->next, "hold") ? s->remaining_s > 0 : s->remaining_s == 0, "remaining_s belongs to hold");
	CHK(strcmp(s->next, "done") || (s->compressed && s->glided), "done is compressed and glided");
}

static inline void chk_site_ref(struct checker *ck, size_t idx, const struct pd_event *e, uint32_t site)
{
	struct track *t = chk_find(ck, PD_EV_SITE, site);
	CHK(t != NULL, "refers to site %u, which never started", site);
}

static inline void chk_single(struct checker *ck, size_t idx, const struct pd_event *e)
{
	CHK(e->phase == PD_PHASE_NONE, "%s is reported once, when it ends (phase none)", ev_type_name(e->type));
	const struct pd_analysis_params *p = ck->o->params;
	bool back = ck->c->time_went_back;
	switch (e->type) {
	case PD_EV_PRESS: {
		const struct pd_ev_press *r = &e->u.press;
		double f[] = { r->t_start, r->duration, r->peak, r->mean, r->impulse, r->x, r->y };
		CHK(finite_all(f, sizeof f / sizeof f[0]), "press fields must be finite numbers");
		chk_new_id(ck, idx, e, r->id, NULL);
		chk_contact_known(ck, idx, e, r->contact);
		chk_site_ref(ck, idx, e, r->site);
		CHK(r->duration > 0, "a press lasts more than nothing");
		CHK(r->mean >= 0 && r->mean <= r->peak * (1 + 1e-9) + 1e-9, "0 <= mean <= peak");
		CHK(close_rel(r->impulse, r->mean * r->duration, 0.02, 1e-6),
		    "impulse %.3f should be ∫ peak pressure dt = mean × duration = %.3f", r->impulse,
		    r->mean * r->duration);
		if (!back)
			CHK(r->t_start >= ck->c->t_first - 1e-6 && r->t_start + r->duration <= e->t + ck->dt + 1e-6,
			    "the press [%.4f, +%.4f] is not within the stream before it was reported", r->t_start,
			    r->duration);
		break;
	}
	case PD_EV_PULSES: {
		const struct pd_ev_pulses *s = &e->u.pulses;
		chk_new_id(ck, idx, e, s->id, NULL);
		chk_site_ref(ck, idx, e, s->site);
		CHK(s->count >= 2, "a pulse set is two or more presses, not %u", s->count);
		uint32_t want = s->count < PD_PULSES_MAX_LISTED ? s->count : PD_PULSES_MAX_LISTED;
		CHK(s->ndurations == want, "ndurations %u should be min(count, %d) = %u", s->ndurations,
		    PD_PULSES_MAX_LISTED, want);
		double sum = 0;
		for (uint32_t i = 0; i < s->ndurations && i < PD_PULSES_MAX_LISTED; i++) {
			CHK(isfinite(s->durations[i]) && s->durations[i] > 0, "durations[%u] = %g", i, s->durations[i]);
			sum += s->durations[i];
		}
		CHK(s->t_end >= s->t_start, "t_end before t_start");
		if (s->count <= PD_PULSES_MAX_LISTED) {
			CHK(sum <= s->t_end - s->t_start + 1e-6,
			    "the presses of a set follow each other: their durations (%.4f s) cannot exceed t_end - t_start",
			    sum);
			CHK(s->t_end - s->t_start <= sum + (s->count - 1) * p->pulse_gap_s + 1e-6,
			    "presses more than pulse_gap_s apart are not one set");
		}
		if (!back)
			CHK(s->t_start >= ck->c->t_first - 1e-6 && s->t_end <= e->t + ck->dt + 1e-6,
			    "the set is not within the stream before it was reported");
		CHK(s->mean_peak > 0 && isfinite(s->mean_peak), "mean_peak %g", s->mean_peak);
		break;
	}
	case PD_EV_STROKE: {
		const struct pd_ev_stroke *s = &e->u.stroke;
		double f[] = { s->x0, s->y0, s->x1, s->y1, s->length_mm, s->duration, s->speed_mm_s, s->direction_deg,
			       s->mean, s->peak };
		CHK(finite_all(f, sizeof f / sizeof f[0]), "stroke fields must be finite numbers");
		chk_new_id(ck, idx, e, s->id, NULL);
		chk_contact_known(ck, idx, e, s->contact);
		chk_site_ref(ck, idx, e, s->site);
		CHK(s->length_mm >= p->stroke_min_mm - 1e-6, "a stroke travels at least stroke_min_mm = %g",
		    p->stroke_min_mm);
		CHK(s->length_mm >= hypot(s->x1 - s->x0, s->y1 - s->y0) - 1e-6,
		    "the path is never shorter than the straight line from start to end");
		CHK(s->duration > 0 && close_rel(s->speed_mm_s, s->length_mm / s->duration, 0.01, 1e-6),
		    "speed should be length / duration = %.3f", s->length_mm / s->duration);
		CHK(s->direction_deg >= 0 && s->direction_deg < 360, "direction in [0, 360)");
		double dir = atan2(s->y1 - s->y0, s->x1 - s->x0) * 180 / M_PI;
		double dd = fmod(fabs(dir - s->direction_deg), 360);
		CHK(fmin(dd, 360 - dd) < 1.0, "direction %.2f° is not start to end (%.2f°)", s->direction_deg, dir);
		CHK(s->pass >= 1, "pass counts from 1");
		CHK(s->mean >= 0 && s->mean <= s->peak * (1 + 1e-9) + 1e-9, "0 <= mean <= peak");
		break;
	}
	case PD_EV_ROLL: {
		const struct pd_ev_roll *r = &e->u.roll;
		double f[] = { r->from_mm, r->to_mm, r->length_mm, r->duration, r->speed_mm_s, r->mean_force,
			       r->peak_force, r->peak_axis_mm };
		CHK(finite_all(f, sizeof f / sizeof f[0]), "roll fields must be finite numbers");
		chk_new_id(ck, idx, e, r->id, NULL);
		CHK(r->length_mm >= p->stroke_min_mm - 1e-6, "a roll is at least stroke_min_mm = %g", p->stroke_min_mm);
		CHK(r->direction == 1 || r->direction == -1, "direction is +1 or -1");
		CHK((r->to_mm - r->from_mm) * r->direction > 0, "direction %+d but from %.1f to %.1f", r->direction,
		    r->from_mm, r->to_mm);
		CHK(r->duration > 0 && close_rel(r->speed_mm_s, r->length_mm / r->duration, 0.01, 1e-6),
		    "speed should be length / duration");
		CHK(r->mean_force >= 0 && r->mean_force <= r->peak_force * (1 + 1e-9) + 1e-9, "0 <= mean <= peak");
		break;
	}
	case PD_EV_TARE:
		CHK(e->u.tare.frames >= 1 && isfinite(e->u.tare.mean) && e->u.tare.mean >= 0,
		    "a tare averages at least one frame, to a finite mean >= 0");
		break;
	default:
		CHK(false, "unknown event type %d", (int)e->type);
	}
}

/* Checks every rule above on a finished (flushed) stream. */
static inline void cap_check(const struct capture *c, const struct check_opts *o)
{
	struct checker ckv = { .o = o, .c = c, .dt = 1.0 / o->info->rate_hz };
	struct checker *ck = &ckv;
	const char *units = pd_unit_name(o->info->unit);
	double prev_t = -INFINITY;
	for (size_t idx = 0; idx < c->n; idx++) {
		const struct cap_ev *ce = &c->v[idx];
		const struct pd_event *e = &ce->ev;
		CHK(!ce->units_null, "every event says its units");
		CHK(strcmp(ce->units, units) == 0, "units \"%s\", the device's unit is \"%s\"", ce->units, units);
		CHK(ce->in_feed || ce->in_flush, "emitted outside pd_analysis_feed/pd_analysis_flush");
		if (ce->in_feed && c->time_went_back) {
			/* ended by time going back: the end may carry the old
			 * stream's last time rather than the new frame's */
			CHK(e->t >= 0 && e->t <= c->t_max + ck->dt + 1e-6, "t %.6f outside every time the stream had", e->t);
		} else if (ce->in_feed) {
			CHK(fabs(e->t - ce->fed_t) < 1e-9 && e->frame == ce->fed_seq,
			    "emitted while frame %u (t=%.6f) was fed: t and frame are the frame's that produced it",
			    ce->fed_seq, ce->fed_t);
		} else {
			CHK(e->t >= c->t_min - 1e-9 && e->t <= c->t_max + ck->dt + 1e-6,
			    "a flushed event's t must lie within the stream [%.4f, %.4f]", c->t_min, c->t_max);
		}
		if (!c->time_went_back)
			CHK(e->t >= prev_t - 1e-9, "events go back in device time (previous %.6f)", prev_t);
		prev_t = e->t;
		switch (e->type) {
		case PD_EV_CONTACT:
			chk_contact(ck, idx, e);
			break;
		case PD_EV_HOLD:
			chk_hold(ck, idx, e);
			break;
		case PD_EV_SITE:
			chk_site(ck, idx, e);
			break;
		default:
			chk_single(ck, idx, e);
		}
	}
	/* the flush ended everything */
	for (size_t i = 0; i < ck->ntr; i++) {
		if ((ck->tr[i].type == PD_EV_CONTACT || ck->tr[i].type == PD_EV_HOLD || ck->tr[i].type == PD_EV_SITE) &&
		    ck->tr[i].open) {
			cap_dump(c, "something left open");
			fail_msg("%s %u started at t=%.4f and never ended (pd_analysis_flush ends what is open)",
				 ev_type_name(ck->tr[i].type), ck->tr[i].id, ck->tr[i].t_open);
		}
	}
	free(ck->tr);
}

#undef CHK

static inline void check_opts_init(struct check_opts *o, const struct pd_device_info *info,
				   const struct pd_analysis_params *params)
{
	memset(o, 0, sizeof *o);
	o->info = info;
	o->params = params;
	o->hold_min_lo = o->hold_min_hi = params->hold_min_s;
}

/* ---- comparing two streams field by field, bit for bit ------------------ */

#define SAME_BITS(a, b) (memcmp(&(a), &(b), sizeof(a)) == 0)

static inline bool ev_identical(const struct cap_ev *x, const struct cap_ev *y)
{
	const struct pd_event *a = &x->ev, *b = &y->ev;
	if (a->type != b->type || a->phase != b->phase || !SAME_BITS(a->t, b->t) || a->frame != b->frame ||
	    x->units_null != y->units_null || strcmp(x->units, y->units) != 0)
		return false;
	switch (a->type) {
	case PD_EV_CONTACT: {
		const struct pd_ev_contact *p = &a->u.contact, *q = &b->u.contact;
		return p->id == q->id && SAME_BITS(p->x, q->x) && SAME_BITS(p->y, q->y) && SAME_BITS(p->col, q->col) &&
		       SAME_BITS(p->row, q->row) && SAME_BITS(p->cop_x, q->cop_x) && SAME_BITS(p->cop_y, q->cop_y) &&
		       SAME_BITS(p->peak, q->peak) && p->has_force == q->has_force &&
		       (!p->has_force || SAME_BITS(p->force, q->force)) && SAME_BITS(p->area_mm2, q->area_mm2) &&
		       SAME_BITS(p->duration, q->duration);
	}
	case PD_EV_PRESS: {
		const struct pd_ev_press *p = &a->u.press, *q = &b->u.press;
		return p->id == q->id && p->contact == q->contact && p->site == q->site && SAME_BITS(p->t_start, q->t_start) &&
		       SAME_BITS(p->duration, q->duration) && SAME_BITS(p->peak, q->peak) && SAME_BITS(p->mean, q->mean) &&
		       SAME_BITS(p->impulse, q->impulse) && SAME_BITS(p->x, q->x) && SAME_BITS(p->y, q->y);
	}
	case PD_EV_HOLD: {
		const struct pd_ev_hold *p = &a->u.hold, *q = &b->u.hold;
		return p->id == q->id && p->contact == q->contact && p->site == q->site && SAME_BITS(p->x, q->x) &&
		       SAME_BITS(p->y, q->y) && SAME_BITS(p->t_start, q->t_start) && SAME_BITS(p->duration, q->duration) &&
		       SAME_BITS(p->peak, q->peak) && SAME_BITS(p->mean, q->mean) && SAME_BITS(p->impulse, q->impulse) &&
		       SAME_BITS(p->drift_mm, q->drift_mm) && SAME_BITS(p->target_s, q->target_s) &&
		       p->reached == q->reached;
	}
	case PD_EV_PULSES: {
		const struct pd_ev_pulses *p = &a->u.pulses, *q = &b->u.pulses;
		if (!(p->id == q->id && p->site == q->site && SAME_BITS(p->x, q->x) && SAME_BITS(p->y, q->y) && p->count == q->count &&
		      p->ndurations == q->ndurations && SAME_BITS(p->t_start, q->t_start) &&
		      SAME_BITS(p->t_end, q->t_end) && SAME_BITS(p->mean_peak, q->mean_peak)))
			return false;
		for (uint32_t i = 0; i < p->ndurations && i < PD_PULSES_MAX_LISTED; i++)
			if (!SAME_BITS(p->durations[i], q->durations[i]))
				return false;
		return true;
	}
	case PD_EV_STROKE: {
		const struct pd_ev_stroke *p = &a->u.stroke, *q = &b->u.stroke;
		return p->id == q->id && p->contact == q->contact && SAME_BITS(p->x0, q->x0) && SAME_BITS(p->y0, q->y0) &&
		       SAME_BITS(p->x1, q->x1) && SAME_BITS(p->y1, q->y1) && SAME_BITS(p->length_mm, q->length_mm) &&
		       SAME_BITS(p->duration, q->duration) && SAME_BITS(p->speed_mm_s, q->speed_mm_s) &&
		       SAME_BITS(p->direction_deg, q->direction_deg) && SAME_BITS(p->mean, q->mean) &&
		       SAME_BITS(p->peak, q->peak) && p->pass == q->pass && p->site == q->site;
	}
	case PD_EV_ROLL: {
		const struct pd_ev_roll *p = &a->u.roll, *q = &b->u.roll;
		return p->id == q->id && SAME_BITS(p->from_mm, q->from_mm) && SAME_BITS(p->to_mm, q->to_mm) &&
		       SAME_BITS(p->length_mm, q->length_mm) && SAME_BITS(p->duration, q->duration) &&
		       SAME_BITS(p->speed_mm_s, q->speed_mm_s) && p->direction == q->direction &&
		       SAME_BITS(p->mean_force, q->mean_force) && SAME_BITS(p->peak_force, q->peak_force) &&
		       SAME_BITS(p->peak_axis_mm, q->peak_axis_mm);
	}
	case PD_EV_SITE: {
		const struct pd_ev_site *p = &a->u.site, *q = &b->u.site;
		return p->id == q->id && SAME_BITS(p->x, q->x) && SAME_BITS(p->y, q->y) && p->bout == q->bout &&
		       SAME_BITS(p->t_start, q->t_start) && SAME_BITS(p->duration, q->duration) &&
		       SAME_BITS(p->compression_s, q->compression_s) && SAME_BITS(p->hold_s, q->hold_s) &&
		       p->hold_reached == q->hold_reached && p->released == q->released && p->pulses == q->pulses &&
		       SAME_BITS(p->pulse_s, q->pulse_s) && p->passes == q->passes &&
		       SAME_BITS(p->direction_deg, q->direction_deg) && SAME_BITS(p->spread_deg, q->spread_deg) &&
		       p->compressed == q->compressed && p->glided == q->glided && p->combined == q->combined &&
		       p->over == q->over && strcmp(p->next, q->next) == 0 && SAME_BITS(p->remaining_s, q->remaining_s) &&
		       SAME_BITS(p->peak, q->peak);
	}
	case PD_EV_TARE:
		return a->u.tare.frames == b->u.tare.frames && SAME_BITS(a->u.tare.mean, b->u.tare.mean);
	case PD_EV_MARK: return strcmp(a->u.mark.label, b->u.mark.label) == 0;
	case PD_EV_SETTING:
		return strcmp(a->u.setting.key, b->u.setting.key) == 0 && strcmp(a->u.setting.value, b->u.setting.value) == 0;
	}
	return false;
}

#undef SAME_BITS

/* Fails, showing the first difference, unless the streams are identical. */
static inline void cap_assert_identical(const struct capture *a, const struct capture *b, const char *what)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++) {
		if (!ev_identical(&a->v[i], &b->v[i])) {
			char s1[320], s2[320];
			fail_msg("%s: event [%zu] differs (analysis.md: the same frames give the same events, bit for "
				 "bit):\n  first:  %s (units %s)\n  second: %s (units %s)",
				 what, i, ev_str(&a->v[i].ev, s1, sizeof s1), a->v[i].units,
				 ev_str(&b->v[i].ev, s2, sizeof s2), b->v[i].units);
		}
	}
	if (a->n != b->n) {
		char s[320];
		const struct capture *longer = a->n > b->n ? a : b;
		fail_msg("%s: %zu events against %zu; the first extra one: %s", what, a->n, b->n,
			 ev_str(&longer->v[n].ev, s, sizeof s));
	}
}

#endif
