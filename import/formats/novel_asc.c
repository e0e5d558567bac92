/* novel pliance (mat) and pedar (insole) .asc exports:
 *
 *   file name: x.mat date/time 17.06.23 15.21       header: "key: value"
 *   total times [secs]: 44.458 time per frame [secs]: 0.04167 scanning rate [Hz]: 24
 *   pressure values in kPa                          (pliance: spaces; pedar: tabs)
 *   time[secs]   4   5   6 ...                      the table: numbered sensors
 *     5.79167  0.000 0.000 ...                      one line per frame
 *   MPP / MVP lines, a force and centre-of-pressure table   (pliance; dropped)
 *   sensor 4 5 6 ... / corner[cm] / x[0] y[0] ... area      (pliance only)
 *
 * The corners at the end decide the geometry before the first frame, so a
 * survey pass reads them first (novel_layout.c): a grid when the sensors
 * are rectilinear, else (and for pedar, which has no corners) a 1 × n
 * strip in the table's order with the sensor numbers (and corners) kept as
 * text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"
#include "novel_layout.h"

#define NV_NOMINAL_PITCH_MM 10.0 /* a strip of sensors of unknown area */

enum nv_state { NV_HEADER, NV_TABLE, NV_TRAILER };

struct nv {
	struct pi_sink sink;
	enum nv_state state;
	uint64_t lineno, survey_lines;
	struct nv_corners corners;
	bool pliance; /* "mat type": a mat, whose export ends with its corners */
	double period_s, total_s, rate_hz;
	bool have_period, have_total;
	char unit[16];
	char notes[1024];
	struct pi_when start; /* the header's date/time */
	unsigned n;   /* sensors in the table */
	unsigned *cell;
	size_t ncells;
	int64_t *value;
	uint64_t frames;
	double t0, last_t;
};

static void *nv_open(const struct pi_sink *sink)
{
	struct nv *p = calloc(1, sizeof *p);
	if (p)
		p->sink = *sink;
	return p;
}

static void nv_close(void *v)
{
	struct nv *p = v;
	if (!p)
		return;
	nv_corners_free(&p->corners);
	free(p->cell);
	free(p->value);
	free(p);
}

static int nv_survey(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct nv *p = v;
	return nv_corners_line(&p->corners, ++p->survey_lines, s, n, err, errlen);
}

static int field(struct nv *p, const char *key, const char *s, size_t n, char *err, size_t errlen)
{
	char k[128];
	pi_text(k, sizeof k, key, strlen(key));
	size_t cap = 2 * n + 1; /* Latin-1 doubles at most */
	char *val = malloc(cap);
	if (!val) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pi_text(val, cap, s, n);
	int rc = p->sink.field ? p->sink.field(p->sink.ctx, k, val) : 0;
	free(val);
	if (rc != 0) {
		snprintf(err, errlen, "cannot keep header field %s", k);
		return -1;
	}
	return 0;
}

static bool number(const char *s, size_t n, double *out)
{
	char buf[32];
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	*out = strtod(buf, &end);
	return !*end && isfinite(*out);
}

/* The keys novel writes, several to a line and separated by spaces or
 * tabs: each value runs to the next key. */
static const char *const known[] = { "file name:", "date/time", "mat type", "sensor type:", "total times [secs]:",
				      "total time [secs]:", "time per frame [secs]:", "scanning rate [Hz]:",
				      "pressure values in", "mask definition:", "left insole:", "right insole:" };
#define NKNOWN (sizeof known / sizeof *known)

