/* pressctl report --maps-csv DIR: the maps the report draws, as numbers
 * (DIR/<stem>_peak.csv, _pti.csv, _tup.csv; one map row per line, cells
 * in the report's unit, unit·s and s), for checking and for other tools. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "report_doc.h"

static int one(const struct pd_report_summary *s, const double *m, const char *dir, const char *stem,
	       const char *what, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s_%s.csv", dir, stem, what);
	FILE *fp = fopen(path, "w");
	if (!fp) {
		snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	for (size_t r = s->first_row; r <= s->last_row && r < s->rows; r++)
		for (size_t c = 0; c < s->cols; c++)
			fprintf(fp, "%.9g%c", m[r * s->cols + c], c + 1 < s->cols ? ',' : '\n');
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int pc_report_maps_csv(const struct pc_report_file *f, const char *dir, char *err, size_t errlen)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	const char *base = strrchr(f->path, '/');
	base = base ? base + 1 : f->path;
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	return one(&f->sum, f->sum.peak, dir, stem, "peak", err, errlen) ||
			       one(&f->sum, f->sum.pti, dir, stem, "pti", err, errlen) ||
			       one(&f->sum, f->sum.tup, dir, stem, "tup", err, errlen)
		       ? -1
		       : 0;
}
