/* peaks_dump: pd_peaks_find over frames read from stdin, for the
 * cross-check against scikit-image (tests/integration/test_peaks_skimage.py).
 *
 * Input: one text line "rows cols threshold min_sep_mm pitch_mm nframes\n",
 * then nframes frames of rows × cols float32, little-endian, row-major.
 * Output: per frame one line: the number of peaks, then each peak's
 * "row col" (the peak cell), sorted by row then col. Exit status 0, or 2 on
 * malformed input (with a message on stderr). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peaks.h"

static int cmp_peak(const void *a, const void *b)
{
	const struct pd_peak *x = a, *y = b;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return (x->col > y->col) - (x->col < y->col);
}

static float le_float(const unsigned char *p)
{
	uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

int main(void)
{
	char line[256];
	if (!fgets(line, sizeof line, stdin)) {
		fprintf(stderr, "peaks_dump: no header line\n");
		return 2;
	}
	int rows, cols;
	double thr, min_sep, pitch;
	long nframes;
	if (sscanf(line, "%d %d %lf %lf %lf %ld", &rows, &cols, &thr, &min_sep, &pitch, &nframes) != 6 || rows < 1 ||
	    cols < 1 || rows > 4096 || cols > 4096 || nframes < 0 || !(pitch > 0) || !(min_sep >= 0)) {
		fprintf(stderr, "peaks_dump: bad header: %s", line);
		return 2;
	}
	size_t ncells = (size_t)rows * (size_t)cols;
	unsigned char *raw = malloc(ncells * 4);
	float *img = malloc(ncells * sizeof *img);
	struct pd_peak *out = malloc(ncells * sizeof *out);
	void *scratch = malloc(pd_peaks_scratch_size(rows, cols));
	if (!raw || !img || !out || !scratch) {
		fprintf(stderr, "peaks_dump: out of memory\n");
		return 2;
	}
	for (long f = 0; f < nframes; f++) {
		if (fread(raw, 4, ncells, stdin) != ncells) {
			fprintf(stderr, "peaks_dump: frame %ld of %ld is short\n", f, nframes);
			return 2;
		}
		for (size_t i = 0; i < ncells; i++)
			img[i] = le_float(raw + 4 * i);
		size_t n = pd_peaks_find(img, rows, cols, (float)thr, min_sep, pitch, pitch, out, ncells, scratch);
		qsort(out, n, sizeof *out, cmp_peak);
		printf("%zu", n);
		for (size_t i = 0; i < n; i++)
			printf(" %d %d", out[i].row, out[i].col);
		putchar('\n');
	}
	free(raw);
	free(img);
	free(out);
	free(scratch);
	return fflush(stdout) == 0 ? 0 : 1;
}
