/* Recording throughput: 64×64 uint16 frames from the scenario generator
 * written with recording/ (pd_rec_*), next to plain write() of the same
 * bytes, HDF5's own filter pipeline (H5Dwrite of whole chunks, the same
 * layout and filters), and h5py (bench_recording_h5py.py, run from here
 * on the same frames). Then the chunk length and deflate level sweeps
 * that chose the defaults.
 *
 * Frames are generated once (2000 frames: one second at 2 kHz) and
 * cycled, so only writing is timed; each case runs for the given wall
 * seconds, flushes every 2000 frames (a second of the device's time) and
 * closes the file inside the timing. "ratio" is cell bytes / file bytes;
 * "2 kHz costs" the share of one core a 2 kHz mat would take.
 *
 *   build/bin/bench_recording [seconds-per-case] [--dir DIR] [--h5py SCRIPT] [--writers]
 *
 * --writers: the first table only (the writers side by side), for repeated
 * runs; the sweeps that chose the defaults take minutes.
 */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "recording.h"
#include "sim/scenario.h"

#define ROWS 64
#define COLS 64
#define RATE 2000
#define POOL 2000
#define FRAME_BYTES (ROWS * COLS * 2)

extern char **environ;

static uint8_t *pool;
static struct pd_device_info info;
static char dir[512] = "/tmp";
static double secs = 2;

struct result {
	uint64_t frames;
	double elapsed, file_bytes;
	double cpu; /* this process's CPU seconds over the same span */
};

/* CPU time of this process: what a writer costs whatever else the cores
 * are doing (wall-clock frames/s on a shared machine is partly the queue). */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void frame_at(uint64_t n, struct pd_frame *f)
{
	*f = (struct pd_frame){ .seq = (uint32_t)n, .device_time_us = n * 1000000 / RATE, .rows = ROWS, .cols = COLS,
				.cell_bits = 16, .cells = pool + (n % POOL) * FRAME_BYTES };
	f->rx.utc_ns = (int64_t)1790000000 * 1000000000 + (int64_t)f->device_time_us * 1000;
}

static void print(const char *name, const struct result *r)
{
	double fps = (double)r->frames / r->elapsed, cpu_us = 1e6 * r->cpu / (double)r->frames;
	printf("| %-44s | %9.0f | %7.1f | %6.2f | %5.1f %% | %6.2f |\n", name, fps, fps * FRAME_BYTES / 1e6,
	       r->file_bytes > 0 ? (double)r->frames * FRAME_BYTES / r->file_bytes : 0, 100.0 * RATE / fps, cpu_us);
	fflush(stdout);
}

