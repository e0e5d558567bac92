/* The scenario generator: synthetic pressure frames for every row of the
 * behaviour table in analysis.md. One generator, two outlets: pressd-sim
 * encodes its frames onto a pseudo-terminal, pressd's built-in `sim:`
 * device hands them straight to the pipeline. Deterministic: the same
 * parameters give the same frames, bit for bit.
 *
 * A scenario is data, not code: per blob (a finger, a thumb, the leg on a
 * roller) a few segments of position/amplitude keyframes, linearly
 * interpolated. The frames are sampled from that timeline, and so is the
 * ground truth the tests read (tests/scenario_truth), so the two cannot
 * disagree. */
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
 * the rate is outside 1..2000 Hz. The ground truth (tests/scenario_truth)
 * keeps the rate it was made for. */
int pd_scenario_set_rate(struct pd_scenario *sc, float rate_hz);

/* Roller: the position along the body for an encoder count
 * (serial-protocols.md: encoder / counts_per_rev × 2π × radius). */
double pd_roller_position_mm(const struct pd_device_info *info, int32_t encoder);

#endif
