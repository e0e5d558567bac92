/* pd_peaks_find against a brute-force reference of what peaks.h says:
 * candidates are cells above the threshold not below any 8-neighbour, a
 * plateau of equal 8-connected candidates is one (its first cell in
 * raster order), strongest first with ties in raster order, and a
 * candidate closer than min_sep_mm to an accepted peak is merged into it.
 * Then the refinement: within a quarter cell on Gaussian blobs at random
 * sub-cell offsets, at the edges too. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peaks.h"

#define MAXR 40
#define MAXC 40
#define MAXP (MAXR * MAXC)

static uint64_t rng_state = 0x243F6A8885A308D3ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* ---- the reference, written for clarity, not speed -------------------- */

struct ref_peak {
	int row, col;
	float value;
};

static bool ref_is_max(const float *img, int rows, int cols, int r, int c, float thr)
{
	float v = img[r * cols + c];
	if (!(v > thr))
		return false;
	for (int dr = -1; dr <= 1; dr++)
		for (int dc = -1; dc <= 1; dc++) {
			int rr = r + dr, cc = c + dc;
			if ((dr || dc) && rr >= 0 && rr < rows && cc >= 0 && cc < cols && img[rr * cols + cc] > v)
				return false;
		}
	return true;
}

/* Labels each candidate with the first (raster order) candidate of its
 * plateau, by repeated relaxation: slow and obviously right. */
static size_t ref_find(const float *img, int rows, int cols, float thr, double sep, double px, double py,
		       struct ref_peak *out, size_t max)
{
	static int label[MAXP];
	static bool cand[MAXP];
	int n = rows * cols;
	for (int i = 0; i < n; i++) {
		cand[i] = ref_is_max(img, rows, cols, i / cols, i % cols, thr);
		label[i] = i;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < n; i++) {
			if (!cand[i])
				continue;
			int r = i / cols, c = i % cols;
			for (int dr = -1; dr <= 1; dr++)
				for (int dc = -1; dc <= 1; dc++) {
					int rr = r + dr, cc = c + dc;
					if (rr < 0 || rr >= rows || cc < 0 || cc >= cols)
						continue;
					int j = rr * cols + cc;
					if (cand[j] && img[j] == img[i] && label[j] < label[i]) {
						label[i] = label[j];
						changed = true;
					}
				}
		}
	}
	static struct ref_peak list[MAXP];
	size_t m = 0;
	for (int i = 0; i < n; i++)
		if (cand[i] && label[i] == i)
			list[m++] = (struct ref_peak){ i / cols, i % cols, img[i] };
	/* selection sort: value descending, raster order among equals */
	for (size_t i = 0; i < m; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < m; j++)
			if (list[j].value > list[best].value)
				best = j;
		struct ref_peak t = list[best];
		memmove(&list[i + 1], &list[i], (best - i) * sizeof list[0]);
		list[i] = t;
	}
	size_t k = 0;
	for (size_t i = 0; i < m && k < max; i++) {
		bool merged = false;
		for (size_t j = 0; j < k; j++)
			if (hypot((list[i].col - out[j].col) * px, (list[i].row - out[j].row) * py) < sep)
				merged = true;
		if (!merged)
			out[k++] = list[i];
	}
	return k;
}

/* ---- helpers ----------------------------------------------------------- */

static void *scratch_for(int rows, int cols)
{
	size_t n = pd_peaks_scratch_size(rows, cols);
	assert_true(n > 0);
	void *s = malloc(n);
	assert_non_null(s);
	memset(s, 0xA5, n); /* not zeroed: the finder must not rely on it */
	return s;
}

