/* The events a scenario should make the analysis find (its ground truth),
 * for the tests: derived from the scenario's own keyframes by
 * scenario_truth.c, a test-only library (pressd_scenario_truth) that pressd
 * and pressd-sim do not link. */
#ifndef PD_SCENARIO_TRUTH_H
#define PD_SCENARIO_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

/* ---- ground truth ----------------------------------------------------
 *
 * What the analysis stage should find in one pass, derived from the same
 * keyframes the frames come from. Times are device seconds from the start
 * of the pass (pass p of a looping scenario at a fixed rate starts at
 * p × frames_per_pass / rate), already snapped to the frame grid of the
 * rate the scenario was created with, so a duration is exactly
 * (frames it covers) / rate. Positions are millimetres in the mat's
 * coordinates (analysis.md: x = col × pitch, y = row × pitch); for the
 * roller x is the place along its axis where the load peaks and y is the
 * position along the body (the encoder's). Pressures are counts, the
 * highest cell of the noise-free image (what the frames hold, ± noise).
 * The event rules are analysis.md's, with its default parameters, which
 * are copied into the truth so a test can see what was assumed. */

#define PD_TRUTH_MAX_PULSES 32 /* presses listed per pulse set (count may be higher) */

struct pd_truth_contact {
	uint32_t blob;            /* which blob of the scenario (fingers keep their number) */
	double t_start, duration; /* the contact lasts [t_start, t_start + duration) */
	double x_mm, y_mm;        /* where it touched down */
	double peak;              /* highest cell over the contact */
};

struct pd_truth_press {
	uint32_t contact;         /* index into contacts */
	double t_start, duration;
	double t_peak;            /* when it was hardest */
	double x_mm, y_mm;        /* where, at t_peak */
	double peak;
};

struct pd_truth_hold {
	uint32_t contact, press;  /* indices (roller: of the loaded spell, not listed) */
	double t_start, duration; /* from when it settled to when it lifted or moved */
	double x_mm, y_mm;
	double col, row;          /* fractional cell coordinates of x, y (roller: row 0) */
	double peak;              /* highest cell during the hold */
	bool reached;             /* duration >= hold_target_s */
};

struct pd_truth_pulses {
	uint32_t count;
	uint32_t press[PD_TRUTH_MAX_PULSES];  /* indices into presses, in order */
	double durations[PD_TRUTH_MAX_PULSES];
	double t_start, t_end;
	double x_mm, y_mm;        /* where the first press was */
};

struct pd_truth_stroke {
	uint32_t contact;
	double t_start, duration;
	double x0, y0, x1, y1;
	double length_mm, speed_mm_s;
	double direction_deg;     /* 0 = +x, 90 = +y, in [0, 360) */
	uint32_t pass;            /* 1 + earlier strokes that crossed this one's midpoint */
	double peak;
};

struct pd_truth_roll {
	double t_start, duration;
	double from_mm, to_mm;    /* body positions */
	double length_mm, speed_mm_s;
	int direction;            /* +1 (encoder counting up) or -1 */
	double peak_axis_mm;      /* where along the axis the load peaked */
	double peak;
};

struct pd_scenario_truth {
	double duration_s;        /* one pass */
	double rate_hz;           /* the frame grid the times are snapped to */
	/* analysis.md defaults the events were derived with */
	double hold_min_s, hold_target_s, hold_radius_mm;
	double pulse_radius_mm, pulse_gap_s, stroke_min_mm;

	size_t ncontacts, npresses, nholds, npulses, nstrokes, nrolls;
	const struct pd_truth_contact *contacts; /* mat only */
	const struct pd_truth_press *presses;    /* mat only */
	const struct pd_truth_hold *holds;       /* mat and roller */
	const struct pd_truth_pulses *pulses;    /* mat only */
	const struct pd_truth_stroke *strokes;   /* mat only */
	const struct pd_truth_roll *rolls;       /* roller only */
};

/* Derived on the first call (on the frame grid of the rate the scenario
 * was created with), then kept; valid until pd_scenario_free. Not for
 * several threads at once. */
const struct pd_scenario_truth *pd_scenario_truth(const struct pd_scenario *sc);

#endif
