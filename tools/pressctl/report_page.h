/* The report's page machinery (report_page.c), shared by the sections
 * (report_draw.c) and the comparison page (report_compare_draw.c): A4
 * portrait in points, a cursor moving down the page, text with pango, a
 * new page when the next thing does not fit, and a surface per output
 * file (PDF: one for every page; SVG, PNG: one a page). */
#ifndef PC_REPORT_PAGE_H
#define PC_REPORT_PAGE_H

#include <cairo.h>
#include <stdbool.h>

#include "report_doc.h"

#define PAGE_W 595.276
#define PAGE_H 841.89
#define MARGIN 40.0
#define BOTTOM (PAGE_H - 50)
#define CONTENT_W (PAGE_W - 2 * MARGIN)

#define FONT_TITLE "DejaVu Sans Bold 15"
#define FONT_HEAD "DejaVu Sans Bold 11"
#define FONT_TEXT "DejaVu Sans 8.5"
#define FONT_SMALL "DejaVu Sans 6.5"
#define FONT_MONO "DejaVu Sans Mono 6.5"

struct pg {
	enum pc_report_format fmt;
	struct pc_report_out *out;
	cairo_surface_t *surf;
	cairo_t *cr;
	int page;
	double y;          /* the cursor: the top of what is drawn next */
	const char *file;  /* what the footer names */
	bool write_failed; /* a write or a file failed: drawing goes on into a scrap surface */
};

/* The first page. 0, or -1 (the first file could not be made: why in
 * out->err; nothing to close then). */
int pg_open(struct pg *p, enum pc_report_format fmt, struct pc_report_out *out);
/* The last page's footer, every surface finished and the last file
 * closed. 0, or -1 with why in err. */
int pg_close(struct pg *p, char *err, size_t errlen);
void pg_new_page(struct pg *p);
/* A new page unless h more points fit on this one (or it is empty). */
void pg_ensure(struct pg *p, double h);

/* Text with its top left at (x, y), wrapped at width (0: never): returns its height. */
double pg_text_at(struct pg *p, double x, double y, double width, const char *font, const char *s);
double pg_text_height(struct pg *p, double width, const char *font, const char *s);
double pg_text_width(struct pg *p, const char *font, const char *s);

/* At the cursor, full width: a paragraph, a heading, a line of a table
 * (monospaced, never wrapped, so pdftotext -layout gives it back whole;
 * one too long for the page is set smaller). */
void pg_para(struct pg *p, const char *font, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pg_heading(struct pg *p, const char *s);
void pg_mono(struct pg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The comparison page (report_compare_draw.c): the files side by side,
 * site by site, in time order (order: n indices into files, filled in).
 * 0, or -1 with why (out of memory). */
int pc_report_compare_page(struct pg *p, const struct pc_report_file *files, size_t n, size_t *order, char *err,
			   size_t errlen);

#endif
