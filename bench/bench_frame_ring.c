/* The frame ring's cost per frame: a write by the reader thread and a read
 * by one consumer, for the frame sizes of issue 3's analysis benchmark,
 * next to a plain memcpy of the same cells (the least a copy-in ring can
 * cost). Single thread, so it measures the copy work, not cache traffic
 * between cores.
 *
 *   build/bin/bench_frame_ring [seconds-per-case]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "frame_ring.h"

static volatile uint8_t sink_byte;

static void run(int side, double seconds)
{
	size_t bytes = (size_t)side * side * 2;
	uint8_t *cells = malloc(bytes), *buf = malloc(bytes), *copy = malloc(bytes);
	for (size_t i = 0; i < bytes; i++)
		cells[i] = (uint8_t)(i * 13);
	struct pd_frame_ring *r = pd_frame_ring_new(256, bytes);
	struct pd_frame f = { .rows = (uint16_t)side, .cols = (uint16_t)side, .cell_bits = 16, .cells = cells };
	struct pd_frame out;
	uint64_t cursor = 0, lost = 0, n = 0;
	uint32_t stream;
	int64_t t0 = pd_mono_ns(), t1;
	do {
		for (int k = 0; k < 128; k++, n++) {
			f.seq = (uint32_t)n;
			pd_frame_ring_write(r, &f, 0);
		}
		while (pd_frame_ring_read(r, &cursor, &lost, &out, &stream, buf))
			sink_byte = ((const uint8_t *)out.cells)[0];
		t1 = pd_mono_ns();
	} while (t1 - t0 < (int64_t)(seconds * 1e9));
	double ring_ns = (double)(t1 - t0) / (double)n;

	uint64_t m = 0;
	t0 = pd_mono_ns();
	do {
		for (int k = 0; k < 128; k++, m++) {
			cells[0] = (uint8_t)m;
			memcpy(copy, cells, bytes);
			memcpy(buf, copy, bytes);
			sink_byte = buf[0];
		}
		t1 = pd_mono_ns();
	} while (t1 - t0 < (int64_t)(seconds * 1e9));
	double memcpy_ns = (double)(t1 - t0) / (double)m;
	printf("%3dx%-3d u16: write+read %8.0f ns/frame (%7.0f frames/s), two memcpy %7.0f ns, lost %llu\n",
	       side, side, ring_ns, 1e9 / ring_ns, memcpy_ns, (unsigned long long)lost);
	pd_frame_ring_free(r);
	free(cells), free(buf), free(copy);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	int sides[] = { 32, 64, 128 };
	for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++)
		run(sides[i], seconds);
	return 0;
}