static double file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/* The floor: the cells plus seq, t, time, straight to a file. */
static struct result plain_write(bool sync)
{
	char path[600];
	snprintf(path, sizeof path, "%s/bench_recording.raw", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	struct result r = { 0 };
	double t0 = pd_mono_s(), c0 = cpu_now();
	uint8_t rec[FRAME_BYTES + 20];
	while (pd_mono_s() - t0 < secs) {
		for (int k = 0; k < 100; k++, r.frames++) {
			struct pd_frame f;
			frame_at(r.frames, &f);
			double t = (double)f.device_time_us / 1e6, utc = (double)f.rx.utc_ns / 1e9;
			memcpy(rec, &f.seq, 4);
			memcpy(rec + 4, &t, 8);
			memcpy(rec + 12, &utc, 8);
			memcpy(rec + 20, f.cells, FRAME_BYTES);
			if (write(fd, rec, sizeof rec) != (ssize_t)sizeof rec) {
				perror("write");
				exit(1);
			}
			if (sync && (r.frames + 1) % RATE == 0)
				fdatasync(fd);
		}
	}
	if (sync)
		fdatasync(fd);
	close(fd);
	r.elapsed = pd_mono_s() - t0;
	r.cpu = cpu_now() - c0;
	r.file_bytes = file_size(path);
	unlink(path);
	return r;
}

static struct result library(uint32_t chunk, int level, bool sync)
{
	char err[512];
	struct pd_rec *rec;
	struct pd_rec_params p = { .dir = dir, .device_id = "bench", .info = &info, .protocol = "sim",
				   .uri = "sim:mat", .start_utc_ns = pd_utc_ns(), .chunk_frames = chunk,
				   .deflate_level = level, .no_sync = !sync };
	struct result r = { 0 };
	double t0 = pd_mono_s(), c0 = cpu_now();
	if (pd_rec_create(&rec, &p, err, sizeof err)) {
		fprintf(stderr, "bench_recording: %s\n", err);
		exit(1);
	}
	char path[600];
	snprintf(path, sizeof path, "%s", pd_rec_path(rec));
	while (pd_mono_s() - t0 < secs) {
		for (int k = 0; k < 100; k++, r.frames++) {
			struct pd_frame f;
			frame_at(r.frames, &f);
			if (pd_rec_append_frame(rec, &f) || ((r.frames + 1) % RATE == 0 && pd_rec_flush(rec))) {
				fprintf(stderr, "bench_recording: %s\n", pd_rec_error(rec));
				exit(1);
			}
		}
	}
	if (pd_rec_close(rec, err, sizeof err)) {
		fprintf(stderr, "bench_recording: %s\n", err);
		exit(1);
	}
	r.elapsed = pd_mono_s() - t0;
	r.cpu = cpu_now() - c0;
	r.file_bytes = file_size(path);
	unlink(path);
	return r;
}

/* HDF5 doing the filtering: the same datasets, chunks and filters, each
 * chunk handed over whole with H5Dwrite as it fills, SWMR, H5Fflush every
 * second. What a careful C writer without direct chunk writes gets. */
static hid_t h5_dataset(hid_t f, const char *name, hid_t type, int rank, hsize_t chunk, int level)
{
	hsize_t cur[3] = { 0, ROWS, COLS }, max[3] = { H5S_UNLIMITED, ROWS, COLS }, ch[3] = { chunk, ROWS, COLS };
	hid_t sp = H5Screate_simple(rank, cur, max), dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_chunk(dcpl, rank, ch);
	H5Pset_shuffle(dcpl);
	H5Pset_deflate(dcpl, (unsigned)level);
	hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	H5Pclose(dcpl);
	H5Sclose(sp);
	return d;
}

static void h5_append(hid_t d, int rank, hsize_t at, hsize_t n, hid_t mtype, const void *buf)
{
	hsize_t dims[3] = { at + n, ROWS, COLS }, start[3] = { at, 0, 0 }, count[3] = { n, ROWS, COLS };
	H5Dset_extent(d, dims);
	hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, count, NULL);
	H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	if (H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, buf) < 0) {
		fprintf(stderr, "bench_recording: H5Dwrite failed\n");
		exit(1);
	}
	H5Sclose(ms);
	H5Sclose(fs);
}

