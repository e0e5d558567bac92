/* What the review page is told about a recording: the list's line for it,
 * and, opened, everything but its frames and maps. Events carry the frame
 * indices they span, found in the frame times, so the page jumps to an
 * event's moment without knowing the file's clock or its gaps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event_json.h"
#include "report.h"
#include "review_session.h"

#define TIMELINE_POINTS 2000

const char *review_state_name(int state)
{
	return state == PD_REC_IN_USE ? "recording" : state == PD_REC_UNFINISHED ? "unfinished" : "complete";
}

/* The first frame at or after time x in v[0..n) (sorted), clamped to the
 * last frame. */
static uint64_t frame_at(const double *v, uint64_t n, double x)
{
	uint64_t lo = 0, hi = n;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n && lo >= n ? n - 1 : lo;
}

json_t *review_device_json(const struct pd_rec_file_info *fi)
{
	const struct pd_device_info *d = &fi->device;
	json_t *j = json_pack("{s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:i,s:I,s:s,s:s}", "id", fi->device_id, "kind",
			      pd_kind_name(d->kind), "rows", d->rows, "cols", d->cols, "pitch_x_mm", (double)d->pitch_x_mm,
			      "pitch_y_mm", (double)d->pitch_y_mm, "rate_hz", (double)d->rate_hz, "cell_bits", d->cell_bits,
			      "full_scale", (json_int_t)d->full_scale, "model", d->model, "serial", d->serial);
	if (d->kind == PD_KIND_ROLLER)
		json_object_set_new(j, "radius_mm", json_real(d->radius_mm));
	return j;
}

void review_set_calibration(json_t *j, const struct pd_rec_file_info *fi)
{
	const char *unit = pd_report_file_unit(fi);
	bool calibrated = strcmp(unit, "counts") != 0;
	json_object_set_new(j, "unit", json_string(unit));
	json_object_set_new(j, "conversion", json_real(calibrated ? fi->conversion : 1.0));
	json_object_set_new(j, "calibrated", json_boolean(calibrated));
}

static json_t *pairs(struct pd_rec_reader *rd, size_t (*count)(const struct pd_rec_reader *),
		     const struct pd_rec_meta *(*at)(const struct pd_rec_reader *, size_t))
{
	json_t *o = json_object();
	for (size_t i = 0; i < count(rd); i++) {
		const struct pd_rec_meta *m = at(rd, i);
		json_object_set_new(o, m->key, json_string(m->value));
	}
	return o;
}

static json_t *tares_json(struct review_rec *r, size_t ncells)
{
	json_t *a = json_array();
	for (size_t k = 0; k < pd_rec_reader_tare_count(r->rd); k++) {
		double t;
		const float *b = pd_rec_reader_tare_at(r->rd, k, &t);
		json_t *cells = json_array();
		for (size_t i = 0; b && i < ncells; i++)
			json_array_append_new(cells, json_real(b[i]));
		/* In force from the first frame at or after its time (a
		 * version 1 baseline, t NaN: from the start). */
		uint64_t from = isnan(t) ? 0 : frame_at(r->t, r->n, t);
		json_t *j = json_pack("{s:I,s:o}", "from", (json_int_t)from, "cells", cells);
		json_object_set_new(j, "t", isnan(t) ? json_null() : json_real(t));
		json_array_append_new(a, j);
	}
	return a;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The frames an event spans: from its start (t_start, or t − duration) to
 * the frame it was published with (t); a mark by its host time. */
static void set_span(struct review_rec *r, json_t *e)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	double from, to;
	if (type && !strcmp(type, "mark")) {
		from = to = num(e, "time");
		json_object_set_new(e, "from", json_integer((json_int_t)frame_at(r->time, r->n, from)));
		json_object_set_new(e, "to", json_integer((json_int_t)frame_at(r->time, r->n, to)));
		return;
	}
	to = num(e, "t");
	from = !isnan(num(e, "t_start")) ? num(e, "t_start") : !isnan(num(e, "duration")) ? to - num(e, "duration") : to;
	if (isnan(to))
		return;
	json_object_set_new(e, "from", json_integer((json_int_t)frame_at(r->t, r->n, from)));
	json_object_set_new(e, "to", json_integer((json_int_t)frame_at(r->t, r->n, to)));
}

