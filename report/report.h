/* Session reports (docs/report.md): what a recording says about a session,
 * computed from the file alone through the recording library's reader (no
 * other I/O), for pressctl report to draw.
 *
 *   params.c    the analysis parameters: the file's /analysis, then --set
 *   units.c     unit conversion (kPa ↔ mmHg) and the force of a frame
 *   summary.c   one streaming pass over the frames: length, losses,
 *               baselines, peak / pressure-time / time-under-pressure
 *               maps, force over time, centre-of-pressure path, saturation
 *   events.c    the events: the recorded tables, or a re-analysis of the
 *               recorded frames (analysis library) with other parameters
 *   dose.c      sites (events within pulse_radius_mm) and what each got
 *   compare.c   several sessions side by side: their sites matched by
 *               position, what each site got in each session
 *
 * Memory: the maps and fixed-size curves; nothing grows with the number of
 * frames (events are kept: a session has thousands at most). */
#ifndef PD_REPORT_H
#define PD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "recording.h"

#define PD_REPORT_CURVE_MAX 2000 /* points of the force curve and the COP path */

/* ---- parameters (params.c) ---------------------------------------------- */

#define PD_REPORT_MAX_SETS 32

struct pd_report_set {
	const char *key, *value; /* "noise", "2%" (key with or without "analysis.") */
};

struct pd_report_params {
	struct pd_analysis_params p;
	/* per parameter of pd_analysis_param_name's table: where its value came
	 * from: "recorded in the file", "--set", "default (not in the file)" */
	const char *source[32];
	size_t n;
	bool changed; /* a --set changed something: the events must be re-analysed */
};

/* The parameters the file recorded (format 1 has none: the defaults), then
 * each --set on top. 0, or -1 with why (an unknown key, a bad value). */
int pd_report_params_load(struct pd_rec_reader *rd, const struct pd_report_set *sets, size_t nsets,
			  struct pd_report_params *out, char *err, size_t errlen);

/* Whether --set gave this key (with or without "analysis."). */
bool pd_report_param_overridden(const struct pd_report_params *rp, const char *key);

/* ---- units (units.c) ----------------------------------------------------- */

/* The factor from the file's unit to `want` (NULL or "": the file's own:
 * 1). 0, or -1 when it cannot be converted (counts, N to a pressure...). */
int pd_report_unit_factor(const char *from, const char *want, double *factor);
/* The unit of a file's values: its /frames unit when it has a
 * conversion, else "counts" (raw, whatever the unit attribute says). */
const char *pd_report_file_unit(const struct pd_rec_file_info *fi);
/* Newtons per (unit × mm²) for a pressure unit (kPa: 1e-3), 0 if not one. */
double pd_report_newton_per_unit_mm2(const char *unit);

/* ---- summary (summary.c) ------------------------------------------------- */

struct pd_report_summary {
	/* the file */
	uint64_t frames;
	double t0, t1;        /* first and last frame's device time */
	double duration_s;    /* t1 - t0 + one frame interval */
	double frame_s;       /* the frame interval every frame is counted for */
	size_t ngaps;
	uint64_t missing;     /* frames lost, per /gaps */
	bool calibrated;      /* values in a unit, not raw counts */
	char unit[8];         /* the unit of the values below (after --unit) */
	double per_count;     /* unit per count */
	double noise;         /* the time-under-pressure threshold, in unit */
	double full_scale;    /* in unit */
	/* baselines (/tare) */
	size_t ntare;
	double *tare_t;       /* NaN: in force from the start (format 1) */
	double *tare_mean;    /* mean over the cells, in unit */
	/* maps: rows × cols, row-major (a roller: position bins × axis cells,
	 * bin k holding positions [(k - rows/2) × bin_mm, ... + bin_mm)) */
	size_t rows, cols;
	double bin_mm;        /* roller: bin height; mat: 0 */
	size_t first_row, last_row; /* roller: the bins that saw a sample (mat: all) */
	double *peak;         /* highest tared value, unit */
	double *pti;          /* Σ p·dt, unit·s */
	double *tup;          /* seconds at or above the noise threshold */
	double peak_max, pti_max, tup_max;
	size_t peak_argmax;
	/* saturation: raw cells at full_scale */
	uint64_t saturated_cells;   /* cells that reached it at least once */
	uint64_t saturated_samples; /* cell-frames at it */
	/* force over time, in ≤ PD_REPORT_CURVE_MAX bins of frames */
	bool force_is_peak;   /* counts: the peak value stands in for force */
	char force_unit[8];   /* "N", or the unit when force_is_peak */
	size_t ncurve;
	double *curve_t;      /* bin's first frame time */
	double *curve_max, *curve_mean;
	double force_max;
	/* centre-of-pressure path, mm: the mean of each bin's frames with load */
	size_t ncop;
	double *cop_t, *cop_x, *cop_y;
	bool roller;
};

