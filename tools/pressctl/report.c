/* pressctl report FILE.h5... -o OUT.pdf|OUT.svg|OUT.png: a session report
 * (docs/report.md). Every file is read and summarised first, so a file
 * that cannot be used stops the command before any output exists; then
 * the pages are drawn into OUT's name + ".partial" (an SVG's or PNG's
 * later pages: OUT-2, OUT-3...; report_out.c) and renamed into place.
 *
 * A file still being recorded (a live pressd holds it) or left unfinished
 * by a crash is refused, not reported half-way: its last second is not on
 * disk yet, and its event tables lack what is still open. */
#include <cairo.h>
#include <math.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "offline.h"
#include "report_doc.h"

static int parse_sets(const struct pc_args *a, struct pd_report_set *sets, size_t *n)
{
	*n = 0;
	for (int i = 0; i < pc_args_count(a, "set"); i++) {
		const char *s = pc_args_nth(a, "set", i);
		const char *eq = strchr(s, '=');
		if (!eq || eq == s)
			return pc_args_usage(a, "--set '%s': expected analysis.KEY=VALUE", s);
		if (*n == PD_REPORT_MAX_SETS)
			return pc_args_usage(a, "too many --set (at most %d)", PD_REPORT_MAX_SETS);
		static char keys[PD_REPORT_MAX_SETS][64];
		struct pd_analysis_params scratch;
		char why[256];
		pd_analysis_params_default(&scratch);
		snprintf(keys[*n], sizeof keys[*n], "%.*s", (int)(eq - s), s);
		if (pd_analysis_params_set(&scratch, keys[*n], eq + 1, why, sizeof why) != 0)
			return pc_args_usage(a, "--set %s: %s", s, why);
		snprintf(keys[*n], sizeof keys[*n], "%.*s", (int)(eq - s), s);
		sets[*n] = (struct pd_report_set){ keys[*n], eq + 1 };
		(*n)++;
	}
	return 0;
}

/* One file: open, refuse what is unusable, summarise. 0 or 1 (said why). */
static int gather(struct pc_report_file *f, const struct pd_report_set *sets, size_t nsets, const char *unit)
{
	char err[512];
	double t0 = pd_mono_s();
	int state = pd_rec_is_unfinished(f->path, err, sizeof err);
	if (state < 0) {
		fprintf(stderr, "pressctl: %s: not a readable recording: %s\n", f->path, err);
		return 1;
	}
	if (state == PD_REC_IN_USE) {
		fprintf(stderr, "pressctl: %s: still being recorded (a running pressd is writing it): "
				"report it once the recording has stopped\n", f->path);
		return 1;
	}
	if (state == PD_REC_UNFINISHED) {
		fprintf(stderr, "pressctl: %s: left unfinished (the recorder crashed or was killed): "
				"run 'pressctl recover %s' first\n", f->path, f->path);
		return 1;
	}
	if (!pc_bounds_ok(f->path, PC_REPORT_MAX_CELLS))
		return 1;
	if (pd_rec_reader_open(&f->rd, f->path, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", f->path, err);
		return 1;
	}
	f->fi = pd_rec_reader_info(f->rd);
	if (pd_report_iso_utc(f->fi->session_start_time, &f->start_utc) != 0)
		f->start_utc = NAN; /* the comparison puts it last */
	if (f->fi->frames == 0) {
		fprintf(stderr, "pressctl: %s: an empty recording (no frames): nothing to report\n", f->path);
		return 1;
	}
	if (pd_report_params_load(f->rd, sets, nsets, &f->params, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", f->path, err);
		return 1;
	}
	const char *from = pd_report_file_unit(f->fi);
	double factor = 1;
	if (unit && pd_report_unit_factor(from, unit, &factor) != 0) {
		snprintf(f->unit_note, sizeof f->unit_note, "--unit %s does not apply: the values are in %s", unit,
			 strcmp(from, "counts") ? from : "raw counts");
		fprintf(stderr, "pressctl: %s: %s\n", f->path, f->unit_note);
		unit = NULL;
		factor = 1;
	}
	/* With --set, the re-analysis goes through the frames in the
	 * summary's pass: the file is read and decoded once. */
	struct pd_report_rerun *rerun = NULL;
	if (f->params.changed && pd_report_rerun_start(&rerun, f->rd, &f->params, factor, &f->ev, err, sizeof err) != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", f->path, err);
		return 1;
	}
	if (pd_report_summarise_rerun(f->rd, &f->params.p, factor, unit ? unit : from, rerun, &f->sum, err,
				      sizeof err) != 0) {
		pd_report_rerun_finish(rerun, false, err, sizeof err);
		fprintf(stderr, "pressctl: %s: %s\n", f->path, err);
		return 1;
	}
	int rc = rerun ? pd_report_rerun_finish(rerun, true, err, sizeof err)
		       : pd_report_events_recorded(f->rd, factor, &f->ev, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "pressctl: %s: %s\n", f->path, err);
		return 1;
	}
	snprintf(f->ev.units, sizeof f->ev.units, "%s", f->sum.unit);
	const struct pd_device_info *d = &f->fi->device;
	double py = d->kind == PD_KIND_ROLLER ? d->pitch_x_mm : d->pitch_y_mm;
	if (pd_report_dose(&f->ev, d->pitch_x_mm, py, f->params.p.pulse_radius_mm, &f->dose) != 0) {
		fprintf(stderr, "pressctl: %s: out of memory\n", f->path);
		return 1;
	}
	f->seconds = pd_mono_s() - t0;
	return 0;
}

static void release(struct pc_report_file *f)
{
	pd_report_dose_free(&f->dose);
	pd_report_events_free(&f->ev);
	pd_report_summary_free(&f->sum);
	if (f->rd)
		pd_rec_reader_close(f->rd);
}

static int format_of(const char *out, enum pc_report_format *fmt)
{
	const char *dot = strrchr(out, '.');
	if (!dot || strchr(dot, '/'))
		return -1;
	if (!strcasecmp(dot, ".pdf"))
		*fmt = PC_REPORT_PDF;
	else if (!strcasecmp(dot, ".svg"))
		*fmt = PC_REPORT_SVG;
	else if (!strcasecmp(dot, ".png"))
		*fmt = PC_REPORT_PNG;
	else
		return -1;
	return 0;
}

const char *pc_report_meta(const struct pc_report_file *f, const char *key)
{
	for (size_t i = 0; i < pd_rec_reader_meta_count(f->rd); i++)
		if (!strcmp(pd_rec_reader_meta(f->rd, i)->key, key))
			return pd_rec_reader_meta(f->rd, i)->value;
	return NULL;
}

bool pc_report_same_subject(const struct pc_report_file *a, const struct pc_report_file *b)
{
	const char *x = pc_report_meta(a, "subject"), *y = pc_report_meta(b, "subject");
	return !x == !y && (!x || !strcmp(x, y));
}

/* Files of more than one subject in one report: likely a wrong file
 * picked, so said on stderr as well as on the comparison page. */
static void warn_subjects(const struct pc_report_file *files, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!pc_report_same_subject(&files[0], &files[i])) {
			const char *a = pc_report_meta(&files[0], "subject"), *b = pc_report_meta(&files[i], "subject");
			fprintf(stderr, "pressctl: warning: %s is of subject %s, %s of %s\n", files[i].path,
				b ? b : "(none recorded)", files[0].path, a ? a : "(none recorded)");
			return;
		}
}

