/* The heat map: pressure × time per cell. A mat's frames add into a float
 * block inside the tare pass (cheap, vectorised) and the block is folded
 * into doubles every 64 frames, so a session of hours keeps its precision
 * without a double per cell per frame. A roller's profiles go to the row
 * of the position they were taken at. */
#include "internal.h"

#include <string.h>

void an_heat_fold(struct pd_analysis *a)
{
	for (size_t i = 0; i < a->ncells; i++) {
		a->heat[i] += a->heat_block[i];
		a->heat_block[i] = 0;
	}
	a->frames_since_fold = 0;
}

void an_heat_roller(struct pd_analysis *a, double pos_mm)
{
	double row = floor(pos_mm / a->heat_bin_mm) + (double)(a->heat_rows / 2);
	if (!(row >= 0 && row < (double)a->heat_rows)) {
		a->stats.map_outside++;
		return;
	}
	double *heat = a->heat + (size_t)row * a->heat_cols;
	for (int c = 0; c < a->cols; c++)
		heat[c] += a->img[c] * a->dt;
}

const double *pd_analysis_heatmap(const struct pd_analysis *a, size_t *rows, size_t *cols, double *bin_mm)
{
	if (rows)
		*rows = a->heat_rows;
	if (cols)
		*cols = a->heat_cols;
	if (bin_mm)
		*bin_mm = a->heat_bin_mm;
	size_t n = a->heat_rows * a->heat_cols;
	if (a->roller) {
		memcpy(a->heat_out, a->heat, n * sizeof *a->heat_out);
	} else {
		/* what is folded plus what is still in the block */
		for (size_t i = 0; i < n; i++)
			a->heat_out[i] = a->heat[i] + a->heat_block[i];
	}
	return a->heat_out;
}
