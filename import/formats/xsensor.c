/* XSENSOR CSV exports (XSENSOR Pro / Foot & Gait 2022): a short file
 * header ("File:,...", "Units:,mmHg", "Threshold:,51.72"), then per frame:
 *
 *   FRAME,1464 / Date, 2022 Aug 16 / Time, 08:21:17.982
 *   SENSOR,<name> / Rows,31 / Columns,11 / Sensel Width (cm),0.86 / ...
 *   <that sensor's statistics for this frame> / SENSELS / Rows lines of Columns values
 *   ... (the next SENSOR: both insoles of a pair, each with its own block)
 *   GROUP,1 / Name,Left Heel / Cells,36 / <statistics> / SENSELS / 36 values, 20 a line
 *
 * with a line of commas between any two lines. The sensors of a frame,
 * which must share one geometry, are laid side by side: the first SENSOR's
 * columns, then the second's. The statistics and the GROUP blocks (regions
 * of the same sensels) are derived and dropped; groups are still counted
 * and checked, so a file cut inside one is refused. The frame period is
 * the mean over the file of the frames' Time (a survey pass reads it; the
 * clock has 1 ms steps, so one interval alone would be off by up to 8 %). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"

#define XS_MAX_SENSORS 8
#define XS_MAX_SIDE 4096

enum xs_state { XS_HEADER, XS_FRAME, XS_SENSOR, XS_SENSELS, XS_AFTER, XS_GROUP, XS_GROUP_SENSELS };

struct xs {
	struct pi_sink sink;
	enum xs_state state;
	/* survey */
	uint64_t survey_frames;
	unsigned survey_sensors;
	bool s_have;
	double s_first, s_prev, s_span;
	/* the file */
	struct pi_geometry g;
	bool have_unit;
	unsigned sensors, sensor_rows, sensor_cols; /* per frame, of each */
	double sensor_w, sensor_h;
	unsigned groups1; /* groups in frame 1 */
	/* this frame */
	uint64_t frame_no, frames;
	bool have_time;
	char date[80]; /* frame 1's Date, for the session's start */
	double clock, first_clock, prev_clock, day;
	unsigned sensor, groups, row, rows, cols;
	double w, h;
	uint64_t group_cells, group_seen;
	int decimals;
	int64_t *value;
};

static void *xs_open(const struct pi_sink *sink)
{
	struct xs *p = calloc(1, sizeof *p);
	if (p)
		p->sink = *sink;
	return p;
}

static void xs_close(void *v)
{
	struct xs *p = v;
	if (p)
		free(p->value);
	free(p);
}

/* Field 0 and field 1 of a CSV line (field 1 may be quoted, with "" inside). */
static void key_value(const char *s, size_t n, char *key, size_t klen, char *val, size_t vlen, bool *rest_empty)
{
	size_t i = 0;
	while (i < n && s[i] != ',')
		i++;
	pi_text(key, klen, s, i);
	size_t o = 0;
	*rest_empty = true;
	if (i < n)
		i++;
	if (i < n && s[i] == '"') {
		for (i++; i < n; i++) {
			if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
				i++;
			else if (s[i] == '"') {
				i++;
				break;
			}
			if (o + 1 < vlen)
				val[o++] = s[i];
		}
	} else {
		for (; i < n && s[i] != ','; i++)
			if (o + 1 < vlen)
				val[o++] = s[i];
	}
	val[o] = '\0';
	for (; i < n; i++)
		if (s[i] != ',' && s[i] != ' ')
			*rest_empty = false;
	char tmp[512];
	pi_text(tmp, sizeof tmp, val, strlen(val));
	snprintf(val, vlen, "%s", tmp);
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ',' && s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Keys in any case: XSENSOR's own "Rows", a script's "ROWS" */
static bool is_key(const char *key, const char *want)
{
	return !strcasecmp(key, want);
}

static bool starts_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !strncasecmp(s, prefix, k);
}

/* A clock that goes back from the last hour of a day into the first has
 * passed midnight; any other step back is an error. */
static bool past_midnight(double prev, double c)
{
	return prev >= 23 * 3600 && c < 3600;
}

