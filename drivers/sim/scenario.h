/* The scenario generator: synthetic pressure frames for every row of the
 * behaviour table in analysis.md. One generator, two outlets: pressd-sim
 * encodes its frames onto a pseudo-terminal, pressd's built-in `sim:`
 * device hands them straight to the pipeline. Deterministic: the same
 * parameters give the same frames, bit for bit.
 *
 * A scenario is data, not code: per blob (a finger, a thumb, the leg on a
 * roller) a few segments of position/amplitude keyframes, linearly
 * interpolated. The frames are sampled from that timeline, and so is the
 * ground truth below, so the two cannot disagree. */
#ifndef PD_SCENARIO_H
#define PD_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct pd_scenario_params {
	const char *name;   /* see pd_scenario_list(); NULL: "all" (mat) or "roller" (roller) */
	uint8_t kind;       /* PD_KIND_MAT or PD_KIND_ROLLER; 0: the named scenario's kind */
	uint16_t rows, cols; /* 0: defaults (mat 32 × 32, roller 1 × 16) */
	float pitch_mm;     /* 0: default 10 mm */
	float rate_hz;      /* 0: default 100 */
	uint8_t cell_bits;  /* 0: 16 */
	uint32_t full_scale; /* 0: 4095 for 16-bit cells, 254 for 8-bit */
	uint32_t seed;      /* noise seed */
	bool loop;          /* start over at the end instead of finishing */
	/* A calibrated device: the INFO's unit and units per count (0: counts). */
	uint8_t unit;
	float units_per_count;
	/* Blob shape; 0 means the default. Mostly for tests. */
	float peak_fraction; /* blob peak as a fraction of full_scale (0.6); > 1 saturates */
	float sigma_mm;      /* Gaussian sigma (12 mm) */
};

struct pd_scenario_desc {
	const char *name;
	uint8_t kind;
	const char *summary; /* one line, for --help */
};

struct pd_scenario;

/* NULL-terminated by a zeroed entry. */
const struct pd_scenario_desc *pd_scenario_list(void);

int pd_scenario_new(struct pd_scenario **out, const struct pd_scenario_params *params,
		    char *err, size_t errlen);
void pd_scenario_free(struct pd_scenario *sc);

/* The device description the emulated device announces (at the current rate). */
void pd_scenario_info(const struct pd_scenario *sc, struct pd_device_info *info);

/* Length of one pass through the scenario, seconds of device time. */
double pd_scenario_duration_s(const struct pd_scenario *sc);

/* Frames in one pass at the current rate: ceil(duration × rate). */
uint64_t pd_scenario_frames_per_pass(const struct pd_scenario *sc);

/* The next frame: seq (from 0, +1 per frame), device_time_us (seq / rate),
 * encoder (roller), geometry and cells (valid until the next call). rx is
 * left for the caller. Returns false once the scenario is over (never
 * when looping). */
bool pd_scenario_next(struct pd_scenario *sc, struct pd_frame *frame);

/* Lets n frames go by ungenerated (a source catching up after a stall):
 * seq and device time advance as if they had been made. */
void pd_scenario_skip(struct pd_scenario *sc, uint64_t n);

/* Changes the frame rate from the next frame on (pmf SET_RATE). Device
 * time and the scenario's own clock stay continuous: from here on
 * device_time_us = (time so far) + (frames since) / rate. 0, or -1 when
 * the rate is outside 1..2000 Hz. The ground truth keeps the rate it was
 * made for. */
int pd_scenario_set_rate(struct pd_scenario *sc, float rate_hz);

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

/* Valid until pd_scenario_free. */
const struct pd_scenario_truth *pd_scenario_truth(const struct pd_scenario *sc);

/* Roller: the position along the body for an encoder count
 * (serial-protocols.md: encoder / counts_per_rev × 2π × radius). */
double pd_roller_position_mm(const struct pd_device_info *info, int32_t encoder);

#endif