static struct result hdf5_filters(uint32_t chunk, int level)
{
	char path[600];
	snprintf(path, sizeof path, "%s/bench_recording_h5.h5", dir);
	struct result r = { 0 };
	double t0 = pd_mono_s(), c0 = cpu_now();
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	hid_t frames = h5_dataset(f, "frames", H5T_STD_U16LE, 3, chunk, level);
	hid_t seq = h5_dataset(f, "frame_seq", H5T_STD_U32LE, 1, 1024, level);
	hid_t t = h5_dataset(f, "t", H5T_IEEE_F64LE, 1, 1024, level);
	hid_t tm = h5_dataset(f, "time", H5T_IEEE_F64LE, 1, 1024, level);
	H5Fstart_swmr_write(f);
	uint8_t *cells = malloc((size_t)chunk * FRAME_BYTES);
	uint32_t *seqs = malloc(chunk * sizeof *seqs);
	double *ts = malloc(chunk * sizeof *ts), *tms = malloc(chunk * sizeof *tms);
	uint64_t next_flush = RATE;
	while (pd_mono_s() - t0 < secs) {
		for (uint32_t k = 0; k < chunk; k++) {
			struct pd_frame fr;
			frame_at(r.frames + k, &fr);
			memcpy(cells + (size_t)k * FRAME_BYTES, fr.cells, FRAME_BYTES);
			seqs[k] = fr.seq;
			ts[k] = (double)fr.device_time_us / 1e6;
			tms[k] = (double)fr.rx.utc_ns / 1e9;
		}
		h5_append(frames, 3, r.frames, chunk, H5T_NATIVE_UINT16, cells);
		h5_append(seq, 1, r.frames, chunk, H5T_NATIVE_UINT32, seqs);
		h5_append(t, 1, r.frames, chunk, H5T_NATIVE_DOUBLE, ts);
		h5_append(tm, 1, r.frames, chunk, H5T_NATIVE_DOUBLE, tms);
		r.frames += chunk;
		if (r.frames >= next_flush) {
			H5Fflush(f, H5F_SCOPE_LOCAL);
			next_flush += RATE;
		}
	}
	H5Dclose(frames), H5Dclose(seq), H5Dclose(t), H5Dclose(tm);
	H5Fclose(f);
	r.elapsed = pd_mono_s() - t0;
	r.cpu = cpu_now() - c0;
	r.file_bytes = file_size(path);
	unlink(path);
	free(cells), free(seqs), free(ts), free(tms);
	return r;
}

/* What flushing every second costs in file size: an SWMR writer leaves
 * the old copy of every chunk it rewrites (layout.c). A minute of the
 * `all` scenario at the device's rate, flushed every second vs once at
 * the end, for a few chunk lengths. */
static double file_bytes_for(const struct pd_device_info *in, const uint8_t *frames, uint64_t n, uint32_t chunk,
			     uint64_t flush_every)
{
	char err[512];
	struct pd_rec *rec;
	struct pd_rec_params p = { .dir = dir, .device_id = "waste", .info = in, .start_utc_ns = pd_utc_ns(),
				   .chunk_frames = chunk, .no_sync = true };
	if (pd_rec_create(&rec, &p, err, sizeof err)) {
		fprintf(stderr, "bench_recording: %s\n", err);
		exit(1);
	}
	size_t fb = pd_frame_cells_bytes(in->rows, in->cols, in->cell_bits);
	for (uint64_t i = 0; i < n; i++) {
		struct pd_frame f = { .seq = (uint32_t)i, .device_time_us = (uint64_t)((double)i * 1e6 / in->rate_hz),
				      .rows = in->rows, .cols = in->cols, .cell_bits = in->cell_bits,
				      .cells = frames + i * fb, .has_encoder = in->kind == PD_KIND_ROLLER };
		f.rx.utc_ns = (int64_t)1790000000 * 1000000000 + (int64_t)f.device_time_us * 1000;
		if (pd_rec_append_frame(rec, &f) || ((i + 1) % flush_every == 0 && pd_rec_flush(rec))) {
			fprintf(stderr, "bench_recording: %s\n", pd_rec_error(rec));
			exit(1);
		}
	}
	char path[600];
	snprintf(path, sizeof path, "%s", pd_rec_path(rec));
	pd_rec_close(rec, NULL, 0);
	double size = file_size(path);
	unlink(path);
	return size;
}

