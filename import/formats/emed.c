/* novel emed .lst (a listing printed per picture), tab-separated:
 *
 *   \t\t\t\tPage 1
 *   \tFile: C:\...\2.dat \tMatrix: 64x95             header items "Key: value"
 *   \tSensor area: 0.25 cm²\tTime/picture:10.0 ms
 *   \tSensor size: 0.500x0.500 cm ...
 *   \tPict-No.: 1  Force[N]=sum*sensor_area in row/column
 *   \t26\t27 ... \t47\tForce                         column labels
 *   30\t0.00\t ... \t0.00\t0.00                      row label, values, row force
 *   ...
 *   Force\t0.00\t ...                               column forces
 *   \f                                              next page
 *
 * The printed window (the labels: rows 30..83 and columns 26..47 of the
 * 64 × 95 matrix) is the frame; every page must print the same window with
 * the same header. The Force row and column are sums the program derived
 * (sum × sensor area) and are dropped. The file does not name its unit: the
 * Force sums (N = value × cm² / 10) make it kPa. Latin-1 text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vendor_parser.h"

#define EM_MAX_SIDE 4096
#define EM_HDR_LEN 4096

enum em_state { EM_START, EM_HEADER, EM_ROWS, EM_BETWEEN };

struct em {
	struct pi_sink sink;
	enum em_state state;
	struct pi_geometry g;
	bool have_period, have_pitch;
	long page, pict, first_pict, prev_pict;
	bool have_pict;
	long col0, row0;
	unsigned cols, rows, row; /* rows: of page 1 once it is complete */
	bool force_col;
	char hdr1[EM_HDR_LEN], hdr[EM_HDR_LEN]; /* page 1's header items, this page's */
	char notes[1024];
	size_t cap;
	int64_t *value;
	int decimals;
	uint64_t frames;
	char sep; /* this line's: '\t', or ' ' for runs of blanks */
};

static void *em_open(const struct pi_sink *sink)
{
	struct em *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->sink = *sink;
	snprintf(p->g.unit, sizeof p->g.unit, "kPa");
	return p;
}

static void em_close(void *v)
{
	struct em *p = v;
	if (p)
		free(p->value);
	free(p);
}

static bool parse_long(const char *s, size_t n, long lo, long hi, long *out)
{
	int64_t v;
	int dec;
	if (pi_parse_fixed(s, n, &v, &dec) != 0 || dec != 0 || memchr(s, '.', n))
		return false;
	v /= PI_ONE;
	if (v < lo || v > hi)
		return false;
	*out = (long)v;
	return true;
}

/* "10.0 ms", "0.500x0.500 cm": a number, and its unit's scale to s or mm */
static bool measure(const char *s, double *v, const char **rest)
{
	char *end;
	*v = strtod(s, &end);
	if (end == s || !isfinite(*v) || !(*v > 0) || *v > 1e6)
		return false;
	*rest = end;
	return true;
}

static double unit_scale(const char *s, double per_mm_or_ms)
{
	while (*s == ' ')
		s++;
	if (!strncmp(s, "cm", 2) || !strncmp(s, "s", 1))
		return per_mm_or_ms;
	return 1; /* mm, ms */
}

static int field(struct em *p, const char *key, const char *val, char *err, size_t errlen)
{
	char k[128], v[512];
	pi_text(k, sizeof k, key, strlen(key));
	pi_text(v, sizeof v, val, strlen(val));
	if (k[0] && p->sink.field && p->sink.field(p->sink.ctx, k, v) != 0) {
		snprintf(err, errlen, "cannot keep header field %s", k);
		return -1;
	}
	return 0;
}

static void add_note(char *buf, size_t cap, const char *s, size_t n)
{
	size_t used = strlen(buf);
	if (used && used + 1 < cap)
		buf[used++] = '\n', buf[used] = '\0';
	pi_text(buf + used, cap - used, s, n);
}

