/* Tekscan ASCII movies (.asf/.csv exported by F-Scan, I-Scan and the
 * other Tekscan research programs): "KEY value" header lines, a COMMENTS:
 * block, "ASCII_DATA @@", then "Frame N" blocks of ROWS lines of COLS
 * comma-separated values ("B" marks a blanked sensel, kept as 0), "@@" at
 * the end. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"

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

static bool all_upper_key(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
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

static int tk_field(struct tk *p, const char *key, const char *val, char *err, size_t errlen)
{
	long l;
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
		if (!parse_length(val, &v)) {
			snprintf(err, errlen, "%s is not a length: \"%.40s\"", key, val);
			return -1;
		}
		if (strstr(val, "cm"))
			v *= 10;
		/* row spacing: distance between rows, along y */
		*(key[0] == 'R' ? &p->g.pitch_y_mm : &p->g.pitch_x_mm) = v;
	} else if (!strcmp(key, "SECONDS_PER_FRAME")) {
		if (!parse_length(val, &p->g.period_s)) {
			snprintf(err, errlen, "SECONDS_PER_FRAME is not a positive number: \"%.40s\"", val);
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
	if (p->sink.field && p->sink.field(p->sink.ctx, key, val) != 0) {
		snprintf(err, errlen, "cannot keep header field %s", key);
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
			.t = (double)(p->frame_no - (uint64_t)p->start_frame) * p->g.period_s,
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

static int tk_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct tk *p = v;
	switch (p->state) {
	case TK_COMMENTS: {
		size_t k = 0;
		while (k < n && s[k] != ' ')
			k++;
		if (!all_upper_key(s, k)) {
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
		if (!strncmp(s, "ASCII_DATA", 10))
			return tk_begin_data(p, err, errlen);
		if (!strcmp(s, "COMMENTS:")) {
			p->state = TK_COMMENTS;
			return 0;
		}
		size_t k = 0;
		while (k < n && s[k] != ' ')
			k++;
		if (!all_upper_key(s, k) || k > 63) {
			snprintf(err, errlen, "header line \"%.40s\" is not KEY value", s);
			return -1;
		}
		char key[64];
		memcpy(key, s, k);
		key[k] = '\0';
		const char *val = s + k;
		while (*val == ' ')
			val++;
		char vbuf[512];
		snprintf(vbuf, sizeof vbuf, "%s", val);
		for (size_t e = strlen(vbuf); e > 0 && vbuf[e - 1] == ' '; e--)
			vbuf[e - 1] = '\0';
		return tk_field(p, key, vbuf, err, errlen);
	}
	case TK_DATA: {
		if (n == 0)
			return 0;
		if (!strcmp(s, "@@")) {
			p->state = TK_END;
			return 0;
		}
		long no;
		if (strncmp(s, "Frame ", 6) || !parse_long(s + 6, 0, 2000000000L, &no)) {
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

const struct pi_parser_ops pi_tekscan = {
	.name = "tekscan-ascii",
	.open = tk_open,
	.line = tk_line,
	.finish = tk_finish,
	.close = tk_close,
};
