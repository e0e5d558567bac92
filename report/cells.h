/* The summary's pass over each frame's cells (cells.c), inside report/. */
#ifndef PD_REPORT_CELLS_H
#define PD_REPORT_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one frame adds to the curves, in the report's unit: Σ of its tared
 * values, the highest, and Σ value × column / row position (mm). */
struct rp_frame_sums {
	double sum, peak, cx, cy;
};

struct rp_cells;

/* For frames of rows × cols cells of `bits` (8, 16), adding to the maps
 * peak, pti and tup (map_cells each, zeroed by the caller, rows of cols
 * cells); values × per_count (report unit per count), each frame counting
 * for dt seconds, time under pressure from `noise` (unit) up, saturated
 * from fs_raw (counts) up. No baseline yet. NULL when out of memory. */
struct rp_cells *rp_cells_new(size_t rows, size_t cols, int bits, double *peak, double *pti, double *tup,
			      size_t map_cells, double per_count, double dt, double noise, double fs_raw,
			      double pitch_x_mm, double pitch_y_mm);
/* Puts into the maps what the frames since the last fold added, then
 * makes `base` (rows × cols counts; NULL: none) the baseline of the frames
 * that follow. */
void rp_cells_baseline(struct rp_cells *c, const float *base);
/* One frame: its curve sums, and (map_row ≥ 0) its cells into the maps
 * from map cell map_row × cols on. */
void rp_cells_frame(struct rp_cells *c, const uint8_t *cells, long map_row, struct rp_frame_sums *out);
/* The maps brought up to date (as rp_cells_baseline does), and the
 * saturation counts: cells that reached full scale, cell-frames at it. */
void rp_cells_finish(struct rp_cells *c, uint64_t *sat_cells, uint64_t *sat_samples);
void rp_cells_free(struct rp_cells *c);

#endif
