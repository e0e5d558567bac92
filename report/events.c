/* The events a report shows: the file's tables, or the analysis library
 * run again over the recorded frames. Either way as the analysis' own
 * structs (pd_event), values in the report's unit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

struct vec {
	struct pd_event **a;
	size_t *n, cap;
};

static int push(struct pd_event **a, size_t *n, size_t *cap, const struct pd_event *e)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct pd_event *x = realloc(*a, c * sizeof *x);
		if (!x)
			return -1;
		*a = x;
		*cap = c;
	}
	(*a)[(*n)++] = *e;
	return 0;
}

struct caps {
	size_t press, hold, pulses, stroke, roll, mark;
};

static int add(struct pd_report_events *ev, struct caps *c, const struct pd_event *e)
{
	switch (e->type) {
	case PD_EV_PRESS: return push(&ev->press, &ev->npress, &c->press, e);
	case PD_EV_HOLD: return push(&ev->hold, &ev->nhold, &c->hold, e);
	case PD_EV_PULSES: return push(&ev->pulses, &ev->npulses, &c->pulses, e);
	case PD_EV_STROKE: return push(&ev->stroke, &ev->nstroke, &c->stroke, e);
	case PD_EV_ROLL: return push(&ev->roll, &ev->nroll, &c->roll, e);
	default: return 0;
	}
}

/* device time − UTC of frame 0, to place marks (UTC only) on the curve */
static int clock_offset(struct pd_rec_reader *rd, double *off)
{
	*off = 0;
	if (pd_rec_reader_info(rd)->frames == 0)
		return 0;
	struct pd_frame f;
	double t, time;
	if (pd_rec_reader_frame(rd, 0, &f, &t, &time) != 0)
		return -1;
	*off = t - time;
	return 0;
}

static int read_marks(struct pd_rec_reader *rd, struct pd_report_events *ev, char *err, size_t errlen)
{
	double off;
	if (clock_offset(rd, &off) != 0) {
		snprintf(err, errlen, "frame 0: %s", pd_rec_reader_error(rd));
		return -1;
	}
	uint64_t n = pd_rec_reader_event_count(rd, PD_EV_MARK);
	ev->mark = calloc(n ? n : 1, sizeof *ev->mark);
	if (!ev->mark) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct pd_event o;
		if (pd_rec_reader_event(rd, PD_EV_MARK, i, &o) != 0) {
			snprintf(err, errlen, "/events/marks row %llu: %s", (unsigned long long)i, pd_rec_reader_error(rd));
			return -1;
		}
		struct pd_report_mark *m = &ev->mark[ev->nmark++];
		m->t = o.time + off;
		snprintf(m->label, sizeof m->label, "%s", o.u.mark.label);
	}
	return 0;
}

static void units_of(struct pd_rec_reader *rd, struct pd_report_events *ev)
{
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	snprintf(ev->units, sizeof ev->units, "%s", pd_report_file_unit(fi));
}

