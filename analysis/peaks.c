/* Peak finding (analysis.md stage 2), as peaks.h documents it. Only cells
 * above the threshold are looked at closely, so a frame with a few blobs
 * costs little more than one read of the image. */
#include "internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct cand {
	float v;
	int32_t idx;
	float frow, fcol; /* a plateau's refined position */
	bool plateau;
};

/* Two local maxima that touch (8-neighbours) are equal, so one plateau:
 * the candidates of different plateaus never touch, and a grid holds at
 * most one such cell per 2 × 2 block. */
static size_t max_cands(int rows, int cols)
{
	return (size_t)((rows + 1) / 2) * (size_t)((cols + 1) / 2);
}

/* Scratch layout: candidates, the plateau flood stack, a visited map. */
size_t pd_peaks_scratch_size(int rows, int cols)
{
	if (rows <= 0 || cols <= 0)
		return 0;
	size_t n = (size_t)rows * (size_t)cols;
	return max_cands(rows, cols) * sizeof(struct cand) + n * sizeof(int32_t) + n;
}

/* Strongest first; equal values in raster order (a total order, so the
 * result does not depend on the sort). */
static bool before(const struct cand *a, const struct cand *b)
{
	return a->v > b->v || (a->v == b->v && a->idx < b->idx);
}

/* Heapsort: no allocation, O(n log n) even on pathological frames where
 * most cells are candidates. */
static void sift(struct cand *c, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		/* a max-heap in the order `before` sorts by: the element that
		 * comes last at the root, to be swapped to the end */
		if (child + 1 < n && before(&c[child], &c[child + 1]))
			child++;
		if (!before(&c[root], &c[child]))
			return;
		struct cand t = c[root];
		c[root] = c[child];
		c[child] = t;
		root = child;
	}
}

static void sort_cands(struct cand *c, size_t n)
{
	if (n < 2)
		return;
	if (n <= 16) { /* the usual case: a few blobs */
		for (size_t i = 1; i < n; i++) {
			struct cand t = c[i];
			size_t j = i;
			for (; j > 0 && before(&t, &c[j - 1]); j--)
				c[j] = c[j - 1];
			c[j] = t;
		}
		return;
	}
	for (size_t i = n / 2; i-- > 0;)
		sift(c, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		struct cand t = c[0];
		c[0] = c[end];
		c[end] = t;
		sift(c, 0, end);
	}
}

/* Vertex of the parabola through (-1, a), (0, b), (1, c): the sub-cell
 * offset of a peak at b. */
static double vertex3(double a, double b, double c)
{
	double den = a - 2 * b + c;
	if (!(den < 0))
		return 0;
	return 0.5 * (a - c) / den;
}

/* Vertex of the parabola through (0, a), (1, b), (2, c): a peak at the
 * edge cell a, fitted from inside the mat. */
static double vertex_edge(double a, double b, double c)
{
	double den = a - 2 * b + c;
	if (!(den < 0))
		return 0;
	return (3 * a - 4 * b + c) / (2 * den);
}

static double clamp_half(double d)
{
	return d < -0.5 ? -0.5 : d > 0.5 ? 0.5 : d;
}

/* Offset of the maximum along one axis, from the peak value b and the
 * values around it. A Gaussian is a parabola in log space, so the log fit
 * is exact on a smooth blob; a plain parabola takes over where a value is
 * not positive. `lo`/`hi` say whether the neighbour on that side exists;
 * at an edge the two cells on the inner side are used. */
static double refine_axis(const float *img, ptrdiff_t at, ptrdiff_t stride, bool lo, bool hi, bool hi2,
			  bool lo2)
{
	double b = img[at];
	if (lo && hi) {
		double a = img[at - stride], c = img[at + stride];
		if (a > 0 && b > 0 && c > 0)
			return clamp_half(vertex3(log(a), log(b), log(c)));
		return clamp_half(vertex3(a, b, c));
	}
	if (!lo && hi && hi2) {
		double c = img[at + stride], d = img[at + 2 * stride];
		if (b > 0 && c > 0 && d > 0)
			return clamp_half(vertex_edge(log(b), log(c), log(d)));
		return clamp_half(vertex_edge(b, c, d));
	}
	if (lo && !hi && lo2) {
		double c = img[at - stride], d = img[at - 2 * stride];
		if (b > 0 && c > 0 && d > 0)
			return -clamp_half(vertex_edge(log(b), log(c), log(d)));
		return -clamp_half(vertex_edge(b, c, d));
	}
	return 0;
}

/* A local maximum: above the threshold and not below any 8-neighbour.
 * Sets *flat when a neighbour is equal (a plateau). */
static bool is_max(const float *img, int rows, int cols, int r, int c, bool *flat)
{
	float v = img[(size_t)r * cols + c];
	*flat = false;
	if (r > 0 && c > 0 && r + 1 < rows && c + 1 < cols) {
		/* inside: no bounds to check */
		const float *mid = img + (size_t)r * cols + c, *up = mid - cols, *down = mid + cols;
		/* on a blob's flank most cells have a higher neighbour in the
		 * same row or column: look there first */
		if (mid[-1] > v || mid[1] > v || up[0] > v || down[0] > v || up[-1] > v || up[1] > v ||
		    down[-1] > v || down[1] > v)
			return false;
		*flat = mid[-1] == v || mid[1] == v || up[0] == v || down[0] == v || up[-1] == v || up[1] == v ||
			down[-1] == v || down[1] == v;
		return true;
	}
	for (int dr = -1; dr <= 1; dr++) {
		int rr = r + dr;
		if (rr < 0 || rr >= rows)
			continue;
		const float *row = img + (size_t)rr * cols;
		for (int dc = -1; dc <= 1; dc++) {
			int cc = c + dc;
			if ((dr == 0 && dc == 0) || cc < 0 || cc >= cols)
				continue;
			if (row[cc] > v)
				return false;
			if (row[cc] == v)
				*flat = true;
		}
	}
	return true;
}

