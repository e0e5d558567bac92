/* The sensor corner block of a novel .asc export:
 *
 *   sensor        4        5 ...
 *   corner[cm]
 *   x[0]   0.0000   0.0000 ...     (corners 0..3 of each sensor, then its
 *   y[0]  29.8120  28.7840 ...      centre c, then its area in cm²)
 *   ...
 *   area   0.5428   0.5428 ...
 *
 * A mat's sensors are rectangles on a lattice, so they become a rows × cols
 * grid; any other layout (tilted, unequal or overlapping sensors) is kept
 * as a strip with these lines as text. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vendor_parser.h"
#include "novel_layout.h"

#define NV_EPS_CM 0.002 /* the block's 4 decimals, and their sums over a lattice */
#define NV_MAX_SIDE 4096

const char *const nv_keys[NV_KEYS] = { "x[0]", "y[0]", "x[1]", "y[1]", "x[2]", "y[2]",
				       "x[3]", "y[3]", "x[c]", "y[c]", "area" };

bool nv_token(const char *s, size_t n, size_t *at, const char **tok, size_t *len)
{
	size_t i = *at;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n) {
		*at = i;
		return false;
	}
	size_t b = i;
	while (b < n && s[b] != ' ' && s[b] != '\t')
		b++;
	*tok = s + i;
	*len = b - i;
	*at = b;
	return true;
}

/* The tokens after `at`, one space between (as the table's labels are kept). */
static char *rest_text(const char *s, size_t n, size_t at)
{
	char *t = malloc(n - at + 1);
	if (!t)
		return NULL;
	const char *tok;
	size_t len, o = 0;
	while (nv_token(s, n, &at, &tok, &len)) {
		if (o)
			t[o++] = ' ';
		memcpy(t + o, tok, len);
		o += len;
	}
	t[o] = '\0';
	return t;
}

int nv_corners_line(struct nv_corners *k, uint64_t lineno, const char *s, size_t n, char *err, size_t errlen)
{
	size_t at = 0, len;
	const char *tok;
	if (!nv_token(s, n, &at, &tok, &len))
		return 0;
	if (len == 6 && !memcmp(tok, "sensor", 6)) {
		if (k->started) {
			snprintf(err, errlen, "a second sensor block (the first is at line %llu)",
				 (unsigned long long)k->line);
			return -1;
		}
		size_t a = at;
		while (nv_token(s, n, &a, &tok, &len)) {
			if (strspn(tok, "0123456789") < len) {
				k->n = 0; /* "sensor type: ..." in a pedar header, not the block */
				return 0;
			}
			k->n++;
		}
		if (k->n == 0 || k->n > 65535) {
			snprintf(err, errlen, "the sensor block names %u sensors", k->n);
			return -1;
		}
		k->started = true;
		k->line = lineno;
		k->c = calloc((size_t)k->n * NV_KEYS, sizeof *k->c);
		k->text[0] = rest_text(s, n, at);
		if (!k->c || !k->text[0]) {
			snprintf(err, errlen, "out of memory for %u sensors", k->n);
			return -1;
		}
		return 0;
	}
	if (!k->started)
		return 0;
	int key = -1;
	for (int i = 0; i < NV_KEYS; i++)
		if (len == strlen(nv_keys[i]) && !memcmp(tok, nv_keys[i], len))
			key = i;
	if (key < 0)
		return 0; /* corner[cm], and whatever a later version adds */
	if (k->seen & (1u << key)) {
		snprintf(err, errlen, "%s given twice in the sensor block", nv_keys[key]);
		return -1;
	}
	unsigned i = 0;
	size_t a = at;
	while (nv_token(s, n, &a, &tok, &len)) {
		char num[32];
		char *end;
		if (i >= k->n || len >= sizeof num) {
			snprintf(err, errlen, i >= k->n ? "%s has more than the block's %u sensors"
						  : "%s: a value too long for a coordinate", nv_keys[key], k->n);
			return -1;
		}
		memcpy(num, tok, len);
		num[len] = '\0';
		double v = strtod(num, &end);
		if (*end || !isfinite(v) || fabs(v) > 1e5) {
			snprintf(err, errlen, "%s sensor %u: \"%s\" is not a coordinate", nv_keys[key], i + 1, num);
			return -1;
		}
		k->c[(size_t)i * NV_KEYS + (size_t)key] = v;
		i++;
	}
	if (i != k->n) {
		snprintf(err, errlen, "%s has %u values for the block's %u sensors", nv_keys[key], i, k->n);
		return -1;
	}
	k->text[key + 1] = rest_text(s, n, at);
	if (!k->text[key + 1]) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->seen |= 1u << key;
	return 0;
}

bool nv_corners_complete(const struct nv_corners *k)
{
	return k->started && (k->seen & 0xffu) == 0xffu; /* the four corners; centre and area are extra */
}