/* One tab-separated header item of page 1: Key: value, a note, Pict-No. */
static int page1_item(struct em *p, const char *s, size_t n, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	if (!colon) {
		add_note(p->notes, sizeof p->notes, s, n);
		return 0;
	}
	char key[128], val[512];
	pi_text(key, sizeof key, s, (size_t)(colon - s));
	pi_text(val, sizeof val, colon + 1, n - (size_t)(colon + 1 - s));
	const char *rest;
	double v;
	if (!strcmp(key, "Time/picture")) {
		if (!measure(val, &v, &rest)) {
			snprintf(err, errlen, "Time/picture is not a duration: \"%.40s\"", val);
			return -1;
		}
		p->g.period_s = v * (unit_scale(rest, 1000) == 1 ? 0.001 : 1); /* ms unless it says s */
		p->have_period = true;
	} else if (!strcmp(key, "Sensor size")) {
		double w, h;
		const char *r2;
		if (!measure(val, &w, &rest) || *rest != 'x' || !measure(rest + 1, &h, &r2)) {
			snprintf(err, errlen, "Sensor size is not WxH: \"%.40s\"", val);
			return -1;
		}
		double k = unit_scale(r2, 10);
		p->g.pitch_x_mm = w * k, p->g.pitch_y_mm = h * k;
		p->have_pitch = true;
	}
	return field(p, key, val, err, errlen);
}