int pd_report_events_recorded(struct pd_rec_reader *rd, double factor, struct pd_report_events *ev, char *err,
			      size_t errlen)
{
	static const enum pd_event_type tables[] = { PD_EV_PRESS, PD_EV_HOLD, PD_EV_PULSES, PD_EV_STROKE, PD_EV_ROLL };
	memset(ev, 0, sizeof *ev);
	units_of(rd, ev);
	struct caps c = { 0 };
	for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
		uint64_t n = pd_rec_reader_event_count(rd, tables[k]);
		for (uint64_t i = 0; i < n; i++) {
			struct pd_event e;
			if (pd_rec_reader_event(rd, tables[k], i, &e) != 0) {
				snprintf(err, errlen, "%s row %llu: %s", pd_event_desc(tables[k])->table,
					 (unsigned long long)i, pd_rec_reader_error(rd));
				return -1;
			}
			if (e.units)
				snprintf(ev->units, sizeof ev->units, "%s", e.units);
			e.units = NULL;
			pd_event_scale(&e, factor);
			if (add(ev, &c, &e) != 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	return read_marks(rd, ev, err, errlen);
}

/* ---- re-analysis ---------------------------------------------------------- */

struct rerun {
	struct pd_report_events *ev;
	struct caps c;
	double factor;
	bool failed;
};

static void on_event(void *ctx, const struct pd_event *e)
{
	struct rerun *r = ctx;
	/* what the recording keeps: finished events (a hold: its end) */
	if (e->type == PD_EV_CONTACT || e->type == PD_EV_TARE || (e->type == PD_EV_HOLD && e->phase != PD_PHASE_END))
		return;
	struct pd_event x = *e;
	x.units = NULL;
	pd_event_scale(&x, r->factor);
	if (add(r->ev, &r->c, &x) != 0)
		r->failed = true;
}

struct setting {
	uint32_t frame;
	char key[PD_REC_SETTING_BYTES + 1], value[PD_REC_SETTING_BYTES + 1];
};

struct pd_report_rerun {
	struct rerun r;
	struct pd_rec_reader *rd;
	const struct pd_report_params *rp;
	struct pd_analysis_params params;
	struct pd_analysis_ids ids; /* the analysis keeps a pointer to it */
	struct pd_analysis *a;
	struct setting *set;
	size_t nset, next_set, ntare, next_tare;
};

static void rerun_free(struct pd_report_rerun *rr)
{
	pd_analysis_free(rr->a);
	free(rr->set);
	free(rr);
}

int pd_report_rerun_start(struct pd_report_rerun **out, struct pd_rec_reader *rd, const struct pd_report_params *rp,
			  double factor, struct pd_report_events *ev, char *err, size_t errlen)
{
	*out = NULL;
	memset(ev, 0, sizeof *ev);
	units_of(rd, ev);
	ev->reanalysed = true;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	struct pd_report_rerun *rr = calloc(1, sizeof *rr);
	if (!rr) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rr->r = (struct rerun){ .ev = ev, .factor = factor };
	rr->rd = rd;
	rr->rp = rp;
	rr->params = rp->p;
	rr->params.tare_at_start = false; /* the baselines come from /tare */
	rr->a = pd_analysis_new(&fi->device, &rr->params, &rr->ids, on_event, &rr->r);
	if (!rr->a) {
		snprintf(err, errlen, "the analysis cannot take this device (%ux%u %s)", fi->device.rows, fi->device.cols,
			 pd_kind_name(fi->device.kind));
		rerun_free(rr);
		return -1;
	}
	uint64_t ns = pd_rec_reader_event_count(rd, PD_EV_SETTING);
	rr->set = calloc(ns ? ns : 1, sizeof *rr->set);
	if (!rr->set) {
		snprintf(err, errlen, "out of memory");
		rerun_free(rr);
		return -1;
	}
	for (uint64_t i = 0; i < ns; i++) {
		struct pd_event o;
		if (pd_rec_reader_event(rd, PD_EV_SETTING, i, &o) != 0) {
			snprintf(err, errlen, "/events/settings row %llu: %s", (unsigned long long)i, pd_rec_reader_error(rd));
			rerun_free(rr);
			return -1;
		}
		rr->set[i].frame = o.frame;
		snprintf(rr->set[i].key, sizeof rr->set[i].key, "%s", o.u.setting.key);
		snprintf(rr->set[i].value, sizeof rr->set[i].value, "%s", o.u.setting.value);
	}
	rr->nset = (size_t)ns;
	rr->ntare = pd_rec_reader_tare_count(rd);
	*out = rr;
	return 0;
}

int pd_report_rerun_frame(struct pd_report_rerun *rr, const struct pd_frame *f, double t)
{
	while (rr->next_tare < rr->ntare) {
		double tt;
		const float *b = pd_rec_reader_tare_at(rr->rd, rr->next_tare, &tt);
		if (!isnan(tt) && t < tt)
			break;
		pd_analysis_set_baseline(rr->a, b);
		rr->next_tare++;
	}
	while (rr->next_set < rr->nset && f->seq >= rr->set[rr->next_set].frame) {
		const struct setting *st = &rr->set[rr->next_set];
		char why[256];
		/* a --set wins over the recorded changes of its key; a
		 * setting that does not apply (another release's key) is
		 * skipped */
		if (!pd_report_param_overridden(rr->rp, st->key) &&
		    pd_analysis_params_set(&rr->params, st->key, st->value, why, sizeof why) == 0)
			pd_analysis_set_params(rr->a, &rr->params, why, sizeof why);
		rr->next_set++;
	}
	pd_analysis_feed(rr->a, f);
	return rr->r.failed ? -1 : 0;
}

int pd_report_rerun_finish(struct pd_report_rerun *rr, bool complete, char *err, size_t errlen)
{
	if (!rr)
		return -1;
	if (complete && !rr->r.failed)
		pd_analysis_flush(rr->a);
	bool failed = rr->r.failed;
	struct pd_rec_reader *rd = rr->rd;
	struct pd_report_events *ev = rr->r.ev;
	rerun_free(rr);
	if (!complete)
		return -1;
	if (failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return read_marks(rd, ev, err, errlen);
}

int pd_report_events_reanalyse(struct pd_rec_reader *rd, const struct pd_report_params *rp, double factor,
			       struct pd_report_events *ev, char *err, size_t errlen)
{
	struct pd_report_rerun *rr;
	if (pd_report_rerun_start(&rr, rd, rp, factor, ev, err, errlen) != 0)
		return -1;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	for (uint64_t i = 0; i < fi->frames; i++) {
		struct pd_frame f;
		double t;
		if (pd_rec_reader_frame(rd, i, &f, &t, NULL) != 0) {
			snprintf(err, errlen, "frame %llu: %s", (unsigned long long)i, pd_rec_reader_error(rd));
			return pd_report_rerun_finish(rr, false, err, errlen);
		}
		if (pd_report_rerun_frame(rr, &f, t) != 0)
			break;
	}
	return pd_report_rerun_finish(rr, true, err, errlen);
}

void pd_report_events_free(struct pd_report_events *ev)
{
	free(ev->press);
	free(ev->hold);
	free(ev->pulses);
	free(ev->stroke);
	free(ev->roll);
	free(ev->mark);
	memset(ev, 0, sizeof *ev);
}
