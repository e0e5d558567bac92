/* Tekscan ASCII movies (.asf/.csv exported by F-Scan, I-Scan and the
 * other Tekscan research programs): "KEY value" header lines (keys in any
 * case: I-Scan 6.10 writes "VersaPogoFsx 0"; lengths in mm, cm,
 * centimeters or inches), a COMMENTS: block, "ASCII_DATA @@", then
 * "Frame N" blocks of ROWS lines of COLS comma-separated values ("B" marks
 * a blanked sensel, kept as 0), "@@" at the end. A frame line may carry
 * more fields, I-Scan's "Frame 1, 0,, 12/2/2019 6:21:52.34PM": a date and
 * time there is the frame's, and the frames' times become /t. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"

enum tk_state { TK_HEADER, TK_COMMENTS, TK_DATA, TK_FRAME, TK_END };

struct tk {
	struct pi_sink sink;
	enum tk_state state;
	struct pi_geometry g;
	long start_frame, end_frame;
	bool have_rows, have_cols, have_period, have_start;
	uint64_t frames, frame_no;
	unsigned row;
	int decimals;
	int64_t *value;
	char comments[1024];
	char date[80]; /* a DATE key's value, for a TIME that has only a clock */
	bool stamped;  /* the first frame line had a date and time: all must */
	struct pi_when stamp; /* this frame's */
	double first_stamp, last_t, frame_t;
};

static void *tk_open(const struct pi_sink *sink)
{
	struct tk *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->sink = *sink;
	p->start_frame = 1;
	snprintf(p->g.unit, sizeof p->g.unit, "counts");
	return p;
}

static void tk_close(void *v)
{
	struct tk *p = v;
	if (p)
		free(p->value);
	free(p);
}

/* A header key: a word of letters, digits and underscores, any case. */
static bool key_word(const char *s, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Inside COMMENTS: free text, until a line starts with an upper-case
 * KEY or with one of the keys Tekscan writes after it, in any case. */
static bool ends_comments(const char *s, size_t n)
{
	static const char *const after[] = { "START_FRAME", "END_FRAME", "UNITS", "MIRROR_ROW", "MIRROR_COL",
					     "ASCII_DATA", "ROWS", "COLS" };
	bool upper = key_word(s, n);
	for (size_t i = 0; upper && i < n; i++)
		if (islower((unsigned char)s[i]))
			upper = false;
	if (upper && n > 1)
		return true;
	for (size_t i = 0; i < sizeof after / sizeof *after; i++)
		if (strlen(after[i]) == n && !strncasecmp(s, after[i], n))
			return true;
	return false;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || v < lo || v > hi)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

/* "5.08 mm", "0.032": a positive number and an optional unit word */
static bool parse_length(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || !(v > 0) || v > 1e6)
		return false;
	*out = v;
	return true;
}

