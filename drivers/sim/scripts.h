/* The scenarios, as data. Private to scenario.c (included once).
 *
 * Each blob is a list of segments; a segment is a touch: the blob is down
 * from its first keyframe's time to its last's, and position and amplitude
 * are interpolated linearly between keyframes. Times are seconds from the
 * start of the scenario; x, y are millimetres from the mat's centre (so
 * every scenario sits in the middle of any mat it fits); amp is a
 * fraction of the blob's peak (peak_fraction × full_scale). For the
 * roller, x is along its axis from the axis centre and y is the absolute
 * position along the body, which the encoder reports.
 *
 * Offsets of a few tenths of a cell keep blobs off the cell grid, so the
 * sub-cell refinement has something to find. Every scenario has ~1 s of
 * nothing before and 2 s after, as a person settles and walks off. */
#ifndef PD_SIM_SCRIPTS_H
#define PD_SIM_SCRIPTS_H

#include <stdint.h>

#include "frame.h"

struct skey {
	float t, x, y, amp;
};

struct sseg {
	uint8_t blob;
	uint8_t nkeys;
	const struct skey *keys;
};

struct script {
	const char *name;
	uint8_t kind;
	float duration;
	uint8_t nsegs;
	const struct sseg *segs;
};

#define NKEYS(a) ((uint8_t)(sizeof(a) / sizeof((a)[0])))
#define SEG(blob, keys) { (blob), NKEYS(keys), (keys) }

/* hold: one blob still for exactly 30 s, the usual trigger-point compression. */
static const struct skey hold_k[] = { { 1, 3.7f, -2.2f, 1 }, { 31, 3.7f, -2.2f, 1 } };
static const struct sseg hold_s[] = { SEG(0, hold_k) };

/* pump: 12 pushes a second apart, never lifting: between pushes the
 * pressure sinks to a third of the peak. Touch-down and lift-off at 15%,
 * well above contact_on, so it is one contact. */
#define PX (-4.4f)
#define PY 3.1f
#define PUMP(t) { (t) + 0.5f, PX, PY, 1 }, { (t) + 1.0f, PX, PY, 1.0f / 3 }
static const struct skey pump_k[] = {
	{ 1, PX, PY, 0.15f },
	PUMP(1), PUMP(2), PUMP(3), PUMP(4), PUMP(5), PUMP(6),
	PUMP(7), PUMP(8), PUMP(9), PUMP(10), PUMP(11),
	{ 12.5f, PX, PY, 1 }, { 13, PX, PY, 0.15f },
};
#undef PUMP
#undef PX
#undef PY
static const struct sseg pump_s[] = { SEG(0, pump_k) };

/* pulses: 3 × 10 s at one spot, fully off for 5 s between. */
static const struct skey pulse1_k[] = { { 1, 2.9f, 4.6f, 1 }, { 11, 2.9f, 4.6f, 1 } };
static const struct skey pulse2_k[] = { { 16, 2.9f, 4.6f, 1 }, { 26, 2.9f, 4.6f, 1 } };
static const struct skey pulse3_k[] = { { 31, 2.9f, 4.6f, 1 }, { 41, 2.9f, 4.6f, 1 } };
static const struct sseg pulses_s[] = { SEG(0, pulse1_k), SEG(0, pulse2_k), SEG(0, pulse3_k) };

/* glide: 80 mm at 20 mm/s, there and back twice: 4 strokes. Half a second
 * still at each end of the touch, far below hold_min_s, as a hand settles
 * before it moves. */
#define GX (-38.7f)
#define GY 2.7f
static const struct skey glide_k[] = {
	{ 1, GX, GY, 1 },   { 1.5f, GX, GY, 1 },  { 5.5f, GX + 80, GY, 1 },
	{ 9.5f, GX, GY, 1 }, { 13.5f, GX + 80, GY, 1 }, { 17.5f, GX, GY, 1 },
	{ 18, GX, GY, 1 },
};
#undef GX
#undef GY
static const struct sseg glide_s[] = { SEG(0, glide_k) };

/* two: two thumbs 50 mm apart for 10 s, then the left one lifts and the
 * right one stays 5 s more. */
static const struct skey twoa_k[] = { { 1, -24.6f, 1.8f, 1 }, { 11, -24.6f, 1.8f, 1 } };
static const struct skey twob_k[] = { { 1, 25.4f, 1.8f, 1 }, { 16, 25.4f, 1.8f, 1 } };
static const struct sseg two_s[] = { SEG(0, twoa_k), SEG(1, twob_k) };

/* roller: loaded at 50 mm, rolled 200 mm at 100 mm/s five times, turning
 * at once at each end, then left still under load for 20 s. */
#define RX 3.3f
static const struct skey roller_k[] = {
	{ 1, RX, 50, 1 },     { 1.5f, RX, 50, 1 },  { 3.5f, RX, 250, 1 },  { 5.5f, RX, 50, 1 },
	{ 7.5f, RX, 250, 1 }, { 9.5f, RX, 50, 1 },  { 11.5f, RX, 250, 1 }, { 31.5f, RX, 250, 1 },
};
#undef RX
static const struct sseg roller_s[] = { SEG(0, roller_k) };

#define SCRIPT(n, k, dur, segs) { n, k, dur, NKEYS(segs), segs }

static const struct script scripts[] = {
	SCRIPT("hold", PD_KIND_MAT, 33, hold_s),
	SCRIPT("pump", PD_KIND_MAT, 15, pump_s),
	SCRIPT("pulses", PD_KIND_MAT, 43, pulses_s),
	SCRIPT("glide", PD_KIND_MAT, 20, glide_s),
	SCRIPT("two", PD_KIND_MAT, 18, two_s),
	{ "idle", PD_KIND_MAT, 10, 0, NULL },
	SCRIPT("roller", PD_KIND_ROLLER, 33.5f, roller_s),
};

/* `all` plays every mat scenario in turn, each at its own station on the
 * mat when the mat has room, so that one scenario's presses are not taken
 * for a pulse set with the previous one's (pulse_gap_s is 20 s). */
struct station {
	const char *name;
	float dx, dy;
};

static const struct station all_stations[] = {
	{ "hold", -70, -70 }, { "pump", 70, -70 }, { "pulses", -70, 70 },
	{ "glide", 0, 0 },    { "two", 70, 70 },   { "idle", 0, 0 },
};

/* What pd_scenario_list() returns: the names users type, in --help order. */
static const struct pd_scenario_desc catalogue[] = {
	{ "hold", PD_KIND_MAT, "one blob held still 30 s (1 hold, target reached)" },
	{ "pump", PD_KIND_MAT, "a finger pumping 12 times without lifting off (12 presses, 1 pulse set)" },
	{ "pulses", PD_KIND_MAT, "3 x 10 s compressions, 5 s fully off between (3 holds, 1 pulse set)" },
	{ "glide", PD_KIND_MAT, "a blob glided 80 mm at 20 mm/s, back and forth 4 times (4 strokes)" },
	{ "two", PD_KIND_MAT, "two blobs 50 mm apart 10 s, then one lifted, the other stays 5 s" },
	{ "idle", PD_KIND_MAT, "noise only, 10 s" },
	{ "all", PD_KIND_MAT, "every mat scenario above in turn, 139 s (the default for a mat)" },
	{ "roller", PD_KIND_ROLLER, "5 rolls over 200 mm at 100 mm/s, then still under load 20 s (default)" },
	{ NULL, 0, NULL },
};

#endif