static int header_value(struct nv *p, const char *key, const char *s, size_t n, char *err, size_t errlen)
{
	double v;
	if (!strcmp(key, "time per frame [secs]:") || !strcmp(key, "scanning rate [Hz]:")) {
		if (!number(s, n, &v) || !(v > 0) || v > 1e6) {
			snprintf(err, errlen, "%.*s is not a positive number: \"%.*s\"", (int)strlen(key) - 1, key,
				 (int)(n > 40 ? 40 : n), s);
			return -1;
		}
		if (key[0] == 't')
			p->period_s = v, p->have_period = true;
		else
			p->rate_hz = v;
	} else if (!strncmp(key, "total time", 10)) {
		p->have_total = number(s, n, &p->total_s); /* informative: the table's end is checked against it */
	} else if (!strcmp(key, "date/time")) {
		pi_parse_when(s, n, &p->start); /* "17.06.23 15.21": day.month.year hour.minute */
	} else if (!strcmp(key, "mat type")) {
		p->pliance = true;
	} else if (!strcmp(key, "pressure values in")) {
		char u[32];
		pi_text(u, sizeof u, s, n);
		if (strcasecmp(u, "kPa")) {
			snprintf(err, errlen, "pressure values in \"%.20s\": only kPa is known", u);
			return -1;
		}
		snprintf(p->unit, sizeof p->unit, "kPa");
	}
	char name[64];
	size_t k = strlen(key);
	snprintf(name, sizeof name, "%.*s", (int)(key[k - 1] == ':' ? k - 1 : k), key);
	return field(p, name, s, n, err, errlen);
}

