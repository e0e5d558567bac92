/* pressctl import FILE... [-o OUT.h5 | -d DIR] [--matrix ROWSxCOLS ...]:
 * other vendors' recordings as pressd recordings (docs/import.md). Two
 * streaming passes over each file: the first checks all of it and finds
 * how many decimals its values use and their maximum (so the scale loses
 * nothing and a bad file leaves nothing behind), the second writes; a
 * file whose bytes differ between the passes (still being written,
 * replaced) is refused, never stored wrong. When the decimals the file uses
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
#include <time.h>
#include <unistd.h>

#include "import_cli.h"
#include "offline.h"
#include "params.h"
#include "recording.h"
#include "units.h"
#include "vendor_parser.h"

#define MAX_FIELDS 512
#define MAX_ANALYSIS 32

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
	const struct pi_format *format;
	const struct pi_parser_ops *ops;
	const struct pi_given *given;
	uint64_t digest;
	struct pd_rec *rec;
	struct pd_device_info info;
	uint16_t *cells;
	int64_t divisor;
	int64_t start_ns;
	char start_source[160];
	char err[512];
	/* /analysis: the defaults a replay of the file would use */
	struct pd_rec_meta analysis[MAX_ANALYSIS];
	char analysis_values[MAX_ANALYSIS][32];
	size_t nanalysis;
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
	if (j->frames == 0 && !j->g.start.set && f->stamp) /* no start in the header: the first frame's stamp */
		j->g.start = *f->stamp;
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
	/* the analysis parameters a replay of this file uses: the defaults */
	struct pd_analysis_params ap;
	pd_analysis_params_default(&ap);
	for (const char *k; j->nanalysis < MAX_ANALYSIS && (k = pd_analysis_param_name(j->nanalysis)); j->nanalysis++) {
		pd_analysis_params_get(&ap, k, j->analysis_values[j->nanalysis], sizeof j->analysis_values[0]);
		j->analysis[j->nanalysis] = (struct pd_rec_meta){ k, j->analysis_values[j->nanalysis] };
	}
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
		.analysis = j->analysis,
		.nanalysis = j->nanalysis,
		.analysis_units = pd_info_units(in),
	};
	return pd_rec_create(&j->rec, &p, j->err, sizeof j->err);
}

/* A value past the first pass's maximum: the file changed between them. */
static bool beyond_first_pass(const struct job *j, const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] > j->max)
			return true;
	return false;
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
	if (beyond_first_pass(j, f->value, n)) {
		snprintf(j->err, sizeof j->err, "frame %llu has a value the first pass did not see: the file changed "
			 "while it was read", (unsigned long long)f->index);
		return -1;
	}
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

/* When the session started: the file's UTC clock, else the date and time
 * its header states (the recording machine's clock, taken as this
 * machine's local time zone), else the file's modification time. */
static void session_start(struct job *j, const struct stat *st)
{
	if (j->g.start_utc_ns) {
		j->start_ns = j->g.start_utc_ns;
		snprintf(j->start_source, sizeof j->start_source, "the file's UTC timestamps");
		return;
	}
	if (j->g.start.set) {
		const struct pi_when *w = &j->g.start;
		struct tm tm = { .tm_year = w->year - 1900, .tm_mon = w->month - 1, .tm_mday = w->day,
				 .tm_hour = w->hour, .tm_min = w->minute, .tm_sec = (int)w->second, .tm_isdst = -1 };
		time_t t = mktime(&tm);
		if (t != (time_t)-1) {
			j->start_ns = (int64_t)t * 1000000000LL + llround((w->second - (int)w->second) * 1e9);
			char zone[16] = "";
			strftime(zone, sizeof zone, "%z", &tm);
			snprintf(j->start_source, sizeof j->start_source, "header: \"%.80s\" (local time, UTC%s)", w->text,
				 zone);
			return;
		}
	}
	j->start_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL;
	snprintf(j->start_source, sizeof j->start_source, "file modification time (the file states no start)");
}

static int refuse(struct job *j, FILE *in, int rc, const char *why)
{
	fprintf(stderr, "pressctl: %s: %s\n", j->file, why);
	if (in)
		fclose(in);
	return rc;
}

static int import_one(struct job *j)
{
	FILE *in = fopen(j->file, "rb");
	if (!in) {
		fprintf(stderr, "pressctl: %s: %s\n", j->file, strerror(errno));
		return EX_NOINPUT;
	}
	struct stat st0, st1;
	if (fstat(fileno(in), &st0) != 0 || !S_ISREG(st0.st_mode))
		return refuse(j, in, EX_NOINPUT, "not a regular file (a pipe?): import reads a file twice, "
				"so save it first");
	if (j->given) {
		j->format = pi_format_named("matrix");
	} else {
		char head[4096];
		size_t n = fread(head, 1, sizeof head, in);
		j->format = pi_detect(head, n);
		if (!j->format) {
			fprintf(stderr, "pressctl: %s: line 1: not a recording of a known vendor format; pressctl import knows:\n",
				j->file);
			pc_import_list_formats(stderr);
			fclose(in);
			return EX_DATAERR;
		}
	}
	j->ops = j->format->ops;
	char why[512];
	struct pi_sink scan = { .ctx = j, .given = j->given, .field = scan_field, .geometry = scan_geometry,
				.frame = scan_frame };
	rewind(in);
	scan_field(j, "source_format", j->ops->name);
	scan_field(j, "source_file", j->file);
	uint64_t digest1;
	if (pi_feed_file_digest(j->ops, in, &scan, &digest1, why, sizeof why) != 0)
		return refuse(j, in, EX_DATAERR, why);
	if (j->g.rows > 65535 || j->g.cols > 65535) {
		fprintf(stderr, "pressctl: %s: a %ux%u grid is larger than a recording holds\n", j->file, j->g.rows,
			j->g.cols);
		fclose(in);
		return EX_DATAERR;
	}
	if (!(j->g.period_s >= 1e-6 && j->g.period_s <= 3600))
		return refuse(j, in, EX_DATAERR, "its rate is no rate a sensor records at (1 frame an hour to "
				"a million a second)");
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
	session_start(j, &st0);
	scan_field(j, "session_start_source", j->start_source);
	struct pi_sink wr = { .ctx = j, .given = j->given, .geometry = write_geometry, .frame = write_frame };
	rewind(in);
	int rc = pi_feed_file_digest(j->ops, in, &wr, &j->digest, why, sizeof why);
	bool changed = rc == 0 && (j->digest != digest1 || fstat(fileno(in), &st1) != 0 ||
				   st1.st_size != st0.st_size || st1.st_mtim.tv_sec != st0.st_mtim.tv_sec ||
				   st1.st_mtim.tv_nsec != st0.st_mtim.tv_nsec);
	fclose(in);
	char tmp[4096] = "";
	if (j->rec)
		snprintf(tmp, sizeof tmp, "%s", pd_rec_path(j->rec));
	if (rc != 0 || changed) {
		if (changed)
			fprintf(stderr, "pressctl: %s: the file changed while it was read (still being written?): "
				"nothing imported\n", j->file);
		else
			fprintf(stderr, "pressctl: %s: %s%s%s\n", j->file, why, j->err[0] ? ": " : "", j->err);
		pd_rec_close(j->rec, NULL, 0);
		if (tmp[0])
			unlink(tmp);
		return j->err[0] && !changed && !strstr(j->err, "changed") ? EX_CANTCREAT : EX_DATAERR;
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
	struct pi_given given;
	int grc = pc_import_given(a, &given);
	if (grc < 0)
		return EX_USAGE;
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
		j->given = grc ? &given : NULL;
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