static int tk_field(struct tk *p, const char *as_written, const char *val, char *err, size_t errlen)
{
	long l;
	char key[64];
	size_t kn = strlen(as_written);
	for (size_t i = 0; i <= kn && i < sizeof key; i++)
		key[i] = (char)toupper((unsigned char)as_written[i]);
	key[sizeof key - 1] = '\0';
	if (!strcmp(key, "ROWS") || !strcmp(key, "COLS")) {
		if (!parse_long(val, 1, 4096, &l)) {
			snprintf(err, errlen, "%s is not a number of sensels (1..4096): \"%.40s\"", key, val);
			return -1;
		}
		if (key[0] == 'R')
			p->g.rows = (unsigned)l, p->have_rows = true;
		else
			p->g.cols = (unsigned)l, p->have_cols = true;
	} else if (!strcmp(key, "ROW_SPACING") || !strcmp(key, "COL_SPACING")) {
		double v;
		if (!pi_length_mm(val, strlen(val), &v)) {
			snprintf(err, errlen, "%s is not a length (mm, cm, centimeters, inches): \"%.40s\"", key, val);
			return -1;
		}
		/* row spacing: distance between rows, along y */
		*(key[0] == 'R' ? &p->g.pitch_y_mm : &p->g.pitch_x_mm) = v;
	} else if (!strcmp(key, "SECONDS_PER_FRAME")) {
		if (!parse_length(val, &p->g.period_s) || p->g.period_s < 1e-6 || p->g.period_s > 3600) {
			snprintf(err, errlen, "SECONDS_PER_FRAME is no rate a sensor records at (1 us..1 h): \"%.40s\"",
				 val);
			return -1;
		}
		p->have_period = true;
	} else if (!strcmp(key, "START_FRAME") || !strcmp(key, "END_FRAME")) {
		if (!parse_long(val, 0, 1000000000L, &l)) {
			snprintf(err, errlen, "%s is not a frame number: \"%.40s\"", key, val);
			return -1;
		}
		if (key[0] == 'S')
			p->start_frame = l, p->have_start = true;
		else
			p->end_frame = l;
	} else if (!strcmp(key, "DATE")) {
		snprintf(p->date, sizeof p->date, "%.79s", val);
		if (!p->g.start.set)
			pi_parse_when(val, strlen(val), &p->g.start);
	} else if (!strcmp(key, "TIME")) {
		char both[sizeof p->date + 520];
		snprintf(both, sizeof both, "%s %s", p->date, val);
		if (!pi_parse_when(val, strlen(val), &p->g.start)) /* a date and time, or a clock after DATE */
			pi_parse_when(both, strlen(both), &p->g.start);
	} else if (!strcmp(key, "SATURATION_PRESSURE")) {
		double v;
		if (parse_length(val, &v))
			p->g.saturation = v; /* informative only: a bad one is kept as text */
	} else if (!strcmp(key, "UNITS")) {
		if (!strncasecmp(val, "kpa", 3))
			snprintf(p->g.unit, sizeof p->g.unit, "kPa");
		else if (!strncasecmp(val, "mmhg", 4))
			snprintf(p->g.unit, sizeof p->g.unit, "mmHg");
		else if (!strncasecmp(val, "raw", 3))
			snprintf(p->g.unit, sizeof p->g.unit, "counts");
		else if (!strcasecmp(val, "N") || !strncasecmp(val, "newton", 6))
			snprintf(p->g.unit, sizeof p->g.unit, "N");
		else {
			snprintf(err, errlen, "UNITS \"%.40s\" is none of KPa, mmHg, Raw, N", val);
			return -1;
		}
	}
	if (p->sink.field && p->sink.field(p->sink.ctx, as_written, val) != 0) {
		snprintf(err, errlen, "cannot keep header field %s", as_written);
		return -1;
	}
	return 0;
}

static int tk_begin_data(struct tk *p, char *err, size_t errlen)
{
	if (!p->have_rows || !p->have_cols || !p->have_period) {
		snprintf(err, errlen, "ASCII_DATA before the header gave %s",
			 !p->have_rows ? "ROWS" : !p->have_cols ? "COLS" : "SECONDS_PER_FRAME");
		return -1;
	}
	/* one spacing given: square sensels; none: no geometry to give */
	if (!(p->g.pitch_x_mm > 0) && !(p->g.pitch_y_mm > 0)) {
		snprintf(err, errlen, "ASCII_DATA before the header gave ROW_SPACING or COL_SPACING");
		return -1;
	}
	if (!(p->g.pitch_x_mm > 0))
		p->g.pitch_x_mm = p->g.pitch_y_mm;
	if (!(p->g.pitch_y_mm > 0))
		p->g.pitch_y_mm = p->g.pitch_x_mm;
	if (p->comments[0] && p->sink.field)
		p->sink.field(p->sink.ctx, "COMMENTS", p->comments);
	p->value = calloc((size_t)p->g.rows * p->g.cols, sizeof *p->value);
	if (!p->value) {
		snprintf(err, errlen, "out of memory for a %ux%u frame", p->g.rows, p->g.cols);
		return -1;
	}
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &p->g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	p->state = TK_DATA;
	return 0;
}

/* The slow path of one value: spaces, a point, a sign; exact or refused. */
static int tk_value(struct tk *p, const char *s, size_t a, size_t b, unsigned c, int64_t *out, char *err,
		    size_t errlen)
{
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
		b--;
	int dec;
	if (b - a == 1 && s[a] == 'B') {
		*out = 0;
	} else if (pi_parse_fixed(s + a, b - a, out, &dec) != 0 || *out < 0) {
		snprintf(err, errlen, "frame %llu row %u column %u: \"%.*s\" is not a pressure",
			 (unsigned long long)p->frame_no, p->row + 1, c + 1, (int)(b - a > 20 ? 20 : b - a), s + a);
		return -1;
	} else if (dec > p->decimals) {
		p->decimals = dec;
	}
	return 0;
}

