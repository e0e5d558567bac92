/* A plain matrix export of any mat (PhysioNet's pressure maps, a
 * spreadsheet's CSV): no header, values separated by tabs, commas or runs
 * of spaces (a trailing separator allowed), either one frame a line
 * (ROWS × COLS values) or one frame a block of lines (ROWS lines of COLS
 * values; blank lines between blocks allowed). Which of the two, from the
 * first line. The file says nothing of itself: the geometry, rate, pitch
 * and unit come from the command line (struct pi_given), and --order cols
 * reads each line (or block) down the columns first. */
#include <stdlib.h>
#include <string.h>

#include "vendor_parser.h"

struct mx {
	struct pi_sink sink;
	struct pi_given gv;
	struct pi_geometry g;
	bool started, per_line;
	unsigned line_values, block_lines, at_line; /* values a line; lines a frame; lines of this frame so far */
	int decimals;
	uint64_t frames;
	int64_t *value;
};

static void *mx_open(const struct pi_sink *sink)
{
	if (!sink->given)
		return NULL;
	struct mx *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->sink = *sink;
	p->gv = *sink->given;
	p->value = calloc((size_t)p->gv.rows * p->gv.cols, sizeof *p->value);
	if (!p->value) {
		free(p);
		return NULL;
	}
	return p;
}

static void mx_close(void *v)
{
	struct mx *p = v;
	if (p)
		free(p->value);
	free(p);
}

static char separator(const char *s, size_t n)
{
	return memchr(s, ',', n) ? ',' : memchr(s, ';', n) ? ';' : memchr(s, '\t', n) ? '\t' : ' ';
}

/* The k-th value of the frame (in the file's order) goes to... */
static size_t cell(const struct mx *p, size_t k)
{
	unsigned R = p->gv.rows, C = p->gv.cols;
	unsigned r = p->gv.by_cols ? (unsigned)(k % R) : (unsigned)(k / C);
	unsigned c = p->gv.by_cols ? (unsigned)(k / R) : (unsigned)(k % C);
	if (p->gv.flip_rows)
		r = R - 1 - r;
	if (p->gv.flip_cols)
		c = C - 1 - c;
	return (size_t)r * C + c;
}

static int begin(struct mx *p, unsigned count, char *err, size_t errlen)
{
	size_t whole = (size_t)p->gv.rows * p->gv.cols;
	unsigned per_line = p->gv.by_cols ? p->gv.rows : p->gv.cols;
	if (count == whole) {
		p->per_line = true, p->line_values = count, p->block_lines = 1;
	} else if (count == per_line) {
		p->per_line = false, p->line_values = count, p->block_lines = p->gv.by_cols ? p->gv.cols : p->gv.rows;
	} else {
		snprintf(err, errlen, "%u values: a %ux%u matrix has %zu a line (a frame a line) or %u (a frame a "
			 "block of %u lines)", count, p->gv.rows, p->gv.cols, whole, per_line,
			 p->gv.by_cols ? p->gv.cols : p->gv.rows);
		return -1;
	}
	p->g.rows = p->gv.rows, p->g.cols = p->gv.cols;
	p->g.pitch_x_mm = p->gv.pitch_x_mm, p->g.pitch_y_mm = p->gv.pitch_y_mm;
	p->g.period_s = 1.0 / p->gv.rate_hz;
	snprintf(p->g.unit, sizeof p->g.unit, "%s", p->gv.unit);
	p->started = true;
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &p->g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	return 0;
}

static unsigned count_values(const char *s, size_t n, char sep)
{
	struct pi_fields fs;
	const char *f;
	size_t len;
	unsigned k = 0;
	pi_fields_init(&fs, s, n, sep);
	while (pi_fields_next(&fs, &f, &len))
		k++;
	if (sep != ' ' && k && len == 0)
		k--; /* a trailing separator */
	return k;
}

static int mx_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct mx *p = v;
	size_t k = 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == ',' || s[k] == ';'))
		k++;
	if (k == n) { /* blank: between blocks only */
		if (p->at_line) {
			snprintf(err, errlen, "a blank line inside frame %llu (after %u of its %u lines)",
				 (unsigned long long)p->frames + 1, p->at_line, p->block_lines);
			return -1;
		}
		return 0;
	}
	char sep = separator(s, n);
	unsigned count = count_values(s, n, sep);
	if (!p->started && begin(p, count, err, errlen) != 0)
		return -1;
	if (count != p->line_values) {
		snprintf(err, errlen, "%u values where the lines before had %u (a %ux%u matrix)", count, p->line_values,
			 p->gv.rows, p->gv.cols);
		return -1;
	}
	struct pi_fields fs;
	const char *f;
	size_t len;
	pi_fields_init(&fs, s, n, sep);
	size_t base = (size_t)p->at_line * p->line_values;
	for (unsigned i = 0; i < count && pi_fields_next(&fs, &f, &len); i++) {
		if (pi_parse_value(f, len, &p->value[cell(p, base + i)], &p->decimals) != 0) {
			snprintf(err, errlen, "value %u: \"%.*s\" is not a non-negative number", i + 1,
				 (int)(len > 20 ? 20 : len), f);
			return -1;
		}
	}
	if (++p->at_line < p->block_lines)
		return 0;
	struct pi_frame fr = {
		.index = p->frames,
		.t = (double)p->frames * p->g.period_s,
		.value = p->value,
		.decimals = p->decimals,
	};
	p->frames++;
	p->at_line = 0;
	p->decimals = 0;
	if (p->sink.frame && p->sink.frame(p->sink.ctx, &fr) != 0) {
		snprintf(err, errlen, "cannot write frame %llu", (unsigned long long)p->frames);
		return -1;
	}
	return 0;
}

static int mx_finish(void *v, char *err, size_t errlen)
{
	struct mx *p = v;
	if (p->at_line) {
		snprintf(err, errlen, "the file ends inside frame %llu (%u of its %u lines)",
			 (unsigned long long)p->frames + 1, p->at_line, p->block_lines);
		return -1;
	}
	if (p->frames == 0) {
		snprintf(err, errlen, "the file has no frames");
		return -1;
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "matrix",
	.open = mx_open,
	.line = mx_line,
	.finish = mx_finish,
	.close = mx_close,
};

const struct pi_format pi_format_matrix = {
	.name = "matrix",
	.title = "plain matrix, no header (tab, comma or space separated)",
	.example = "0<TAB>0<TAB>12<TAB>31<TAB>...  (ROWS x COLS values a line, or COLS a line in blocks of ROWS)",
	.keeps = "the geometry, rate, pitch and unit given on the command line",
	.detect = NULL,
	.ops = &ops,
	.needs_given = true,
};
