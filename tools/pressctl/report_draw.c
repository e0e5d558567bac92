/* The report's sections, one per file: title, maps, force over time, the
 * dose per site, data quality, the analysis parameters; drawn on the
 * pages of report_page.c, tables in a monospaced font so that pdftotext
 * -layout gives them back as lines. Several files: the comparison page
 * (report_compare_draw.c) comes first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colour_map.h"
#include "report_page.h"

/* ---- colours ------------------------------------------------------------------------- */

/* The map's colours are the pages' (model/colour_map.h); no pressure at all
 * stays the paper's light grey, apart from the faintest pressure. */
static void colour(double v, double *r, double *g, double *b)
{
	if (!(v > 0)) {
		*r = *g = *b = 0.93;
		return;
	}
	const uint8_t *c = pd_colour_of(v);
	*r = c[0] / 255.0;
	*g = c[1] / 255.0;
	*b = c[2] / 255.0;
}

static double nice_step(double range)
{
	if (!(range > 0))
		return 1;
	double e = pow(10, floor(log10(range / 4)));
	double m = range / 4 / e;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * e;
}

/* ---- maps ---------------------------------------------------------------------------- */

static void map(struct pg *p, const struct pc_report_file *f, const double *m, double max, double x, double y,
		double w, double h, const char *title, const char *unit, bool cop)
{
	const struct pd_report_summary *s = &f->sum;
	size_t rows = s->last_row - s->first_row + 1, cols = s->cols;
	pg_text_at(p, x, y, w, FONT_TEXT, title);
	y += 14;
	double cell = fmin(w / (double)cols, (h - 40) / (double)rows);
	double mw = cell * (double)cols, mh = cell * (double)rows;
	for (size_t r = 0; r < rows; r++)
		for (size_t c = 0; c < cols; c++) {
			double cr, cg, cb;
			colour(max > 0 ? m[(r + s->first_row) * cols + c] / max : 0, &cr, &cg, &cb);
			cairo_set_source_rgb(p->cr, cr, cg, cb);
			cairo_rectangle(p->cr, x + (double)c * cell, y + (double)r * cell, cell + 0.05, cell + 0.05);
			cairo_fill(p->cr);
		}
	cairo_set_source_rgb(p->cr, 0.3, 0.3, 0.3);
	cairo_set_line_width(p->cr, 0.5);
	cairo_rectangle(p->cr, x, y, mw, mh);
	cairo_stroke(p->cr);
	const struct pd_device_info *d = &f->fi->device;
	if (cop && s->ncop > 1 && !s->roller && d->pitch_x_mm > 0 && d->pitch_y_mm > 0) {
		/* the centre-of-pressure path: mm → cell centres */
		cairo_set_source_rgba(p->cr, 1, 1, 1, 0.85);
		cairo_set_line_width(p->cr, 0.7);
		for (size_t i = 0; i < s->ncop; i++) {
			double cx = x + (s->cop_x[i] / d->pitch_x_mm + 0.5) * cell;
			double cy = y + (s->cop_y[i] / d->pitch_y_mm + 0.5) * cell;
			if (i == 0)
				cairo_move_to(p->cr, cx, cy);
			else
				cairo_line_to(p->cr, cx, cy);
		}
		cairo_stroke(p->cr);
	}
	/* colour scale */
	double sy = y + mh + 6;
	for (int i = 0; i < 100; i++) {
		double cr, cg, cb;
		colour((i + 0.5) / 100.0, &cr, &cg, &cb);
		cairo_set_source_rgb(p->cr, cr, cg, cb);
		cairo_rectangle(p->cr, x + mw * i / 100.0, sy, mw / 100.0 + 0.05, 7);
		cairo_fill(p->cr);
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	char lo[64], hi[96];
	snprintf(lo, sizeof lo, "0");
	snprintf(hi, sizeof hi, "%.4g %s", max, unit);
	pg_text_at(p, x, sy + 8, 0, FONT_SMALL, lo);
	pg_text_at(p, x + mw - pg_text_width(p, FONT_SMALL, hi), sy + 8, 0, FONT_SMALL, hi);
}

/* ---- the force-time curve ------------------------------------------------------------ */

static void curve(struct pg *p, const struct pc_report_file *f, double x, double y, double w, double h)
{
	const struct pd_report_summary *s = &f->sum;
	const struct pd_report_events *ev = &f->ev;
	double span = s->duration_s > 0 ? s->duration_s : 1, top = s->force_max > 0 ? s->force_max * 1.08 : 1;
#define X(t) (x + ((t) - s->t0) / span * w)
#define Y(v) (y + h - (v) / top * h)
	/* holds (blue), pulse sets (orange) behind the curve */
	for (size_t i = 0; i < ev->nhold; i++) {
		const struct pd_ev_hold *e = &ev->hold[i].u.hold;
		double x0 = fmax(x, X(e->t_start)), x1 = fmin(x + w, X(e->t_start + e->duration));
		cairo_set_source_rgba(p->cr, 0.2, 0.4, 1, 0.18);
		cairo_rectangle(p->cr, x0, y, fmax(0.5, x1 - x0), h);
		cairo_fill(p->cr);
		char lab[32];
		snprintf(lab, sizeof lab, "H%zu", i + 1);
		cairo_set_source_rgb(p->cr, 0.1, 0.2, 0.7);
		pg_text_at(p, x0 + 1, y + 1, 0, FONT_SMALL, lab);
	}
	for (size_t i = 0; i < ev->npulses; i++) {
		const struct pd_ev_pulses *e = &ev->pulses[i].u.pulses;
		double x0 = fmax(x, X(e->t_start)), x1 = fmin(x + w, X(e->t_end));
		cairo_set_source_rgba(p->cr, 1, 0.55, 0, 0.8);
		cairo_rectangle(p->cr, x0, y + h + 2, fmax(0.5, x1 - x0), 4);
		cairo_fill(p->cr);
		char lab[32];
		snprintf(lab, sizeof lab, "P%zu", i + 1);
		pg_text_at(p, x0, y + h + 6, 0, FONT_SMALL, lab);
	}
	for (size_t i = 0; i < ev->nmark; i++) {
		double mx = X(ev->mark[i].t);
		if (mx < x || mx > x + w)
			continue;
		cairo_set_source_rgba(p->cr, 0.3, 0.6, 0.2, 0.9);
		cairo_set_line_width(p->cr, 0.5);
		cairo_move_to(p->cr, mx, y);
		cairo_line_to(p->cr, mx, y + h);
		cairo_stroke(p->cr);
		char lab[32];
		snprintf(lab, sizeof lab, "M%zu", i + 1);
		pg_text_at(p, mx + 1, y + h - 9, 0, FONT_SMALL, lab);
	}
	/* the curve: each bin's highest value */
	cairo_set_source_rgb(p->cr, 0.1, 0.1, 0.1);
	cairo_set_line_width(p->cr, 0.6);
	for (size_t i = 0; i < s->ncurve; i++) {
		if (i == 0)
			cairo_move_to(p->cr, X(s->curve_t[i]), Y(s->curve_max[i]));
		else
			cairo_line_to(p->cr, X(s->curve_t[i]), Y(s->curve_max[i]));
	}
	cairo_stroke(p->cr);
	/* axes */
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	cairo_set_line_width(p->cr, 0.5);
	cairo_rectangle(p->cr, x, y, w, h);
	cairo_stroke(p->cr);
	double st = nice_step(span), sv = nice_step(top);
	char lab[64];
	for (double t = 0; t <= span + 1e-9; t += st) {
		snprintf(lab, sizeof lab, "%g", t);
		pg_text_at(p, X(s->t0 + t) - pg_text_width(p, FONT_SMALL, lab) / 2, y + h + 14, 0, FONT_SMALL, lab);
	}
	for (double v = 0; v <= top + 1e-12; v += sv) {
		snprintf(lab, sizeof lab, "%g", v);
		pg_text_at(p, x - 3 - pg_text_width(p, FONT_SMALL, lab), Y(v) - 4, 0, FONT_SMALL, lab);
	}
	snprintf(lab, sizeof lab, "s");
	pg_text_at(p, x + w + 3, y + h + 14, 0, FONT_SMALL, lab);
#undef X
#undef Y
}

/* ---- sections --------------------------------------------------------------------------- */

static void title(struct pg *p, const struct pc_report_file *f)
{
	const char *subject = pc_report_meta(f, "subject"), *session = pc_report_meta(f, "session"),
		   *notes = pc_report_meta(f, "notes");
	const struct pd_rec_file_info *fi = f->fi;
	const struct pd_device_info *d = &fi->device;
	const struct pd_report_summary *s = &f->sum;
	char t[512];
	snprintf(t, sizeof t, "Session report: %s%s%s", subject ? subject : "(no subject recorded)",
		 session ? ", session " : "", session ? session : "");
	pg_para(p, FONT_TITLE, "%s", t);
	p->y += 2;
	pg_para(p, FONT_TEXT, "File %s (format %d, %s)", f->path, fi->format_version, fi->software);
	if (notes)
		pg_para(p, FONT_TEXT, "Notes: %s", notes);
	pg_para(p, FONT_TEXT, "Device %s: %s %s, serial %s, firmware %s; %s %s; %u x %u cells, pitch %.4g x %.4g mm, %.4g Hz, %u-bit, full scale %u counts",
	     fi->device_id, pd_kind_name(d->kind), *d->model ? d->model : "(model unknown)", *d->serial ? d->serial : "-",
	     *d->firmware ? d->firmware : "-", fi->protocol, fi->uri, d->rows, d->cols, (double)d->pitch_x_mm,
	     (double)d->pitch_y_mm, (double)d->rate_hz, d->cell_bits, d->full_scale);
	if (s->calibrated)
		pg_para(p, FONT_TEXT, "Calibration: calibrated, %s, %.6g %s per count (file: %s, %.6g per count)", s->unit,
		     s->per_count, s->unit, fi->unit, fi->conversion);
	else
		pg_para(p, FONT_TEXT, "Calibration: none: values are raw counts");
	if (*f->unit_note)
		pg_para(p, FONT_TEXT, "Note: %s", f->unit_note);
	pg_para(p, FONT_TEXT, "Session start %s; length %.2f s; frames %llu; lost %llu in %zu gaps", fi->session_start_time,
	     s->duration_s, (unsigned long long)s->frames, (unsigned long long)s->missing, s->ngaps);
	pg_para(p, FONT_TEXT, "Events (%s): %zu presses, %zu holds, %zu pulse sets, %zu strokes, %zu rolls, %zu marks",
	     f->ev.reanalysed ? "re-analysed with --set" : "as recorded", f->ev.npress, f->ev.nhold, f->ev.npulses,
	     f->ev.nstroke, f->ev.nroll, f->ev.nmark);
}

static void maps(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	pg_heading(p, s->roller ? "Maps (position along the body x roller axis; tared)" : "Maps (tared, whole session)");
	double h = 250;
	pg_ensure(p, h);
	char t1[128], t2[128], u2[32];
	snprintf(t1, sizeof t1, "Peak pressure (%s)%s", s->unit, s->roller ? "" : ", white: COP");
	snprintf(t2, sizeof t2, "Pressure-time integral (%s·s)", s->unit);
	snprintf(u2, sizeof u2, "%s·s", s->unit);
	double w = (CONTENT_W - 20) / 2;
	map(p, f, s->peak, s->peak_max, MARGIN, p->y, w, h, t1, s->unit, true);
	map(p, f, s->pti, s->pti_max, MARGIN + w + 20, p->y, w, h, t2, u2, false);
	p->y += h + 4;
	size_t r = s->peak_argmax / (s->cols ? s->cols : 1), c = s->peak_argmax % (s->cols ? s->cols : 1);
	char where[96];
	if (s->roller)
		snprintf(where, sizeof where, "%.0f mm along the body, axis cell %zu",
			 ((double)r - (double)(s->rows / 2)) * s->bin_mm, c);
	else
		snprintf(where, sizeof where, "row %zu, col %zu", r, c);
	pg_para(p, FONT_TEXT, "Highest peak %.4g %s at %s; highest pressure-time integral %.4g %s·s; longest time under pressure %.2f s per cell (at or above the noise threshold %.4g %s)",
	     s->peak_max, s->unit, where, s->pti_max, s->unit, s->tup_max, s->noise, s->unit);
}

static void force(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	pg_heading(p, s->force_is_peak ? "Peak pressure over time (raw counts: no force)" : "Total force over time");
	double h = 130;
	pg_ensure(p, h + 40);
	char t[160];
	snprintf(t, sizeof t, "%s in %s, highest per bin of %s frames; H = holds, P = pulse sets, M = marks",
		 s->force_is_peak ? "peak pressure" : "force", s->force_unit, s->ncurve < s->frames ? "several" : "single");
	p->y += pg_text_at(p, MARGIN, p->y, CONTENT_W, FONT_SMALL, t) + 4;
	curve(p, f, MARGIN + 30, p->y, CONTENT_W - 45, h);
	p->y += h + 28;
	pg_para(p, FONT_TEXT, "Highest %s %.4g %s", s->force_is_peak ? "peak pressure" : "total force", s->force_max,
	     s->force_unit);
}

static void dose(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_events *ev = &f->ev;
	const struct pd_report_dose *d = &f->dose;
	const char *u = f->sum.unit;
	pg_heading(p, "Dose per site");
	pg_para(p, FONT_SMALL, "A site: presses, holds, pulse sets and glides (at their midpoint) within pulse_radius_mm = %g mm of each other. Compression = the sum of its press durations. Times from the start of the session.",
	     f->params.p.pulse_radius_mm);
	p->y += 3;
	if (!d->nsites)
		pg_para(p, FONT_TEXT, "No presses, holds, pulse sets or glides.");
	double t0 = f->sum.t0;
	for (size_t k = 0; k < d->nsites; k++) {
		const struct pd_report_site *s = &d->site[k];
		pg_ensure(p, 30);
		p->y += 3;
		pg_mono(p, "Site %zu  x %.1f mm  y %.1f mm  (col %.1f, row %.1f)  presses %zu  compression %.2f s", k + 1, s->x,
		     s->y, s->col, s->row, s->npress, s->compression_s);
		for (size_t i = 0; i < s->nholds; i++) {
			const struct pd_ev_hold *h = &ev->hold[s->holds[i]].u.hold;
			pg_mono(p, "  hold %zu  start %.2f s  %.2f s of %g s  %s  peak %.1f  mean %.1f  impulse %.1f %s·s  drift %.1f mm",
			     s->holds[i] + 1, h->t_start - t0, h->duration, h->target_s, h->reached ? "reached" : "not reached",
			     h->peak, h->mean, h->impulse, u, h->drift_mm);
		}
		for (size_t i = 0; i < s->npulses; i++) {
			const struct pd_ev_pulses *q = &ev->pulses[s->pulses[i]].u.pulses;
			pg_mono(p, "  pulses %zu  start %.2f s  count %u (vs 3)  mean peak %.1f %s", s->pulses[i] + 1,
			     q->t_start - t0, q->count, q->mean_peak, u);
			/* durations, 12 a line, against the usual 3 × 10 s */
			for (uint32_t j = 0; j < q->ndurations; j += 12) {
				char durs[256] = "";
				size_t n = 0;
				for (uint32_t m = j; m < q->ndurations && m < j + 12; m++)
					n += (size_t)snprintf(durs + n, sizeof durs - n, " %.2f", q->durations[m]);
				pg_mono(p, "    durations%s s (vs 10 s each)", durs);
			}
		}
		if (s->nstrokes) {
			double speed = 0, mean = 0;
			unsigned maxpass = 0;
			for (size_t i = 0; i < s->nstrokes; i++) {
				const struct pd_ev_stroke *g = &ev->stroke[s->strokes[i]].u.stroke;
				speed += g->speed_mm_s;
				mean += g->mean;
				if (g->pass > maxpass)
					maxpass = g->pass;
			}
			pg_mono(p, "  glides %zu  passes up to %u  mean speed %.1f mm/s  mean pressure %.1f %s", s->nstrokes, maxpass,
			     speed / (double)s->nstrokes, mean / (double)s->nstrokes, u);
			for (size_t i = 0; i < s->nstrokes; i++) {
				const struct pd_ev_stroke *g = &ev->stroke[s->strokes[i]].u.stroke;
				pg_mono(p, "    glide %zu  pass %u  direction %.1f deg  length %.1f mm  %.2f s  %.1f mm/s  mean %.1f %s",
				     s->strokes[i] + 1, g->pass, g->direction_deg, g->length_mm, g->duration, g->speed_mm_s,
				     g->mean, u);
			}
		}
	}
	if (d->nregions) {
		pg_heading(p, "Roller: rolls per region along the body");
		for (size_t k = 0; k < d->nregions; k++) {
			const struct pd_report_region *r = &d->region[k];
			pg_mono(p, "Region %zu  %.0f to %.0f mm  rolls %zu (%zu up, %zu down)  mean speed %.1f mm/s  mean force %.1f  peak %.1f %s",
			     k + 1, r->from_mm, r->to_mm, r->nrolls, r->up, r->down, r->mean_speed, r->mean_force,
			     r->peak_force, u);
		}
	}
	if (ev->nmark) {
		pg_heading(p, "Marks");
		for (size_t i = 0; i < ev->nmark; i++)
			pg_mono(p, "M%zu  %.2f s  %s", i + 1, ev->mark[i].t - t0, ev->mark[i].label);
	}
}

static void quality(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	const struct pd_device_info *d = &f->fi->device;
	pg_heading(p, "Data quality");
	pg_mono(p, "Frames       %llu recorded, %llu lost in %zu gaps (per /gaps)", (unsigned long long)s->frames,
	     (unsigned long long)s->missing, s->ngaps);
	pg_mono(p, "Saturation   %llu cells reached full scale (%u counts), %llu cell-frames", (unsigned long long)s->saturated_cells,
	     d->full_scale, (unsigned long long)s->saturated_samples);
	pg_mono(p, "Values       %s", s->calibrated ? "calibrated" : "raw counts (not calibrated)");
	pg_mono(p, "Baselines    %zu", s->ntare);
	for (size_t k = 0; k < s->ntare; k++) {
		if (isnan(s->tare_t[k]))
			pg_mono(p, "  baseline %zu  from the start  mean %.3g %s", k + 1, s->tare_mean[k], s->unit);
		else
			pg_mono(p, "  baseline %zu  from %.2f s  mean %.3g %s", k + 1, s->tare_t[k] - s->t0, s->tare_mean[k], s->unit);
	}
	if (!s->ntare)
		pg_mono(p, "  none: values are as the device sent them");
}

static void parameters(struct pg *p, const struct pc_report_file *f)
{
	pg_heading(p, "Analysis parameters");
	if (f->fi->format_version < 2)
		pg_para(p, FONT_SMALL, "A format %d file does not record its parameters: the defaults apply unless --set.",
		     f->fi->format_version);
	if (f->ev.reanalysed)
		pg_para(p, FONT_SMALL, "The events were found again by the analysis over the recorded frames, with these parameters (recorded baselines and setting changes applied where they happened).");
	for (size_t i = 0; i < f->params.n; i++) {
		char v[64];
		const char *k = pd_analysis_param_name(i);
		if (pd_analysis_params_get(&f->params.p, k, v, sizeof v) != 0)
			snprintf(v, sizeof v, "?");
		pg_mono(p, "%-18s %-8s %s", k, v, f->params.source[i]);
	}
	uint64_t ns = pd_rec_reader_event_count(f->rd, PD_EV_SETTING);
	for (uint64_t i = 0; i < ns; i++) {
		struct pd_event o;
		if (pd_rec_reader_event(f->rd, PD_EV_SETTING, i, &o) != 0)
			continue;
		pg_mono(p, "changed during the session at %.2f s: %s = %s", o.t - f->sum.t0, o.u.setting.key,
			o.u.setting.value);
	}
}

static void section(struct pg *p, const struct pc_report_file *f, bool first)
{
	if (!first)
		pg_new_page(p); /* the footer of the page ending names the file it belongs to */
	p->file = f->path;
	title(p, f);
	maps(p, f);
	force(p, f);
	dose(p, f);
	quality(p, f);
	parameters(p, f);
}

int pc_report_draw(const struct pc_report_file *files, size_t n, struct pc_report_out *out, char *err,
		   size_t errlen)
{
	struct pg p;
	size_t *order = calloc(n, sizeof *order);
	if (!order) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	if (pg_open(&p, out->fmt, out) != 0) {
		snprintf(err, errlen, "%s", out->err);
		free(order);
		return -1;
	}
	/* Several sessions: the comparison first, the overview a clinician
	 * reads before (and often instead of) each session's detail; the
	 * sections follow in its order, time order, so its session numbers
	 * are the sections' order too. */
	bool compared = n > 1;
	if (compared && pc_report_compare_page(&p, files, n, order, err, errlen) != 0) {
		char ignored[8];
		pg_close(&p, ignored, sizeof ignored); /* err says why already */
		free(order);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		section(&p, &files[order[i]], i == 0 && !compared);
	free(order);
	return pg_close(&p, err, errlen);
}