static int write_output(const struct pc_report_file *files, size_t n, enum pc_report_format fmt, const char *out)
{
	struct pc_report_out o = { .path = out, .fmt = fmt };
	char err[512] = "";
	if (pc_report_draw(files, n, &o, err, sizeof err) != 0 || pc_report_out_commit(&o) != 0) {
		pc_report_out_abort(&o);
		fprintf(stderr, "pressctl: %s: cannot write: %s\n", out, *err ? err : o.err);
		return EX_CANTCREAT;
	}
	return 0;
}

int pc_cmd_report(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	const char *out = pc_args_get(a, "output"), *unit = pc_args_get(a, "unit");
	const char *maps = pc_args_get(a, "maps-csv");
	enum pc_report_format fmt = PC_REPORT_PDF;
	if (a->npos < 1)
		return pc_args_usage(a, "report takes one or more FILEs");
	if (!out || !*out)
		return pc_args_usage(a, "report needs -o OUT.pdf, OUT.svg or OUT.png");
	if (format_of(out, &fmt) != 0)
		return pc_args_usage(a, "-o %s: the name must end in .pdf, .svg or .png", out);
	if (unit && strcmp(unit, "kPa") && strcmp(unit, "mmHg"))
		return pc_args_usage(a, "--unit %s: kPa or mmHg", unit);
	struct pd_report_set sets[PD_REPORT_MAX_SETS];
	size_t nsets;
	int rc = parse_sets(a, sets, &nsets);
	if (rc)
		return rc;
	struct pc_report_file *files = calloc((size_t)a->npos, sizeof *files);
	if (!files) {
		fprintf(stderr, "pressctl: out of memory\n");
		return 1;
	}
	for (int i = 0; i < a->npos && !rc; i++) {
		files[i].path = a->pos[i];
		rc = gather(&files[i], sets, nsets, unit);
	}
	for (int i = 0; i < a->npos && !rc && maps; i++) {
		char err[512];
		if (pc_report_maps_csv(&files[i], maps, err, sizeof err) != 0) {
			fprintf(stderr, "pressctl: %s\n", err);
			rc = EX_CANTCREAT;
		}
	}
	if (!rc && a->npos > 1)
		warn_subjects(files, (size_t)a->npos);
	if (!rc)
		rc = write_output(files, (size_t)a->npos, fmt, out);
	for (int i = 0; i < a->npos; i++)
		release(&files[i]);
	free(files);
	/* Pango's, cairo's and fontconfig's caches live to the end of the
	 * process; under LeakSanitizer free them, so it sees only ours. Not
	 * otherwise: cairo_debug_reset_static_data asserts that no font is
	 * still alive, and pango may still hold one from its fontconfig
	 * thread (an abort at exit, seen once on a loaded machine); exiting
	 * frees them anyway, and valgrind counts them as still reachable. */
#ifdef __SANITIZE_ADDRESS__
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
#endif
	pd_rec_shutdown();
	return rc;
}
