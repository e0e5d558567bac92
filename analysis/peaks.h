/* Peak finding (analysis.md stage 2), exposed for the contact tracker and
 * for the tests that hold it against scikit-image's peak_local_max. */
#ifndef PD_PEAKS_H
#define PD_PEAKS_H

#include <stddef.h>

struct pd_peak {
	int row, col;       /* the peak cell (a plateau's first cell in raster order) */
	double frow, fcol;  /* refined position, fractional cells */
	float value;        /* the peak cell's value */
};

/* Local maxima of img (rows × cols, row-major) above `threshold`:
 *  1. candidates: cells > threshold and >= each of their 8 neighbours;
 *     a plateau (8-connected cells of equal value) is one candidate;
 *  2. by value, highest first (ties: raster order), a candidate closer
 *     than min_sep_mm (Euclidean, in mm with the given pitches) to one
 *     already accepted is merged into it;
 *  3. each accepted peak's position is refined below one cell.
 * Writes at most max peaks, strongest first; returns how many. `scratch`
 * is caller-owned, at least pd_peaks_scratch_size(rows, cols) bytes, so
 * nothing is allocated per frame. */
size_t pd_peaks_find(const float *img, int rows, int cols, float threshold, double min_sep_mm,
		     double pitch_x_mm, double pitch_y_mm, struct pd_peak *out, size_t max, void *scratch);

size_t pd_peaks_scratch_size(int rows, int cols);

#endif