/* A cell's refined position: its own row and column plus the fitted
 * offset along each axis. */
static void refine_cell(const float *img, int rows, int cols, int r, int c, double *frow, double *fcol)
{
	ptrdiff_t at = (ptrdiff_t)r * cols + c;
	*fcol = c + refine_axis(img, at, 1, c > 0, c + 1 < cols, c + 2 < cols, c > 1);
	*frow = r + refine_axis(img, at, cols, r > 0, r + 1 < rows, r + 2 < rows, r > 1);
}

/* Collects the plateau of equal-valued local maxima 8-connected to `start`
 * (the first of them in raster order, as the scan meets it), marks it
 * visited and returns where it peaks: the mean of its cells' refined
 * positions. On noisy integer counts two equal cells at the top of a blob
 * are common; each cell's fit still sees the slope across the plateau
 * (its equal neighbour pulls it half a cell that way), so the pair lands
 * between them along the plateau and where the blob is across it. On a
 * wide flat top (saturation) the inner cells fit no slope and the mean is
 * the plateau's centre. */
static void flood_plateau(const float *img, int rows, int cols, int32_t start, uint8_t *visited,
			  int32_t *stack, double *frow, double *fcol)
{
	float v = img[start];
	size_t top = 0;
	double sr = 0, sc = 0;
	size_t n = 0;
	stack[top++] = start;
	visited[start] = 1;
	while (top) {
		int32_t i = stack[--top];
		int r = i / cols, c = i % cols;
		double rr0, cc0;
		refine_cell(img, rows, cols, r, c, &rr0, &cc0);
		sr += rr0;
		sc += cc0;
		n++;
		for (int dr = -1; dr <= 1; dr++) {
			int rr = r + dr;
			if (rr < 0 || rr >= rows)
				continue;
			for (int dc = -1; dc <= 1; dc++) {
				int cc = c + dc;
				if (cc < 0 || cc >= cols)
					continue;
				int32_t j = rr * cols + cc;
				bool flat;
				if (visited[j] || img[j] != v || !is_max(img, rows, cols, rr, cc, &flat))
					continue;
				visited[j] = 1;
				stack[top++] = j;
			}
		}
	}
	*frow = sr / (double)n;
	*fcol = sc / (double)n;
}

size_t pd_peaks_find(const float *img, int rows, int cols, float threshold, double min_sep_mm,
		     double pitch_x_mm, double pitch_y_mm, struct pd_peak *out, size_t max, void *scratch)
{
	return an_peaks_find_hot(img, NULL, rows, cols, threshold, min_sep_mm, pitch_x_mm, pitch_y_mm, out, max,
				 scratch);
}

size_t an_peaks_find_hot(const float *img, const uint8_t *row_hot, int rows, int cols, float threshold,
			 double min_sep_mm, double pitch_x_mm, double pitch_y_mm, struct pd_peak *out, size_t max,
			 void *scratch)
{
	if (rows <= 0 || cols <= 0 || max == 0)
		return 0;
	size_t ncells = (size_t)rows * (size_t)cols;
	struct cand *cand = scratch;
	int32_t *stack = (int32_t *)(cand + max_cands(rows, cols));
	uint8_t *visited = (uint8_t *)(stack + ncells);
	bool visited_clear = false;
	size_t ncand = 0;

	for (int r = 0; r < rows; r++) {
		const float *row = img + (size_t)r * cols;
		/* most rows hold nothing above the threshold: the tare pass
		 * already knows which, else one vectorisable look decides */
		if (row_hot) {
			if (!row_hot[r])
				continue;
		} else {
			unsigned any = 0;
			for (int c = 0; c < cols; c++)
				any |= row[c] > threshold;
			if (!any)
				continue;
		}
		for (int c = 0; c < cols; c++) {
			if (!(row[c] > threshold))
				continue;
			bool flat;
			if (!is_max(img, rows, cols, r, c, &flat))
				continue;
			int32_t idx = r * cols + c;
			struct cand k = { row[c], idx, 0, 0, false };
			if (flat) {
				if (!visited_clear) {
					memset(visited, 0, ncells);
					visited_clear = true;
				}
				if (visited[idx])
					continue; /* part of a plateau met earlier */
				double fr, fc;
				flood_plateau(img, rows, cols, idx, visited, stack, &fr, &fc);
				k.frow = (float)fr;
				k.fcol = (float)fc;
				k.plateau = true;
			}
			cand[ncand++] = k;
		}
	}
	sort_cands(cand, ncand);

	double sep2 = min_sep_mm * min_sep_mm;
	size_t nout = 0;
	for (size_t i = 0; i < ncand && nout < max; i++) {
		int r = cand[i].idx / cols, c = cand[i].idx % cols;
		bool merged = false;
		for (size_t j = 0; j < nout; j++) {
			double dx = (c - out[j].col) * pitch_x_mm, dy = (r - out[j].row) * pitch_y_mm;
			if (dx * dx + dy * dy < sep2) {
				merged = true;
				break;
			}
		}
		if (merged)
			continue;
		struct pd_peak *p = &out[nout++];
		p->row = r;
		p->col = c;
		p->value = cand[i].v;
		if (cand[i].plateau) {
			p->frow = cand[i].frow;
			p->fcol = cand[i].fcol;
			continue;
		}
		refine_cell(img, rows, cols, r, c, &p->frow, &p->fcol);
	}
	return nout;
}