static void waste_sweep(const char *title, uint8_t kind, uint16_t rows, uint16_t cols, uint8_t bits, float rate)
{
	struct pd_scenario *sc;
	char err[256];
	struct pd_scenario_params sp = { .kind = kind, .rows = rows, .cols = cols, .rate_hz = rate, .cell_bits = bits,
					 .loop = true };
	if (pd_scenario_new(&sc, &sp, err, sizeof err)) {
		fprintf(stderr, "bench_recording: %s\n", err);
		exit(1);
	}
	struct pd_device_info in;
	pd_scenario_info(sc, &in);
	uint64_t n = (uint64_t)(rate * 60);
	size_t fb = pd_frame_cells_bytes(in.rows, in.cols, in.cell_bits);
	uint8_t *frames = malloc(n * fb);
	for (uint64_t i = 0; i < n; i++) {
		struct pd_frame f;
		pd_scenario_next(sc, &f);
		memcpy(frames + i * fb, f.cells, fb);
	}
	pd_scenario_free(sc);
	uint32_t dflt = pd_rec_default_chunk_frames(&in);
	/* About a second, and not a multiple of any chunk length tried: a
	 * recorder flushes by the clock, wherever the chunks are. */
	uint64_t every = (uint64_t)rate - ((uint64_t)rate / 37 > 1 ? (uint64_t)rate / 37 : 1);
	printf("\n%s, a minute of the `all` scenario (default chunk: %u frames):\n\n", title, dflt);
	printf("| chunk | ms | cells KiB | ratio, one flush | ratio, flushed about every second | left behind |\n");
	printf("|---:|---:|---:|---:|---:|---:|\n");
	static const uint32_t chunks[] = { 1, 2, 5, 10, 20, 50, 100, 200, 1000 };
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		uint32_t c = chunks[i];
		if ((size_t)c * fb > (1u << 20) || (chunks[i] > dflt && i > 0 && chunks[i - 1] >= dflt && c > 8 * dflt))
			continue;
		double once = file_bytes_for(&in, frames, n, c, n + 1);
		double each = file_bytes_for(&in, frames, n, c, every);
		double raw = (double)n * fb;
		printf("| %u%s | %.0f | %.1f | %.2f | %.2f | %.1f %% |\n", c, c == dflt ? " (default)" : "",
		       1000.0 * c / rate, c * fb / 1024.0, raw / once, raw / each, 100.0 * (each - once) / each);
		fflush(stdout);
	}
	if (dflt != 1 && dflt != 2 && dflt != 5 && dflt != 10 && dflt != 20 && dflt != 50 && dflt != 100 &&
	    dflt != 200 && dflt != 1000) {
		double once = file_bytes_for(&in, frames, n, dflt, n + 1);
		double each = file_bytes_for(&in, frames, n, dflt, every);
		double raw = (double)n * fb;
		printf("| %u (default) | %.0f | %.1f | %.2f | %.2f | %.1f %% |\n", dflt, 1000.0 * dflt / rate,
		       dflt * fb / 1024.0, raw / once, raw / each, 100.0 * (each - once) / each);
	}
	free(frames);
}

/* The h5py script on the same frames (written to a file for it). */
static void run_h5py(const char *script, uint32_t chunk, int level)
{
	char path[600], s_chunk[16], s_level[16], s_secs[32];
	snprintf(path, sizeof path, "%s/bench_recording_pool.u16", dir);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(pool, FRAME_BYTES, POOL, fp) != POOL || fclose(fp)) {
		perror(path);
		return;
	}
	snprintf(s_chunk, sizeof s_chunk, "%u", chunk);
	snprintf(s_level, sizeof s_level, "%d", level);
	snprintf(s_secs, sizeof s_secs, "%g", secs);
	char *argv[] = { "/usr/bin/python3", (char *)script, path, dir, s_chunk, s_level, s_secs, NULL };
	pid_t pid;
	fflush(stdout);
	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
		perror("python3");
		return;
	}
	int st;
	waitpid(pid, &st, 0);
	unlink(path);
}

