/* pressctl export FILE --csv DIR: a recording as CSV files, the way
 * pressure-mat software (Tekscan, the pressuRe R package) exchanges them.
 *
 * frames.csv: a comment header (file, device, geometry, unit and the
 * conversion to it), then one block per frame: a line
 * "Frame N,seq S,t T,time U" (N from 1, t device seconds, time host UTC
 * seconds) and rows lines of cols raw counts as stored, then a blank line.
 * presses.csv ... marks.csv: one row per event, a header of field names
 * (the fields events.md lists for the type, then any other the file has;
 * a field with no value is an empty cell, pulses' durations one cell of
 * space-separated seconds). gaps.csv: after_seq,missing. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "offline.h"
#include "recording.h"

#define MAX_COLUMNS 48

/* events.md's fields per type, in its order, after t, frame and time. */
static const char *const known_fields[PC_EVENT_TYPES][20] = {
	{ "id", "contact", "t_start", "duration", "peak", "mean", "impulse", "x", "y", "units" },
	{ "id", "contact", "x", "y", "t_start", "duration", "peak", "mean", "impulse", "drift_mm", "target_s",
	  "reached", "units" },
	{ "id", "x", "y", "count", "durations", "t_start", "t_end", "units", "mean_peak" },
	{ "id", "contact", "x0", "y0", "x1", "y1", "length_mm", "duration", "speed_mm_s", "direction_deg", "mean",
	  "peak", "pass", "units" },
	{ "id", "from_mm", "to_mm", "length_mm", "duration", "speed_mm_s", "direction", "mean_force",
	  "peak_force", "peak_axis_mm", "units" },
	{ "label" },
};

struct columns {
	const char *name[MAX_COLUMNS];
	int n;
};

static void add_column(struct columns *c, const char *name)
{
	if (!strcmp(name, "v") || !strcmp(name, "type") || !strcmp(name, "device"))
		return;
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return;
	if (c->n < MAX_COLUMNS)
		c->name[c->n++] = name;
}

/* A CSV cell: quoted when it holds a comma, quote or line break. */
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

