/* What scenario.c (the generator) and tests/scenario_truth (the expected
 * events) share:
 * the timeline of keyframes a scenario is made of. Private to drivers/sim/
 * and that test library. */
#ifndef PD_SCENARIO_INTERNAL_H
#define PD_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#ifndef PRESSD_VERSION
#define PRESSD_VERSION "dev"
#endif

#define MIN_SIDE 8
#define MAX_SIDE 1024 /* 1024² u16 cells = 2 MiB, well inside pmf's 4 MiB */
#define ROLLER_RADIUS_MM 45.0
#define ROLLER_COUNTS_PER_REV 4096u
/* Noise: triangular on ±NOISE_HALF_WIDTH × full scale, i.e. a standard
 * deviation of 0.3 %; never reaches analysis.md's default noise floor (1 %). */
#define NOISE_HALF_WIDTH (0.003 * 2.449489742783178)
/* How far from the outer cell centres a blob centre must stay: beyond
 * 2 sigma the edge would cut into the blob and bias its position. */
#define FIT_SIGMAS 2.0
#define STILL_EPS_MM 1e-6


#define PI 3.14159265358979323846

struct key {
	double t, x, y, amp; /* absolute: pass seconds, mat mm (roller: axis mm, body mm) */
};

struct seg {
	uint32_t blob;
	size_t first, n; /* keys[first .. first + n) */
	int64_t f0, f1;  /* frames [f0, f1) at the current rate */
};

struct pd_scenario {
	const char *name;
	uint8_t kind, cell_bits;
	uint16_t rows, cols;
	uint32_t full_scale, seed;
	uint8_t unit;
	float units_per_count;
	double pitch, sigma, blob_peak; /* blob_peak in counts */
	double rate, duration;
	bool loop, done;

	struct key *keys;
	size_t nkeys;
	struct seg *segs;
	size_t nsegs;

	uint64_t seq;       /* next frame's sequence number (wrapped to u32 on output) */
	uint64_t k;         /* next frame's index within the pass, at the current rate */
	uint64_t pass_frames;
	uint64_t base_seq;  /* device time = base_us + (seq - base_seq) / rate */
	uint64_t base_us;

	float *acc, *gx, *gy; /* the frame being built, and one blob's separable factors */
	uint8_t *cells;

	/* The expected events, derived only when a test asks for them
	 * (tests/scenario_truth), on the grid of the rate the scenario was
	 * created with; freed with the scenario. */
	double created_rate;
	void *truth;
	void (*truth_free)(void *truth);
};

/* Frame index at which pass time t falls, on the frame grid of `rate`. */
int64_t pd_sc_frame_at(double t, double rate);
/* The blob's noise-free peak cell value at frame k, position (x, y) mm. */
double pd_sc_clean_peak(const struct pd_scenario *sc, int64_t k, double x, double y);
/* Puts each segment's first and last frame, and the pass's length, on the
 * frame grid of sc->rate. */
void pd_sc_snap_segments(struct pd_scenario *sc);

#endif