static int tk_row(struct tk *p, const char *s, size_t n, char *err, size_t errlen)
{
	int64_t *out = p->value + (size_t)p->row * p->g.cols;
	const int64_t one = PI_ONE;
	unsigned c = 0;
	size_t i = 0;
	for (;;) {
		if (c >= p->g.cols) {
			snprintf(err, errlen, "frame %llu row %u has more than COLS=%u values",
				 (unsigned long long)p->frame_no, p->row + 1, p->g.cols);
			return -1;
		}
		/* fast path: up to 12 plain digits or a lone B, then ',' or the end */
		size_t j = i;
		int64_t acc = 0;
		while (j < n && (unsigned)(s[j] - '0') < 10 && j - i < 12)
			acc = acc * 10 + (s[j++] - '0');
		if (j > i && (j == n || s[j] == ',')) {
			out[c] = acc * one;
		} else if (j == i && s[i] == 'B' && (i + 1 == n || s[i + 1] == ',')) {
			out[c] = 0;
			j = i + 1;
		} else {
			while (j < n && s[j] != ',')
				j++;
			if (tk_value(p, s, i, j, c, &out[c], err, errlen) != 0)
				return -1;
		}
		c++;
		if (j >= n)
			break;
		i = j + 1;
	}
	if (c != p->g.cols) {
		snprintf(err, errlen, "frame %llu row %u has %u values, COLS is %u",
			 (unsigned long long)p->frame_no, p->row + 1, c, p->g.cols);
		return -1;
	}
	if (++p->row == p->g.rows) {
		struct pi_frame f = {
			.index = p->frame_no,
			.t = p->frame_t,
			.stamp = p->stamped ? &p->stamp : NULL,
			.value = p->value,
			.decimals = p->decimals,
		};
		p->frames++;
		p->state = TK_DATA;
		if (p->sink.frame && p->sink.frame(p->sink.ctx, &f) != 0) {
			snprintf(err, errlen, "cannot write frame %llu", (unsigned long long)p->frame_no);
			return -1;
		}
	}
	return 0;
}

/* " 12", " 1, 0,, 12/2/2019 6:21:52.34PM": the number, and the frame's
 * time (its stamp's, from the first frame's; else the nominal rate). */
static int frame_line(struct tk *p, const char *s, size_t n, long *no, char *err, size_t errlen)
{
	struct pi_fields fs;
	const char *f;
	size_t len;
	*err = '\0';
	pi_fields_init(&fs, s, n, ',');
	pi_fields_next(&fs, &f, &len);
	char num[24];
	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, f, len);
	num[len] = '\0';
	if (!parse_long(num, 0, 2000000000L, no))
		return -1;
	struct pi_when w = { 0 };
	while (pi_fields_next(&fs, &f, &len))
		if (len > 6 && !w.set)
			pi_parse_when(f, len, &w);
	uint64_t nominal = (uint64_t)*no - (uint64_t)p->start_frame;
	if (p->frames == 0) {
		p->stamped = w.set;
		if (w.set)
			p->first_stamp = pi_when_seconds(&w);
	} else if (p->stamped != w.set) {
		snprintf(err, errlen, "Frame %ld has %s date and time, Frame %ld had %s", *no, w.set ? "a" : "no",
			 p->start_frame, p->stamped ? "one" : "none");
		return -1;
	}
	if (!w.set) {
		p->frame_t = (double)nominal * p->g.period_s;
		return 0;
	}
	p->stamp = w;
	double t = pi_when_seconds(&w) - p->first_stamp;
	if (t < p->last_t || t > 1e7) {
		snprintf(err, errlen, "Frame %ld's time %s is before the frame before's (or days after the first)", *no,
			 w.text);
		return -1;
	}
	p->frame_t = p->last_t = t;
	return 0;
}