static int xs_survey(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	struct xs *p = v;
	if (n > 6 && starts_ci(s, n, "FRAME,")) {
		p->survey_frames++;
	} else if (n > 5 && starts_ci(s, n, "Time,")) {
		size_t e = 5;
		while (e < n && s[e] != ',')
			e++;
		double c = pi_parse_clock(s + 5, e - 5);
		if (c < 0)
			return 0; /* the line pass says so */
		if (!p->s_have)
			p->s_first = p->s_prev = c, p->s_have = true;
		if (c >= p->s_prev || past_midnight(p->s_prev, c)) /* else the line pass refuses it */
			p->s_span += c >= p->s_prev ? c - p->s_prev : c + 86400 - p->s_prev;
		p->s_prev = c;
	} else if (n > 7 && starts_ci(s, n, "SENSOR,") && p->survey_frames == 1) {
		p->survey_sensors++;
	}
	return 0;
}

static int field(struct xs *p, const char *key, const char *val, char *err, size_t errlen)
{
	if (p->sink.field && p->sink.field(p->sink.ctx, key, val) != 0) {
		snprintf(err, errlen, "cannot keep header field %s", key);
		return -1;
	}
	return 0;
}

static int end_frame(struct xs *p, char *err, size_t errlen)
{
	if (p->state != XS_AFTER) {
		snprintf(err, errlen, "frame %llu ends inside its %s", (unsigned long long)p->frame_no,
			 p->state == XS_SENSELS ? "sensels" : p->state == XS_FRAME ? "header (no SENSOR)"
			 : p->state == XS_SENSOR ? "sensor header (no SENSELS)" : "GROUP block");
		return -1;
	}
	if (p->sensor != p->sensors) {
		snprintf(err, errlen, "frame %llu has %u sensors, the first frame %u", (unsigned long long)p->frame_no,
			 p->sensor, p->sensors);
		return -1;
	}
	if (p->frames == 0)
		p->groups1 = p->groups;
	else if (p->groups != p->groups1) {
		snprintf(err, errlen, "frame %llu has %u groups, the first frame %u", (unsigned long long)p->frame_no,
			 p->groups, p->groups1);
		return -1;
	}
	struct pi_frame f = {
		.index = p->frame_no,
		.t = p->day + p->clock - p->first_clock,
		.value = p->value,
		.decimals = p->decimals,
	};
	p->frames++;
	if (p->sink.frame && p->sink.frame(p->sink.ctx, &f) != 0) {
		snprintf(err, errlen, "cannot write frame %llu", (unsigned long long)p->frame_no);
		return -1;
	}
	return 0;
}

static int begin(struct xs *p, char *err, size_t errlen)
{
	if (!p->have_unit) {
		snprintf(err, errlen, "the first SENSELS before the header gave Units");
		return -1;
	}
	if (p->survey_frames < 2 || !(p->s_span > 0)) {
		snprintf(err, errlen, "%s: no frame rate to give",
			 p->survey_frames < 2 ? "one frame" : "every frame has the same Time");
		return -1;
	}
	p->sensors = p->survey_sensors;
	if (p->sensors == 0 || p->sensors > XS_MAX_SENSORS) {
		snprintf(err, errlen, "%u sensors a frame: 1..%d are imported", p->sensors, XS_MAX_SENSORS);
		return -1;
	}
	p->sensor_rows = p->rows, p->sensor_cols = p->cols;
	p->sensor_w = p->w, p->sensor_h = p->h;
	p->g.rows = p->rows;
	p->g.cols = p->cols * p->sensors;
	p->g.pitch_x_mm = p->w; /* mm */
	p->g.pitch_y_mm = p->h;
	p->g.period_s = p->s_span / (double)(p->survey_frames - 1);
	p->value = calloc((size_t)p->g.rows * p->g.cols, sizeof *p->value);
	if (!p->value) {
		snprintf(err, errlen, "out of memory for a %ux%u frame", p->g.rows, p->g.cols);
		return -1;
	}
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &p->g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	return 0;
}

