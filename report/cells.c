/* The summary's pass over each frame's cells: nearly all of what a report
 * costs (a one-hour 64 × 64 recording is 1.5 G cells), so it is written
 * for the vectoriser — no branches but selects, no reductions across a
 * loop (GCC vectorises those only with -ffast-math), restrict pointers —
 * and most of it in integers.
 *
 * The maps are exact, and in integers. Under one baseline, a cell's tared
 * value v(raw) = raw − base > 0 ? (raw − base) × per_count : 0 only grows
 * with raw, so what each map needs of a frame is a comparison of the raw
 * value with a per-cell threshold worked out once per baseline:
 *   peak: the highest raw (v of it, at the fold);
 *   pressure-time integral: Σ raw and how many, over the frames with
 *         raw above the baseline (Σ v·dt = (Σ raw − base × count) ×
 *         per_count × dt, at the fold);
 *   time under pressure: how many frames raw ≥ the least raw whose v is
 *         > 0 and ≥ noise.
 * Folded into the double maps at each baseline change and every 65,536
 * frames (Σ raw stays within 32 bits). The peak map is then exactly what
 * summing the tared values in double gave; the integral and time differ
 * from it by rounding only (~1e-15 relative).
 *
 * The curves (force, centre of pressure) are per frame, and in float: the
 * tared value as a float, summed per column over the rows (64 terms), the
 * columns then in double. Relative error about 1e-7, far below what a
 * curve of 2000 points can show. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"

#define FOLD_FRAMES 65536u /* × 65535 counts: Σ raw fits 32 bits */
#define NEVER 65536        /* a threshold no cell value reaches */

struct rp_cells {
	size_t rows, cols, ncells, map_cells;
	int bits;
	double per_count, dt, noise, px, py;
	double *peak, *pti, *tup; /* the maps, the caller's */
	/* the baseline in force and what it makes of a raw value */
	float *base;            /* ncells; zeros when none */
	double *based;          /* the same, as the maps' folds use it */
	int32_t *above, *under; /* least raw above the baseline; least raw under pressure (time) */
	int32_t full;           /* least raw at full scale */
	/* per map cell, since the last fold */
	uint32_t *sum, *count, *time;
	int32_t *high;          /* highest raw */
	uint32_t since;         /* frames since the fold */
	/* per frame cell: frames at full scale, since the fold and before */
	uint32_t *sat;
	uint64_t *sat_all;
	/* per column, for one frame */
	float *col_sum, *col_row, *col_max;
};

static double tared(double raw, double base, double per_count)
{
	double v = raw - base;
	return v > 0 ? v * per_count : 0;
}

/* The least raw value in [0, NEVER) for which `above` (v > 0) or else
 * "under pressure" (v > 0 and v ≥ noise) holds, found with the very
 * expression the maps stand for; NEVER when none does. Both only grow
 * with raw. */
