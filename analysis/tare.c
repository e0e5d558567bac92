/* Stage 1: tare, noise floor and calibration, in one pass over the frame
 * that also feeds the heat map and notes which rows hold anything above
 * contact_off. This pass is most of what a frame costs, so it is written
 * for the vectoriser: no branches but selects, one loop per cell format. */
#include "internal.h"

#include <string.h>

/* A tare averages the next few frames: enough to smooth the noise, short
 * enough that nobody has to keep still for long. */
void an_tare_feed(struct pd_analysis *a, const struct pd_frame *f)
{
	if (!a->taring)
		return;
	if (a->tare_n == 0) {
		memset(a->tare_sum, 0, a->ncells * sizeof *a->tare_sum);
		a->tare_t0 = a->t;
	}
	const uint8_t *src = f->cells;
	if (f->cell_bits == 16)
		for (size_t i = 0; i < a->ncells; i++)
			a->tare_sum[i] += (uint32_t)src[2 * i] | (uint32_t)src[2 * i + 1] << 8;
	else
		for (size_t i = 0; i < a->ncells; i++)
			a->tare_sum[i] += src[i];
	a->tare_n++;
	if (a->tare_n >= AN_TARE_MAX_FRAMES || a->t + a->dt - a->tare_t0 >= AN_TARE_MAX_S - AN_EPS_S) {
		for (size_t i = 0; i < a->ncells; i++)
			a->base[i] = (float)((double)a->tare_sum[i] / a->tare_n);
		a->has_base = true;
		a->taring = false;
		/* From this frame on it applies: say so, in the device's unit. */
		double sum = 0;
		for (size_t i = 0; i < a->ncells; i++)
			sum += a->base[i];
		struct pd_ev_tare e = { .frames = a->tare_n, .mean = sum / (double)a->ncells * a->scale };
		a->tare_n = 0;
		an_emit(a, PD_EV_TARE, PD_PHASE_NONE, &e, sizeof e);
	}
}

void pd_analysis_tare(struct pd_analysis *a)
{
	a->taring = true;
	a->tare_n = 0;
}

void pd_analysis_set_baseline(struct pd_analysis *a, const float *cells)
{
	memcpy(a->base, cells, a->ncells * sizeof *a->base);
	a->has_base = true;
	a->taring = false;
	a->tare_n = 0;
}

const float *pd_analysis_baseline(const struct pd_analysis *a)
{
	return a->has_base ? a->base : NULL;
}

static inline uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* One row: cells → device unit above the noise floor. Bit 0 of the result:
 * a cell above `off`; bit 1: a cell above the floor. Only such rows add to
 * the heat map (`heat` NULL: the roller's map is by position). One flag
 * per loop: GCC 12 vectorises a single boolean reduction, not two. */
#define ROW_PASS(LOAD, BASE)                                                            \
	do {                                                                            \
		unsigned hot = 0, nz = 0;                                               \
		for (int c = 0; c < cols; c++) {                                        \
			float v = ((float)(LOAD) - (BASE)) * scale;                     \
			v = v >= noise ? v : 0.0f;                                      \
			img[c] = v;                                                     \
			hot |= v > off;                                                 \
		}                                                                       \
		if (hot) {                                                              \
			nz = 1;                                                         \
		} else {                                                                \
			for (int c = 0; c < cols; c++)                                  \
				nz |= img[c] > 0.0f;                                    \
		}                                                                       \
		if (heat && nz)                                                         \
			for (int c = 0; c < cols; c++)                                  \
				heat[c] += img[c] * dt;                                 \
		return (hot ? 1u : 0u) | (nz ? 2u : 0u);                                \
	} while (0)

static unsigned row16(const uint8_t *src, const float *base, float *img, float *heat, int cols, float scale,
		      float noise, float off, float dt)
{
	ROW_PASS(le16(src + 2 * c), base[c]);
}

static unsigned row16_nobase(const uint8_t *src, float *img, float *heat, int cols, float scale, float noise,
			     float off, float dt)
{
	ROW_PASS(le16(src + 2 * c), 0.0f);
}

static unsigned row8(const uint8_t *src, const float *base, float *img, float *heat, int cols, float scale,
		     float noise, float off, float dt)
{
	ROW_PASS(src[c], base[c]);
}

static unsigned row8_nobase(const uint8_t *src, float *img, float *heat, int cols, float scale, float noise,
			    float off, float dt)
{
	ROW_PASS(src[c], 0.0f);
}

void an_image(struct pd_analysis *a, const struct pd_frame *f)
{
	const uint8_t *src = f->cells;
	int cols = a->cols;
	size_t bpc = f->cell_bits == 16 ? 2 : 1;
	float scale = (float)a->scale, noise = a->noise, off = a->off, dt = (float)a->dt;
	bool mat = !a->roller;
	for (int r = 0; r < a->rows; r++) {
		size_t at = (size_t)r * cols;
		const uint8_t *s = src + at * bpc;
		const float *base = a->has_base ? a->base + at : NULL;
		float *img = a->img + at;
		float *heat = mat ? a->heat_block + at : NULL;
		unsigned hot;
		if (bpc == 2)
			hot = base ? row16(s, base, img, heat, cols, scale, noise, off, dt)
				   : row16_nobase(s, img, heat, cols, scale, noise, off, dt);
		else
			hot = base ? row8(s, base, img, heat, cols, scale, noise, off, dt)
				   : row8_nobase(s, img, heat, cols, scale, noise, off, dt);
		a->row_hot[r] = hot & 1;
		a->row_nz[r] = (hot >> 1) & 1;
	}
	if (mat && ++a->frames_since_fold >= 64)
		an_heat_fold(a);
}