static int sensor_field(struct xs *p, const char *key, const char *val, char *err, size_t errlen)
{
	char *end;
	if (is_key(key, "Rows") || is_key(key, "Columns")) {
		long l = strtol(val, &end, 10);
		if (end == val || *end || l < 1 || l > XS_MAX_SIDE) {
			snprintf(err, errlen, "%s is not a number of sensels (1..%d): \"%.40s\"", key, XS_MAX_SIDE, val);
			return -1;
		}
		*(key[0] == 'R' ? &p->rows : &p->cols) = (unsigned)l;
	} else if (starts_ci(key, strlen(key), "Sensel Width") || starts_ci(key, strlen(key), "Sensel Height")) {
		/* the unit in the key, "(cm)" as XSENSOR writes, else in the value, else cm */
		const char *paren = strchr(key, '(');
		char unit[16] = "cm";
		if (paren)
			snprintf(unit, sizeof unit, "%.*s", (int)strcspn(paren + 1, ")"), paren + 1);
		char with_unit[600];
		double d = strtod(val, &end);
		snprintf(with_unit, sizeof with_unit, "%s %s", val, end != val && *end == '\0' ? unit : "");
		if (!pi_length_mm(with_unit, strlen(with_unit), &d) || d > 10000) {
			snprintf(err, errlen, "%s is not a length (mm, cm, inches): \"%.40s\"", key, val);
			return -1;
		}
		*(tolower((unsigned char)key[7]) == 'w' ? &p->w : &p->h) = d;
	} else {
		return 0; /* this frame's statistics: derived, dropped */
	}
	return p->frames == 0 && p->sensor == 1 ? field(p, key, val, err, errlen) : 0;
}

static int sensels(struct xs *p, char *err, size_t errlen)
{
	if (!p->rows || !p->cols || !(p->w > 0) || !(p->h > 0)) {
		snprintf(err, errlen, "frame %llu sensor %u: SENSELS before its %s", (unsigned long long)p->frame_no,
			 p->sensor, !p->rows ? "Rows" : !p->cols ? "Columns" : !(p->w > 0) ? "Sensel Width (cm)"
			 : "Sensel Height (cm)");
		return -1;
	}
	if (p->frames == 0 && p->sensor == 1 && begin(p, err, errlen) != 0)
		return -1;
	if (p->rows != p->sensor_rows || p->cols != p->sensor_cols || p->w != p->sensor_w || p->h != p->sensor_h) {
		snprintf(err, errlen, "frame %llu sensor %u is %ux%u of %gx%g mm, the first %ux%u of %gx%g mm: "
			 "sensors side by side must match", (unsigned long long)p->frame_no, p->sensor, p->rows,
			 p->cols, p->w, p->h, p->sensor_rows, p->sensor_cols, p->sensor_w, p->sensor_h);
		return -1;
	}
	if (p->sensor > p->sensors) {
		snprintf(err, errlen, "frame %llu has more than the first frame's %u sensors",
			 (unsigned long long)p->frame_no, p->sensors);
		return -1;
	}
	p->row = 0;
	p->state = XS_SENSELS;
	return 0;
}

static int sensel_row(struct xs *p, const char *s, size_t n, char *err, size_t errlen)
{
	int64_t *out = p->value + (size_t)p->row * p->g.cols + (size_t)(p->sensor - 1) * p->cols;
	struct pi_fields fs;
	const char *f;
	size_t len;
	unsigned c = 0;
	pi_fields_init(&fs, s, n, ',');
	while (pi_fields_next(&fs, &f, &len)) {
		if (c >= p->cols) {
			if (len) {
				snprintf(err, errlen, "frame %llu sensor %u row %u has more than Columns=%u values",
					 (unsigned long long)p->frame_no, p->sensor, p->row + 1, p->cols);
				return -1;
			}
			continue;
		}
		if (pi_parse_value(f, len, &out[c], &p->decimals) != 0) {
			snprintf(err, errlen, "frame %llu sensor %u row %u column %u: \"%.*s\" is not a pressure",
				 (unsigned long long)p->frame_no, p->sensor, p->row + 1, c + 1,
				 (int)(len > 20 ? 20 : len), f);
			return -1;
		}
		c++;
	}
	if (c != p->cols) {
		snprintf(err, errlen, "frame %llu sensor %u row %u has %u values, Columns is %u",
			 (unsigned long long)p->frame_no, p->sensor, p->row + 1, c, p->cols);
		return -1;
	}
	if (++p->row == p->rows)
		p->state = XS_AFTER;
	return 0;
}