static void compare(const float *img, int rows, int cols, float thr, double sep, double px, double py,
		    size_t max, const char *what)
{
	static struct pd_peak got[MAXP];
	static struct ref_peak want[MAXP];
	void *scratch = scratch_for(rows, cols);
	size_t ng = pd_peaks_find(img, rows, cols, thr, sep, px, py, got, max, scratch);
	size_t nw = ref_find(img, rows, cols, thr, sep, px, py, want, max);
	free(scratch);
	if (ng != nw)
		fail_msg("%s (%dx%d thr %g sep %g): %zu peaks, reference %zu", what, rows, cols, (double)thr, sep, ng,
			 nw);
	for (size_t i = 0; i < ng; i++) {
		if (got[i].row != want[i].row || got[i].col != want[i].col || got[i].value != want[i].value)
			fail_msg("%s (%dx%d thr %g sep %g): peak %zu at (%d, %d) = %g, reference (%d, %d) = %g", what,
				 rows, cols, (double)thr, sep, i, got[i].row, got[i].col, (double)got[i].value,
				 want[i].row, want[i].col, (double)want[i].value);
		/* the refinement stays within half a cell of the peak cell,
		 * or within its plateau */
		assert_true(isfinite(got[i].frow) && isfinite(got[i].fcol));
		assert_true(got[i].frow > -0.5 - 1e-9 && got[i].frow < rows - 0.5 + 1e-9);
		assert_true(got[i].fcol > -0.5 - 1e-9 && got[i].fcol < cols - 0.5 + 1e-9);
	}
}

/* ---- the tests ----------------------------------------------------------- */

/* Continuous random values: no plateaus, so every local maximum counts. */
static void test_random_frames(void **state)
{
	(void)state;
	static float img[MAXP];
	for (int it = 0; it < 300; it++) {
		int rows = 1 + (int)(rnd() % MAXR), cols = 1 + (int)(rnd() % MAXC);
		for (int i = 0; i < rows * cols; i++)
			img[i] = (float)unif();
		float thr = (float)(unif() * 0.9);
		compare(img, rows, cols, thr, 0, 10, 10, MAXP, "random");
		compare(img, rows, cols, thr, 0, 10, 10, 1 + rnd() % 8, "random, few");
	}
}

/* Small integers: ties everywhere, plateaus of every shape. */
static void test_plateaus(void **state)
{
	(void)state;
	static float img[MAXP];
	for (int it = 0; it < 300; it++) {
		int rows = 1 + (int)(rnd() % 24), cols = 1 + (int)(rnd() % 24);
		int levels = 2 + (int)(rnd() % 4);
		for (int i = 0; i < rows * cols; i++)
			img[i] = (float)(rnd() % (uint64_t)levels);
		compare(img, rows, cols, 0, 0, 10, 10, MAXP, "plateaus");
		compare(img, rows, cols, 0, 25, 10, 7.5, MAXP, "plateaus, separated");
	}
}

/* Separation: a candidate closer than min_sep_mm to a stronger accepted
 * peak is merged; one exactly at min_sep_mm is not. */
static void test_separation(void **state)
{
	(void)state;
	static float img[MAXP];
	for (int it = 0; it < 300; it++) {
		int rows = 5 + (int)(rnd() % 30), cols = 5 + (int)(rnd() % 30);
		for (int i = 0; i < rows * cols; i++)
			img[i] = (float)unif();
		double sep = unif() * 60, px = 2 + unif() * 10, py = 2 + unif() * 10;
		compare(img, rows, cols, 0.2f, sep, px, py, MAXP, "separation");
	}
	/* two spikes 20 mm apart at 10 mm pitch */
	memset(img, 0, sizeof img);
	img[5 * 10 + 2] = 10;
	img[5 * 10 + 4] = 9;
	struct pd_peak p[4];
	void *scratch = scratch_for(10, 10);
	assert_int_equal(pd_peaks_find(img, 10, 10, 0, 20, 10, 10, p, 4, scratch), 2);
	assert_int_equal(pd_peaks_find(img, 10, 10, 0, 20.001, 10, 10, p, 4, scratch), 1);
	assert_int_equal(p[0].col, 2);
	free(scratch);
}

/* The threshold is strict; equal-valued separate maxima come in raster
 * order; `max` keeps the strongest. */
