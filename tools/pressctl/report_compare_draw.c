/* The comparison page: several files of one subject side by side. The
 * sessions in time order, numbered 1, 2...; then, per group of sessions
 * on the same mat geometry (report/compare.c matched their sites), one
 * block per site: its rows are what the site got, its columns the
 * sessions, a dash where a session did not touch the site. Monospaced
 * fixed-width columns, so pdftotext -layout gives the table back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_page.h"

#define LABEL_W 34 /* the row labels' column */
#define COL_W 12   /* each session's */
#define COLS 7     /* sessions side by side; more continue in another table */

/* One row of a table: the label, then one value per session of the chunk. */
struct row {
	char s[LABEL_W + COLS * COL_W + 1];
	size_t n;
};

static void row_start(struct row *r, const char *label)
{
	r->n = (size_t)snprintf(r->s, sizeof r->s, "%-*.*s", LABEL_W, LABEL_W - 1, label);
}

static void row_add(struct row *r, const char *v)
{
	if (r->n < sizeof r->s)
		r->n += (size_t)snprintf(r->s + r->n, sizeof r->s - r->n, "%-*.*s", COL_W, COL_W - 1, v);
}

static void subject_warning(struct pg *p, const struct pc_report_file *files, const struct pd_report_compare *c)
{
	const struct pc_report_file *first = &files[c->order[0]];
	bool differ = false;
	for (size_t i = 1; i < c->n; i++)
		differ |= !pc_report_same_subject(first, &files[c->order[i]]);
	if (!differ) {
		const char *subject = pc_report_meta(first, "subject");
		pg_para(p, FONT_TITLE, "Sessions compared: %s", subject ? subject : "(no subject recorded)");
		return;
	}
	pg_para(p, FONT_TITLE, "Sessions compared");
	/* each subject once, with the sessions (numbers in time order) of it */
	char who[1024] = "";
	size_t n = 0;
	for (size_t i = 0; i < c->n && n < sizeof who; i++) {
		const struct pc_report_file *f = &files[c->order[i]];
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = pc_report_same_subject(f, &files[c->order[k]]);
		if (seen)
			continue;
		const char *s = pc_report_meta(f, "subject");
		n += (size_t)snprintf(who + n, sizeof who - n, "%s%s: ", n ? "; " : "", s ? s : "none recorded");
		for (size_t k = i, first_one = 1; k < c->n && n < sizeof who; k++)
			if (pc_report_same_subject(f, &files[c->order[k]])) {
				n += (size_t)snprintf(who + n, sizeof who - n, "%s%zu", first_one ? "" : ", ", k + 1);
				first_one = 0;
			}
	}
	cairo_set_source_rgb(p->cr, 0.75, 0, 0);
	pg_para(p, FONT_TEXT, "Warning: these files are not all of one subject (by session: %s). Check that the right files were given; their sites are compared all the same.",
		who);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void geometry(char *buf, size_t len, const struct pd_report_group *g)
{
	if (g->kind == PD_KIND_ROLLER) /* one pitch: along its axis */
		snprintf(buf, len, "%u-cell roller, pitch %.4g mm", g->cols, (double)g->pitch_x_mm);
	else
		snprintf(buf, len, "%u x %u %s, pitch %.4g x %.4g mm", g->rows, g->cols, pd_kind_name(g->kind),
			 (double)g->pitch_x_mm, (double)g->pitch_y_mm);
}

/* "2026-09-21 14:13:20" from the parsed start time, else as recorded. */
static void start_text(char *b, size_t len, const struct pc_report_file *f)
{
	time_t t = (time_t)floor(f->start_utc);
	struct tm tm;
	if (isnan(f->start_utc) || !gmtime_r(&t, &tm) || !strftime(b, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(b, len, "%s", f->fi->session_start_time);
}

static void sessions(struct pg *p, const struct pc_report_file *files, const struct pd_report_compare *c)
{
	pg_heading(p, "Sessions, in the order they were recorded");
	/* the file's name only, so that a line fits: its section's title
	 * has the whole path */
	pg_mono(p, "%-4s %-20s %-12s %-15s %s", "#", "start (UTC)", "session", "device", "file");
	for (size_t i = 0; i < c->n; i++) {
		const struct pc_report_file *f = &files[c->order[i]];
		const char *session = pc_report_meta(f, "session"), *slash = strrchr(f->path, '/');
		char when[64];
		start_text(when, sizeof when, f);
		pg_mono(p, "%-4zu %-20s %-12s %-15s %s", i + 1, when, session ? session : "-",
			*f->fi->device.serial ? f->fi->device.serial : f->fi->device_id, slash ? slash + 1 : f->path);
	}
	for (size_t i = 0; i < c->n; i++)
		if (isnan(files[c->order[i]].start_utc)) {
			pg_para(p, FONT_SMALL, "A start time that is not an ISO 8601 time is put last, in the order given.");
			break;
		}
}

/* The session's number on this page (its place in time order), 1-based. */
static size_t number(const struct pd_report_compare *c, size_t file)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->order[i] == file)
			return i + 1;
	return 0;
}

/* A block's first line: its label, then the sessions' numbers. */
static void header(struct pg *p, const char *label, const struct pd_report_compare *c,
		   const struct pd_report_group *g, size_t from, size_t to)
{
	struct row r;
	char v[32];
	row_start(&r, label);
	for (size_t j = from; j < to; j++) {
		snprintf(v, sizeof v, "session %zu", number(c, g->session[j]));
		row_add(&r, v);
	}
	pg_mono(p, "%s", r.s);
}

/* A site's rows: the label, and how a present cell is written (an absent
 * one is a dash). No spaces inside a value: columns are told apart by
 * runs of spaces when the page is read back as text. */
typedef void cell_fn(char *b, size_t len, const struct pd_report_cell *x);

static void compression(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%.2f", x->compression_s);
}

static void holds(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%zu/%zu", x->nreached, x->nholds);
}

static void longest(char *b, size_t len, const struct pd_report_cell *x)
{
	if (x->nholds)
		snprintf(b, len, "%.2f/%g", x->longest_hold_s, x->longest_target_s);
	else
		snprintf(b, len, "none");
}

static void sets(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%zu", x->nsets);
}

static void fullest(char *b, size_t len, const struct pd_report_cell *x)
{
	if (x->nsets)
		snprintf(b, len, "%ux%.2f", x->best_set_count, x->best_set_mean_s);
	else
		snprintf(b, len, "none");
}

static void glides(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%zu", x->nglides);
}

static void pass(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%u", x->max_pass);
}

static void peak(char *b, size_t len, const struct pd_report_cell *x)
{
	snprintf(b, len, "%.1f", x->peak);
}

static const struct {
	const char *label; /* NULL: the peak's, which names the unit */
	cell_fn *text;
} site_rows[] = {
	{ "  compression s", compression }, { "  holds reached/all", holds },
	{ "  longest hold s/target s", longest }, { "  pulse sets", sets },
	{ "  fullest set presses x mean s", fullest }, { "  glides", glides },
	{ "  highest glide pass", pass }, { NULL, peak },
};

/* The sessions [from, to) of group g: their totals, then each site. */
static void table(struct pg *p, const struct pc_report_file *files, const struct pd_report_compare *c,
		  const struct pd_report_group *g, size_t from, size_t to)
{
	struct row r;
	char v[64];
	const char *unit = files[g->session[from]].sum.unit;
	for (size_t j = from; j < to; j++)
		if (strcmp(files[g->session[j]].sum.unit, unit))
			unit = NULL;
	pg_ensure(p, 60);
	p->y += 3;
	header(p, "Session", c, g, from, to);
	static const char *const totals[] = { "  length s", "  compression s (all sites)", "  frames lost/gaps",
					      "  unit" };
	for (int k = 0; k < 4; k++) {
		row_start(&r, totals[k]);
		for (size_t j = from; j < to; j++) {
			const struct pc_report_file *f = &files[g->session[j]];
			double compression = 0;
			for (size_t s = 0; s < f->dose.nsites; s++)
				compression += f->dose.site[s].compression_s;
			if (k == 0)
				snprintf(v, sizeof v, "%.2f", f->sum.duration_s);
			else if (k == 1)
				snprintf(v, sizeof v, "%.2f", compression);
			else if (k == 2)
				snprintf(v, sizeof v, "%llu/%zu", (unsigned long long)f->sum.missing, f->sum.ngaps);
			else
				snprintf(v, sizeof v, "%s", f->sum.unit);
			row_add(&r, v);
		}
		pg_mono(p, "%s", r.s);
	}
	char peak_label[48];
	snprintf(peak_label, sizeof peak_label, "  peak %s", unit ? unit : "(each session's unit)");
	for (size_t k = 0; k < g->nsites; k++) {
		const struct pd_report_match *m = &g->site[k];
		pg_ensure(p, (1 + sizeof site_rows / sizeof site_rows[0]) * 8.5 + 3); /* a site's block together */
		p->y += 3;
		snprintf(v, sizeof v, "Site %zu  x %.1f  y %.1f mm", k + 1, m->x, m->y);
		header(p, v, c, g, from, to); /* the columns named again: a site may start a page */
		for (size_t w = 0; w < sizeof site_rows / sizeof site_rows[0]; w++) {
			row_start(&r, site_rows[w].label ? site_rows[w].label : peak_label);
			for (size_t j = from; j < to; j++) {
				if (m->cell[j].present)
					site_rows[w].text(v, sizeof v, &m->cell[j]);
				else
					snprintf(v, sizeof v, "-");
				row_add(&r, v);
			}
			pg_mono(p, "%s", r.s);
		}
	}
	if (!g->nsites)
		pg_para(p, FONT_TEXT, "No presses, holds, pulse sets or glides in these sessions.");
}

static void group(struct pg *p, const struct pc_report_file *files, const struct pd_report_compare *c,
		  const struct pd_report_group *g)
{
	char geo[128], h[256];
	geometry(geo, sizeof geo, g);
	snprintf(h, sizeof h, "Per site: %zu sessions, %s", g->nsessions, geo);
	pg_heading(p, h);
	pg_para(p, FONT_SMALL, "Sites of different sessions are one site when their positions are within pulse_radius_mm = %g mm%s (transitively, as the sites of one session are); two sites of one session matching one site are added together. A dash: the session did not touch the site. Holds: how many reached their target, of all; the longest and its hold_target_s. Pulse sets: how many; the set with the most presses, as presses x their mean duration, against the usual 3 x 10 s. Compression: the sum of the site's press durations. Peak: the highest of its presses, holds and glides.",
		g->radius_mm, g->radius_differs ? " (the smallest of the sessions' values: they differ)" : "");
	for (size_t from = 0; from < g->nsessions; from += COLS)
		table(p, files, c, g, from, from + COLS < g->nsessions ? from + COLS : g->nsessions);
	bool devices = false;
	for (size_t j = 1; j < g->nsessions; j++)
		devices |= strcmp(files[g->session[j]].fi->device.serial, files[g->session[0]].fi->device.serial) != 0;
	if (devices)
		pg_para(p, FONT_SMALL, "Not all on one device (serials differ): positions are compared as millimetres on mats of the same geometry, which holds only if the mats lay the same way.");
}

int pc_report_compare_page(struct pg *p, const struct pc_report_file *files, size_t n, size_t *order, char *err,
			   size_t errlen)
{
	struct pd_report_session *s = calloc(n, sizeof *s);
	struct pd_report_compare c;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = (struct pd_report_session){ &files[i].dose, &files[i].ev, &files[i].fi->device,
						   files[i].start_utc, files[i].params.p.pulse_radius_mm };
	int rc = pd_report_compare(s, n, &c);
	free(s);
	if (rc != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(order, c.order, n * sizeof *order);
	p->file = "comparison of the sessions";
	subject_warning(p, files, &c);
	sessions(p, files, &c);
	size_t compared = 0;
	for (size_t i = 0; i < c.ngroups; i++)
		if (c.group[i].nsessions > 1) {
			group(p, files, &c, &c.group[i]);
			compared++;
		}
	for (size_t i = 0; i < c.ngroups; i++) {
		const struct pd_report_group *g = &c.group[i];
		if (g->nsessions > 1)
			continue;
		char geo[128];
		geometry(geo, sizeof geo, g);
		p->y += 6;
		pg_para(p, FONT_TEXT, "Session %zu is not compared: it is the only one on a %s (positions on mats of other geometries do not correspond).",
			number(&c, g->session[0]), geo);
	}
	if (!compared)
		pg_para(p, FONT_TEXT, "No two sessions were recorded on the same mat geometry: nothing to compare site by site.");
	pd_report_compare_free(&c);
	return 0;
}
