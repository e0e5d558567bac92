/* pressctl info FILE (what a recording holds) and pressctl recover FILE
 * (make a file a crash left open readable again). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "bounds.h"
#include "offline.h"
#include "recording.h"

static int one_file(const struct pc_args *a, const char *cmd)
{
	if (a->npos != 1)
		return pc_args_usage(a, "%s takes one FILE", cmd);
	return 0;
}

int pc_bounds_ok(const char *path, uint64_t max_cells)
{
	struct pd_rec_bounds b;
	pd_rec_bounds_default(&b);
	if (max_cells)
		b.max_cells = max_cells;
	char err[512];
	if (pd_rec_check_bounds(path, &b, err, sizeof err) == 0)
		return 1;
	fprintf(stderr, "pressctl: %s: %s: refused (a crafted file, or beyond the sizes pressctl reads)\n",
		path, err);
	return 0;
}

static int open_file(const char *path, struct pd_rec_reader **rd)
{
	char err[512];
	if (!pc_bounds_ok(path, 0))
		return 1;
	if (pd_rec_reader_open(rd, path, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", path, err);
		return 1;
	}
	return 0;
}

static int done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("pressctl: stdout");
		return EX_IOERR;
	}
	return 0;
}

/* First to last frame's device time, plus one frame interval: the time the
 * frames cover (a single frame covers one interval). */
static int duration(struct pd_rec_reader *rd, const struct pd_rec_file_info *fi, double *out)
{
	struct pd_frame f;
	double t0, t1;
	*out = 0;
	if (fi->frames == 0)
		return 0;
	if (pd_rec_reader_frame(rd, 0, &f, &t0, NULL) != 0 ||
	    pd_rec_reader_frame(rd, fi->frames - 1, &f, &t1, NULL) != 0)
		return -1;
	*out = t1 - t0 + (fi->device.rate_hz > 0 ? 1.0 / fi->device.rate_hz : 0);
	return 0;
}

int pc_cmd_info(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	int rc = one_file(a, "info");
	struct pd_rec_reader *rd;
	if (rc || (rc = open_file(a->pos[0], &rd)))
		return rc;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const struct pd_device_info *d = &fi->device;
	double dur;
	if (duration(rd, fi, &dur) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", a->pos[0], pd_rec_reader_error(rd));
		pd_rec_reader_close(rd);
		return 1;
	}
	size_t ngaps;
	const struct pd_rec_gap *gaps = pd_rec_reader_gaps(rd, &ngaps);
	uint64_t missing = 0;
	for (size_t i = 0; i < ngaps; i++)
		missing += gaps[i].missing;

	printf("file      %s\n", a->pos[0]);
	printf("device    %s (%s)\n", fi->device_id, pd_kind_name(d->kind));
	printf("model     %s, serial %s, firmware %s\n", d->model, d->serial, d->firmware);
	printf("geometry  %u x %u cells, %u-bit, pitch %g x %g mm", d->rows, d->cols, d->cell_bits,
	       d->pitch_x_mm, d->pitch_y_mm);
	if (d->kind == PD_KIND_ROLLER)
		printf(", radius %g mm, %u counts/rev", d->radius_mm, d->counts_per_rev);
	printf("\nrate      %g Hz\n", d->rate_hz);
	printf("unit      %s (%g %s per count), full scale %u counts\n", fi->unit, fi->conversion, fi->unit,
	       d->full_scale);
	printf("protocol  %s, uri %s\n", fi->protocol, fi->uri);
	printf("software  %s (format %d)\n", fi->software, fi->format_version);
	printf("session   %s\n", fi->session_start_time);
	printf("duration  %.3f s\n", dur);
	printf("frames    %llu\n", (unsigned long long)fi->frames);
	printf("gaps      %zu (%llu frames missing)\n", ngaps, (unsigned long long)missing);
	printf("events   ");
	for (size_t i = 0; pd_rec_event_type(i); i++)
		printf("%s %s %llu", i ? "," : "", pd_rec_event_type(i),
		       (unsigned long long)pd_rec_reader_event_count(rd, pd_rec_event_type_id(i)));
	printf("\n");
	size_t ntares = pd_rec_reader_tare_count(rd);
	printf("tare      %zu baseline%s", ntares, ntares == 1 ? "" : "s");
	for (size_t k = 0; k < ntares; k++) {
		double t;
		pd_rec_reader_tare_at(rd, k, &t);
		if (isnan(t))
			printf("%s", k ? ", ?" : " (from t=?");
		else
			printf(k ? ", %.3f" : " (from t=%.3f", t);
		printf("%s", k + 1 == ntares ? " s)" : "");
	}
	printf("\n");
	size_t nan = pd_rec_reader_analysis_count(rd);
	if (nan) {
		printf("analysis ");
		for (size_t i = 0; i < nan; i++)
			printf(" %s=%s", pd_rec_reader_analysis(rd, i)->key, pd_rec_reader_analysis(rd, i)->value);
		printf("\n");
	}
	size_t nmeta = pd_rec_reader_meta_count(rd);
	for (size_t i = 0; i < nmeta; i++) {
		const struct pd_rec_meta *m = pd_rec_reader_meta(rd, i);
		printf("meta      %s = %s\n", m->key, m->value);
	}
	pd_rec_reader_close(rd);
	pd_rec_shutdown();
	return done();
}

int pc_cmd_recover(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	int rc = one_file(a, "recover");
	if (rc)
		return rc;
	const char *path = a->pos[0];
	char err[512];
	int state = pd_rec_is_unfinished(path, err, sizeof err);
	switch (state) {
	case PD_REC_CLEAN:
		printf("%s: closed properly, nothing to recover\n", path);
		return done();
	case PD_REC_IN_USE:
		fprintf(stderr, "pressctl: %s: a running pressd is recording it; left alone\n", path);
		return 1;
	case PD_REC_UNFINISHED:
		break;
	default:
		fprintf(stderr, "pressctl: %s: %s\n", path, err);
		return 1;
	}
	if (pd_rec_recover(path, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: cannot recover: %s\n", path, err);
		return 1;
	}
	/* Say what survived: the frames the writer had flushed. */
	struct pd_rec_reader *rd;
	if (pd_rec_reader_open(&rd, path, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: recovered, but it does not open: %s\n", path, err);
		return 1;
	}
	printf("%s: recovered (it was left unfinished): %llu frames\n", path,
	       (unsigned long long)pd_rec_reader_info(rd)->frames);
	pd_rec_reader_close(rd);
	pd_rec_shutdown();
	return done();
}