void nv_corners_free(struct nv_corners *k)
{
	free(k->c);
	for (int i = 0; i <= NV_KEYS; i++)
		free(k->text[i]);
	memset(k, 0, sizeof *k);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The lattice step of positions v[0..n): the smallest gap between distinct
 * values (the size when there is one position); 0 when none is > eps. */
static double lattice_step(double *v, unsigned n, double size)
{
	qsort(v, n, sizeof *v, cmp_double);
	double step = 0;
	for (unsigned i = 1; i < n; i++) {
		double d = v[i] - v[i - 1];
		if (d > NV_EPS_CM && (step == 0 || d < step))
			step = d;
	}
	return step > 0 ? step : size;
}

static bool on_lattice(double v, double origin, double step, unsigned *k)
{
	double q = (v - origin) / step;
	double r = round(q);
	if (fabs(q - r) * step > NV_EPS_CM || r < 0 || r >= NV_MAX_SIDE)
		return false;
	*k = (unsigned)r;
	return true;
}

bool nv_corners_grid(const struct nv_corners *k, struct nv_grid *g, unsigned *cell)
{
	memset(g, 0, sizeof *g);
	if (!nv_corners_complete(k))
		return false;
	unsigned n = k->n;
	double *lo = malloc(2 * (size_t)n * sizeof *lo);
	if (!lo)
		return false;
	double *xs = lo, *ys = lo + n;
	double w = 0, h = 0;
	bool ok = true;
	for (unsigned i = 0; i < n && ok; i++) {
		const double *c = k->c + (size_t)i * NV_KEYS;
		double x0 = c[0], x1 = c[0], y0 = c[1], y1 = c[1];
		for (int j = 1; j < 4; j++) {
			x0 = fmin(x0, c[2 * j]), x1 = fmax(x1, c[2 * j]);
			y0 = fmin(y0, c[2 * j + 1]), y1 = fmax(y1, c[2 * j + 1]);
		}
		/* axis-aligned: every corner on an edge pair, two at each x and y */
		int at_x0 = 0, at_y0 = 0;
		for (int j = 0; j < 4; j++) {
			double x = c[2 * j], y = c[2 * j + 1];
			bool ex0 = fabs(x - x0) <= NV_EPS_CM, ex1 = fabs(x - x1) <= NV_EPS_CM;
			bool ey0 = fabs(y - y0) <= NV_EPS_CM, ey1 = fabs(y - y1) <= NV_EPS_CM;
			ok = ok && (ex0 || ex1) && (ey0 || ey1);
			at_x0 += ex0, at_y0 += ey0;
		}
		ok = ok && at_x0 == 2 && at_y0 == 2 && x1 - x0 > NV_EPS_CM && y1 - y0 > NV_EPS_CM;
		if (i == 0)
			w = x1 - x0, h = y1 - y0;
		ok = ok && fabs(x1 - x0 - w) <= NV_EPS_CM && fabs(y1 - y0 - h) <= NV_EPS_CM;
		xs[i] = x0;
		ys[i] = y0;
	}
	double ox = 0, oy = 0, sx = 0, sy = 0;
	if (ok) {
		double *tmp = malloc((size_t)n * sizeof *tmp);
		ok = tmp != NULL;
		if (ok) {
			memcpy(tmp, xs, (size_t)n * sizeof *tmp);
			sx = lattice_step(tmp, n, w);
			ox = tmp[0];
			memcpy(tmp, ys, (size_t)n * sizeof *tmp);
			sy = lattice_step(tmp, n, h);
			oy = tmp[0];
			free(tmp);
		}
		ok = ok && w <= sx + NV_EPS_CM && h <= sy + NV_EPS_CM; /* no overlaps */
	}
	unsigned cols = 0, rows = 0;
	for (unsigned i = 0; i < n && ok; i++) {
		unsigned kx, ky;
		ok = on_lattice(xs[i], ox, sx, &kx) && on_lattice(ys[i], oy, sy, &ky);
		if (ok) {
			cols = kx + 1 > cols ? kx + 1 : cols;
			rows = ky + 1 > rows ? ky + 1 : rows;
			cell[i] = ky * NV_MAX_SIDE + kx; /* the lattice position; renumbered below */
		}
	}
	/* a lattice mostly empty is not a mat: at most 4 cells per sensor */
	ok = ok && (uint64_t)rows * cols <= 4 * (uint64_t)n;
	unsigned char *used = ok ? calloc((size_t)rows * cols, 1) : NULL;
	ok = ok && used;
	for (unsigned i = 0; i < n && ok; i++) {
		unsigned kx = cell[i] % NV_MAX_SIDE, ky = cell[i] / NV_MAX_SIDE;
		cell[i] = (rows - 1 - ky) * cols + kx; /* row 0: the largest y, as novel draws it */
		ok = !used[cell[i]]++;
	}
	free(used);
	free(lo);
	if (ok) {
		g->rows = rows;
		g->cols = cols;
		g->pitch_x_mm = sx * 10;
		g->pitch_y_mm = sy * 10;
		g->empty = rows * cols - n;
	}
	return ok;
}
