/* stappone insole CSV: a header line of column names, then one line per
 * sample: sole_id, timestamp (UTC, ms), the IMU (accel_*, gyro_*, magn_*),
 * pressure_01..pressure_NN (raw counts) and a `corrupt` flag. The pressure
 * channels are one 1 × NN strip per sample; the IMU channels are not
 * pressure frames and are dropped (docs/import.md). The file has no rate:
 * a survey pass finds the first and last timestamps, and the rate is the
 * mean over the file (the samples' own clock gives /t). */
#include <stdlib.h>
#include <string.h>

#include "vendor_parser.h"

#define ST_MAX_COLS 256
#define ST_NOMINAL_PITCH_MM 10.0 /* a strip: neighbours are not neighbours on the sole */

struct st {
	struct pi_sink sink;
	bool header_done, survey_header;
	unsigned ncols, npressure;
	int ts_col, sole_col, corrupt_col;
	unsigned char is_pressure[ST_MAX_COLS];
	/* survey */
	uint64_t samples;
	int64_t first_ts, last_ts;
	/* frames */
	uint64_t frames, corrupt;
	int64_t ts0, prev_ts;
	char sole[32];
	int64_t *value;
};

static void *st_open(const struct pi_sink *sink)
{
	struct st *p = calloc(1, sizeof *p);
	if (p)
		p->sink = *sink;
	return p;
}

static void st_close(void *v)
{
	struct st *p = v;
	if (p)
		free(p->value);
	free(p);
}

static bool is(const char *f, size_t n, const char *name)
{
	return n == strlen(name) && !memcmp(f, name, n);
}

static int st_header(struct st *p, const char *s, size_t n, char *err, size_t errlen)
{
	if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3, n -= 3;
	struct pi_fields fs;
	const char *f;
	size_t len;
	p->ts_col = p->sole_col = p->corrupt_col = -1;
	p->ncols = p->npressure = 0;
	pi_fields_init(&fs, s, n, ',');
	while (pi_fields_next(&fs, &f, &len)) {
		if (p->ncols >= ST_MAX_COLS) {
			snprintf(err, errlen, "more than %d columns", ST_MAX_COLS);
			return -1;
		}
		unsigned c = p->ncols++;
		p->is_pressure[c] = len > 9 && !memcmp(f, "pressure_", 9);
		p->npressure += p->is_pressure[c];
		if (is(f, len, "timestamp"))
			p->ts_col = (int)c;
		else if (is(f, len, "sole_id"))
			p->sole_col = (int)c;
		else if (is(f, len, "corrupt"))
			p->corrupt_col = (int)c;
	}
	if (p->ts_col < 0 || p->npressure == 0) {
		snprintf(err, errlen, "the header line names no %s column", p->ts_col < 0 ? "timestamp" : "pressure_NN");
		return -1;
	}
	return 0;
}