static void put_value(FILE *out, const json_t *v)
{
	if (json_is_string(v)) {
		put_text(out, json_string_value(v));
	} else if (json_is_boolean(v)) {
		fputs(json_is_true(v) ? "true" : "false", out);
	} else if (json_is_integer(v)) {
		fprintf(out, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		fprintf(out, "%.17g", json_real_value(v));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (i)
				fputc(' ', out);
			put_value(out, x);
		}
	}
	/* absent (NULL) or null: an empty cell */
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

static int export_frames(struct pd_rec_reader *rd, const char *file, const char *dir)
{
	char path[4096];
	FILE *out = create(dir, "frames.csv", path, sizeof path);
	if (!out)
		return EX_IOERR;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const struct pd_device_info *d = &fi->device;
	fprintf(out, "# pressd recording %s, device %s (%s %s, serial %s)\n", file, fi->device_id,
		pd_kind_name(d->kind), d->model, d->serial);
	fprintf(out, "# %u rows x %u cols, pitch %g x %g mm, %g Hz, session start %s\n", d->rows, d->cols,
		d->pitch_x_mm, d->pitch_y_mm, d->rate_hz, fi->session_start_time);
	fprintf(out, "# values: raw counts as stored; unit %s, conversion %.9g %s per count\n", fi->unit,
		fi->conversion, fi->unit);
	fputs("# block: Frame N (from 1),seq (device sequence),t (device seconds),time (host UTC seconds)\n", out);
	for (uint64_t i = 0; i < fi->frames; i++) {
		struct pd_frame f;
		double t, utc;
		if (pd_rec_reader_frame(rd, i, &f, &t, &utc) != 0) {
			fprintf(stderr, "pressctl: %s: frame %llu: %s\n", file, (unsigned long long)i,
				pd_rec_reader_error(rd));
			fclose(out);
			return 1;
		}
		fprintf(out, "%sFrame %llu,seq %u,t %.6f,time %.6f\n", i ? "\n" : "", (unsigned long long)i + 1,
			f.seq, t, utc);
		const uint8_t *c = f.cells;
		for (unsigned r = 0; r < f.rows; r++) {
			for (unsigned k = 0; k < f.cols; k++) {
				size_t at = (size_t)r * f.cols + k;
				unsigned v = f.cell_bits == 16 ? (unsigned)c[2 * at] | (unsigned)c[2 * at + 1] << 8 : c[at];
				fprintf(out, k ? ",%u" : "%u", v);
			}
			fputc('\n', out);
		}
	}
	return finish(out, path);
}

static int export_events(struct pd_rec_reader *rd, int type, const char *dir)
{
	char path[4096], name[32];
	snprintf(name, sizeof name, "%s.csv", pc_event_tables[type]);
	const char *typ = pc_event_types[type];
	uint64_t n = pd_rec_reader_event_count(rd, typ);
	json_t **rows = calloc(n ? n : 1, sizeof *rows);
	if (!rows) {
		fputs("pressctl: out of memory\n", stderr);
		return EX_OSERR;
	}
	int rc = 0;
	struct columns cols = { .n = 0 };
	if (strcmp(typ, "mark") != 0) {
		add_column(&cols, "t");
		add_column(&cols, "frame");
	}
	add_column(&cols, "time");
	for (int i = 0; known_fields[type][i]; i++)
		add_column(&cols, known_fields[type][i]);
	for (uint64_t i = 0; i < n && !rc; i++) {
		if (!(rows[i] = pd_rec_reader_event(rd, typ, i))) {
			fprintf(stderr, "pressctl: %s row %llu: %s\n", typ, (unsigned long long)i, pd_rec_reader_error(rd));
			rc = 1;
			break;
		}
		const char *key;
		json_t *v;
		json_object_foreach(rows[i], key, v) add_column(&cols, key);
	}
	FILE *out = rc ? NULL : create(dir, name, path, sizeof path);
	if (!rc && !out)
		rc = EX_IOERR;
	if (out) {
		for (int c = 0; c < cols.n; c++)
			fprintf(out, c ? ",%s" : "%s", cols.name[c]);
		fputc('\n', out);
		for (uint64_t i = 0; i < n; i++) {
			for (int c = 0; c < cols.n; c++) {
				if (c)
					fputc(',', out);
				put_value(out, json_object_get(rows[i], cols.name[c]));
			}
			fputc('\n', out);
		}
		rc = finish(out, path);
	}
	for (uint64_t i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
	return rc;
}

static int export_gaps(struct pd_rec_reader *rd, const char *dir)
{
	char path[4096];
	FILE *out = create(dir, "gaps.csv", path, sizeof path);
	if (!out)
		return EX_IOERR;
	size_t n;
	const struct pd_rec_gap *g = pd_rec_reader_gaps(rd, &n);
	fputs("after_seq,missing\n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%u,%u\n", g[i].after_seq, g[i].missing);
	return finish(out, path);
}

int pc_cmd_export(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	const char *dir = pc_args_get(a, "csv");
	if (a->npos != 1)
		return pc_args_usage(a, "export takes one FILE");
	if (!dir || !*dir)
		return pc_args_usage(a, "export needs --csv DIR");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "pressctl: %s: %s\n", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	char err[512];
	struct pd_rec_reader *rd;
	if (pd_rec_reader_open(&rd, a->pos[0], err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", a->pos[0], err);
		return 1;
	}
	int rc = export_frames(rd, a->pos[0], dir);
	for (int i = 0; i < PC_EVENT_TYPES && !rc; i++)
		rc = export_events(rd, i, dir);
	if (!rc)
		rc = export_gaps(rd, dir);
	if (!rc)
		printf("%s: %llu frames to %s/frames.csv, events and gaps beside it\n", a->pos[0],
		       (unsigned long long)pd_rec_reader_info(rd)->frames, dir);
	pd_rec_reader_close(rd);
	pd_rec_shutdown();
	return rc;
}