int main(int argc, char **argv)
{
	const char *h5py_script = NULL;
	int writers_only = 0;
#ifdef BENCH_H5PY_SCRIPT
	h5py_script = BENCH_H5PY_SCRIPT;
#endif
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			snprintf(dir, sizeof dir, "%s", argv[++i]);
		else if (!strcmp(argv[i], "--h5py") && i + 1 < argc)
			h5py_script = argv[++i];
		else if (!strcmp(argv[i], "--writers"))
			writers_only = 1;
		else
			secs = atof(argv[i]) > 0 ? atof(argv[i]) : secs;
	}
	struct pd_scenario *sc;
	char err[256];
	struct pd_scenario_params sp = { .kind = PD_KIND_MAT, .rows = ROWS, .cols = COLS, .rate_hz = RATE, .loop = true };
	if (pd_scenario_new(&sc, &sp, err, sizeof err)) {
		fprintf(stderr, "bench_recording: %s\n", err);
		return 1;
	}
	pd_scenario_info(sc, &info);
	pd_scenario_skip(sc, 3 * RATE); /* into the first hold: a blob on the noise */
	pool = malloc((size_t)POOL * FRAME_BYTES);
	for (int i = 0; i < POOL; i++) {
		struct pd_frame f;
		pd_scenario_next(sc, &f);
		memcpy(pool + (size_t)i * FRAME_BYTES, f.cells, FRAME_BYTES);
	}
	pd_scenario_free(sc);
	uint32_t dflt = pd_rec_default_chunk_frames(&info);

	printf("64×64 uint16 frames, flushed every %d frames, %g s per case, in %s\n\n", RATE, secs, dir);
	printf("| writer (chunk %u frames; pd_rec: pressd's encoder, others: deflate 1) | frames/s | MB/s | ratio | 2 kHz costs "
	       "| CPU µs/frame |\n",
	       dflt);
	printf("|---|---:|---:|---:|---:|---:|\n");
	struct result r = plain_write(false);
	print("write() of the raw bytes", &r);
	r = plain_write(true);
	print("write() of the raw bytes, fdatasync each second", &r);
	r = library(0, 0, false);
	print("pd_rec (recording/)", &r);
	r = library(0, 0, true);
	print("pd_rec, fdatasync each flush (the default)", &r);
	r = hdf5_filters(dflt, 1);
	print("HDF5 filters, H5Dwrite of whole chunks", &r);
	if (h5py_script)
		run_h5py(h5py_script, dflt, 1);
	if (writers_only) {
		free(pool);
		pd_rec_shutdown();
		return 0;
	}

	printf("\nChunk length (pd_rec, no fdatasync):\n\n| chunk | KiB | frames/s | MB/s | ratio | 2 kHz costs |\n|---:|---:|---:|---:|---:|---:|\n");
	static const uint32_t chunks[] = { 4, 8, 16, 32, 64, 128, 256 };
	for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		r = library(chunks[i], 0, false);
		double fps = (double)r.frames / r.elapsed;
		printf("| %u | %u | %.0f | %.1f | %.2f | %.1f %% |\n", chunks[i], chunks[i] * FRAME_BYTES / 1024, fps,
		       fps * FRAME_BYTES / 1e6, (double)r.frames * FRAME_BYTES / r.file_bytes, 100.0 * RATE / fps);
		fflush(stdout);
	}
	printf("\nEncoder (pd_rec, default chunk, no fdatasync; levels 1-9: libdeflate, or zlib in a build "
	       "without it):\n\n| level | frames/s | MB/s | ratio |\n|---:|---:|---:|---:|\n");
	static const int levels[] = { 0, 1, 2, 4, 6, 9 };
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
		r = library(0, levels[i], false);
		double fps = (double)r.frames / r.elapsed;
		printf("| %s%d | %.0f | %.1f | %.2f |\n", levels[i] ? "" : "pressd's, ", levels[i], fps, fps * FRAME_BYTES / 1e6,
		       (double)r.frames * FRAME_BYTES / r.file_bytes);
		fflush(stdout);
	}
	waste_sweep("32×32 uint16 mat at 100 Hz", PD_KIND_MAT, 32, 32, 16, 100);
	waste_sweep("64×64 uint16 mat at 2 kHz", PD_KIND_MAT, 64, 64, 16, 2000);
	waste_sweep("16×16 uint8 mat at 30 Hz", PD_KIND_MAT, 16, 16, 8, 30);
	waste_sweep("16-cell uint16 roller at 100 Hz", PD_KIND_ROLLER, 0, 0, 16, 100);
	free(pool);
	pd_rec_shutdown();
	return 0;
}