static int header_line(struct em *p, const char *s, size_t n, char *err, size_t errlen)
{
	struct pi_fields fs;
	const char *f;
	size_t len;
	pi_fields_init(&fs, s, n, '\t');
	while (pi_fields_next(&fs, &f, &len)) {
		if (len == 0)
			continue;
		if (len >= 9 && !memcmp(f, "Pict-No.:", 9)) {
			size_t a = 9, b;
			while (a < len && f[a] == ' ')
				a++;
			for (b = a; b < len && f[b] >= '0' && f[b] <= '9'; b++)
				;
			if (!parse_long(f + a, b - a, 0, 2000000000L, &p->pict)) {
				snprintf(err, errlen, "page %ld: Pict-No. is not a number", p->page);
				return -1;
			}
			p->have_pict = true;
			f += b, len -= b; /* the note after the number is the same on every page */
			while (len && *f == ' ')
				f++, len--;
			if (len == 0)
				continue;
		}
		add_note(p->hdr, sizeof p->hdr, f, len);
		if (p->frames == 0 && page1_item(p, f, len, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* "\t26\t27 ... \t47\tForce": consecutive column numbers, the window's */
static int labels_line(struct em *p, const char *s, size_t n, char *err, size_t errlen)
{
	if (!p->have_pict) {
		snprintf(err, errlen, "page %ld has no Pict-No.", p->page);
		return -1;
	}
	if (p->frames == 0) {
		if (!p->have_period || !p->have_pitch) {
			snprintf(err, errlen, "page 1's header gives no %s", !p->have_period ? "Time/picture" : "Sensor size");
			return -1;
		}
		memcpy(p->hdr1, p->hdr, sizeof p->hdr1);
		p->first_pict = p->pict;
	} else {
		if (strcmp(p->hdr, p->hdr1)) {
			snprintf(err, errlen, "page %ld's header is not page 1's", p->page);
			return -1;
		}
		if (p->pict != p->prev_pict + 1) {
			snprintf(err, errlen, "Pict-No. %ld where %ld was due", p->pict, p->prev_pict + 1);
			return -1;
		}
	}
	struct pi_fields fs;
	const char *f;
	size_t len;
	unsigned c = 0;
	long col0 = 0, l;
	bool force = false;
	pi_fields_init(&fs, s, n, p->sep);
	if (p->sep == '\t')
		pi_fields_next(&fs, &f, &len); /* the empty corner */
	while (pi_fields_next(&fs, &f, &len)) {
		if (force) {
			snprintf(err, errlen, "a column label after Force");
			return -1;
		}
		if (len == 5 && !memcmp(f, "Force", 5)) {
			force = true;
			continue;
		}
		if (!parse_long(f, len, 0, 1000000, &l) || (c && l != col0 + (long)c) || c >= EM_MAX_SIDE) {
			snprintf(err, errlen, "column label \"%.*s\" where %ld was due", (int)(len > 20 ? 20 : len), f,
				 col0 + (long)c);
			return -1;
		}
		if (c++ == 0)
			col0 = l;
	}
	if (c == 0) {
		snprintf(err, errlen, "page %ld labels no columns", p->page);
		return -1;
	}
	if (p->frames == 0) {
		p->col0 = col0, p->cols = c, p->force_col = force;
	} else if (col0 != p->col0 || c != p->cols || force != p->force_col) {
		snprintf(err, errlen, "page %ld prints columns %ld..%ld, page 1 %ld..%ld", p->page, col0,
			 col0 + (long)c - 1, p->col0, p->col0 + (long)p->cols - 1);
		return -1;
	}
	p->row = 0;
	p->decimals = 0;
	p->state = EM_ROWS;
	return 0;
}

static int begin(struct em *p, char *err, size_t errlen)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%ld-%ld", p->row0, p->row0 + (long)p->rows - 1);
	if (field(p, "row labels", buf, err, errlen) != 0)
		return -1;
	snprintf(buf, sizeof buf, "%ld-%ld", p->col0, p->col0 + (long)p->cols - 1);
	if (field(p, "column labels", buf, err, errlen) != 0)
		return -1;
	if (p->notes[0] && field(p, "notes", p->notes, err, errlen) != 0)
		return -1;
	p->g.rows = p->rows;
	p->g.cols = p->cols;
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &p->g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	return 0;
}

static int end_page(struct em *p, char *err, size_t errlen)
{
	if (p->frames == 0) {
		if (p->row == 0) {
			snprintf(err, errlen, "page %ld has no rows", p->page);
			return -1;
		}
		p->rows = p->row;
		if (begin(p, err, errlen) != 0)
			return -1;
	} else if (p->row != p->rows) {
		snprintf(err, errlen, "page %ld has %u rows, page 1 %u", p->page, p->row, p->rows);
		return -1;
	}
	struct pi_frame f = {
		.index = (uint64_t)p->pict,
		.t = (double)(p->pict - p->first_pict) * p->g.period_s,
		.value = p->value,
		.decimals = p->decimals,
	};
	p->frames++;
	p->prev_pict = p->pict;
	p->state = EM_BETWEEN;
	if (p->sink.frame && p->sink.frame(p->sink.ctx, &f) != 0) {
		snprintf(err, errlen, "cannot write picture %ld", p->pict);
		return -1;
	}
	return 0;
}

static int row_line(struct em *p, const char *s, size_t n, char *err, size_t errlen)
{
	struct pi_fields fs;
	const char *f;
	size_t len;
	long label;
	pi_fields_init(&fs, s, n, p->sep);
	pi_fields_next(&fs, &f, &len);
	if (len == 5 && !memcmp(f, "Force", 5))
		return end_page(p, err, errlen); /* the column sums: derived, dropped */
	long want = p->row0 + (long)p->row;
	if (!parse_long(f, len, 0, 1000000, &label) || (p->row && label != want)) {
		snprintf(err, errlen, "picture %ld: row label \"%.*s\" where %s was due", p->pict,
			 (int)(len > 20 ? 20 : len), f, p->row ? "the next row" : "a row");
		return -1;
	}
	if (p->frames && p->row >= p->rows) {
		snprintf(err, errlen, "picture %ld has more than page 1's %u rows", p->pict, p->rows);
		return -1;
	}
	if (p->row == 0 && p->frames == 0)
		p->row0 = label;
	else if (p->row == 0 && label != p->row0) {
		snprintf(err, errlen, "picture %ld starts at row %ld, page 1 at %ld", p->pict, label, p->row0);
		return -1;
	}
	size_t need = ((size_t)p->row + 1) * p->cols;
	if (need > p->cap) { /* page 1 grows the frame; later pages fit it */
		if (p->row >= EM_MAX_SIDE) {
			snprintf(err, errlen, "picture %ld has more than %d rows", p->pict, EM_MAX_SIDE);
			return -1;
		}
		size_t cap = p->cap ? 2 * p->cap : 64 * (size_t)p->cols;
		while (cap < need)
			cap *= 2;
		int64_t *v = realloc(p->value, cap * sizeof *v);
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->value = v;
		p->cap = cap;
	}
	int64_t *out = p->value + (size_t)p->row * p->cols;
	unsigned c = 0;
	while (pi_fields_next(&fs, &f, &len)) {
		if (c == p->cols && p->force_col) {
			int64_t force; /* the row's sum: derived and dropped, but checked */
			int d = 0;
			if (pi_parse_value(f, len, &force, &d) != 0) {
				snprintf(err, errlen, "picture %ld row %ld: its Force \"%.*s\" is not a number", p->pict,
					 label, (int)(len > 20 ? 20 : len), f);
				return -1;
			}
			c++;
			continue;
		}
		if (c >= p->cols) {
			snprintf(err, errlen, "picture %ld row %ld has more than %u values", p->pict, label, p->cols);
			return -1;
		}
		if (pi_parse_value(f, len, &out[c], &p->decimals) != 0) {
			snprintf(err, errlen, "picture %ld row %ld column %ld: \"%.*s\" is not a pressure", p->pict, label,
				 p->col0 + (long)c, (int)(len > 20 ? 20 : len), f);
			return -1;
		}
		c++;
	}
	if (c != p->cols + (p->force_col ? 1 : 0)) {
		snprintf(err, errlen, "picture %ld row %ld has %u values, the labels %u%s", p->pict, label, c, p->cols,
			 p->force_col ? " and Force" : "");
		return -1;
	}
	p->row++;
	return 0;
}

/* A header line written with spaces: its items split at runs of two or
 * more spaces, as the tabs novel writes. */
static int spaced_header_line(struct em *p, const char *s, size_t n, char *err, size_t errlen)
{
	char *t = malloc(n + 1);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t run = 0;
		while (i + run < n && s[i + run] == ' ')
			run++;
		if (run >= 2 || (run && o == 0)) {
			t[o++] = '\t';
			i += run;
		} else {
			t[o++] = s[i++];
		}
	}
	int rc = header_line(p, t, o, err, errlen);
	free(t);
	return rc;
}

static int em_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct em *p = v;
	p->sep = memchr(s, '\t', n) ? '\t' : ' ';
	while (n > 0 && *s == '\f') /* a page break */
		s++, n--;
	size_t k = 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	bool blank = k == n;
	if (p->state != EM_ROWS && n - k > 5 && !memcmp(s + k, "Page ", 5)) {
		if (p->state == EM_HEADER) {
			snprintf(err, errlen, "page %ld ends in its header", p->page);
			return -1;
		}
		long page;
		if (!parse_long(s + k + 5, n - k - 5, 0, 2000000000L, &page)) {
			snprintf(err, errlen, "\"%.40s\" is not a page number", s + k);
			return -1;
		}
		p->page = page;
		p->have_pict = false;
		p->hdr[0] = '\0';
		p->state = EM_HEADER;
		return 0;
	}
	switch (p->state) {
	case EM_START:
	case EM_BETWEEN:
		if (blank)
			return 0;
		snprintf(err, errlen, "\"%.40s\" where a Page line was due", s);
		return -1;
	case EM_HEADER:
		if (blank)
			return 0;
		if (n > 1 && (s[0] == '\t' || s[0] == ' ') && (unsigned)(s[k] - '0') < 10) {
			/* the labels line starts with a blank and a number; header items with a blank and a word */
			return labels_line(p, s, n, err, errlen);
		}
		return p->sep == ' ' ? spaced_header_line(p, s, n, err, errlen) : header_line(p, s, n, err, errlen);
	case EM_ROWS:
		if (blank) {
			snprintf(err, errlen, "picture %ld: a blank line before its Force row", p->pict);
			return -1;
		}
		return row_line(p, s, n, err, errlen);
	}
	return -1;
}

static int em_finish(void *v, char *err, size_t errlen)
{
	struct em *p = v;
	if (p->state == EM_START) {
		snprintf(err, errlen, "no Page in the file");
		return -1;
	}
	if (p->state == EM_HEADER) {
		snprintf(err, errlen, "the file ends in the header of page %ld", p->page);
		return -1;
	}
	if (p->state == EM_ROWS) {
		snprintf(err, errlen, "the file ends inside picture %ld (after %u rows, before its Force row)", p->pict,
			 p->row);
		return -1;
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "novel-emed-lst",
	.open = em_open,
	.line = em_line,
	.finish = em_finish,
	.close = em_close,
};

static int detect(const char *h, size_t n)
{
	return pi_head_has(h, n, "Pict-No.") || pi_head_has(h, n, "Time/picture") ? 10 : 0;
}

const struct pi_format pi_format_emed = {
	.name = "emed",
	.title = "novel emed listing (.lst)",
	.example = "30<TAB>0.00<TAB>12.50...  (a row label, then the row; one page per picture)",
	.keeps = "the printed window, kPa; Force sums dropped",
	.detect = detect,
	.ops = &ops,
};
