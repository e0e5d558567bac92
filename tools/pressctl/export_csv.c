/* pressctl export FILE --csv DIR: a recording as CSV files that
 * spreadsheets and statistics tools (pandas, R's read.csv, Excel) read
 * without reshaping: each file starts with one header row, every column's
 * name carries its unit (t_s, peak_kPa, impulse_kPa_s), one row per frame
 * or event.
 *
 * frames.csv  frame (the device's sequence number: the `frame` of the
 *             event tables), t_s, time_s, [encoder,] then one column per
 *             cell, r1c1_<unit> ... (row, column from 1), in physical
 *             units (counts × conversion);
 * presses.csv ... settings.csv, pulse_durations.csv, gaps.csv: the
 *             tables of the file, column for column;
 * tare.csv    tare_t_s and the cells of each baseline, in counts;
 * recording.csv  key,value: the file's, the device's, the analysis' and
 *             the recording's own attributes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "parse.h"
#include "export.h"
#include "export_tables.h"

/* "peak" in kPa → "peak_kPa"; a name that says its unit already
 * (drift_mm, speed_mm_s, target_s) keeps it. */
static void column_name(char *buf, size_t len, const char *name, const char *unit)
{
	char suffix[24];
	size_t n = 0;
	for (const char *p = unit; p && *p && n + 1 < sizeof suffix; p++)
		suffix[n++] = (*p == '/' || *p == '*') ? '_' : *p;
	suffix[n] = '\0';
	size_t nl = strlen(name);
	bool says = n && nl > n && name[nl - n - 1] == '_' && !strcmp(name + nl - n, suffix);
	if (!n || says)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s_%s", name, suffix);
}

static void put_text(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* 42.96, not 42.960000000000001. */
static void put_real(FILE *out, double v)
{
	char buf[32];
	pd_format_double(buf, sizeof buf, v);
	fputs(buf, out);
}

static void put_value(FILE *out, const json_t *v)
{
	if (json_is_string(v))
		put_text(out, json_string_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", out);
	else if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		put_real(out, json_real_value(v));
	/* absent: an empty cell (a field with no value) */
}

static FILE *create(const char *dir, const char *name, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "pressctl: %s: %s\n", path, strerror(errno));
	return f;
}

static int finish(FILE *f, const char *path)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		fprintf(stderr, "pressctl: %s: write failed\n", path);
		return EX_IOERR;
	}
	return 0;
}

static void cell_header(FILE *out, const struct pd_device_info *d, const char *unit)
{
	for (unsigned r = 0; r < d->rows; r++)
		for (unsigned c = 0; c < d->cols; c++)
			fprintf(out, ",r%uc%u_%s", r + 1, c + 1, unit);
	fputc('\n', out);
}

static int frames_csv(struct pd_rec_reader *rd, const char *file, const char *dir)
{
	char path[4096];
	FILE *out = create(dir, "frames.csv", path, sizeof path);
	if (!out)
		return EX_IOERR;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	bool counts = !strcmp(fi->unit, "counts");
	fputs(fi->has_encoder ? "frame,t_s,time_s,encoder" : "frame,t_s,time_s", out);
	cell_header(out, &fi->device, fi->unit);
	for (uint64_t i = 0; i < fi->frames; i++) {
		struct pd_frame f;
		double t, utc;
		if (pd_rec_reader_frame(rd, i, &f, &t, &utc) != 0) {
			fprintf(stderr, "pressctl: %s: frame %llu: %s\n", file, (unsigned long long)i,
				pd_rec_reader_error(rd));
			fclose(out);
			return 1;
		}
		fprintf(out, "%u,%.6f,%.6f", f.seq, t, utc);
		if (fi->has_encoder)
			fprintf(out, ",%d", (int)f.encoder);
		size_t n = (size_t)f.rows * f.cols;
		for (size_t k = 0; k < n; k++) {
			unsigned v = pd_frame_cell(&f, k);
			if (counts)
				fprintf(out, ",%u", v);
			else
				fprintf(out, ",%.9g", v * fi->conversion);
		}
		fputc('\n', out);
	}
	return finish(out, path);
}

static int tare_csv(struct pd_rec_reader *rd, const char *dir)
{
	char path[4096];
	FILE *out = create(dir, "tare.csv", path, sizeof path);
	if (!out)
		return EX_IOERR;
	const struct pd_device_info *d = &pd_rec_reader_info(rd)->device;
	fputs("tare_t_s", out);
	cell_header(out, d, "counts");
	for (size_t k = 0; k < pd_rec_reader_tare_count(rd); k++) {
		double t;
		const float *b = pd_rec_reader_tare_at(rd, k, &t);
		if (!isnan(t))
			put_real(out, t);
		for (size_t c = 0; c < (size_t)d->rows * d->cols; c++)
			fprintf(out, ",%.9g", b[c]);
		fputc('\n', out);
	}
	return finish(out, path);
}

static int table_csv(const struct pc_table *t, const char *dir)
{
	char path[4096], name[64];
	snprintf(name, sizeof name, "%s.csv", t->name);
	FILE *out = create(dir, name, path, sizeof path);
	if (!out)
		return EX_IOERR;
	for (size_t c = 0; c < t->ncols; c++) {
		char col[64];
		column_name(col, sizeof col, t->col[c].name, t->unit[c]);
		fprintf(out, c ? ",%s" : "%s", col);
	}
	fputc('\n', out);
	size_t i;
	json_t *row;
	json_array_foreach(t->rows, i, row) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			put_value(out, json_object_get(row, t->col[c].name));
		}
		fputc('\n', out);
	}
	return finish(out, path);
}

static void put_pair(FILE *out, const char *prefix, const char *key, const char *value)
{
	char k[256];
	snprintf(k, sizeof k, "%s%s", prefix, key);
	put_text(out, k);
	fputc(',', out);
	put_text(out, value);
	fputc('\n', out);
}

static int recording_csv(struct pd_rec_reader *rd, const char *file, const char *dir)
{
	char path[4096];
	FILE *out = create(dir, "recording.csv", path, sizeof path);
	if (!out)
		return EX_IOERR;
	struct pc_attr attrs[64];
	size_t n = pc_export_attrs(rd, file, attrs, sizeof attrs / sizeof *attrs);
	fputs("key,value\n", out);
	for (size_t i = 0; i < n; i++)
		put_pair(out, attrs[i].group, attrs[i].key, attrs[i].value);
	for (size_t i = 0; i < pd_rec_reader_analysis_count(rd); i++)
		put_pair(out, "analysis.", pd_rec_reader_analysis(rd, i)->key, pd_rec_reader_analysis(rd, i)->value);
	for (size_t i = 0; i < pd_rec_reader_meta_count(rd); i++)
		put_pair(out, "meta.", pd_rec_reader_meta(rd, i)->key, pd_rec_reader_meta(rd, i)->value);
	return finish(out, path);
}

int pc_export_csv(struct pd_rec_reader *rd, const char *file, const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "pressctl: %s: %s\n", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	struct pc_tables ts;
	if (pc_tables_load(rd, file, &ts) != 0)
		return 1;
	int rc = frames_csv(rd, file, dir);
	for (size_t i = 0; i < ts.n && !rc; i++)
		rc = table_csv(&ts.t[i], dir);
	if (!rc)
		rc = tare_csv(rd, dir);
	if (!rc)
		rc = recording_csv(rd, file, dir);
	pc_tables_free(&ts);
	if (!rc)
		printf("%s: %llu frames to %s/frames.csv, the tables beside it\n", file,
		       (unsigned long long)pd_rec_reader_info(rd)->frames, dir);
	return rc;
}