static int tk_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct tk *p = v;
	switch (p->state) {
	case TK_COMMENTS: {
		size_t k = 0;
		while (k < n && s[k] != ' ' && s[k] != '\t')
			k++;
		if (!ends_comments(s, k)) {
			size_t used = strlen(p->comments);
			if (used && used + 1 < sizeof p->comments)
				p->comments[used++] = '\n', p->comments[used] = '\0';
			snprintf(p->comments + used, sizeof p->comments - used, "%.*s", (int)n, s);
			return 0;
		}
		p->state = TK_HEADER;
	}
		__attribute__((fallthrough)); /* a KEY line ends the comments */
	case TK_HEADER: {
		if (n == 0)
			return 0;
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n == 0)
			return 0;
		if (!strncasecmp(s, "ASCII_DATA", 10))
			return tk_begin_data(p, err, errlen);
		if (!strncasecmp(s, "COMMENTS:", 9) && n == 9) {
			p->state = TK_COMMENTS;
			return 0;
		}
		size_t k = 0;
		while (k < n && s[k] != ' ' && s[k] != '\t' && s[k] != ':')
			k++;
		if (!key_word(s, k) || k > 63) {
			snprintf(err, errlen, "header line \"%.40s\" is not KEY value", s);
			return -1;
		}
		char key[64];
		memcpy(key, s, k);
		key[k] = '\0';
		const char *val = s + k;
		if (*val == ':')
			val++;
		while (*val == ' ' || *val == '\t')
			val++;
		char vbuf[512];
		pi_text(vbuf, sizeof vbuf, val, n - (size_t)(val - s));
		return tk_field(p, key, vbuf, err, errlen);
	}
	case TK_DATA: {
		if (n == 0)
			return 0;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 2 && !memcmp(s, "@@", 2)) {
			p->state = TK_END;
			return 0;
		}
		long no;
		if (n < 6 || strncasecmp(s, "Frame", 5) || frame_line(p, s + 5, n - 5, &no, err, errlen) != 0) {
			if (!*err)
				snprintf(err, errlen, "expected \"Frame N\" or \"@@\", found \"%.40s\"", s);
			return -1;
		}
		uint64_t want = (uint64_t)p->start_frame + p->frames;
		if ((uint64_t)no != want) {
			snprintf(err, errlen, "Frame %ld where Frame %llu was due", no, (unsigned long long)want);
			return -1;
		}
		p->frame_no = (uint64_t)no;
		p->row = 0;
		p->decimals = 0;
		p->state = TK_FRAME;
		return 0;
	}
	case TK_FRAME:
		return tk_row(p, s, n, err, errlen);
	case TK_END:
		if (n == 0)
			return 0;
		snprintf(err, errlen, "text after the closing @@: \"%.40s\"", s);
		return -1;
	}
	return -1;
}

static int tk_finish(void *v, char *err, size_t errlen)
{
	struct tk *p = v;
	if (p->state == TK_HEADER || p->state == TK_COMMENTS) {
		snprintf(err, errlen, "the file ends in its header (no ASCII_DATA)");
		return -1;
	}
	if (p->state == TK_FRAME) {
		snprintf(err, errlen, "the file ends inside frame %llu (row %u of %u)",
			 (unsigned long long)p->frame_no, p->row + 1, p->g.rows);
		return -1;
	}
	if (p->state == TK_DATA) {
		snprintf(err, errlen, "the file ends without its closing @@");
		return -1;
	}
	if (p->end_frame && (uint64_t)(p->end_frame - p->start_frame + 1) != p->frames) {
		snprintf(err, errlen, "END_FRAME %ld promises %ld frames, the file has %llu", p->end_frame,
			 p->end_frame - p->start_frame + 1, (unsigned long long)p->frames);
		return -1;
	}
	if (p->frames == 0) {
		snprintf(err, errlen, "the movie has no frames");
		return -1;
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "tekscan-ascii",
	.open = tk_open,
	.line = tk_line,
	.finish = tk_finish,
	.close = tk_close,
};

static int detect(const char *h, size_t n)
{
	if (pi_head_starts(h, n, "DATA_TYPE MOVIE") || pi_head_starts(h, n, "data_type movie"))
		return 10;
	return pi_head_has(h, n, "ASCII_DATA @@") && (pi_head_has(h, n, "SECONDS_PER_FRAME") ||
						       pi_head_has(h, n, "seconds_per_frame")) ? 9 : 0;
}

const struct pi_format pi_format_tekscan = {
	.name = "tekscan",
	.title = "Tekscan ASCII movie (.asf, .csv: F-Scan, I-Scan...)",
	.example = "Frame 1, 0,, 12/2/2019 6:21:52.34PM  then ROWS lines of COLS values: 0,0,12,B,3",
	.keeps = "ROWS x COLS, kPa/mmHg/N/counts; per-frame times when the Frame lines have them",
	.detect = detect,
	.ops = &ops,
};
