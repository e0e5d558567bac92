/* pressctl report: what each file's section shows (gathered by report.c
 * from report/'s library), drawn by report_draw.c with cairo and pango
 * (the page machinery in report_page.c, the comparison of several files
 * in report_compare_draw.c) into the files report_out.c makes. */
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
	double start_utc;    /* session_start_time, s since 1970; NaN unknown */
	double seconds;      /* time taken to compute it */
};

enum pc_report_format { PC_REPORT_PDF, PC_REPORT_SVG, PC_REPORT_PNG };

/* The file's root attribute `key` (subject, session, notes...), or NULL. */
const char *pc_report_meta(const struct pc_report_file *f, const char *key);
/* Whether both files have the same `subject`, or neither has one. */
bool pc_report_same_subject(const struct pc_report_file *a, const struct pc_report_file *b);

/* ---- the output files (report_out.c) ---- */

struct pc_report_out {
	const char *path; /* OUT, as given */
	enum pc_report_format fmt;
	int pages;        /* page files opened so far */
	FILE *fp;         /* the one being written */
	char err[256];    /* the first failure; "" */
};

/* Page k's file: OUT for k = 1, else OUT's stem + "-k" + its extension
 * (r.svg, r-2.svg, r-3.svg...). 0, or -1 when it does not fit. */
int pc_report_page_path(const char *out, int page, char *buf, size_t len);
/* Closes the file being written, opens the next page's under its name +
 * ".partial". NULL with why in err. */
FILE *pc_report_out_next(struct pc_report_out *o);
/* Closes the file being written; 0, or -1 (a write failed: why in err). */
int pc_report_out_close(struct pc_report_out *o);
/* Renames every page into place, then removes the pages beyond the last
 * that an earlier, longer report of the same name left. 0, or -1. */
int pc_report_out_commit(struct pc_report_out *o);
/* Removes every ".partial" made. */
void pc_report_out_abort(struct pc_report_out *o);

/* Draws the report: with two or more files the comparison page first,
 * then each file's section; PDF: one file, SVG and PNG: one a page. 0, or
 * -1 with why in err (a write failed). */
int pc_report_draw(const struct pc_report_file *files, size_t n, struct pc_report_out *out, char *err,
		   size_t errlen);

/* --maps-csv DIR: DIR/<file stem>_{peak,pti,tup}.csv, one map row per
 * line. 0, or -1 with why. */
int pc_report_maps_csv(const struct pc_report_file *f, const char *dir, char *err, size_t errlen);

#endif