static void test_threshold_order_max(void **state)
{
	(void)state;
	float img[8 * 8] = { 0 };
	img[1 * 8 + 6] = 5;
	img[6 * 8 + 1] = 5;
	img[3 * 8 + 3] = 7;
	img[6 * 8 + 6] = 2;
	struct pd_peak p[8];
	void *scratch = scratch_for(8, 8);
	size_t n = pd_peaks_find(img, 8, 8, 2, 0, 10, 10, p, 8, scratch);
	assert_int_equal(n, 3); /* the 2 is not above the threshold 2 */
	assert_int_equal(p[0].row, 3);
	assert_int_equal(p[1].row, 1); /* of the equal fives, the first in raster order */
	assert_int_equal(p[2].row, 6);
	assert_int_equal(pd_peaks_find(img, 8, 8, 2, 0, 10, 10, p, 1, scratch), 1);
	assert_int_equal(p[0].row, 3);
	assert_int_equal(pd_peaks_find(img, 8, 8, 7, 0, 10, 10, p, 8, scratch), 0);
	/* a flat image above the threshold is one plateau */
	for (int i = 0; i < 64; i++)
		img[i] = 3;
	assert_int_equal(pd_peaks_find(img, 8, 8, 0, 0, 10, 10, p, 8, scratch), 1);
	assert_int_equal(p[0].row, 0);
	assert_int_equal(p[0].col, 0);
	assert_true(fabs(p[0].frow - 3.5) < 1e-9 && fabs(p[0].fcol - 3.5) < 1e-9);
	free(scratch);
	assert_int_equal(pd_peaks_scratch_size(0, 5), 0);
}

/* The most candidates a frame can hold: isolated maxima on every other
 * row and column (the scratch is exactly pd_peaks_scratch_size, so the
 * sanitizers see any overrun), found in raster order since all are equal. */
static void test_most_candidates(void **state)
{
	(void)state;
	static float img[MAXP];
	for (int rows = 1; rows <= 9; rows++)
		for (int cols = 1; cols <= 9; cols++) {
			for (int r = 0; r < rows; r++)
				for (int c = 0; c < cols; c++)
					img[r * cols + c] = (r % 2 == 0 && c % 2 == 0) ? 1.0f : 0.0f;
			compare(img, rows, cols, 0.5f, 0, 10, 10, MAXP, "most candidates");
			static struct pd_peak p[MAXP];
			void *scratch = scratch_for(rows, cols);
			size_t n = pd_peaks_find(img, rows, cols, 0.5f, 0, 10, 10, p, MAXP, scratch);
			free(scratch);
			assert_int_equal(n, (size_t)((rows + 1) / 2) * (size_t)((cols + 1) / 2));
			for (size_t i = 1; i < n; i++)
				assert_true(p[i - 1].row * cols + p[i - 1].col < p[i].row * cols + p[i].col);
		}
}

static void render_blob(float *img, int rows, int cols, double r0, double c0, double sigma_cells, double amp)
{
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			img[r * cols + c] = (float)(amp * exp(-((r - r0) * (r - r0) + (c - c0) * (c - c0)) /
							     (2 * sigma_cells * sigma_cells)));
}

/* Sub-cell: Gaussian blobs of 0.8 to 2 cells sigma at random offsets,
 * noise-free and with the simulator's noise level (0.3 % of full scale
 * against a 60 % peak), found within a quarter cell. */
static void test_subcell_gaussian(void **state)
{
	(void)state;
	enum { R = 24, C = 24 };
	static float img[R * C];
	void *scratch = scratch_for(R, C);
	double worst = 0, worst_noisy = 0;
	for (int it = 0; it < 2000; it++) {
		double sigma = 0.8 + unif() * 1.2;
		double r0 = 6 + unif() * 12, c0 = 6 + unif() * 12;
		bool noisy = it % 2;
		render_blob(img, R, C, r0, c0, sigma, 2457);
		if (noisy)
			for (int i = 0; i < R * C; i++) {
				img[i] += (float)(4095 * 0.003 * 2.449 * (unif() + unif() - 1));
				img[i] = img[i] < 41 ? 0 : img[i]; /* the 1 % noise floor */
			}
		struct pd_peak p;
		assert_int_equal(pd_peaks_find(img, R, C, 164, 20, 10, 10, &p, 1, scratch), 1);
		double err = hypot(p.frow - r0, p.fcol - c0);
		if (noisy)
			worst_noisy = fmax(worst_noisy, err);
		else
			worst = fmax(worst, err);
		if (err > 0.25)
			fail_msg("blob at (%.3f, %.3f) sigma %.2f%s: found at (%.3f, %.3f), %.3f cells off", r0, c0, sigma,
				 noisy ? " with noise" : "", p.frow, p.fcol, err);
	}
	/* the log-parabola is exact on a Gaussian: only float rounding */
	if (worst > 1e-3)
		fail_msg("noise-free blobs: worst error %.5f cells", worst);
	print_message("sub-cell error: noise-free %.2e, noisy %.3f cells at worst\n", worst, worst_noisy);
	free(scratch);
}