struct pd_report_rerun;

/* Streams every frame once. `factor`: file unit → report unit. 0, or -1
 * with why (a frame that cannot be read: a truncated file). */
int pd_report_summarise(struct pd_rec_reader *rd, const struct pd_analysis_params *p, double factor,
			const char *unit, struct pd_report_summary *s, char *err, size_t errlen);
/* The same, feeding `rerun` (a re-analysis: pd_report_rerun_start) the
 * same frames in the same pass, so that a report with --set reads and
 * decodes the file once. -1 also when the re-analysis runs out of memory. */
int pd_report_summarise_rerun(struct pd_rec_reader *rd, const struct pd_analysis_params *p, double factor,
			      const char *unit, struct pd_report_rerun *rerun, struct pd_report_summary *s,
			      char *err, size_t errlen);
void pd_report_summary_free(struct pd_report_summary *s);

/* ---- events (events.c) --------------------------------------------------- */

struct pd_report_mark {
	double t; /* device time (from the mark's UTC time and the frames' clock) */
	char label[PD_EV_LABEL_BYTES];
};

struct pd_report_events {
	struct pd_event *press, *hold, *pulses, *stroke, *roll;
	size_t npress, nhold, npulses, nstroke, nroll;
	struct pd_report_mark *mark;
	size_t nmark;
	char units[8];
	bool reanalysed;
};

/* The file's event tables, values × factor. 0, or -1 with why. */
int pd_report_events_recorded(struct pd_rec_reader *rd, double factor, struct pd_report_events *ev, char *err,
			      size_t errlen);
/* The analysis library over the recorded frames with these parameters,
 * the /tare baselines put in force at their tare_t and /events/settings
 * applied from their frames, as they were live (but a --set key keeps its
 * --set value throughout). Marks are the recorded
 * ones. 0, or -1 with why. */
int pd_report_events_reanalyse(struct pd_rec_reader *rd, const struct pd_report_params *p, double factor,
			       struct pd_report_events *ev, char *err, size_t errlen);
/* The same in steps, for a caller that goes through the frames itself
 * (pd_report_summarise): start (0, or -1 with why), then every frame in
 * order with its t (-1: out of memory, stop), then finish, which frees
 * the re-analysis: `complete` when every frame was fed (0, or -1 with
 * why), false to give up (-1). */
int pd_report_rerun_start(struct pd_report_rerun **out, struct pd_rec_reader *rd, const struct pd_report_params *p,
			  double factor, struct pd_report_events *ev, char *err, size_t errlen);
int pd_report_rerun_frame(struct pd_report_rerun *rr, const struct pd_frame *f, double t);
int pd_report_rerun_finish(struct pd_report_rerun *rr, bool complete, char *err, size_t errlen);
void pd_report_events_free(struct pd_report_events *ev);

/* ---- sites and dose (dose.c) --------------------------------------------- */

