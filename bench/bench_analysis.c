/* Analysis throughput: frames per second of the whole analysis stage
 * (pd_analysis_feed: tare pass, peaks, tracking, every event stage, the
 * sites and bouts of stage 9 included) on
 * 32×32, 64×64 and 128×128 uint16 frames holding 0, 1 and 4 contacts, on
 * one core, next to a single pass that only sums every cell of the same
 * frames: the floor any per-frame work stands on. The frames are
 * synthetic Gaussian blobs (sigma 12 mm at 10 mm pitch, 60 % of full
 * scale) plus the simulator's noise, each blob circling slowly (5 mm
 * radius, once per 64 frames: 50 mm/s at 100 Hz), made before timing so
 * that only the analysis is measured.
 *
 *   bench_analysis [seconds per case, default 0.5] [side] [contacts]
 *
 * Each figure is the best of many short batches (bench_case), so that a
 * machine shared with other work still measures the code, not the queue.
 *
 * Figures are reported in docs/performance.md. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "clock.h"

#define NFRAMES 64
#define PI 3.14159265358979323846
#define PITCH 10.0
#define SIGMA 12.0
#define FULL 4095

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint8_t *make_frames(int n, int blobs)
{
	size_t ncells = (size_t)n * n;
	uint8_t *buf = malloc(ncells * 2 * NFRAMES);
	if (!buf)
		return NULL;
	uint64_t rng = 0x9E3779B97F4A7C15ull;
	double span = (n - 1) * PITCH;
	for (int k = 0; k < NFRAMES; k++) {
		uint8_t *f = buf + (size_t)k * ncells * 2;
		double ang = 2 * PI * k / NFRAMES;
		for (int r = 0; r < n; r++) {
			for (int c = 0; c < n; c++) {
				double v = 0;
				for (int b = 0; b < blobs; b++) {
					/* one blob in the middle, or four in the quadrants */
					double cx = blobs == 1 ? span / 2 : span * (b % 2 ? 0.72 : 0.28);
					double cy = blobs == 1 ? span / 2 : span * (b / 2 ? 0.72 : 0.28);
					double bx = cx + 5 * cos(ang + b), by = cy + 5 * sin(ang + b);
					double dx = c * PITCH - bx, dy = r * PITCH - by;
					v += 0.6 * FULL * exp(-(dx * dx + dy * dy) / (2 * SIGMA * SIGMA));
				}
				uint64_t x = rng_next(&rng);
				double u1 = (double)(x >> 40) / 16777216.0, u2 = (double)((x >> 16) & 0xFFFFFF) / 16777216.0;
				v += 0.003 * 2.449489742783178 * FULL * (u1 + u2 - 1);
				long q = v <= 0 ? 0 : lround(v);
				if (q > FULL)
					q = FULL;
				size_t i = (size_t)r * n + c;
				f[2 * i] = (uint8_t)q;
				f[2 * i + 1] = (uint8_t)(q >> 8);
			}
		}
	}
	return buf;
}

static unsigned long long events;

static void count_event(void *ctx, const struct pd_event *ev)
{
	(void)ctx;
	(void)ev;
	events++;
}

/* The reference: read every cell once and add it up. */
static uint64_t sum_pass(const uint8_t *cells, size_t ncells)
{
	uint64_t s = 0;
	for (size_t i = 0; i < ncells; i++)
		s += (uint32_t)cells[2 * i] | (uint32_t)cells[2 * i + 1] << 8;
	return s;
}

static volatile uint64_t sink;

/* Seconds for one batch: NFRAMES sum passes, or NFRAMES frames analysed
 * (continuing the device's sequence and time from *n). */
static double batch_sum(const uint8_t *frames, size_t ncells)
{
	double t0 = pd_mono_s();
	for (int k = 0; k < NFRAMES; k++)
		sink += sum_pass(frames + (size_t)k * ncells * 2, ncells);
	return pd_mono_s() - t0;
}

static double batch_analysis(struct pd_analysis *a, const uint8_t *frames, int side, uint64_t *n)
{
	size_t ncells = (size_t)side * side;
	struct pd_frame f = { .rows = (uint16_t)side, .cols = (uint16_t)side, .cell_bits = 16 };
	double t0 = pd_mono_s();
	for (int k = 0; k < NFRAMES; k++, (*n)++) {
		f.seq = (uint32_t)*n;
		f.device_time_us = *n * 10000;
		f.cells = frames + (size_t)k * ncells * 2;
		pd_analysis_feed(a, &f);
	}
	return pd_mono_s() - t0;
}

/* Frames per second of the sum pass and of the analysis, each the best of
 * many short batches taken in turn for `secs`: a batch lasts well under a
 * scheduler time slice, so on a busy machine (other processes on the same
 * cores) the best batch is one nobody interrupted, and both sides of the
 * ratio are measured the same way. */
static void bench_case(const uint8_t *frames, int side, double secs, double *sum_fps, double *an_fps)
{
	struct pd_device_info info = {
		.protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = 16, .unit = PD_UNIT_COUNTS,
		.rows = (uint16_t)side, .cols = (uint16_t)side, .pitch_x_mm = PITCH, .pitch_y_mm = PITCH,
		.rate_hz = 100, .full_scale = FULL,
	};
	struct pd_analysis_params p;
	pd_analysis_params_default(&p);
	struct pd_analysis_ids ids = { { 0 } };
	struct pd_analysis *a = pd_analysis_new(&info, &p, &ids, count_event, NULL);
	if (!a) {
		fprintf(stderr, "pd_analysis_new failed\n");
		exit(1);
	}
	size_t ncells = (size_t)side * side;
	uint64_t n = 0;
	batch_analysis(a, frames, side, &n); /* untimed: contacts start, buffers are warm */
	double best_sum = 1e9, best_an = 1e9, t0 = pd_mono_s();
	do {
		double t = batch_sum(frames, ncells);
		best_sum = t < best_sum ? t : best_sum;
		t = batch_analysis(a, frames, side, &n);
		best_an = t < best_an ? t : best_an;
	} while (pd_mono_s() - t0 < secs);
	pd_analysis_flush(a);
	pd_analysis_free(a);
	*sum_fps = NFRAMES / best_sum;
	*an_fps = NFRAMES / best_an;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	if (!(secs > 0))
		secs = 0.5;
	static const int sides[] = { 32, 64, 128 };
	static const int blobs[] = { 0, 1, 4 };
	printf("%-9s %-8s %14s %14s %10s %12s\n", "frame", "contacts", "analysis fps", "sum-pass fps",
	       "cost", "us/frame");
	int only_side = argc > 2 ? atoi(argv[2]) : 0, only_blobs = argc > 3 ? atoi(argv[3]) : -1;
	for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
		for (size_t j = 0; j < sizeof blobs / sizeof blobs[0]; j++) {
			int side = sides[i];
			if ((only_side && side != only_side) || (only_blobs >= 0 && blobs[j] != only_blobs))
				continue;
			uint8_t *frames = make_frames(side, blobs[j]);
			if (!frames) {
				fprintf(stderr, "out of memory\n");
				return 1;
			}
			double sum_fps, an_fps;
			bench_case(frames, side, secs, &sum_fps, &an_fps);
			char name[16];
			snprintf(name, sizeof name, "%dx%d", side, side);
			printf("%-9s %-8d %14.0f %14.0f %9.1fx %12.2f\n", name, blobs[j], an_fps, sum_fps,
			       sum_fps / an_fps, 1e6 / an_fps);
			free(frames);
		}
	}
	printf("(cost: analysis time per frame in single sum passes; %llu events)\n", events);
	return 0;
}
