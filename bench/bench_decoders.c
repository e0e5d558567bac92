/* Decoder throughput: how many frames per second each protocol's decoder
 * takes on one core, fed in 4 KiB reads as a serial port delivers them,
 * next to a single pass that only sums every cell (the least any consumer
 * of a frame must do). Frames come from the scenario generator (a blob on
 * a noisy mat), encoded once up front; only decoding is timed.
 *
 *   build/bin/bench_decoders [seconds-per-case]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ascii/ascii.h"
#include "clock.h"
#include "pmf/pmf.h"
#include "protocol.h"
#include "sensitronics/sensitronics.h"
#include "sim/scenario.h"

#define NFRAMES 256
#define CHUNK 4096

struct bench_case {
	const char *name;
	const struct pd_protocol *proto;
	int rows, cols, cell_bits;
	int encoding; /* pmf */
	int ascii_form;
};

static uint64_t frames_seen;
static uint64_t checksum;

static void count_frame(void *ctx, const struct pd_frame *f)
{
	(void)ctx;
	frames_seen++;
	checksum += ((const uint8_t *)f->cells)[0];
}

/* Encodes NFRAMES frames of a `hold` scenario in the case's protocol. */
static uint8_t *make_stream(const struct bench_case *c, size_t *len, size_t *cell_bytes)
{
	struct pd_scenario *sc;
	char err[256];
	struct pd_scenario_params p = { .name = "hold", .kind = PD_KIND_MAT, .rows = (uint16_t)c->rows,
					.cols = (uint16_t)c->cols, .cell_bits = (uint8_t)c->cell_bits,
					.loop = true };
	if (pd_scenario_new(&sc, &p, err, sizeof err) != 0) {
		fprintf(stderr, "%s: %s\n", c->name, err);
		exit(1);
	}
	size_t cap = (size_t)NFRAMES * ((size_t)c->rows * c->cols * 8 + 256) + 4096;
	uint8_t *buf = malloc(cap);
	size_t n = 0;
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	if (c->proto == &pd_protocol_pmf)
		n += pmf_encode_info(buf, cap, &info);
	struct pd_frame f;
	for (int i = 0; i < 1000; i++) /* into the blob */
		pd_scenario_next(sc, &f);
	for (int i = 0; i < NFRAMES; i++) {
		pd_scenario_next(sc, &f);
		size_t ncells = (size_t)f.rows * f.cols;
		*cell_bytes = pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits);
		if (c->proto == &pd_protocol_pmf)
			n += pmf_encode_frame(buf + n, cap - n, (uint32_t)i, (uint64_t)i * 10000,
					      (enum pmf_encoding)c->encoding, f.cells, ncells, f.cell_bits);
		else if (c->proto == &pd_protocol_ascii)
			n += ascii_encode_frame((char *)buf + n, cap - n, (enum ascii_form)c->ascii_form, f.cells,
						f.rows, f.cols, f.cell_bits);
		else
			n += sens_encode_frame(buf + n, cap - n, f.cells, ncells);
	}
	pd_scenario_free(sc);
	*len = n;
	return buf;
}

static double sum_pass_fps(size_t cell_bytes, int cell_bits, double seconds)
{
	uint8_t *cells = calloc(1, cell_bytes);
	for (size_t i = 0; i < cell_bytes; i++)
		cells[i] = (uint8_t)(i * 31);
	uint64_t n = 0, sum = 0;
	int64_t t0 = pd_mono_ns(), t1;
	do {
		for (int k = 0; k < 1000; k++, n++) {
			if (cell_bits == 16) {
				const uint16_t *c16 = (const uint16_t *)cells;
				for (size_t i = 0; i < cell_bytes / 2; i++)
					sum += c16[i];
			} else {
				for (size_t i = 0; i < cell_bytes; i++)
					sum += cells[i];
			}
			__asm__ volatile("" : : "r"(sum) : "memory");
		}
		t1 = pd_mono_ns();
	} while (t1 - t0 < (int64_t)(seconds * 1e9));
	free(cells);
	return (double)n / ((double)(t1 - t0) / 1e9);
}

static void run(const struct bench_case *c, double seconds)
{
	size_t len, cell_bytes = 0;
	uint8_t *stream = make_stream(c, &len, &cell_bytes);
	struct pd_stream_params params = { .rows = (uint16_t)c->rows, .cols = (uint16_t)c->cols,
					   .unit = -1, .poll_char = -1,
					   .full_scale = c->cell_bits == 8 ? 254 : 4095 };
	struct pd_decode_stats stats;
	struct pd_decode_sink sink = { .frame = count_frame };
	struct pd_rx_time rx = { 0, 0 };
	char err[256];
	uint64_t bytes = 0;
	frames_seen = 0;
	int64_t t0 = pd_mono_ns(), t1;
	do {
		void *st = calloc(1, c->proto->state_size);
		memset(&stats, 0, sizeof stats);
		if (c->proto->init(st, &params, &stats, err, sizeof err) != 0) {
			fprintf(stderr, "%s: %s\n", c->name, err);
			exit(1);
		}
		for (size_t off = 0; off < len; off += CHUNK)
			c->proto->feed(st, stream + off, len - off < CHUNK ? len - off : CHUNK, &rx, &sink);
		c->proto->fini(st);
		free(st);
		bytes += len;
		t1 = pd_mono_ns();
	} while (t1 - t0 < (int64_t)(seconds * 1e9));
	double s = (double)(t1 - t0) / 1e9;
	double fps = (double)frames_seen / s;
	double base = sum_pass_fps(cell_bytes, c->cell_bits, seconds / 2);
	printf("%-28s %9.0f frames/s %8.1f MB/s  %6.2f sum-passes/frame  (%llu errors)\n", c->name, fps,
	       (double)bytes / s / 1e6, base / fps,
	       (unsigned long long)(stats.crc_errors + stats.decode_errors));
	free(stream);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	static const struct bench_case cases[] = {
		{ "pmf 64x64 u16 raw", &pd_protocol_pmf, 64, 64, 16, PMF_ENC_RAW, 0 },
		{ "pmf 64x64 u16 zero-run", &pd_protocol_pmf, 64, 64, 16, PMF_ENC_ZERO_RUN, 0 },
		{ "pmf 128x128 u16 raw", &pd_protocol_pmf, 128, 128, 16, PMF_ENC_RAW, 0 },
		{ "pmf 32x32 u8 zero-run", &pd_protocol_pmf, 32, 32, 8, PMF_ENC_ZERO_RUN, 0 },
		{ "ascii 32x32 line", &pd_protocol_ascii, 32, 32, 16, 0, ASCII_SINGLE_LINE },
		{ "ascii 32x32 block", &pd_protocol_ascii, 32, 32, 16, 0, ASCII_BLOCK },
		{ "sensitronics 32x32", &pd_protocol_sensitronics, 32, 32, 8, 0, 0 },
	};
	printf("decoder throughput, one core, %g s per case, fed in %d-byte reads\n", seconds, CHUNK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run(&cases[i], seconds);
	return checksum == 42 ? 1 : 0; /* keeps the sink's work observable */
}