struct pd_report_site {
	double x, y;         /* mm: the mean of its events' positions */
	double col, row;     /* the same in cells */
	size_t npress;
	double compression_s; /* Σ press durations */
	double peak;          /* the highest peak of its presses, holds and strokes */
	size_t *holds, nholds;     /* indices into ev->hold */
	size_t *pulses, npulses;   /* into ev->pulses */
	size_t *strokes, nstrokes; /* into ev->stroke */
};

struct pd_report_region {
	double from_mm, to_mm; /* along the body */
	size_t nrolls, up, down;
	double mean_speed, mean_force, peak_force;
};

struct pd_report_dose {
	struct pd_report_site *site;
	size_t nsites;
	struct pd_report_region *region; /* roller */
	size_t nregions;
};

/* Clusters presses, holds, pulse sets and strokes (by their midpoint)
 * lying within radius_mm of each other (single linkage), sites ordered by
 * their first event. Roller: rolls whose ranges overlap form a region.
 * 0, or -1 out of memory. */
int pd_report_dose(const struct pd_report_events *ev, double pitch_x_mm, double pitch_y_mm, double radius_mm,
		   struct pd_report_dose *out);
void pd_report_dose_free(struct pd_report_dose *d);

/* ---- several sessions side by side (compare.c) ----------------------------- */

/* One file as the comparison sees it (everything borrowed). */
struct pd_report_session {
	const struct pd_report_dose *dose;
	const struct pd_report_events *ev;
	const struct pd_device_info *device;
	double start_utc; /* seconds since 1970 (pd_report_iso_utc); NaN: unknown */
	double radius_mm; /* pulse_radius_mm in force for this file */
};

/* What one site got in one session; a site the session did not touch has
 * present false (the page prints a dash). Two of a session's own sites
 * that both match one site of another session are added together. */
struct pd_report_cell {
	bool present;
	double compression_s;
	size_t nholds, nreached;
	double longest_hold_s, longest_target_s; /* the longest hold and its own target_s */
	size_t nsets;
	uint32_t best_set_count;  /* the set with the most presses: how many */
	double best_set_mean_s;   /* and their mean duration (vs 3 × 10 s) */
	size_t nglides;
	uint32_t max_pass;
	double peak;
};

struct pd_report_match {
	double x, y;                 /* mm: the mean of the matched sites' positions */
	struct pd_report_cell *cell; /* one per session of the group, in its order */
};

/* Sessions on one geometry (kind, rows × cols, pitch): positions on them
 * are comparable, positions on another geometry are not. */
struct pd_report_group {
	uint8_t kind;
	uint16_t rows, cols;
	float pitch_x_mm, pitch_y_mm;
	size_t *session;  /* indices into the sessions given, in time order */
	size_t nsessions;
	double radius_mm; /* the smallest pulse_radius_mm of its sessions */
	bool radius_differs;
	struct pd_report_match *site;
	size_t nsites;
};

struct pd_report_compare {
	size_t *order; /* every session given, in time order (unknown times last) */
	size_t n;
	struct pd_report_group *group; /* in the order of their first session */
	size_t ngroups;
};

/* Orders the sessions by start time (stable: equal or unknown times keep
 * the order given), groups them by geometry and, within a group, matches
 * the sessions' sites: two sites are one when their positions are within
 * the group's radius_mm, transitively (single linkage, as within a
 * session). Sites are ordered by the first session that has them, then by
 * that session's own order. 0, or -1 out of memory. */
int pd_report_compare(const struct pd_report_session *s, size_t n, struct pd_report_compare *out);
void pd_report_compare_free(struct pd_report_compare *c);

/* An ISO 8601 UTC time as session_start_time stores it
 * ("2026-09-21T14:13:20.000000+00:00"; "Z", another offset, no fraction,
 * no offset (taken as UTC) too) → seconds since 1970. 0, or -1. */
int pd_report_iso_utc(const char *s, double *out);

#endif
