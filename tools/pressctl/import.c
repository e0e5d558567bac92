/* pressctl import FILE... [-o OUT.h5 | -d DIR]: other vendors' recordings
 * as pressd recordings (docs/import.md). Two streaming passes over each
 * file: the first checks all of it and finds how many decimals its values
 * use and their maximum (so the scale loses nothing and a bad file leaves
 * nothing behind), the second writes. When the decimals the file uses
 * would take a value past 16 bits, the most decimals that fit are kept and
 * the values rounded to them (said on stderr and in the root attribute
 * import_rounding). The recording is written under a
 * hidden temporary name beside the output and renamed when complete. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "import.h"
#include "offline.h"
#include "recording.h"

#define MAX_FIELDS 512

struct job {
	const char *file, *out;
	char outdir[4096];
	/* pass 1 */
	struct pi_geometry g;
	int decimals;
	int64_t max;
	uint64_t frames;
	size_t nfields;
	struct pd_rec_meta meta[MAX_FIELDS + 2];
	/* pass 2 */
	const struct pi_parser_ops *ops;
	struct pd_rec *rec;
	struct pd_device_info info;
	uint16_t *cells;
	int64_t divisor;
	int64_t start_ns;
	char err[512];
};

static int scan_field(void *ctx, const char *key, const char *value)
{
	struct job *j = ctx;
	for (size_t i = 0; i < j->nfields; i++)
		if (!strcmp(j->meta[i].key, key))
			return 0; /* the first of a repeated key is kept */
	if (j->nfields >= MAX_FIELDS)
		return 0;
	j->meta[j->nfields].key = strdup(key);
	j->meta[j->nfields].value = strdup(value);
	if (!j->meta[j->nfields].key || !j->meta[j->nfields].value)
		return -1;
	j->nfields++;
	return 0;
}

static int scan_geometry(void *ctx, const struct pi_geometry *g)
{
	((struct job *)ctx)->g = *g;
	return 0;
}

static int scan_frame(void *ctx, const struct pi_frame *f)
{
	struct job *j = ctx;
	size_t n = (size_t)j->g.rows * j->g.cols;
	if (f->decimals > j->decimals)
		j->decimals = f->decimals;
	for (size_t i = 0; i < n; i++)
		if (f->value[i] > j->max)
			j->max = f->value[i];
	j->frames++;
	return 0;
}

static int write_geometry(void *ctx, const struct pi_geometry *g)
{
	struct job *j = ctx;
	struct pd_device_info *in = &j->info;
	memset(in, 0, sizeof *in);
	in->kind = PD_KIND_MAT;
	in->rows = (uint16_t)g->rows;
	in->cols = (uint16_t)g->cols;
	in->pitch_x_mm = (float)g->pitch_x_mm;
	in->pitch_y_mm = (float)g->pitch_y_mm;
	in->rate_hz = (float)(1.0 / g->period_s);
	in->unit = !strcmp(g->unit, "kPa") ? PD_UNIT_KPA : !strcmp(g->unit, "N") ? PD_UNIT_NEWTON
		   : !strcmp(g->unit, "mmHg") ? PD_UNIT_MMHG : PD_UNIT_COUNTS;
	int64_t scaled_max = (j->max + j->divisor / 2) / j->divisor;
	in->cell_bits = scaled_max <= 255 ? 8 : 16;
	in->units_per_count = in->unit == PD_UNIT_COUNTS ? 0 : (float)pow(10, -j->decimals);
	/* The analysis' thresholds are fractions of full scale: the sensor's
	 * saturation where the file gives it, else the largest value in it. */
	double sat = g->saturation * pow(10, j->decimals);
	int64_t cap = in->cell_bits == 8 ? 255 : 65535;
	in->full_scale = (uint32_t)(sat >= 1 && sat <= (double)cap ? (int64_t)llround(sat)
				    : scaled_max > 0 ? scaled_max : cap);
	snprintf(in->model, sizeof in->model, "%s", j->ops->name);
	j->cells = calloc((size_t)g->rows * g->cols, sizeof *j->cells);
	if (!j->cells)
		return -1;
	struct pd_rec_params p = {
		.dir = j->outdir,
		.device_id = ".import",
		.info = in,
		.protocol = j->ops->name,
		.uri = j->file,
		.start_utc_ns = j->start_ns,
		.meta = j->meta,
		.nmeta = j->nfields,
	};
	return pd_rec_create(&j->rec, &p, j->err, sizeof j->err);
}