static int32_t least(const struct rp_cells *c, double base, bool above)
{
	int32_t lo = 0, hi = NEVER;
	while (lo < hi) {
		int32_t mid = lo + (hi - lo) / 2;
		double v = tared(mid, base, c->per_count);
		bool ok = above ? (double)mid - base > 0 : v > 0 && v >= c->noise;
		if (ok)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Bytes rounded up to 8: each array of the allocation starts 8-aligned. */
static size_t r8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* The next n elements of `size` bytes of the allocation at *p. */
static void *take(uint8_t **p, size_t n, size_t size)
{
	void *v = *p;
	*p += r8(n * size);
	return v;
}

struct rp_cells *rp_cells_new(size_t rows, size_t cols, int bits, double *peak, double *pti, double *tup,
			      size_t map_cells, double per_count, double dt, double noise, double fs_raw,
			      double pitch_x_mm, double pitch_y_mm)
{
	size_t n = rows * cols > 0 ? rows * cols : 1, m = map_cells ? map_cells : 1, k = cols ? cols : 1;
	/* every array in one allocation, after the struct: per cell, per map
	 * cell, per column */
	size_t bytes = r8(sizeof(struct rp_cells)) + 2 * r8(n * 8) + 4 * r8(n * 4) + 4 * r8(m * 4) + 3 * r8(k * 4);
	struct rp_cells *c = calloc(1, bytes);
	if (!c)
		return NULL;
	*c = (struct rp_cells){ .rows = rows, .cols = cols, .ncells = rows * cols, .map_cells = map_cells,
				.bits = bits, .per_count = per_count, .dt = dt, .noise = noise,
				.px = pitch_x_mm, .py = pitch_y_mm, .peak = peak, .pti = pti, .tup = tup };
	c->full = fs_raw >= NEVER ? NEVER : fs_raw <= 0 ? 0 : (int32_t)ceil(fs_raw);
	uint8_t *p = (uint8_t *)c + r8(sizeof *c);
	c->based = take(&p, n, sizeof *c->based);
	c->sat_all = take(&p, n, sizeof *c->sat_all);
	c->base = take(&p, n, sizeof *c->base);
	c->above = take(&p, n, sizeof *c->above);
	c->under = take(&p, n, sizeof *c->under);
	c->sat = take(&p, n, sizeof *c->sat);
	c->sum = take(&p, m, sizeof *c->sum);
	c->count = take(&p, m, sizeof *c->count);
	c->time = take(&p, m, sizeof *c->time);
	c->high = take(&p, m, sizeof *c->high);
	c->col_sum = take(&p, k, sizeof *c->col_sum);
	c->col_row = take(&p, k, sizeof *c->col_row);
	c->col_max = take(&p, k, sizeof *c->col_max);
	rp_cells_baseline(c, NULL);
	return c;
}

void rp_cells_free(struct rp_cells *c)
{
	free(c);
}

/* The accumulators into the maps and the saturation totals. */
static void fold(struct rp_cells *c)
{
	if (!c->since)
		return;
	for (size_t i = 0; i < c->ncells; i++) {
		c->sat_all[i] += c->sat[i];
		c->sat[i] = 0;
	}
	double *peak = c->peak, *pti = c->pti, *tup = c->tup;
	for (size_t m = 0; m < c->map_cells; m++) {
		double b = c->based[m % c->ncells];
		/* No raw value above the baseline: every v was 0. */
		if (c->count[m]) {
			double v = tared(c->high[m], b, c->per_count);
			if (v > peak[m])
				peak[m] = v;
			pti[m] += ((double)c->sum[m] - b * c->count[m]) * c->per_count * c->dt;
		}
		tup[m] += c->time[m] * c->dt;
		c->sum[m] = c->count[m] = c->time[m] = 0;
		c->high[m] = 0;
	}
	c->since = 0;
}

void rp_cells_baseline(struct rp_cells *c, const float *base)
{
	fold(c);
	for (size_t i = 0; i < c->ncells; i++) {
		c->base[i] = base ? base[i] : 0;
		c->based[i] = c->base[i];
		c->above[i] = least(c, c->based[i], true);
		c->under[i] = least(c, c->based[i], false);
	}
}

/* One row of cells, raw values from LOAD (px[i] of u16 or u8), in two
 * loops: the map accumulators (frames on the map), then saturation and
 * the float tared value into the column sums, weighted by the row's
 * index for the centre of pressure. Every array a parameter of its own,
 * restrict: GCC does not vectorise at -O2 a loop that would need run-time
 * alias checks. */
#define ROW_FUNCTIONS(NAME, CELL)                                                                          \
	static void map_##NAME(const CELL *restrict px, size_t n, const int32_t *restrict above,           \
			       const int32_t *restrict under, uint32_t *restrict sum, uint32_t *restrict count, \
			       uint32_t *restrict time, int32_t *restrict high)                            \
	{                                                                                                  \
		for (size_t i = 0; i < n; i++) {                                                           \
			int32_t r = px[i];                                                                 \
			int32_t a = r >= above[i];                                                         \
			sum[i] += (uint32_t)(a ? r : 0);                                                   \
			count[i] += (uint32_t)a;                                                           \
			time[i] += (uint32_t)(r >= under[i]);                                              \
			high[i] = r > high[i] ? r : high[i];                                               \
		}                                                                                          \
	}                                                                                                  \
	static void curve_##NAME(const CELL *restrict px, size_t n, const float *restrict base, int32_t full, \
				 uint32_t *restrict sat, float *restrict col_sum, float *restrict col_row,         \
				 float *restrict col_max, float row)                                               \
	{                                                                                                  \
		for (size_t i = 0; i < n; i++) {                                                           \
			int32_t r = px[i];                                                                 \
			float d = (float)r - base[i];                                                      \
			d = d > 0 ? d : 0.0f;                                                              \
			sat[i] += (uint32_t)(r >= full);                                                   \
			col_sum[i] += d;                                                                   \
			col_row[i] += d * row;                                                             \
			col_max[i] = d > col_max[i] ? d : col_max[i];                                      \
		}                                                                                          \
	}

ROW_FUNCTIONS(u16, uint16_t)
ROW_FUNCTIONS(u8, uint8_t)

void rp_cells_frame(struct rp_cells *c, const uint8_t *cells, long map_row, struct rp_frame_sums *out)
{
	bool on_map = map_row >= 0;
	size_t map0 = on_map ? (size_t)map_row * c->cols : 0;
	if (c->since == FOLD_FRAMES)
		fold(c);
	memset(c->col_sum, 0, c->cols * sizeof *c->col_sum);
	memset(c->col_row, 0, c->cols * sizeof *c->col_row);
	memset(c->col_max, 0, c->cols * sizeof *c->col_max);
	const uint16_t *u16 = (const uint16_t *)(const void *)cells;
	size_t n = c->cols;
	for (size_t r = 0; r < c->rows; r++) {
		size_t at = r * n, m = map0 + at;
		if (c->bits == 16) {
			if (on_map)
				map_u16(u16 + at, n, c->above + at, c->under + at, c->sum + m, c->count + m, c->time + m,
					c->high + m);
			curve_u16(u16 + at, n, c->base + at, c->full, c->sat + at, c->col_sum, c->col_row, c->col_max,
				  (float)r);
		} else {
			if (on_map)
				map_u8(cells + at, n, c->above + at, c->under + at, c->sum + m, c->count + m, c->time + m,
				       c->high + m);
			curve_u8(cells + at, n, c->base + at, c->full, c->sat + at, c->col_sum, c->col_row, c->col_max,
				 (float)r);
		}
	}
	double sum = 0, cx = 0, cy = 0, peak = 0;
	for (size_t i = 0; i < c->cols; i++) {
		sum += c->col_sum[i];
		cx += (double)c->col_sum[i] * (double)i;
		cy += c->col_row[i];
		if (c->col_max[i] > peak)
			peak = c->col_max[i];
	}
	double k = c->per_count;
	*out = (struct rp_frame_sums){ sum * k, peak * k, cx * k * c->px, cy * k * c->py };
	c->since++;
}

void rp_cells_finish(struct rp_cells *c, uint64_t *sat_cells, uint64_t *sat_samples)
{
	fold(c);
	*sat_cells = *sat_samples = 0;
	for (size_t i = 0; i < c->ncells; i++) {
		*sat_cells += c->sat_all[i] > 0;
		*sat_samples += c->sat_all[i];
	}
}
