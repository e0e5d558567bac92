/* The session summary: one pass over the frames, in order (the reader
 * reads a chunk at a time), keeping only the maps and the binned curves.
 * What a frame's cells add is cells.c's; here, what a frame is: its
 * baseline, its place on a roller's map, its bin of the curves.
 *
 * Every value is tared with the baseline in force at its frame (baseline
 * k from the first frame whose t ≥ tare_t[k]; a format 1 baseline, t NaN,
 * from the start), clamped at 0, and put in the report's unit (× the
 * file's conversion × the --unit factor). Each frame counts for one frame
 * interval (1 / rate_hz): lost frames add nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "report.h"

#define ROLLER_BINS 512 /* as the analysis' position × axis map */

static double full_scale_counts(const struct pd_device_info *d)
{
	return d->full_scale ? (double)d->full_scale : d->cell_bits == 8 ? 255.0 : 65535.0;
}

static int alloc_maps(struct pd_report_summary *s, const struct pd_device_info *d)
{
	s->roller = d->kind == PD_KIND_ROLLER;
	s->cols = d->cols;
	s->rows = s->roller ? ROLLER_BINS : d->rows;
	s->bin_mm = s->roller ? (d->pitch_x_mm > 0 ? d->pitch_x_mm : 10) : 0;
	size_t n = s->rows * s->cols;
	s->peak = calloc(n, sizeof *s->peak);
	s->pti = calloc(n, sizeof *s->pti);
	s->tup = calloc(n, sizeof *s->tup);
	s->curve_t = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	s->curve_max = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	s->curve_mean = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	s->cop_t = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	s->cop_x = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	s->cop_y = calloc(PD_REPORT_CURVE_MAX, sizeof(double));
	return s->peak && s->pti && s->tup && s->curve_t && s->curve_max && s->curve_mean && s->cop_t && s->cop_x &&
			       s->cop_y
		       ? 0
		       : -1;
}

static int load_tares(struct pd_rec_reader *rd, struct pd_report_summary *s, size_t ncells, double per_count)
{
	s->ntare = pd_rec_reader_tare_count(rd);
	s->tare_t = calloc(s->ntare ? s->ntare : 1, sizeof *s->tare_t);
	s->tare_mean = calloc(s->ntare ? s->ntare : 1, sizeof *s->tare_mean);
	if (!s->tare_t || !s->tare_mean)
		return -1;
	for (size_t k = 0; k < s->ntare; k++) {
		const float *b = pd_rec_reader_tare_at(rd, k, &s->tare_t[k]);
		double sum = 0;
		for (size_t i = 0; b && i < ncells; i++)
			sum += b[i];
		s->tare_mean[k] = ncells ? sum / (double)ncells * per_count : 0;
	}
	return 0;
}

/* A bin of frames of the curves. */
struct bin {
	size_t frames, loaded;
	double sum, max, cx, cy;
};

static void close_bin(struct pd_report_summary *s, const struct bin *b)
{
	if (!b->frames)
		return;
	s->curve_max[s->ncurve] = b->max;
	s->curve_mean[s->ncurve] = b->sum / (double)b->frames;
	s->ncurve++;
	if (b->loaded) {
		s->cop_x[s->ncop] = b->cx / (double)b->loaded;
		s->cop_y[s->ncop] = b->cy / (double)b->loaded;
		s->ncop++;
	}
}