static int header_line(struct nv *p, const char *s, size_t n, char *err, size_t errlen)
{
	size_t pos[NKNOWN];
	int order[NKNOWN], found = 0;
	for (size_t i = 0; i < NKNOWN; i++) {
		size_t k = strlen(known[i]);
		for (size_t j = 0; j + k <= n; j++)
			if (!strncasecmp(s + j, known[i], k)) { /* keys in any case */
				pos[found] = j;
				order[found++] = (int)i;
				break;
			}
	}
	if (found == 0) {
		size_t k = 0;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k == n)
			return 0;
		const char *colon = memchr(s, ':', n);
		if (colon) {
			char key[64];
			pi_text(key, sizeof key, s, (size_t)(colon - s));
			if (key[0])
				return field(p, key, colon + 1, n - (size_t)(colon + 1 - s), err, errlen);
		}
		size_t used = strlen(p->notes);
		if (used && used + 1 < sizeof p->notes)
			p->notes[used++] = '\n', p->notes[used] = '\0';
		pi_text(p->notes + used, sizeof p->notes - used, s, n);
		return 0;
	}
	for (int a = 0; a < found; a++) /* by position in the line */
		for (int b = a + 1; b < found; b++)
			if (pos[b] < pos[a]) {
				size_t tp = pos[a];
				int to = order[a];
				pos[a] = pos[b], order[a] = order[b];
				pos[b] = tp, order[b] = to;
			}
	for (int a = 0; a < found; a++) {
		size_t from = pos[a] + strlen(known[order[a]]);
		size_t to = a + 1 < found ? pos[a + 1] : n;
		if (to < from)
			to = from;
		if (header_value(p, known[order[a]], s + from, to - from, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int begin_table(struct nv *p, const char *s, size_t n, size_t at, char *err, size_t errlen)
{
	if (!p->have_period && !(p->rate_hz > 0)) {
		snprintf(err, errlen, "the table starts before the header gave time per frame [secs]");
		return -1;
	}
	if (!p->unit[0]) {
		snprintf(err, errlen, "the table starts before the header said \"pressure values in kPa\"");
		return -1;
	}
	const char *tok;
	size_t len, a = at;
	while (nv_token(s, n, &a, &tok, &len))
		p->n++;
	if (p->n == 0 || p->n > 65535) {
		snprintf(err, errlen, "the table names %u sensors", p->n);
		return -1;
	}
	char *labels = malloc(n - at + 1);
	if (!labels) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* the sensor numbers, one space between */
	size_t o = 0;
	for (a = at; nv_token(s, n, &a, &tok, &len);) {
		if (o)
			labels[o++] = ' ';
		memcpy(labels + o, tok, len);
		o += len;
	}
	labels[o] = '\0';
	struct nv_corners *k = &p->corners;
	if (k->started && !nv_corners_complete(k)) {
		snprintf(err, errlen, "the sensor block at line %llu lacks corners (the file is cut short?)",
			 (unsigned long long)k->line);
		free(labels);
		return -1;
	}
	if (p->pliance && !k->started) {
		snprintf(err, errlen, "a pliance export ends with its sensors' corners; this one has none "
			 "(the file is cut short?)");
		free(labels);
		return -1;
	}
	if (k->started && strcmp(labels, k->text[0])) {
		snprintf(err, errlen, "the table's sensors are not the sensor block's (line %llu)",
			 (unsigned long long)k->line);
		free(labels);
		return -1;
	}
	int rc = field(p, "sensors", labels, strlen(labels), err, errlen);
	free(labels);
	if (rc != 0)
		return -1;
	p->cell = calloc(p->n, sizeof *p->cell);
	if (!p->cell) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct nv_grid grid;
	struct pi_geometry g = { .period_s = p->rate_hz > 0 ? 1.0 / p->rate_hz : p->period_s, .start = p->start };
	snprintf(g.unit, sizeof g.unit, "%s", p->unit);
	if (nv_corners_grid(k, &grid, p->cell)) {
		g.rows = grid.rows, g.cols = grid.cols;
		g.pitch_x_mm = grid.pitch_x_mm, g.pitch_y_mm = grid.pitch_y_mm;
		if (grid.empty) {
			char e[32];
			snprintf(e, sizeof e, "%u", grid.empty);
			if (field(p, "cells without a sensor", e, strlen(e), err, errlen) != 0)
				return -1;
		}
	} else {
		g.rows = 1, g.cols = p->n;
		double area = 0;
		for (unsigned i = 0; k->c && (k->seen & (1u << 10)) && i < p->n; i++)
			area += k->c[(size_t)i * NV_KEYS + 10];
		/* a strip's pitch is nominal: the mean sensor's side when the areas are known */
		g.pitch_x_mm = g.pitch_y_mm = area > 0 ? sqrt(area / p->n) * 10 : NV_NOMINAL_PITCH_MM;
		/* said in the file, so a force from it is not taken for a measured one */
		char note[256];
		if (area > 0)
			snprintf(note, sizeof note, "mean of the file's sensor areas, %.1f mm2 (each sensor's own area is "
				 "in its corners' attributes); force from it is approximate", area * 100 / p->n);
		else
			snprintf(note, sizeof note, "nominal: %.0f mm2 a sensor; the file gives no sensor areas (pedar's "
				 "real ones are about 150-200 mm2 and differ by insole), so area and force are nominal",
				 NV_NOMINAL_PITCH_MM * NV_NOMINAL_PITCH_MM);
		if (field(p, "sensor_area", note, strlen(note), err, errlen) != 0)
			return -1;
		for (unsigned i = 0; i < p->n; i++)
			p->cell[i] = i;
	}
	p->ncells = (size_t)g.rows * g.cols;
	p->value = calloc(p->ncells, sizeof *p->value);
	if (!p->value) {
		snprintf(err, errlen, "out of memory for a %ux%u frame", g.rows, g.cols);
		return -1;
	}
	if (p->notes[0] && field(p, "notes", p->notes, strlen(p->notes), err, errlen) != 0)
		return -1;
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	p->state = NV_TABLE;
	return 0;
}

static int frame_line(struct nv *p, const char *s, size_t n, const char *tok, size_t len, size_t at, char *err,
		      size_t errlen)
{
	double t;
	if (!number(tok, len, &t) || t < 0) {
		snprintf(err, errlen, "\"%.*s\" is not a time in seconds", (int)(len > 20 ? 20 : len), tok);
		return -1;
	}
	if (p->frames && !(t > p->last_t)) {
		snprintf(err, errlen, "time %.*s is not after the frame before's", (int)(len > 20 ? 20 : len), tok);
		return -1;
	}
	unsigned i = 0;
	int dec = 0;
	while (nv_token(s, n, &at, &tok, &len)) {
		if (i >= p->n) {
			snprintf(err, errlen, "the frame at %.6g s has more than the table's %u sensors", t, p->n);
			return -1;
		}
		if (pi_parse_value(tok, len, &p->value[p->cell[i]], &dec) != 0) {
			snprintf(err, errlen, "the frame at %.6g s, sensor %u (column %u): \"%.*s\" is not a pressure", t,
				 i + 1, i + 2, (int)(len > 20 ? 20 : len), tok);
			return -1;
		}
		i++;
	}
	if (i != p->n) {
		snprintf(err, errlen, "the frame at %.6g s has %u values, the table has %u sensors", t, i, p->n);
		return -1;
	}
	if (p->frames == 0)
		p->t0 = t;
	p->last_t = t;
	double period = p->rate_hz > 0 ? 1.0 / p->rate_hz : p->period_s;
	struct pi_frame f = { .index = (uint64_t)llround(t / period), .t = t - p->t0, .value = p->value,
			      .decimals = dec };
	p->frames++;
	if (p->sink.frame && p->sink.frame(p->sink.ctx, &f) != 0) {
		snprintf(err, errlen, "cannot write the frame at %.6g s", t);
		return -1;
	}
	return 0;
}

static int nv_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct nv *p = v;
	p->lineno++;
	const char *tok;
	size_t len, at = 0;
	bool any = nv_token(s, n, &at, &tok, &len);
	switch (p->state) {
	case NV_HEADER:
		if (any && len == 10 && !memcmp(tok, "time[secs]", 10))
			return begin_table(p, s, n, at, err, errlen);
		return header_line(p, s, n, err, errlen);
	case NV_TABLE:
		if (any && (unsigned)(tok[0] - '0') < 10)
			return frame_line(p, s, n, tok, len, at, err, errlen);
		p->state = NV_TRAILER; /* MPP, MVP, a blank line: the table is over */
		return 0;
	case NV_TRAILER: {
		/* the force table and the corners (read by the survey) are
		 * dropped; a frame here means the table was broken */
		unsigned count = 0;
		for (size_t a = 0; nv_token(s, n, &a, &tok, &len);)
			count++;
		if (any && count == p->n + 1 && p->n > 3 && (unsigned)(s[strspn(s, " \t")] - '0') < 10) {
			snprintf(err, errlen, "a frame after the end of the table");
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

static int nv_finish(void *v, char *err, size_t errlen)
{
	struct nv *p = v;
	if (p->state == NV_HEADER) {
		snprintf(err, errlen, "the file ends in its header (no time[secs] table)");
		return -1;
	}
	if (p->frames == 0) {
		snprintf(err, errlen, "the table has no frames");
		return -1;
	}
	double period = p->rate_hz > 0 ? 1.0 / p->rate_hz : p->period_s;
	/* pedar's table runs to the total time: one that stops short was cut
	 * (pliance's covers a chosen part of the measurement) */
	if (!p->corners.started && p->have_total && p->last_t < p->total_s - period / 2) {
		snprintf(err, errlen, "the table stops at %.5g s, the header's total time is %.5g s (the file is cut short?)",
			 p->last_t, p->total_s);
		return -1;
	}
	for (int i = 0; p->corners.started && i <= NV_KEYS; i++) {
		const char *t = p->corners.text[i];
		if (i > 0 && t && field(p, nv_keys[i - 1], t, strlen(t), err, errlen) != 0)
			return -1;
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "novel-asc",
	.open = nv_open,
	.survey = nv_survey,
	.line = nv_line,
	.finish = nv_finish,
	.close = nv_close,
};

static int detect(const char *h, size_t n)
{
	return pi_head_has(h, n, "time per frame [secs]") || pi_head_has(h, n, "scanning rate [Hz]") ? 10 : 0;
}

const struct pi_format pi_format_novel_asc = {
	.name = "novel_asc",
	.title = "novel pliance / pedar export (.asc)",
	.example = "0.010  12.5  0.0  7.5 ...  (time[secs], then one value per numbered sensor)",
	.keeps = "pliance: a grid from the sensor corners (a 1 x n strip if not rectilinear); pedar: a 1 x n strip; kPa",
	.detect = detect,
	.ops = &ops,
};
