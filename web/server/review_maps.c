/* The session maps on the review page are the report's (report/summary.c):
 * the same pass, the same taring and units, so the page and the PDF never
 * disagree. Computed once per file, on a reader of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "review_session.h"

static json_t *reals(const double *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

static json_t *summary_json(const struct pd_report_summary *s)
{
	/* A roller's maps span every position bin; only those it visited
	 * are sent. */
	size_t r0 = s->roller ? s->first_row : 0, r1 = s->roller ? s->last_row + 1 : s->rows;
	if (r1 <= r0)
		r1 = r0 + 1;
	size_t off = r0 * s->cols, n = (r1 - r0) * s->cols;
	json_t *j = json_pack("{s:s,s:b,s:b,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "unit", s->unit, "calibrated",
			      s->calibrated, "roller", s->roller, "rows", (json_int_t)(r1 - r0), "cols",
			      (json_int_t)s->cols, "duration_s", s->duration_s, "peak_max", s->peak_max, "pti_max",
			      s->pti_max, "tup_max", s->tup_max, "noise", s->noise, "full_scale", s->full_scale,
			      "force_max", s->force_max);
	if (s->roller) {
		/* bin k holds positions [(k - rows/2) × bin_mm, + bin_mm) */
		json_object_set_new(j, "bin_mm", json_real(s->bin_mm));
		json_object_set_new(j, "first_mm", json_real(((double)r0 - (double)s->rows / 2) * s->bin_mm));
	}
	json_object_set_new(j, "peak", reals(s->peak + off, n));
	json_object_set_new(j, "pti", reals(s->pti + off, n));
	json_object_set_new(j, "tup", reals(s->tup + off, n));
	json_object_set_new(j, "peak_at", json_pack("[I,I]", (json_int_t)(s->peak_argmax / s->cols - r0),
						    (json_int_t)(s->peak_argmax % s->cols)));
	json_object_set_new(j, "frames", json_integer((json_int_t)s->frames));
	json_object_set_new(j, "missing", json_integer((json_int_t)s->missing));
	json_object_set_new(j, "saturated_cells", json_integer((json_int_t)s->saturated_cells));
	json_object_set_new(j, "curve", json_pack("{s:s,s:b,s:o,s:o,s:o}", "unit", s->force_unit, "is_peak",
						  s->force_is_peak, "t", reals(s->curve_t, s->ncurve), "max",
						  reals(s->curve_max, s->ncurve), "mean",
						  reals(s->curve_mean, s->ncurve)));
	json_object_set_new(j, "cop", json_pack("{s:o,s:o,s:o}", "t", reals(s->cop_t, s->ncop), "x",
						reals(s->cop_x, s->ncop), "y", reals(s->cop_y, s->ncop)));
	return j;
}

json_t *review_maps(struct review_rec *r, int *status, char *err, size_t errlen)
{
	pthread_mutex_lock(&r->maps_mu);
	json_t *out = r->maps;
	if (out)
		goto done;
	if (r->state == PD_REC_IN_USE) {
		*status = 409;
		snprintf(err, errlen, "%s is still being recorded: its session maps come when it stops", r->name);
		goto done;
	}
	if (r->n == 0) {
		*status = 422;
		snprintf(err, errlen, "%s holds no frames", r->name);
		goto done;
	}
	char path[64];
	review_fd_path(r->fd, path, sizeof path);
	struct pd_rec_reader *rd;
	if (pd_rec_reader_open(&rd, path, err, errlen) != 0) {
		*status = 422;
		review_name_error(r, err, errlen);
		goto done;
	}
	struct pd_report_params rp;
	struct pd_report_summary s;
	memset(&s, 0, sizeof s);
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const char *unit = pd_report_file_unit(fi);
	if (pd_report_params_load(rd, NULL, 0, &rp, err, errlen) != 0 ||
	    pd_report_summarise(rd, &rp.p, 1.0, unit, &s, err, errlen) != 0) {
		*status = 422;
		review_name_error(r, err, errlen);
	} else {
		out = r->maps = summary_json(&s);
	}
	pd_report_summary_free(&s);
	pd_rec_reader_close(rd);
done:
	pthread_mutex_unlock(&r->maps_mu);
	return out;
}