/* A whole number of up to 18 digits (epoch milliseconds have 13). */
static bool parse_int(const char *f, size_t len, int64_t *out)
{
	size_t i = 0;
	bool neg = len > 0 && f[0] == '-';
	i += neg;
	if (i == len || len - i > 18)
		return false;
	int64_t v = 0;
	for (; i < len; i++) {
		if (f[i] < '0' || f[i] > '9')
			return false;
		v = v * 10 + (f[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* The survey: only the timestamps, leniently (the line pass says what is wrong). */
static int st_survey(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct st *p = v;
	if (!p->survey_header) {
		p->survey_header = true;
		return st_header(p, s, n, err, errlen);
	}
	if (n == 0)
		return 0;
	struct pi_fields fs;
	const char *f;
	size_t len;
	pi_fields_init(&fs, s, n, ',');
	for (int c = 0; pi_fields_next(&fs, &f, &len); c++) {
		int64_t ts;
		if (c == p->ts_col && parse_int(f, len, &ts)) {
			if (p->samples++ == 0)
				p->first_ts = ts;
			p->last_ts = ts;
		}
	}
	return 0;
}

static int st_begin(struct st *p, char *err, size_t errlen)
{
	if (p->samples < 2 || p->last_ts <= p->first_ts) {
		snprintf(err, errlen, "%s: no sampling rate to give", p->samples < 2 ? "one sample" : "no time passes");
		return -1;
	}
	p->value = calloc(p->npressure, sizeof *p->value);
	if (!p->value) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct pi_geometry g = {
		.rows = 1,
		.cols = p->npressure,
		.pitch_x_mm = ST_NOMINAL_PITCH_MM,
		.pitch_y_mm = ST_NOMINAL_PITCH_MM,
		.period_s = (double)(p->last_ts - p->first_ts) / 1000.0 / (double)(p->samples - 1),
	};
	snprintf(g.unit, sizeof g.unit, "counts");
	static const char note[] = "nominal: 100 mm2 a sensor; the file gives no sensor areas, so area (and any "
				   "force after a calibration) is nominal";
	if (p->sink.field && p->sink.field(p->sink.ctx, "sensor_area", note) != 0) {
		snprintf(err, errlen, "cannot keep header field sensor_area");
		return -1;
	}
	/* milliseconds since 1970 between 2000 and 2100: the sole's UTC clock */
	if (p->first_ts > 946684800000LL && p->first_ts < 4102444800000LL)
		g.start_utc_ns = p->first_ts * 1000000;
	if (p->sink.geometry && p->sink.geometry(p->sink.ctx, &g) != 0) {
		snprintf(err, errlen, "cannot start the recording");
		return -1;
	}
	return 0;
}

static int st_line(void *v, const char *s, size_t n, char *err, size_t errlen)
{
	struct st *p = v;
	if (!p->header_done) {
		p->header_done = true;
		if (st_header(p, s, n, err, errlen) != 0)
			return -1;
		char text[4096];
		pi_text(text, sizeof text, s, n);
		if (p->sink.field && p->sink.field(p->sink.ctx, "columns", text) != 0) {
			snprintf(err, errlen, "cannot keep the column names");
			return -1;
		}
		return 0;
	}
	if (n == 0)
		return 0;
	uint64_t sample = p->frames + 1;
	if (p->frames == 0 && st_begin(p, err, errlen) != 0)
		return -1;
	struct pi_fields fs;
	const char *f;
	size_t len;
	unsigned c = 0, k = 0;
	int64_t ts = 0;
	bool corrupt = false;
	int dec = 0;
	pi_fields_init(&fs, s, n, ',');
	for (; pi_fields_next(&fs, &f, &len); c++) {
		if (c >= p->ncols) {
			snprintf(err, errlen, "sample %llu has more than the header's %u columns",
				 (unsigned long long)sample, p->ncols);
			return -1;
		}
		if ((int)c == p->ts_col) {
			if (!parse_int(f, len, &ts) || ts < 0) {
				snprintf(err, errlen, "sample %llu: timestamp \"%.*s\" is not milliseconds",
					 (unsigned long long)sample, (int)(len > 20 ? 20 : len), f);
				return -1;
			}
		} else if (p->is_pressure[c]) {
			if (pi_parse_value(f, len, &p->value[k], &dec) != 0 || dec != 0) {
				snprintf(err, errlen, "sample %llu column %u: \"%.*s\" is not a count",
					 (unsigned long long)sample, c + 1, (int)(len > 20 ? 20 : len), f);
				return -1;
			}
			k++;
		} else if ((int)c == p->sole_col) {
			char id[32];
			snprintf(id, sizeof id, "%.*s", (int)(len > 31 ? 31 : len), f);
			if (p->frames == 0) {
				memcpy(p->sole, id, sizeof id);
				if (p->sink.field && p->sink.field(p->sink.ctx, "sole_id", id) != 0)
					return -1;
			} else if (strcmp(id, p->sole)) {
				snprintf(err, errlen, "sole_id %s after sole_id %s: one sole per file is imported "
					 "(split the file by sole_id)", id, p->sole);
				return -1;
			}
		} else if ((int)c == p->corrupt_col) {
			int64_t flag;
			if (!parse_int(f, len, &flag) || flag < 0) {
				snprintf(err, errlen, "sample %llu: corrupt flag \"%.*s\" is not 0 or 1",
					 (unsigned long long)sample, (int)(len > 20 ? 20 : len), f);
				return -1;
			}
			corrupt = flag != 0;
		}
	}
	if (c != p->ncols) {
		snprintf(err, errlen, "sample %llu has %u columns, the header has %u", (unsigned long long)sample, c,
			 p->ncols);
		return -1;
	}
	if (p->frames == 0)
		p->ts0 = p->prev_ts = ts;
	else if (ts <= p->prev_ts) {
		snprintf(err, errlen, "sample %llu: timestamp %lld is not after %lld", (unsigned long long)sample,
			 (long long)ts, (long long)p->prev_ts);
		return -1;
	}
	p->prev_ts = ts;
	p->corrupt += corrupt;
	struct pi_frame fr = { .index = sample, .t = (double)(ts - p->ts0) / 1000.0, .value = p->value };
	p->frames++;
	if (p->sink.frame && p->sink.frame(p->sink.ctx, &fr) != 0) {
		snprintf(err, errlen, "cannot write sample %llu", (unsigned long long)sample);
		return -1;
	}
	return 0;
}

static int st_finish(void *v, char *err, size_t errlen)
{
	struct st *p = v;
	if (p->frames == 0) {
		snprintf(err, errlen, "the file has no samples");
		return -1;
	}
	if (p->frames != p->samples) {
		snprintf(err, errlen, "the file changed while it was read");
		return -1;
	}
	/* the flag is per sample: the frames keep their values as written, and
	 * how many the sole flagged is kept */
	if (p->corrupt_col >= 0 && p->sink.field) {
		char n[32];
		snprintf(n, sizeof n, "%llu", (unsigned long long)p->corrupt);
		p->sink.field(p->sink.ctx, "corrupt samples", n);
	}
	return 0;
}

static const struct pi_parser_ops ops = {
	.name = "stappone-csv",
	.open = st_open,
	.survey = st_survey,
	.line = st_line,
	.finish = st_finish,
	.close = st_close,
};

static int detect(const char *h, size_t n)
{
	return (pi_head_starts(h, n, "sole_id,") || pi_head_starts(h, n, "timestamp,")) && pi_head_has(h, n, ",pressure_")
		       ? 10 : 0;
}

const struct pi_format pi_format_stappone = {
	.name = "stappone",
	.title = "stappone insole CSV",
	.example = "1,1768494979568,-1780,...,357,474,269,0  (sole_id, timestamp ms, IMU, pressure_NN, corrupt)",
	.keeps = "a 1 x n strip of pressure_NN counts, the timestamps' UTC clock; IMU columns dropped",
	.detect = detect,
	.ops = &ops,
};