static int group_values(struct xs *p, const char *s, size_t n, char *err, size_t errlen)
{
	struct pi_fields fs;
	const char *f;
	size_t len;
	int64_t v;
	int dec = 0;
	pi_fields_init(&fs, s, n, ',');
	while (pi_fields_next(&fs, &f, &len)) {
		if (len == 0)
			continue;
		if (pi_parse_value(f, len, &v, &dec) != 0) {
			snprintf(err, errlen, "frame %llu group %u: \"%.*s\" is not a pressure",
				 (unsigned long long)p->frame_no, p->groups, (int)(len > 20 ? 20 : len), f);
			return -1;
		}
		p->group_seen++;
	}
	if (p->group_seen > p->group_cells) {
		snprintf(err, errlen, "frame %llu group %u has more than its Cells=%llu values",
			 (unsigned long long)p->frame_no, p->groups, (unsigned long long)p->group_cells);
		return -1;
	}
	if (p->group_seen == p->group_cells)
		p->state = XS_AFTER;
	return 0;
}

static int new_frame(struct xs *p, const char *val, char *err, size_t errlen)
{
	if (p->state != XS_HEADER && end_frame(p, err, errlen) != 0)
		return -1;
	char *end;
	long long no = strtoll(val, &end, 10);
	if (end == val || *end || no < 0 || no > 4000000000LL) {
		snprintf(err, errlen, "FRAME \"%.20s\" is not a frame number", val);
		return -1;
	}
	if (p->frames && (uint64_t)no <= p->frame_no) {
		snprintf(err, errlen, "FRAME %lld after FRAME %llu", no, (unsigned long long)p->frame_no);
		return -1;
	}
	p->frame_no = (uint64_t)no;
	p->have_time = false;
	p->sensor = p->groups = 0;
	p->decimals = 0;
	p->state = XS_FRAME;
	return 0;
}