static int by_from(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "from"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "from"));
	return x < y ? -1 : x > y;
}

static json_t *events_json(struct review_rec *r, char *err, size_t errlen)
{
	size_t n = 0;
	for (size_t k = 0; pd_rec_event_type(k); k++)
		n += pd_rec_reader_event_count(r->rd, pd_rec_event_type_id(k));
	json_t **v = calloc(n ? n : 1, sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory for %zu events", n);
		return NULL;
	}
	size_t m = 0;
	for (size_t k = 0; pd_rec_event_type(k); k++) {
		enum pd_event_type type = pd_rec_event_type_id(k);
		for (uint64_t i = 0; i < pd_rec_reader_event_count(r->rd, type); i++) {
			struct pd_event ev;
			json_t *e = pd_rec_reader_event(r->rd, type, i, &ev) == 0
					    ? pd_event_to_json(&ev, pd_rec_reader_info(r->rd)->device_id)
					    : NULL;
			if (!e) {
				snprintf(err, errlen, "%s", pd_rec_reader_error(r->rd));
				for (size_t j = 0; j < m; j++)
					json_decref(v[j]);
				free(v);
				return NULL;
			}
			set_span(r, e);
			v[m++] = e;
		}
	}
	qsort(v, m, sizeof *v, by_from);
	json_t *a = json_array();
	for (size_t j = 0; j < m; j++)
		json_array_append_new(a, v[j]);
	free(v);
	return a;
}

/* Every stride-th frame's time: the page's time axis between fetches. */
static json_t *timeline_json(const struct review_rec *r)
{
	uint64_t stride = r->n > TIMELINE_POINTS ? (r->n + TIMELINE_POINTS - 1) / TIMELINE_POINTS : 1;
	json_t *t = json_array();
	for (uint64_t i = 0; i < r->n; i += stride)
		json_array_append_new(t, json_real(r->t[i]));
	return json_pack("{s:I,s:o}", "stride", (json_int_t)stride, "t", t);
}

json_t *review_info(struct review_rec *r, char *err, size_t errlen)
{
	if (r->info)
		return r->info;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(r->rd);
	json_t *events = events_json(r, err, errlen);
	if (!events)
		return NULL;
	json_t *j = json_pack("{s:s,s:s,s:i,s:I,s:s,s:s,s:s}", "name", r->name, "state", review_state_name(r->state),
			      "format_version", fi->format_version, "frames", (json_int_t)r->n, "start",
			      fi->session_start_time, "software", fi->software, "uri", fi->uri);
	json_object_set_new(j, "device", review_device_json(fi));
	review_set_calibration(j, fi);
	json_object_set_new(j, "t0", json_real(r->n ? r->t[0] : 0));
	json_object_set_new(j, "t1", json_real(r->n ? r->t[r->n - 1] : 0));
	json_object_set_new(j, "meta", pairs(r->rd, pd_rec_reader_meta_count, pd_rec_reader_meta));
	json_object_set_new(j, "analysis", pairs(r->rd, pd_rec_reader_analysis_count, pd_rec_reader_analysis));
	json_object_set_new(j, "tares", tares_json(r, (size_t)fi->device.rows * fi->device.cols));
	size_t ngaps;
	const struct pd_rec_gap *g = pd_rec_reader_gaps(r->rd, &ngaps);
	json_t *gaps = json_array();
	uint64_t lost = 0;
	for (size_t i = 0; i < ngaps; i++) {
		json_array_append_new(gaps, json_pack("{s:I,s:I}", "after_seq", (json_int_t)g[i].after_seq, "missing",
						      (json_int_t)g[i].missing));
		lost += g[i].missing;
	}
	json_object_set_new(j, "gaps", gaps);
	json_object_set_new(j, "frames_lost", json_integer((json_int_t)lost));
	json_object_set_new(j, "events", events);
	json_object_set_new(j, "timeline", timeline_json(r));
	/* Kept while the file is unchanged (one being written changes, and is
	 * reopened by review_acquire). */
	r->info = j;
	return j;
}
