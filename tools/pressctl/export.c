/* pressctl export FILE --csv DIR | --mat OUT.mat: a recording (format
 * version 1 or 2) in the form spreadsheets, statistics tools, MATLAB and
 * Octave read without HDF5. */
#include "export.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "offline.h"

static struct pc_attr *put(struct pc_attr *a, size_t *n, size_t max, const char *group, const char *key, bool number)
{
	if (*n >= max)
		return NULL;
	struct pc_attr *x = &a[(*n)++];
	x->group = group;
	x->key = key;
	x->number = number;
	x->value[0] = '\0';
	return x;
}

#define TEXT(g, k, ...) \
	do { \
		struct pc_attr *x_ = put(out, &n, max, g, k, false); \
		if (x_) \
			snprintf(x_->value, sizeof x_->value, __VA_ARGS__); \
	} while (0)
#define NUM(g, k, v) \
	do { \
		struct pc_attr *x_ = put(out, &n, max, g, k, true); \
		if (x_) \
			snprintf(x_->value, sizeof x_->value, "%.9g", (double)(v)); \
	} while (0)

size_t pc_export_attrs(struct pd_rec_reader *rd, const char *file, struct pc_attr *out, size_t max)
{
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const struct pd_device_info *d = &fi->device;
	size_t n = 0;
	TEXT("", "format", "%s", PD_REC_FORMAT);
	NUM("", "format_version", fi->format_version);
	TEXT("", "software", "%s", fi->software);
	TEXT("", "device_id", "%s", fi->device_id);
	TEXT("", "session_start_time", "%s", fi->session_start_time);
	TEXT("", "source", "%s", file);
	TEXT("device.", "kind", "%s", pd_kind_name(d->kind));
	TEXT("device.", "model", "%s", d->model);
	TEXT("device.", "serial", "%s", d->serial);
	TEXT("device.", "firmware", "%s", d->firmware);
	TEXT("device.", "protocol", "%s", fi->protocol);
	TEXT("device.", "uri", "%s", fi->uri);
	NUM("device.", "rows", d->rows);
	NUM("device.", "cols", d->cols);
	NUM("device.", "pitch_x_mm", d->pitch_x_mm);
	NUM("device.", "pitch_y_mm", d->pitch_y_mm);
	NUM("device.", "rate_hz", d->rate_hz);
	NUM("device.", "cell_bits", d->cell_bits);
	NUM("device.", "full_scale", d->full_scale);
	if (d->kind == PD_KIND_ROLLER) {
		NUM("device.", "radius_mm", d->radius_mm);
		NUM("device.", "counts_per_rev", d->counts_per_rev);
	}
	TEXT("frames.", "unit", "%s", fi->unit);
	NUM("frames.", "conversion", fi->conversion);
	return n;
}

int pc_cmd_export(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	const char *dir = pc_args_get(a, "csv"), *mat = pc_args_get(a, "mat");
	if (a->npos != 1)
		return pc_args_usage(a, "export takes one FILE");
	if ((!dir || !*dir) && (!mat || !*mat))
		return pc_args_usage(a, "export needs --csv DIR or --mat OUT.mat");
	char err[512];
	struct pd_rec_reader *rd;
	if (!pc_bounds_ok(a->pos[0], 0)) {
		pd_rec_shutdown();
		return 1;
	}
	if (pd_rec_reader_open(&rd, a->pos[0], err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", a->pos[0], err);
		pd_rec_shutdown();
		return 1;
	}
	int rc = 0;
	if (dir && *dir)
		rc = pc_export_csv(rd, a->pos[0], dir);
	if (!rc && mat && *mat)
		rc = pc_export_mat(rd, a->pos[0], mat);
	pd_rec_reader_close(rd);
	pd_rec_shutdown();
	return rc;
}
