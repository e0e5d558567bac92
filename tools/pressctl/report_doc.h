/* pressctl report: what each file's section shows (gathered by report.c
 * from report/'s library), drawn by report_draw.c with cairo and pango. */
#ifndef PC_REPORT_DOC_H
#define PC_REPORT_DOC_H

#include "recording.h"
#include "report.h"

struct pc_report_file {
	const char *path;
	struct pd_rec_reader *rd;
	const struct pd_rec_file_info *fi;
	struct pd_report_params params;
	struct pd_report_summary sum;
	struct pd_report_events ev;
	struct pd_report_dose dose;
	char unit_note[160]; /* why --unit did not apply; "" */
	double seconds;      /* time taken to compute it */
};

enum pc_report_format { PC_REPORT_PDF, PC_REPORT_SVG, PC_REPORT_PNG };

/* Draws the files' sections into `out` (PDF: every page; SVG, PNG: the
 * first page). 0, or -1 with why in err (a write failed). */
int pc_report_draw(const struct pc_report_file *files, size_t n, enum pc_report_format fmt, FILE *out, char *err,
		   size_t errlen);

/* --maps-csv DIR: DIR/<file stem>_{peak,pti,tup}.csv, one map row per
 * line. 0, or -1 with why. */
int pc_report_maps_csv(const struct pc_report_file *f, const char *dir, char *err, size_t errlen);

#endif