int pd_report_summarise_rerun(struct pd_rec_reader *rd, const struct pd_analysis_params *p, double factor,
			      const char *unit, struct pd_report_rerun *rerun, struct pd_report_summary *s,
			      char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const struct pd_device_info *d = &fi->device;
	size_t ncells = (size_t)d->rows * d->cols;
	s->frames = fi->frames;
	s->calibrated = strcmp(fi->unit, "counts") != 0;
	snprintf(s->unit, sizeof s->unit, "%s", unit && *unit ? unit : fi->unit);
	s->per_count = (s->calibrated && fi->conversion > 0 ? fi->conversion : 1) * factor;
	s->full_scale = full_scale_counts(d) * s->per_count;
	s->noise = p->noise.percent ? p->noise.value * s->full_scale / 100 : p->noise.value * factor;
	s->frame_s = d->rate_hz > 0 && isfinite(d->rate_hz) ? 1.0 / d->rate_hz : 0;
	const struct pd_rec_gap *gaps = pd_rec_reader_gaps(rd, &s->ngaps);
	for (size_t i = 0; i < s->ngaps; i++)
		s->missing += gaps[i].missing;
	if (alloc_maps(s, d) != 0 || load_tares(rd, s, ncells, s->per_count) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	double npu = pd_report_newton_per_unit_mm2(s->unit);
	double area = (double)d->pitch_x_mm * (s->roller ? 1 : d->pitch_y_mm);
	bool newtons = strcmp(s->unit, "N") == 0;
	s->force_is_peak = !(npu > 0 && area > 0 && !s->roller) && !newtons;
	snprintf(s->force_unit, sizeof s->force_unit, "%s", s->force_is_peak ? s->unit : "N");

	struct rp_cells *cells = rp_cells_new(d->rows, d->cols, d->cell_bits, s->peak, s->pti, s->tup,
					      s->rows * s->cols, s->per_count, s->frame_s, s->noise,
					      full_scale_counts(d), d->pitch_x_mm, d->pitch_y_mm);
	if (!cells) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uint64_t per_bin = s->frames / PD_REPORT_CURVE_MAX + (s->frames % PD_REPORT_CURVE_MAX != 0);
	if (per_bin == 0)
		per_bin = 1;
	struct bin b = { 0 };
	size_t next_tare = 0;
	int rc = 0;
	s->first_row = s->rows;
	for (uint64_t i = 0; i < s->frames; i++) {
		struct pd_frame f;
		double t;
		if (pd_rec_reader_frame(rd, i, &f, &t, NULL) != 0) {
			snprintf(err, errlen, "frame %llu: %s", (unsigned long long)i, pd_rec_reader_error(rd));
			rc = -1;
			break;
		}
		if (rerun && pd_report_rerun_frame(rerun, &f, t) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		if (i == 0)
			s->t0 = t;
		s->t1 = t;
		const float *base = NULL;
		while (next_tare < s->ntare && (isnan(s->tare_t[next_tare]) || t >= s->tare_t[next_tare]))
			base = pd_rec_reader_tare_at(rd, next_tare++, NULL);
		if (base)
			rp_cells_baseline(cells, base); /* once per baseline, not per frame */
		size_t row0 = 0;
		bool on_map = true;
		if (s->roller) {
			double pos = d->counts_per_rev ? (double)f.encoder / d->counts_per_rev * 2 * M_PI * d->radius_mm : 0;
			double r = floor(pos / s->bin_mm) + (double)(s->rows / 2);
			if (r < 0 || r >= (double)s->rows) {
				on_map = false; /* off the map: in the curves only */
			} else {
				row0 = (size_t)r;
				if (row0 < s->first_row)
					s->first_row = row0;
				if (row0 > s->last_row)
					s->last_row = row0;
			}
		}
		struct rp_frame_sums fs;
		rp_cells_frame(cells, f.cells, on_map ? (long)row0 : -1, &fs);
		double sum = fs.sum;
		double force = s->force_is_peak ? fs.peak : newtons ? sum : sum * area * npu;
		if (force > s->force_max)
			s->force_max = force;
		if (b.frames == 0) {
			s->curve_t[s->ncurve] = t;
			s->cop_t[s->ncop] = t;
		}
		b.frames++;
		b.sum += force;
		if (force > b.max)
			b.max = force;
		if (sum > 0) {
			double y = s->roller ? (double)((long)row0 - (long)(s->rows / 2)) * s->bin_mm : fs.cy / sum;
			b.cx += fs.cx / sum;
			b.cy += y;
			b.loaded++;
		}
		if (b.frames == per_bin) {
			close_bin(s, &b);
			b = (struct bin){ 0 };
		}
	}
	close_bin(s, &b);
	rp_cells_finish(cells, &s->saturated_cells, &s->saturated_samples);
	rp_cells_free(cells);
	if (rc)
		return rc;
	if (s->first_row > s->last_row) {
		s->first_row = 0;
		s->last_row = s->rows ? s->rows - 1 : 0;
	}
	if (!s->roller) {
		s->first_row = 0;
		s->last_row = s->rows ? s->rows - 1 : 0;
	}
	for (size_t m = 0; m < s->rows * s->cols; m++) {
		if (s->peak[m] > s->peak_max) {
			s->peak_max = s->peak[m];
			s->peak_argmax = m;
		}
		if (s->pti[m] > s->pti_max)
			s->pti_max = s->pti[m];
		if (s->tup[m] > s->tup_max)
			s->tup_max = s->tup[m];
	}
	s->duration_s = s->frames ? s->t1 - s->t0 + s->frame_s : 0;
	return 0;
}

int pd_report_summarise(struct pd_rec_reader *rd, const struct pd_analysis_params *p, double factor,
			const char *unit, struct pd_report_summary *s, char *err, size_t errlen)
{
	return pd_report_summarise_rerun(rd, p, factor, unit, NULL, s, err, errlen);
}

void pd_report_summary_free(struct pd_report_summary *s)
{
	free(s->tare_t);
	free(s->tare_mean);
	free(s->peak);
	free(s->pti);
	free(s->tup);
	free(s->curve_t);
	free(s->curve_max);
	free(s->curve_mean);
	free(s->cop_t);
	free(s->cop_x);
	free(s->cop_y);
	memset(s, 0, sizeof *s);
}