static inline __attribute__((always_inline)) void scale_cells(struct job *j, const int64_t *v, size_t n,
								int64_t divisor)
{
	if (j->info.cell_bits == 8) {
		uint8_t *c8 = (uint8_t *)j->cells;
		for (size_t i = 0; i < n; i++)
			c8[i] = (uint8_t)((v[i] + divisor / 2) / divisor);
	} else {
		/* to the nearest (exact when the file has no more decimals than kept);
		 * little-endian hosts, as the daemon's decoders */
		for (size_t i = 0; i < n; i++)
			j->cells[i] = (uint16_t)((v[i] + divisor / 2) / divisor);
	}
}

static int write_frame(void *ctx, const struct pi_frame *f)
{
	struct job *j = ctx;
	size_t n = (size_t)j->g.rows * j->g.cols;
	/* constant divisors, so each is a multiply (the hot loop of pass 2) */
	switch (j->decimals) {
	case 0: scale_cells(j, f->value, n, PI_ONE); break;
	case 1: scale_cells(j, f->value, n, PI_ONE / 10); break;
	case 2: scale_cells(j, f->value, n, PI_ONE / 100); break;
	case 3: scale_cells(j, f->value, n, PI_ONE / 1000); break;
	case 4: scale_cells(j, f->value, n, PI_ONE / 10000); break;
	case 5: scale_cells(j, f->value, n, PI_ONE / 100000); break;
	default: scale_cells(j, f->value, n, 1); break;
	}
	int64_t t_ns = llround(f->t * 1e9);
	struct pd_frame fr = {
		.seq = (uint32_t)f->index,
		.device_time_us = (uint64_t)(t_ns / 1000),
		.rx = { .utc_ns = j->start_ns + t_ns, .mono_ns = t_ns },
		.rows = (uint16_t)j->g.rows,
		.cols = (uint16_t)j->g.cols,
		.cell_bits = j->info.cell_bits,
		.cells = j->cells,
	};
	if (pd_rec_append_frame(j->rec, &fr) != 0) {
		snprintf(j->err, sizeof j->err, "%s", pd_rec_error(j->rec));
		return -1;
	}
	if (pd_rec_frames(j->rec) % 4096 == 0 && pd_rec_flush(j->rec) != 0)
		return -1;
	return 0;
}