/* A plain 3×3 centroid is pulled toward the centre cell; the fit is not. */
static void test_subcell_not_centre_biased(void **state)
{
	(void)state;
	enum { R = 16, C = 16 };
	static float img[R * C];
	void *scratch = scratch_for(R, C);
	render_blob(img, R, C, 8.0, 8.45, 1.2, 1000);
	struct pd_peak p;
	assert_int_equal(pd_peaks_find(img, R, C, 10, 0, 10, 10, &p, 1, scratch), 1);
	assert_int_equal(p.col, 8);
	assert_true(fabs(p.fcol - 8.45) < 1e-3);
	free(scratch);
}

/* At an edge or a corner the fit is one-sided, from the cells inside. */
static void test_subcell_edges(void **state)
{
	(void)state;
	enum { R = 12, C = 14 };
	static float img[R * C];
	void *scratch = scratch_for(R, C);
	for (int it = 0; it < 500; it++) {
		/* centres from a quarter cell outside to a quarter inside the
		 * outer cell centres, on the edges and in the corners */
		double off = -0.25 + unif() * 0.5;
		int where = it % 4;
		double r0 = where & 1 ? R - 1 + off : -off, c0 = where & 2 ? C - 1 + off : -off;
		if (it % 8 >= 4)
			r0 = 6 + unif(); /* an edge, not a corner */
		double sigma = 0.9 + unif();
		render_blob(img, R, C, r0, c0, sigma, 2000);
		struct pd_peak p;
		assert_int_equal(pd_peaks_find(img, R, C, 20, 0, 10, 10, &p, 1, scratch), 1);
		/* the refined position cannot leave the mat by more than half a
		 * cell; within that, a quarter cell of the truth */
		double tr = fmin(fmax(r0, -0.5), R - 0.5), tc = fmin(fmax(c0, -0.5), C - 0.5);
		double err = hypot(p.frow - tr, p.fcol - tc);
		if (err > 0.25)
			fail_msg("blob at (%.3f, %.3f): found at (%.3f, %.3f), %.3f cells off", r0, c0, p.frow, p.fcol,
				 err);
	}
	free(scratch);
}

/* Two equal cells on top of a blob (common on integer counts): the peak is
 * between them along the pair and where the blob is across it. */
static void test_subcell_two_cell_plateau(void **state)
{
	(void)state;
	enum { R = 16, C = 16 };
	static float img[R * C];
	void *scratch = scratch_for(R, C);
	render_blob(img, R, C, 7.3, 8.5, 1.2, 1000);
	for (int i = 0; i < R * C; i++)
		img[i] = roundf(img[i]);
	assert_true(img[7 * C + 8] == img[7 * C + 9]);
	struct pd_peak p;
	assert_int_equal(pd_peaks_find(img, R, C, 10, 0, 10, 10, &p, 1, scratch), 1);
	assert_int_equal(p.row, 7);
	assert_int_equal(p.col, 8); /* the plateau's first cell */
	assert_true(fabs(p.fcol - 8.5) < 0.01);
	assert_true(fabs(p.frow - 7.3) < 0.05);
	free(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_frames),
		cmocka_unit_test(test_plateaus),
		cmocka_unit_test(test_separation),
		cmocka_unit_test(test_threshold_order_max),
		cmocka_unit_test(test_most_candidates),
		cmocka_unit_test(test_subcell_gaussian),
		cmocka_unit_test(test_subcell_not_centre_biased),
		cmocka_unit_test(test_subcell_edges),
		cmocka_unit_test(test_subcell_two_cell_plateau),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