static int xs_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct xs *p = v;
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3, n -= 3;
	if (blank(s, n))
		return 0;
	if (p->state == XS_SENSELS)
		return sensel_row(p, s, n, err, errlen);
	if (p->state == XS_GROUP_SENSELS && (unsigned)(s[0] - '0') < 10)
		return group_values(p, s, n, err, errlen);
	char key[128], val[512];
	bool rest_empty;
	key_value(s, n, key, sizeof key, val, sizeof val, &rest_empty);
	if (is_key(key, "FRAME"))
		return new_frame(p, val, err, errlen);
	switch (p->state) {
	case XS_HEADER: {
		size_t k = strlen(key);
		if (k && key[k - 1] == ':')
			key[k - 1] = '\0';
		if (!key[0]) {
			snprintf(err, errlen, "header line \"%.40s\" is not Key:,value", s);
			return -1;
		}
		if (is_key(key, "Units")) {
			if (strcasecmp(val, "mmHg") && strcasecmp(val, "kPa")) {
				snprintf(err, errlen, "Units \"%.20s\" is none of mmHg, kPa", val);
				return -1;
			}
			snprintf(p->g.unit, sizeof p->g.unit, "%s", tolower((unsigned char)val[0]) == 'k' ? "kPa" : "mmHg");
			p->have_unit = true;
		}
		return field(p, key, val, err, errlen);
	}
	case XS_FRAME:
		if (is_key(key, "Time")) {
			double c = pi_parse_clock(val, strlen(val));
			if (c < 0) {
				snprintf(err, errlen, "frame %llu: Time \"%.20s\" is not HH:MM:SS.fff",
					 (unsigned long long)p->frame_no, val);
				return -1;
			}
			if (p->frames == 0) {
				p->first_clock = p->prev_clock = c;
			} else if (c < p->prev_clock && past_midnight(p->prev_clock, c)) {
				p->day += 86400;
			} else if (c < p->prev_clock) {
				snprintf(err, errlen, "frame %llu: Time %.20s is before the frame before's",
					 (unsigned long long)p->frame_no, val);
				return -1;
			}
			p->prev_clock = p->clock = c;
			p->have_time = true;
		}
		if (p->frames == 0 && is_key(key, "Date"))
			snprintf(p->date, sizeof p->date, "%.79s", val);
		if (p->frames == 0 && is_key(key, "Time") && p->date[0]) { /* the session's start */
			char both[sizeof p->date + 520];
			snprintf(both, sizeof both, "%s %s", p->date, val);
			pi_parse_when(both, strlen(both), &p->g.start);
		}
		if (!is_key(key, "SENSOR"))
			return p->frames == 0 && (is_key(key, "Date") || is_key(key, "Time"))
				       ? field(p, key, val, err, errlen)
				       : 0;
		if (!p->have_time) {
			snprintf(err, errlen, "frame %llu: SENSOR before its Time", (unsigned long long)p->frame_no);
			return -1;
		}
		__attribute__((fallthrough));
	case XS_AFTER:
		if (is_key(key, "SENSOR")) {
			if (p->groups) {
				snprintf(err, errlen, "frame %llu: a SENSOR after its GROUPs", (unsigned long long)p->frame_no);
				return -1;
			}
			p->sensor++;
			p->rows = p->cols = 0;
			p->w = p->h = 0;
			p->state = XS_SENSOR;
			if (p->frames == 0) {
				char k[32];
				snprintf(k, sizeof k, p->sensor == 1 ? "SENSOR" : "SENSOR %u", p->sensor);
				return field(p, k, val, err, errlen);
			}
			return 0;
		}
		if (is_key(key, "GROUP") && p->state == XS_AFTER) {
			p->groups++;
			p->group_cells = 0;
			p->group_seen = 0;
			p->state = XS_GROUP;
			return 0;
		}
		snprintf(err, errlen, "frame %llu: \"%.40s\" where SENSOR, GROUP or FRAME was due",
			 (unsigned long long)p->frame_no, key);
		return -1;
	case XS_SENSOR:
		if (is_key(key, "SENSELS"))
			return sensels(p, err, errlen);
		return sensor_field(p, key, val, err, errlen);
	case XS_GROUP:
	case XS_GROUP_SENSELS:
		if (is_key(key, "Cells")) {
			char *end;
			long long c = strtoll(val, &end, 10);
			if (end == val || *end || c < 0 || c > 16777216) {
				snprintf(err, errlen, "frame %llu group %u: Cells \"%.20s\" is not a count",
					 (unsigned long long)p->frame_no, p->groups, val);
				return -1;
			}
			p->group_cells = (uint64_t)c;
		} else if (is_key(key, "SENSELS")) {
			p->state = p->group_cells ? XS_GROUP_SENSELS : XS_AFTER;
		} else if (p->state == XS_GROUP_SENSELS) {
			snprintf(err, errlen, "frame %llu group %u has %llu of its Cells=%llu values",
				 (unsigned long long)p->frame_no, p->groups, (unsigned long long)p->group_seen,
				 (unsigned long long)p->group_cells);
			return -1;
		}
		return 0; /* the group's name and statistics: dropped */
	case XS_SENSELS:
		break;
	}
	return -1;
}

static int xs_finish(void *v, char *err, size_t errlen)
{
	struct xs *p = v;
	if (p->state == XS_HEADER) {
		snprintf(err, errlen, "the file ends in its header (no FRAME)");
		return -1;
	}
	if (end_frame(p, err, errlen) != 0)
		return -1;
	if (p->frames != p->survey_frames) {
		snprintf(err, errlen, "the file changed while it was read");
		return -1;
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "xsensor-csv",
	.open = xs_open,
	.survey = xs_survey,
	.line = xs_line,
	.finish = xs_finish,
	.close = xs_close,
};

static int detect(const char *h, size_t n)
{
	return pi_head_has(h, n, "\nFRAME,") && pi_head_has(h, n, "Units:,") ? 10 : 0;
}

const struct pi_format pi_format_xsensor = {
	.name = "xsensor",
	.title = "XSENSOR CSV export",
	.example = "FRAME,1464  then Date, Time, SENSOR blocks of Rows x Columns values",
	.keeps = "each frame's SENSORs side by side, mmHg or kPa; per-frame statistics and GROUPs dropped",
	.detect = detect,
	.ops = &ops,
};