static int import_one(struct job *j)
{
	FILE *in = fopen(j->file, "rb");
	if (!in) {
		fprintf(stderr, "pressctl: %s: %s\n", j->file, strerror(errno));
		return EX_NOINPUT;
	}
	char head[4096];
	size_t n = fread(head, 1, sizeof head, in);
	const char *what;
	j->ops = pi_detect(head, n, &what);
	if (!j->ops) {
		fprintf(stderr, "pressctl: %s: line 1: %s\n", j->file,
			what ? "this format has no importer yet" : "not a recording of a known vendor format");
		if (what)
			fprintf(stderr, "pressctl: %s: (looks like %s)\n", j->file, what);
		fclose(in);
		return EX_DATAERR;
	}
	char why[512];
	struct pi_sink scan = { .ctx = j, .field = scan_field, .geometry = scan_geometry, .frame = scan_frame };
	rewind(in);
	scan_field(j, "source_format", j->ops->name);
	scan_field(j, "source_file", j->file);
	if (pi_feed_file(j->ops, in, &scan, why, sizeof why) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", j->file, why);
		fclose(in);
		return EX_DATAERR;
	}
	if (j->g.rows > 65535 || j->g.cols > 65535) {
		fprintf(stderr, "pressctl: %s: a %ux%u grid is larger than a recording holds\n", j->file, j->g.rows,
			j->g.cols);
		fclose(in);
		return EX_DATAERR;
	}
	/* the fewest decimals that keep every value exact, or the most that fit 16 bits */
	int want = j->decimals;
	for (;;) {
		j->divisor = 1;
		for (int k = j->decimals; k < PI_MAX_DECIMALS; k++)
			j->divisor *= 10;
		if ((j->max + j->divisor / 2) / j->divisor <= 65535 || j->decimals == 0)
			break;
		j->decimals--;
	}
	if ((j->max + j->divisor / 2) / j->divisor > 65535) {
		fprintf(stderr, "pressctl: %s: values up to %.*f %s do not fit 16 bits even as whole numbers\n", j->file,
			PI_MAX_DECIMALS, (double)j->max / 1e6, j->g.unit);
		fclose(in);
		return EX_DATAERR;
	}
	if (j->decimals < want) {
		char note[256];
		snprintf(note, sizeof note,
			 "values rounded to %d decimal%s (the file has %d; %.*f %s needs more than 16 bits at %d): "
			 "each at most %g %s off",
			 j->decimals, j->decimals == 1 ? "" : "s", want, want, (double)j->max / 1e6, j->g.unit, want,
			 0.5 * pow(10, -j->decimals), j->g.unit);
		fprintf(stderr, "pressctl: %s: %s\n", j->file, note);
		scan_field(j, "import_rounding", note);
	}
	struct stat st;
	/* the file's own UTC clock when it has one, else its modification time */
	j->start_ns = j->g.start_utc_ns ? j->g.start_utc_ns
		      : fstat(fileno(in), &st) == 0 ? (int64_t)st.st_mtim.tv_sec * 1000000000LL : 0;
	struct pi_sink wr = { .ctx = j, .geometry = write_geometry, .frame = write_frame };
	rewind(in);
	int rc = pi_feed_file(j->ops, in, &wr, why, sizeof why);
	fclose(in);
	char tmp[4096] = "";
	if (j->rec)
		snprintf(tmp, sizeof tmp, "%s", pd_rec_path(j->rec));
	if (rc != 0) {
		fprintf(stderr, "pressctl: %s: %s%s%s\n", j->file, why, j->err[0] ? ": " : "", j->err);
		pd_rec_close(j->rec, NULL, 0);
		if (tmp[0])
			unlink(tmp);
		return j->err[0] ? EX_CANTCREAT : EX_DATAERR;
	}
	if (pd_rec_close(j->rec, j->err, sizeof j->err) != 0 || link(tmp, j->out) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", j->out, j->err[0] ? j->err : strerror(errno));
		unlink(tmp);
		return EX_CANTCREAT;
	}
	/* link + unlink: never replaces a file that appeared meanwhile */
	unlink(tmp);
	printf("%s: %llu frames of %ux%u %s to %s\n", j->file, (unsigned long long)j->frames, j->g.rows, j->g.cols,
	       j->g.unit, j->out);
	return 0;
}

int pc_cmd_import(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	const char *out = pc_args_get(a, "output");
	const char *dir = pc_args_get(a, "dir");
	if (a->npos < 1)
		return pc_args_usage(a, "import takes one FILE or more");
	if (out && dir)
		return pc_args_usage(a, "import takes -o or -d, not both");
	if (out && a->npos != 1)
		return pc_args_usage(a, "-o names one output: give one FILE, or use -d DIR");
	int rc = 0;
	for (int i = 0; i < a->npos && rc == 0; i++) {
		struct job *j = calloc(1, sizeof *j);
		if (!j)
			return EX_OSERR;
		char outbuf[4096];
		j->file = a->pos[i];
		if (out) {
			j->out = out;
		} else {
			char *base = strdup(j->file);
			if (!base) {
				free(j);
				return EX_OSERR;
			}
			char *b = basename(base);
			char *dot = strrchr(b, '.');
			if (dot && dot != b)
				*dot = '\0';
			snprintf(outbuf, sizeof outbuf, "%s/%s.h5", dir ? dir : ".", b);
			free(base);
			j->out = outbuf;
		}
		char *o = strdup(j->out);
		snprintf(j->outdir, sizeof j->outdir, "%s", o ? dirname(o) : ".");
		free(o);
		if (access(j->out, F_OK) == 0) {
			fprintf(stderr, "pressctl: %s exists already: pressctl never overwrites a recording\n", j->out);
			rc = EX_CANTCREAT;
		} else {
			rc = import_one(j);
		}
		for (size_t k = 0; k < j->nfields; k++) {
			free((char *)j->meta[k].key);
			free((char *)j->meta[k].value);
		}
		free(j->cells);
		free(j);
	}
	pd_rec_shutdown();
	return rc;
}
