/* Random access to a recording through the reader, as pressd-web's review
 * page does it: pd_rec_reader_frame at a random frame, each from a reader
 * whose buffers hold some other part of the file (so every read decodes a
 * /frames chunk and reads the 1-D datasets around it). Prints the latency
 * of one such read (median, p95, max) and, for scale, the time of a read
 * of the next frame in order.
 *
 *   build/bin/bench_frame_seek FILE [reads] [seed]
 *
 * Run by bench/report_hour.py; the file is in the page cache by then (a
 * review page reads files that its server has open). */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "recording.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_frame_seek FILE [reads] [seed]\n");
		return 2;
	}
	int reads = argc > 2 ? atoi(argv[2]) : 1000;
	unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : 1;
	if (reads < 1)
		reads = 1;
	struct pd_rec_reader *rd;
	char err[512];
	if (pd_rec_reader_open(&rd, argv[1], err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	uint64_t n = pd_rec_reader_info(rd)->frames;
	double *ms = malloc((size_t)reads * sizeof *ms), next = 0;
	if (!n || !ms) {
		fprintf(stderr, "no frames\n");
		return 1;
	}
	srand(seed);
	struct pd_frame f;
	for (int k = 0; k < reads; k++) {
		/* 64-bit spread of two rand()s: files past RAND_MAX frames */
		uint64_t i = (((uint64_t)rand() << 31) ^ (uint64_t)rand()) % n;
		uint64_t t0 = pd_mono_ns();
		if (pd_rec_reader_frame(rd, i, &f, NULL, NULL) != 0) {
			fprintf(stderr, "frame %llu: %s\n", (unsigned long long)i, pd_rec_reader_error(rd));
			return 1;
		}
		uint64_t t1 = pd_mono_ns();
		/* and the frame after it, from the buffers (or its chunk) */
		if (i + 1 < n && pd_rec_reader_frame(rd, i + 1, &f, NULL, NULL) == 0)
			next += (double)(pd_mono_ns() - t1) / 1e6;
		ms[k] = (double)(t1 - t0) / 1e6;
	}
	qsort(ms, (size_t)reads, sizeof *ms, cmp);
	printf("frames %llu reads %d median_ms %.3f p95_ms %.3f max_ms %.3f next_frame_ms %.4f\n",
	       (unsigned long long)n, reads, ms[reads / 2], ms[(int)(reads * 0.95)], ms[reads - 1], next / reads);
	free(ms);
	pd_rec_reader_close(rd);
	pd_rec_shutdown();
	return 0;
}
