/* The report's pages (report_page.h), drawn once with cairo (shapes) and
 * pango (text) for every output. A PDF is one surface, a page each
 * cairo_show_page. cairo's SVG surface keeps one page, and a PNG is one
 * image, so for those each page is a surface of its own written to its own
 * file (report_out.c names them): an SVG surface finished at the end of
 * its page, the one image surface written out as PNG and painted white
 * again. */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_page.h"

#define PNG_SCALE (110.0 / 72) /* 110 dpi */

static cairo_status_t write_fn(void *closure, const unsigned char *data, unsigned int len)
{
	struct pg *p = closure;
	if (!p->out->fp || fwrite(data, 1, len, p->out->fp) != len) {
		p->write_failed = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* ---- surfaces and files ------------------------------------------------------------ */

/* From a failure on, the rest is drawn into a throwaway 1 × 1 image (the
 * drawing code need not check) and pg_close reports it. */
static void scrap(struct pg *p)
{
	p->write_failed = true;
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surf)
		cairo_surface_destroy(p->surf);
	p->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
	p->cr = cairo_create(p->surf);
}

/* PDF, SVG: a surface writing into the next file. PNG: the image (once). */
static void open_surface(struct pg *p)
{
	if (p->fmt == PC_REPORT_PNG) {
		p->surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(PAGE_W * PNG_SCALE),
						    (int)ceil(PAGE_H * PNG_SCALE));
		p->cr = cairo_create(p->surf);
		cairo_scale(p->cr, PNG_SCALE, PNG_SCALE);
		return;
	}
	if (!pc_report_out_next(p->out)) {
		scrap(p);
		return;
	}
	if (p->fmt == PC_REPORT_PDF) {
		p->surf = cairo_pdf_surface_create_for_stream(write_fn, p, PAGE_W, PAGE_H);
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_TITLE, "pressd session report");
		cairo_pdf_surface_set_metadata(p->surf, CAIRO_PDF_METADATA_CREATOR, "pressctl report");
	} else {
		p->surf = cairo_svg_surface_create_for_stream(write_fn, p, PAGE_W, PAGE_H);
	}
	p->cr = cairo_create(p->surf);
}

/* Ends the current surface's output: a PNG's page written, a PDF or SVG
 * surface finished (its last bytes written) and destroyed. */
static void close_surface(struct pg *p, bool last)
{
	if (p->write_failed)
		return;
	cairo_status_t st = cairo_status(p->cr);
	if (p->fmt == PC_REPORT_PNG) {
		if (st == CAIRO_STATUS_SUCCESS)
			st = pc_report_out_next(p->out) ? cairo_surface_write_to_png_stream(p->surf, write_fn, p)
							: CAIRO_STATUS_WRITE_ERROR;
		if (!last && st == CAIRO_STATUS_SUCCESS)
			goto check;
	}
	cairo_destroy(p->cr);
	p->cr = NULL;
	cairo_surface_finish(p->surf);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(p->surf);
	cairo_surface_destroy(p->surf);
	p->surf = NULL;
check:
	if (st != CAIRO_STATUS_SUCCESS || pc_report_out_close(p->out) != 0) {
		if (!*p->out->err)
			snprintf(p->out->err, sizeof p->out->err, "%s", cairo_status_to_string(st));
		p->write_failed = true;
	}
}

static void begin_page(struct pg *p)
{
	p->page++;
	p->y = MARGIN;
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void footer(struct pg *p)
{
	char s[512];
	snprintf(s, sizeof s, "pressd %s session report — %s — page %d", PRESSD_VERSION, p->file ? p->file : "",
		 p->page);
	cairo_set_source_rgb(p->cr, 0.4, 0.4, 0.4);
	pg_text_at(p, MARGIN, PAGE_H - 30, CONTENT_W, FONT_SMALL, s);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

int pg_open(struct pg *p, enum pc_report_format fmt, struct pc_report_out *out)
{
	*p = (struct pg){ .fmt = fmt, .out = out };
	open_surface(p);
	if (p->write_failed) {
		/* nothing drawn: no page could be kept (and pango's font
		 * machinery is never started for nothing) */
		cairo_destroy(p->cr);
		cairo_surface_destroy(p->surf);
		p->cr = NULL;
		p->surf = NULL;
		return -1;
	}
	begin_page(p);
	return 0;
}

void pg_new_page(struct pg *p)
{
	footer(p);
	if (p->write_failed) {
		/* drawing on into the scrap */
	} else if (p->fmt == PC_REPORT_PDF) {
		cairo_show_page(p->cr);
	} else {
		close_surface(p, false);
		if (p->write_failed)
			scrap(p);
		else if (p->fmt == PC_REPORT_SVG)
			open_surface(p);
	}
	begin_page(p);
}

int pg_close(struct pg *p, char *err, size_t errlen)
{
	footer(p);
	close_surface(p, true);
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->surf)
		cairo_surface_destroy(p->surf);
	p->cr = NULL;
	p->surf = NULL;
	if (p->write_failed) {
		snprintf(err, errlen, "%s", *p->out->err ? p->out->err : "write failed");
		return -1;
	}
	return 0;
}

void pg_ensure(struct pg *p, double h)
{
	if (p->y + h > BOTTOM && p->y > MARGIN + 1)
		pg_new_page(p);
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

double pg_text_at(struct pg *p, double x, double y, double width, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, width, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

double pg_text_height(struct pg *p, double width, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, width, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	g_object_unref(l);
	return (double)h / PANGO_SCALE;
}

double pg_text_width(struct pg *p, const char *font, const char *s)
{
	PangoLayout *l = layout(p, font, 0, s);
	int w, h;
	pango_layout_get_size(l, &w, &h);
	g_object_unref(l);
	return (double)w / PANGO_SCALE;
}

void pg_para(struct pg *p, const char *font, const char *fmt, ...)
{
	char s[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	double h = pg_text_height(p, CONTENT_W, font, s);
	pg_ensure(p, h);
	p->y += pg_text_at(p, MARGIN, p->y, CONTENT_W, font, s);
}

void pg_heading(struct pg *p, const char *s)
{
	pg_ensure(p, 40);
	p->y += 8;
	pg_para(p, FONT_HEAD, "%s", s);
	p->y += 3;
}

void pg_mono(struct pg *p, const char *fmt, ...)
{
	char s[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	const char *font = pg_text_width(p, FONT_MONO, s) <= CONTENT_W ? FONT_MONO : "DejaVu Sans Mono 5.5";
	double h = pg_text_height(p, 0, font, s);
	pg_ensure(p, h);
	p->y += pg_text_at(p, MARGIN, p->y, 0, font, s);
}
