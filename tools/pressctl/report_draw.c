/* The report's pages, drawn once with cairo (shapes) and pango (text) for
 * every output: a PDF surface (every page), an SVG surface or an image
 * written as PNG (the first page; what follows is drawn into a throwaway
 * surface). A4 portrait, in points; tables in a monospaced font so that
 * pdftotext -layout gives them back as lines. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_doc.h"

#define PAGE_W 595.276
#define PAGE_H 841.89
#define MARGIN 40.0
#define BOTTOM (PAGE_H - 50)
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define PNG_SCALE (110.0 / 72) /* 110 dpi */

#define FONT_TITLE "DejaVu Sans Bold 15"
#define FONT_HEAD "DejaVu Sans Bold 11"
#define FONT_TEXT "DejaVu Sans 8.5"
#define FONT_SMALL "DejaVu Sans 6.5"
#define FONT_MONO "DejaVu Sans Mono 6.5"

struct pg {
	enum pc_report_format fmt;
	cairo_surface_t *surf, *scrap;
	cairo_t *cr;
	int page;
	double y;
	const char *file; /* for the footer */
	FILE *out;
	bool write_failed;
};

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
	struct pg *p = closure;
	if (fwrite(data, 1, len, p->out) != len) {
		p->write_failed = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* ---- text ----------------------------------------------------------------------- */

static PangoLayout *layout(struct pg *p, const char *font, double width, const char *s)
{
	PangoLayout *l = pango_cairo_create_layout(p->cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(l, s, -1);
	return l;
}

/* Draws s with its top left at (x, y); returns its height. */
static double text_at(struct pg *p, double x, double y, double width, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, width, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

static double text_height(struct pg *p, double width, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, width, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

static double text_width(struct pg *p, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, 0, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	g_object_unref(l);
	return (double)w / PANGO_SCALE;
}

/* ---- pages ------------------------------------------------------------------------ */

static void footer(struct pg *p)
{
	char s[512];
	snprintf(s, sizeof s, "pressd %s session report — %s — page %d", PRESSD_VERSION, p->file, p->page);
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	text_at(p, MARGIN, PAGE_H - 30, CONTENT_W, FONT_SMALL, s);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void begin_page(struct pg *p)
{
	p->page++;
	p->y = MARGIN;
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

/* Ends the page. PDF: the next one starts; SVG and PNG keep their first
 * page only, and the rest is drawn into the scrap surface. */
static void new_page(struct pg *p)
{
	footer(p);
	if (p->fmt == PC_REPORT_PDF) {
		cairo_show_page(p->cr);
	} else if (!p->scrap) {
		cairo_destroy(p->cr);
		p->scrap = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
		p->cr = cairo_create(p->scrap);
	}
	begin_page(p);
}

static void ensure(struct pg *p, double h)
{
	if (p->y + h > BOTTOM && p->y > MARGIN + 1)
		new_page(p);
}

static void para(struct pg *p, const char *font, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void para(struct pg *p, const char *font, const char *fmt, ...)
{
	char s[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	double h = text_height(p, CONTENT_W, font, s);
	ensure(p, h);
	p->y += text_at(p, MARGIN, p->y, CONTENT_W, font, s);
}

static void heading(struct pg *p, const char *s)
{
	ensure(p, 40);
	p->y += 8;
	para(p, FONT_HEAD, "%s", s);
	p->y += 3;
}

/* ---- colours ------------------------------------------------------------------------- */

static void colour(double v, double *r, double *g, double *b)
{
	/* dark blue → blue → cyan → yellow → red: zero stays distinct */
	static const double stops[][3] = { { 0.05, 0.05, 0.25 }, { 0.1, 0.3, 0.9 }, { 0.1, 0.85, 0.9 },
					   { 1.0, 0.9, 0.1 }, { 0.85, 0.05, 0.05 } };
	if (!(v > 0)) {
		*r = *g = *b = 0.93;
		return;
	}
	v = fmin(1, v) * 4;
	int i = (int)fmin(3, floor(v));
	double f = v - i;
	*r = stops[i][0] + f * (stops[i + 1][0] - stops[i][0]);
	*g = stops[i][1] + f * (stops[i + 1][1] - stops[i][1]);
	*b = stops[i][2] + f * (stops[i + 1][2] - stops[i][2]);
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
	text_at(p, x, y, w, FONT_TEXT, title);
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
	text_at(p, x, sy + 8, 0, FONT_SMALL, lo);
	text_at(p, x + mw - text_width(p, FONT_SMALL, hi), sy + 8, 0, FONT_SMALL, hi);
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
		text_at(p, x0 + 1, y + 1, 0, FONT_SMALL, lab);
	}
	for (size_t i = 0; i < ev->npulses; i++) {
		const struct pd_ev_pulses *e = &ev->pulses[i].u.pulses;
		double x0 = fmax(x, X(e->t_start)), x1 = fmin(x + w, X(e->t_end));
		cairo_set_source_rgba(p->cr, 1, 0.55, 0, 0.8);
		cairo_rectangle(p->cr, x0, y + h + 2, fmax(0.5, x1 - x0), 4);
		cairo_fill(p->cr);
		char lab[32];
		snprintf(lab, sizeof lab, "P%zu", i + 1);
		text_at(p, x0, y + h + 6, 0, FONT_SMALL, lab);
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
		text_at(p, mx + 1, y + h - 9, 0, FONT_SMALL, lab);
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
		text_at(p, X(s->t0 + t) - text_width(p, FONT_SMALL, lab) / 2, y + h + 14, 0, FONT_SMALL, lab);
	}
	for (double v = 0; v <= top + 1e-12; v += sv) {
		snprintf(lab, sizeof lab, "%g", v);
		text_at(p, x - 3 - text_width(p, FONT_SMALL, lab), Y(v) - 4, 0, FONT_SMALL, lab);
	}
	snprintf(lab, sizeof lab, "s");
	text_at(p, x + w + 3, y + h + 14, 0, FONT_SMALL, lab);
#undef X
#undef Y
}

/* ---- sections --------------------------------------------------------------------------- */

static const char *meta(const struct pc_report_file *f, const char *key)
{
	for (size_t i = 0; i < pd_rec_reader_meta_count(f->rd); i++)
		if (!strcmp(pd_rec_reader_meta(f->rd, i)->key, key))
			return pd_rec_reader_meta(f->rd, i)->value;
	return NULL;
}

static void title(struct pg *p, const struct pc_report_file *f)
{
	const char *subject = meta(f, "subject"), *session = meta(f, "session"), *notes = meta(f, "notes");
	const struct pd_rec_file_info *fi = f->fi;
	const struct pd_device_info *d = &fi->device;
	const struct pd_report_summary *s = &f->sum;
	char t[512];
	snprintf(t, sizeof t, "Session report: %s%s%s", subject ? subject : "(no subject recorded)",
		 session ? ", session " : "", session ? session : "");
	para(p, FONT_TITLE, "%s", t);
	p->y += 2;
	para(p, FONT_TEXT, "File %s (format %d, %s)", f->path, fi->format_version, fi->software);
	if (notes)
		para(p, FONT_TEXT, "Notes: %s", notes);
	para(p, FONT_TEXT, "Device %s: %s %s, serial %s, firmware %s; %s %s; %u x %u cells, pitch %.4g x %.4g mm, %.4g Hz, %u-bit, full scale %u counts",
	     fi->device_id, pd_kind_name(d->kind), *d->model ? d->model : "(model unknown)", *d->serial ? d->serial : "-",
	     *d->firmware ? d->firmware : "-", fi->protocol, fi->uri, d->rows, d->cols, (double)d->pitch_x_mm,
	     (double)d->pitch_y_mm, (double)d->rate_hz, d->cell_bits, d->full_scale);
	if (s->calibrated)
		para(p, FONT_TEXT, "Calibration: calibrated, %s, %.6g %s per count (file: %s, %.6g per count)", s->unit,
		     s->per_count, s->unit, fi->unit, fi->conversion);
	else
		para(p, FONT_TEXT, "Calibration: none: values are raw counts");
	if (*f->unit_note)
		para(p, FONT_TEXT, "Note: %s", f->unit_note);
	para(p, FONT_TEXT, "Session start %s; length %.2f s; frames %llu; lost %llu in %zu gaps", fi->session_start_time,
	     s->duration_s, (unsigned long long)s->frames, (unsigned long long)s->missing, s->ngaps);
	para(p, FONT_TEXT, "Events (%s): %zu presses, %zu holds, %zu pulse sets, %zu strokes, %zu rolls, %zu marks",
	     f->ev.reanalysed ? "re-analysed with --set" : "as recorded", f->ev.npress, f->ev.nhold, f->ev.npulses,
	     f->ev.nstroke, f->ev.nroll, f->ev.nmark);
}

static void maps(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	heading(p, s->roller ? "Maps (position along the body x roller axis; tared)" : "Maps (tared, whole session)");
	double h = 250;
	ensure(p, h);
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
	para(p, FONT_TEXT, "Highest peak %.4g %s at %s; highest pressure-time integral %.4g %s·s; longest time under pressure %.2f s per cell (at or above the noise threshold %.4g %s)",
	     s->peak_max, s->unit, where, s->pti_max, s->unit, s->tup_max, s->noise, s->unit);
}

static void force(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	heading(p, s->force_is_peak ? "Peak pressure over time (raw counts: no force)" : "Total force over time");
	double h = 130;
	ensure(p, h + 40);
	char t[160];
	snprintf(t, sizeof t, "%s in %s, highest per bin of %s frames; H = holds, P = pulse sets, M = marks",
		 s->force_is_peak ? "peak pressure" : "force", s->force_unit, s->ncurve < s->frames ? "several" : "single");
	p->y += text_at(p, MARGIN, p->y, CONTENT_W, FONT_SMALL, t) + 4;
	curve(p, f, MARGIN + 30, p->y, CONTENT_W - 45, h);
	p->y += h + 28;
	para(p, FONT_TEXT, "Highest %s %.4g %s", s->force_is_peak ? "peak pressure" : "total force", s->force_max,
	     s->force_unit);
}

static void mono(struct pg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mono(struct pg *p, const char *fmt, ...)
{
	char s[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	/* one line each, never wrapped (pdftotext gives it back whole); a
	 * line too long for the page is set smaller */
	const char *font = text_width(p, FONT_MONO, s) <= CONTENT_W ? FONT_MONO : "DejaVu Sans Mono 5.5";
	double h = text_height(p, 0, font, s);
	ensure(p, h);
	p->y += text_at(p, MARGIN, p->y, 0, font, s);
}

static void dose(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_events *ev = &f->ev;
	const struct pd_report_dose *d = &f->dose;
	const char *u = f->sum.unit;
	heading(p, "Dose per site");
	para(p, FONT_SMALL, "A site: presses, holds, pulse sets and glides (at their midpoint) within pulse_radius_mm = %g mm of each other. Compression = the sum of its press durations. Times from the start of the session.",
	     f->params.p.pulse_radius_mm);
	p->y += 3;
	if (!d->nsites)
		para(p, FONT_TEXT, "No presses, holds, pulse sets or glides.");
	double t0 = f->sum.t0;
	for (size_t k = 0; k < d->nsites; k++) {
		const struct pd_report_site *s = &d->site[k];
		ensure(p, 30);
		p->y += 3;
		mono(p, "Site %zu  x %.1f mm  y %.1f mm  (col %.1f, row %.1f)  presses %zu  compression %.2f s", k + 1, s->x,
		     s->y, s->col, s->row, s->npress, s->compression_s);
		for (size_t i = 0; i < s->nholds; i++) {
			const struct pd_ev_hold *h = &ev->hold[s->holds[i]].u.hold;
			mono(p, "  hold %zu  start %.2f s  %.2f s of %g s  %s  peak %.1f  mean %.1f  impulse %.1f %s·s  drift %.1f mm",
			     s->holds[i] + 1, h->t_start - t0, h->duration, h->target_s, h->reached ? "reached" : "not reached",
			     h->peak, h->mean, h->impulse, u, h->drift_mm);
		}
		for (size_t i = 0; i < s->npulses; i++) {
			const struct pd_ev_pulses *q = &ev->pulses[s->pulses[i]].u.pulses;
			mono(p, "  pulses %zu  start %.2f s  count %u (vs 3)  mean peak %.1f %s", s->pulses[i] + 1,
			     q->t_start - t0, q->count, q->mean_peak, u);
			/* durations, 12 a line, against the usual 3 × 10 s */
			for (uint32_t j = 0; j < q->ndurations; j += 12) {
				char durs[256] = "";
				size_t n = 0;
				for (uint32_t m = j; m < q->ndurations && m < j + 12; m++)
					n += (size_t)snprintf(durs + n, sizeof durs - n, " %.2f", q->durations[m]);
				mono(p, "    durations%s s (vs 10 s each)", durs);
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
			mono(p, "  glides %zu  passes up to %u  mean speed %.1f mm/s  mean pressure %.1f %s", s->nstrokes, maxpass,
			     speed / (double)s->nstrokes, mean / (double)s->nstrokes, u);
			for (size_t i = 0; i < s->nstrokes; i++) {
				const struct pd_ev_stroke *g = &ev->stroke[s->strokes[i]].u.stroke;
				mono(p, "    glide %zu  pass %u  direction %.1f deg  length %.1f mm  %.2f s  %.1f mm/s  mean %.1f %s",
				     s->strokes[i] + 1, g->pass, g->direction_deg, g->length_mm, g->duration, g->speed_mm_s,
				     g->mean, u);
			}
		}
	}
	if (d->nregions) {
		heading(p, "Roller: rolls per region along the body");
		for (size_t k = 0; k < d->nregions; k++) {
			const struct pd_report_region *r = &d->region[k];
			mono(p, "Region %zu  %.0f to %.0f mm  rolls %zu (%zu up, %zu down)  mean speed %.1f mm/s  mean force %.1f  peak %.1f %s",
			     k + 1, r->from_mm, r->to_mm, r->nrolls, r->up, r->down, r->mean_speed, r->mean_force,
			     r->peak_force, u);
		}
	}
	if (ev->nmark) {
		heading(p, "Marks");
		for (size_t i = 0; i < ev->nmark; i++)
			mono(p, "M%zu  %.2f s  %s", i + 1, ev->mark[i].t - t0, ev->mark[i].label);
	}
}

static void quality(struct pg *p, const struct pc_report_file *f)
{
	const struct pd_report_summary *s = &f->sum;
	const struct pd_device_info *d = &f->fi->device;
	heading(p, "Data quality");
	mono(p, "Frames       %llu recorded, %llu lost in %zu gaps (per /gaps)", (unsigned long long)s->frames,
	     (unsigned long long)s->missing, s->ngaps);
	mono(p, "Saturation   %llu cells reached full scale (%u counts), %llu cell-frames", (unsigned long long)s->saturated_cells,
	     d->full_scale, (unsigned long long)s->saturated_samples);
	mono(p, "Values       %s", s->calibrated ? "calibrated" : "raw counts (not calibrated)");
	mono(p, "Baselines    %zu", s->ntare);
	for (size_t k = 0; k < s->ntare; k++) {
		if (isnan(s->tare_t[k]))
			mono(p, "  baseline %zu  from the start  mean %.3g %s", k + 1, s->tare_mean[k], s->unit);
		else
			mono(p, "  baseline %zu  from %.2f s  mean %.3g %s", k + 1, s->tare_t[k] - s->t0, s->tare_mean[k], s->unit);
	}
	if (!s->ntare)
		mono(p, "  none: values are as the device sent them");
}

static void parameters(struct pg *p, const struct pc_report_file *f)
{
	heading(p, "Analysis parameters");
	if (f->fi->format_version < 2)
		para(p, FONT_SMALL, "A format %d file does not record its parameters: the defaults apply unless --set.",
		     f->fi->format_version);
	if (f->ev.reanalysed)
		para(p, FONT_SMALL, "The events were found again by the analysis over the recorded frames, with these parameters (recorded baselines and setting changes applied where they happened).");
	for (size_t i = 0; i < f->params.n; i++) {
		char v[64];
		const char *k = pd_analysis_param_name(i);
		if (pd_analysis_params_get(&f->params.p, k, v, sizeof v) != 0)
			snprintf(v, sizeof v, "?");
		mono(p, "%-18s %-8s %s", k, v, f->params.source[i]);
	}
	uint64_t ns = pd_rec_reader_event_count(f->rd, "setting");
	for (uint64_t i = 0; i < ns; i++) {
		json_t *o = pd_rec_reader_event(f->rd, "setting", i);
		if (!o)
			continue;
		mono(p, "changed during the session at %.2f s: %s = %s", json_real_value(json_object_get(o, "t")) - f->sum.t0,
		     json_string_value(json_object_get(o, "key")), json_string_value(json_object_get(o, "value")));
		json_decref(o);
	}
}

static void section(struct pg *p, const struct pc_report_file *f, bool first)
{
	p->file = f->path;
	if (!first)
		new_page(p);
	title(p, f);
	maps(p, f);
	force(p, f);
	dose(p, f);
	quality(p, f);
	parameters(p, f);
}

int pc_report_draw(const struct pc_report_file *files, size_t n, enum pc_report_format fmt, FILE *out, char *err,
		   size_t errlen)
{
	struct pg p = { .fmt = fmt, .out = out };
	switch (fmt) {
	case PC_REPORT_PDF: p.surf = cairo_pdf_surface_create_for_stream(write_fn, &p, PAGE_W, PAGE_H); break;
	case PC_REPORT_SVG: p.surf = cairo_svg_surface_create_for_stream(write_fn, &p, PAGE_W, PAGE_H); break;
	case PC_REPORT_PNG:
		p.surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(PAGE_W * PNG_SCALE),
						    (int)ceil(PAGE_H * PNG_SCALE));
		break;
	}
	if (fmt == PC_REPORT_PDF) {
		cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, "pressd session report");
		cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "pressctl report");
	}
	p.cr = cairo_create(p.surf);
	if (fmt == PC_REPORT_PNG)
		cairo_scale(p.cr, PNG_SCALE, PNG_SCALE);
	begin_page(&p);
	for (size_t i = 0; i < n; i++)
		section(&p, &files[i], i == 0);
	footer(&p);
	cairo_status_t st = cairo_status(p.cr);
	cairo_destroy(p.cr);
	if (p.scrap)
		cairo_surface_destroy(p.scrap);
	if (fmt == PC_REPORT_PNG && st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_write_to_png_stream(p.surf, write_fn, &p);
	cairo_surface_finish(p.surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(p.surf);
	cairo_surface_destroy(p.surf);
	if (st != CAIRO_STATUS_SUCCESS || p.write_failed) {
		snprintf(err, errlen, "%s", p.write_failed ? "write failed" : cairo_status_to_string(st));
		return -1;
	}
	return 0;
}
