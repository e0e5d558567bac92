/* rec_write: writes a recording with recording/ from the scenario
 * generator, for tests/integration/test_recording_files.py.
 *
 *   rec_write [options] DIR          record; prints "path FILE", then
 *                                    "flushed N" after every flush and
 *                                    "closed N" at the end
 *   rec_write --recover FILE         pd_rec_recover
 *   rec_write --state FILE           prints pd_rec_is_unfinished's answer
 *   rec_write --read FILE            prints what the C reader sees, as JSON
 *
 * Options: --scenario NAME, --kind mat|roller, --rows R, --cols C,
 * --rate HZ, --cell-bits 8|16, --seed S, --frames N (default: one pass),
 * --slow (real time, flushing every 0.5 s), --flush-frames N (else flush
 * every N frames), --tare, --meta KEY=VALUE..., --events (run the
 * analysis and record what it publishes, plus a mark every 5 s),
 * --drop-every N (lose 3 frames after every N: gaps), --raw FILE (each
 * frame as generated: u32 seq, f64 t, f64 time, i32 encoder, cells; one
 * write(2) per frame, so a kill leaves every frame before it),
 * --events-out FILE (the JSON of each event handed to the recording, one
 * per line), --chunk-frames N, --level L, --no-sync, --break-io-after N
 * (every HDF5 write fails from frame N on: an I/O error), --tare-at N
 * (with --events: take a baseline from frame N on; it goes to /tare when
 * it comes into force), --set-at N:KEY=VALUE (with --events: change an
 * analysis parameter from frame N on, a row of /events/settings),
 * --calibrated UNIT:K (a calibrated device: kPa, N or mmHg, K units per
 * count), --frames 0 (a recording with no frames), --start-utc S (the
 * session starts S seconds after 1970, UTC; default 2026-09-21T14:13:20Z).
 *
 * Exit status: 0, 2 for bad usage, 3 when recording failed (the message
 * on stdout as "failed ..." and on stderr). */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <zlib.h>

#include "analysis.h"
#include "clock.h"
#include "message_json.h"
#include "recording.h"
#include "testing.h"
#include "sim/scenario.h"

#define MAX_META 16

struct opts {
	const char *scenario, *dir, *raw, *events_out;
	uint8_t kind, cell_bits;
	uint16_t rows, cols;
	float rate;
	uint32_t seed, chunk_frames;
	int level;
	uint64_t frames, flush_frames, drop_every, break_after;
	bool frames_given;
	uint8_t unit;
	float units_per_count;
	bool slow, tare, events, no_sync;
	uint64_t tare_at;
	int64_t start_utc_s; /* 0: the default */
	uint64_t set_at;
	char set_key[64], set_value[64];
	struct pd_rec_meta meta[MAX_META];
	size_t nmeta;
};

struct run {
	struct pd_rec *rec;
	struct pd_analysis *an;
	struct pd_scenario *sc;
	void *to_free[2];
	FILE *events_out;
	const char *device;
	uint64_t seq[PD_EV_COUNT + 1]; /* per event type, and marks */
	double utc_minus_t;
	int failed;
};

static void die_failed(struct run *run)
{
	char err[1024];
	const char *why = pd_rec_error(run->rec);
	printf("failed %s\n", why);
	fprintf(stderr, "rec_write: %s\n", why);
	pd_rec_close(run->rec, err, sizeof err);
	printf("close %s\n", err);
	fprintf(stderr, "rec_write: close: %s\n", err);
	/* Tidy, for LeakSanitizer. */
	pd_analysis_free(run->an);
	pd_scenario_free(run->sc);
	free(run->to_free[0]);
	free(run->to_free[1]);
	if (run->events_out)
		fclose(run->events_out);
	pd_rec_shutdown();
	exit(3);
}

static void record_json(struct run *run, json_t *j)
{
	struct pd_event ev;
	char err[256];
	if (pd_event_from_json(j, &ev, err, sizeof err) != 0) {
		fprintf(stderr, "rec_write: not an event: %s\n", err);
		exit(4);
	}
	int rc = pd_rec_append_event(run->rec, &ev);
	if (rc == PD_REC_FAILED)
		die_failed(run);
	if (rc == PD_REC_REJECTED) {
		fprintf(stderr, "rec_write: event rejected: %s\n", pd_rec_error(run->rec));
		exit(4);
	}
	if (run->events_out) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
		fprintf(run->events_out, "%s\n", s);
		free(s);
	}
}

static void on_event(void *ctx, const struct pd_event *ev)
{
	struct run *run = ctx;
	if (ev->type == PD_EV_TARE && pd_rec_append_tare(run->rec, ev->t, pd_analysis_baseline(run->an)) != 0)
		die_failed(run);
	struct pd_event e = *ev; /* as the daemon publishes it */
	pd_event_stamp(&e, run->seq[ev->type]++, ev->t + run->utc_minus_t);
	json_t *j = pd_event_to_json(&e, run->device);
	record_json(run, j);
	json_decref(j);
}

static void mark(struct run *run, double utc, uint64_t n)
{
	/* Long and not ASCII: the label column cuts it at 128 bytes, on a
	 * character boundary. */
	char label[256];
	snprintf(label, sizeof label, "mark %llu — Übung «ä» %s", (unsigned long long)n,
		 n % 2 ? "short" :
			 "a long label that goes on and on past one hundred and twenty-eight bytes, ünïcödé included, "
			 "to see it cut cleanly");
	json_t *j = pd_json_message("mark", run->device, run->seq[PD_EV_COUNT]++, -1, 0, utc);
	json_object_set_new(j, "label", json_string(label));
	record_json(run, j);
	json_decref(j);
}

static void usage(void)
{
	fprintf(stderr, "usage: rec_write [options] DIR | --recover FILE | --state FILE | --read FILE\n");
	exit(2);
}

static int read_file(const char *path)
{
	struct pd_rec_reader *rd;
	char err[512];
	if (pd_rec_reader_open(&rd, path, err, sizeof err)) {
		fprintf(stderr, "rec_write: %s\n", err);
		return 1;
	}
	const struct pd_rec_file_info *in = pd_rec_reader_info(rd);
	json_t *j = json_object();
	json_object_set_new(j, "frames", json_integer((json_int_t)in->frames));
	json_object_set_new(j, "device_id", json_string(in->device_id));
	json_object_set_new(j, "software", json_string(in->software));
	json_object_set_new(j, "unit", json_string(in->unit));
	json_object_set_new(j, "conversion", json_real(in->conversion));
	json_object_set_new(j, "chunk_frames", json_integer(in->chunk_frames));
	json_object_set_new(j, "rows", json_integer(in->device.rows));
	json_object_set_new(j, "cols", json_integer(in->device.cols));
	json_object_set_new(j, "cell_bits", json_integer(in->device.cell_bits));
	json_t *meta = json_object();
	for (size_t i = 0; i < pd_rec_reader_meta_count(rd); i++)
		json_object_set_new(meta, pd_rec_reader_meta(rd, i)->key, json_string(pd_rec_reader_meta(rd, i)->value));
	json_object_set_new(j, "meta", meta);
	size_t ng;
	const struct pd_rec_gap *g = pd_rec_reader_gaps(rd, &ng);
	json_t *gaps = json_array();
	for (size_t i = 0; i < ng; i++)
		json_array_append_new(gaps, json_pack("[II]", (json_int_t)g[i].after_seq, (json_int_t)g[i].missing));
	json_object_set_new(j, "gaps", gaps);
	json_t *an = json_object();
	for (size_t i = 0; i < pd_rec_reader_analysis_count(rd); i++)
		json_object_set_new(an, pd_rec_reader_analysis(rd, i)->key, json_string(pd_rec_reader_analysis(rd, i)->value));
	json_object_set_new(j, "analysis", an);
	json_t *tares = json_array();
	for (size_t k = 0; k < pd_rec_reader_tare_count(rd); k++) {
		double t;
		const float *b = pd_rec_reader_tare_at(rd, k, &t);
		double sum = 0;
		for (size_t c = 0; c < (size_t)in->device.rows * in->device.cols; c++)
			sum += b[c];
		json_array_append_new(tares, isnan(t) ? json_pack("{s:n, s:f}", "t", "sum", sum)
						      : json_pack("{s:f, s:f}", "t", t, "sum", sum));
	}
	json_object_set_new(j, "tares", tares);
	/* CRC-32s of every frame's cells and of the sequence numbers (u32
	 * LE), in order: what the reader returns, for Python's zlib.crc32. */
	uLong cells_crc = crc32(0, NULL, 0), seq_crc = crc32(0, NULL, 0);
	for (uint64_t i = 0; i < in->frames; i++) {
		struct pd_frame f;
		if (pd_rec_reader_frame(rd, i, &f, NULL, NULL)) {
			fprintf(stderr, "rec_write: %s\n", pd_rec_reader_error(rd));
			return 1;
		}
		cells_crc = crc32(cells_crc, f.cells, (uInt)pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits));
		seq_crc = crc32(seq_crc, (const Bytef *)&f.seq, 4);
	}
	json_object_set_new(j, "cells_crc32", json_integer((json_int_t)cells_crc));
	json_object_set_new(j, "seq_crc32", json_integer((json_int_t)seq_crc));
	json_t *events = json_object();
	static const char *const types[] = { "press", "hold", "pulses", "stroke", "roll", "site", "mark", "setting" };
	for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
		json_t *rows = json_array();
		enum pd_event_type type = pd_event_desc_named(types[t])->type;
		for (uint64_t i = 0; i < pd_rec_reader_event_count(rd, type); i++) {
			struct pd_event ev;
			if (pd_rec_reader_event(rd, type, i, &ev) != 0) {
				fprintf(stderr, "rec_write: %s\n", pd_rec_reader_error(rd));
				return 1;
			}
			json_array_append_new(rows, pd_event_to_json(&ev, pd_rec_reader_info(rd)->device_id));
		}
		json_object_set_new(events, types[t], rows);
	}
	json_object_set_new(j, "events", events);
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	printf("%s\n", s);
	free(s);
	json_decref(j);
	pd_rec_reader_close(rd);
	return 0;
}

static void parse(int argc, char **argv, struct opts *o)
{
	enum { O_SCEN = 256, O_KIND, O_ROWS, O_COLS, O_RATE, O_BITS, O_SEED, O_FRAMES, O_SLOW, O_FLUSH, O_TARE,
	       O_META, O_EVENTS, O_DROP, O_RAW, O_EVOUT, O_CHUNK, O_LEVEL, O_NOSYNC, O_RECOVER, O_STATE, O_READ, O_BREAK,
	       O_TARE_AT, O_SET_AT, O_CALIB, O_START };
	static const struct option lo[] = {
		{ "scenario", 1, 0, O_SCEN }, { "kind", 1, 0, O_KIND }, { "rows", 1, 0, O_ROWS },
		{ "cols", 1, 0, O_COLS }, { "rate", 1, 0, O_RATE }, { "cell-bits", 1, 0, O_BITS },
		{ "seed", 1, 0, O_SEED }, { "frames", 1, 0, O_FRAMES }, { "slow", 0, 0, O_SLOW },
		{ "tare-at", 1, 0, O_TARE_AT }, { "set-at", 1, 0, O_SET_AT }, { "flush-frames", 1, 0, O_FLUSH }, { "tare", 0, 0, O_TARE }, { "meta", 1, 0, O_META },
		{ "events", 0, 0, O_EVENTS }, { "drop-every", 1, 0, O_DROP }, { "raw", 1, 0, O_RAW },
		{ "events-out", 1, 0, O_EVOUT }, { "chunk-frames", 1, 0, O_CHUNK }, { "level", 1, 0, O_LEVEL },
		{ "no-sync", 0, 0, O_NOSYNC }, { "recover", 1, 0, O_RECOVER }, { "state", 1, 0, O_STATE },
		{ "read", 1, 0, O_READ }, { "break-io-after", 1, 0, O_BREAK }, { "calibrated", 1, 0, O_CALIB },
		{ "start-utc", 1, 0, O_START },
		{ 0, 0, 0, 0 },
	};
	int c;
	char err[512];
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_SCEN: o->scenario = optarg; break;
		case O_KIND: o->kind = !strcmp(optarg, "roller") ? PD_KIND_ROLLER : PD_KIND_MAT; break;
		case O_ROWS: o->rows = (uint16_t)atoi(optarg); break;
		case O_COLS: o->cols = (uint16_t)atoi(optarg); break;
		case O_RATE: o->rate = (float)atof(optarg); break;
		case O_BITS: o->cell_bits = (uint8_t)atoi(optarg); break;
		case O_SEED: o->seed = (uint32_t)atol(optarg); break;
		case O_FRAMES: o->frames = strtoull(optarg, NULL, 10), o->frames_given = true; break;
		case O_CALIB: {
			char *colon = strchr(optarg, ':');
			if (!colon)
				usage();
			*colon = '\0';
			o->unit = !strcmp(optarg, "kPa") ? PD_UNIT_KPA : !strcmp(optarg, "N") ? PD_UNIT_NEWTON
				  : !strcmp(optarg, "mmHg") ? PD_UNIT_MMHG : PD_UNIT_COUNTS;
			o->units_per_count = (float)atof(colon + 1);
			if (o->unit == PD_UNIT_COUNTS || !(o->units_per_count > 0))
				usage();
			break;
		}
		case O_SLOW: o->slow = true; break;
		case O_FLUSH: o->flush_frames = strtoull(optarg, NULL, 10); break;
		case O_TARE: o->tare = true; break;
		case O_TARE_AT: o->tare_at = strtoull(optarg, NULL, 10); break;
		case O_SET_AT: {
			char *colon = strchr(optarg, ':'), *eq = colon ? strchr(colon, '=') : NULL;
			if (!eq)
				usage();
			o->set_at = strtoull(optarg, NULL, 10);
			snprintf(o->set_key, sizeof o->set_key, "%.*s", (int)(eq - colon - 1), colon + 1);
			snprintf(o->set_value, sizeof o->set_value, "%s", eq + 1);
			break;
		}
		case O_START: o->start_utc_s = strtoll(optarg, NULL, 10); break;
		case O_META: {
			char *eq = strchr(optarg, '=');
			if (!eq || o->nmeta == MAX_META)
				usage();
			*eq = '\0';
			o->meta[o->nmeta++] = (struct pd_rec_meta){ optarg, eq + 1 };
			break;
		}
		case O_EVENTS: o->events = true; break;
		case O_DROP: o->drop_every = strtoull(optarg, NULL, 10); break;
		case O_RAW: o->raw = optarg; break;
		case O_EVOUT: o->events_out = optarg; break;
		case O_CHUNK: o->chunk_frames = (uint32_t)atol(optarg); break;
		case O_LEVEL: o->level = atoi(optarg); break;
		case O_NOSYNC: o->no_sync = true; break;
		case O_BREAK: o->break_after = strtoull(optarg, NULL, 10); break;
		case O_RECOVER:
			if (pd_rec_recover(optarg, err, sizeof err)) {
				fprintf(stderr, "rec_write: %s\n", err);
				exit(1);
			}
			exit(0);
		case O_STATE: {
			int s = pd_rec_is_unfinished(optarg, err, sizeof err);
			if (s < 0)
				fprintf(stderr, "rec_write: %s\n", err);
			printf("%d\n", s);
			exit(0);
		}
		case O_READ: exit(read_file(optarg));
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	o->dir = argv[optind];
}

int main(int argc, char **argv)
{
	struct opts o = { .kind = PD_KIND_MAT };
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Under RLIMIT_FSIZE a write past the limit raises SIGXFSZ: we want
	 * the EFBIG error instead, as a full disk gives ENOSPC. */
	signal(SIGXFSZ, SIG_IGN);
	parse(argc, argv, &o);

	struct pd_scenario *sc;
	char err[512];
	struct pd_scenario_params sp = { .name = o.scenario, .kind = o.kind, .rows = o.rows, .cols = o.cols,
					 .rate_hz = o.rate, .cell_bits = o.cell_bits, .seed = o.seed, .loop = true,
					 .unit = o.unit, .units_per_count = o.units_per_count };
	if (pd_scenario_new(&sc, &sp, err, sizeof err)) {
		fprintf(stderr, "rec_write: %s\n", err);
		return 2;
	}
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	uint64_t total = o.frames_given ? o.frames : pd_scenario_frames_per_pass(sc);
	size_t cells = (size_t)info.rows * info.cols;
	float *tare = NULL;
	if (o.tare) {
		tare = malloc(cells * sizeof *tare);
		for (size_t i = 0; i < cells; i++)
			tare[i] = (float)(i % 7) * 0.5f;
	}
	int64_t start = o.slow ? pd_utc_ns() : (o.start_utc_s ? o.start_utc_s : 1790000000) * (int64_t)1000000000; /* 2026-09-21 */
	struct pd_analysis_params ap;
	pd_analysis_params_default(&ap);
	struct pd_rec_meta analysis[32];
	char values[32][32];
	size_t nanalysis = 0;
	for (const char *k; nanalysis < 32 && (k = pd_analysis_param_name(nanalysis)); nanalysis++) {
		pd_analysis_params_get(&ap, k, values[nanalysis], sizeof values[0]);
		analysis[nanalysis] = (struct pd_rec_meta){ k, values[nanalysis] };
	}
	struct pd_rec_params p = {
		.dir = o.dir, .device_id = info.kind == PD_KIND_ROLLER ? "roller0" : "mat0", .info = &info,
		.protocol = "sim", .uri = "sim:mat?scenario=all", .start_utc_ns = start, .tare = tare,
		.meta = o.meta, .nmeta = o.nmeta, .chunk_frames = o.chunk_frames, .deflate_level = o.level,
		.no_sync = o.no_sync, .tare_t = 0, .analysis = analysis, .nanalysis = nanalysis,
		.analysis_units = pd_unit_name(info.unit),
	};
	struct run run = { .device = p.device_id };
	if (pd_rec_create(&run.rec, &p, err, sizeof err)) {
		printf("failed %s\n", err);
		fprintf(stderr, "rec_write: %s\n", err);
		return 3;
	}
	printf("path %s\n", pd_rec_path(run.rec));
	int raw = o.raw ? open(o.raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	run.events_out = o.events_out ? fopen(o.events_out, "w") : NULL;
	if (run.events_out)
		setvbuf(run.events_out, NULL, _IOLBF, 0);

	struct pd_analysis_ids ids = { { 0 } };
	struct pd_analysis *an = o.events ? pd_analysis_new(&info, &ap, &ids, on_event, &run) : NULL;

	size_t fb = pd_frame_cells_bytes(info.rows, info.cols, info.cell_bits);
	uint8_t *rec = malloc(24 + fb);
	run.an = an;
	run.sc = sc;
	run.to_free[0] = rec;
	run.to_free[1] = tare;
	int64_t t0 = pd_mono_ns(), last_flush = t0;
	double next_mark = 5;
	for (uint64_t n = 0; n < total; n++) {
		struct pd_frame f;
		if (o.drop_every && n && n % o.drop_every == 0) {
			/* Three frames lost in transit. */
			pd_scenario_skip(sc, 3);
		}
		pd_scenario_next(sc, &f);
		if (o.break_after && n == o.break_after)
			pd_rec_test_break_io(run.rec);
		if (o.slow) {
			int64_t due = t0 + (int64_t)((double)n / info.rate_hz * 1e9);
			int64_t now = pd_mono_ns();
			if (due > now)
				nanosleep(&(struct timespec){ (due - now) / 1000000000, (due - now) % 1000000000 }, NULL);
			f.rx.utc_ns = pd_utc_ns();
		} else {
			f.rx.utc_ns = start + (int64_t)f.device_time_us * 1000 + 1234;
		}
		f.rx.mono_ns = pd_mono_ns();
		if (o.drop_every && n && n % o.drop_every == 0 &&
		    pd_rec_append_gap(run.rec, f.seq - 4, 3) == PD_REC_FAILED)
			die_failed(&run);
		if (raw >= 0) {
			double t = (double)f.device_time_us / 1e6, utc = (double)f.rx.utc_ns / 1e9;
			int32_t enc = f.encoder;
			memcpy(rec, &f.seq, 4);
			memcpy(rec + 4, &t, 8);
			memcpy(rec + 12, &utc, 8);
			memcpy(rec + 20, &enc, 4);
			memcpy(rec + 24, f.cells, fb);
			if (write(raw, rec, 24 + fb) != (ssize_t)(24 + fb)) {
				perror("rec_write: raw");
				return 1;
			}
		}
		int rc = pd_rec_append_frame(run.rec, &f);
		if (rc == PD_REC_FAILED)
			die_failed(&run);
		if (rc) {
			fprintf(stderr, "rec_write: %s\n", pd_rec_error(run.rec));
			return 1;
		}
		if (an && o.tare_at && n == o.tare_at)
			pd_analysis_tare(an);
		if (an && o.set_at && n == o.set_at) {
			if (pd_analysis_params_set(&ap, o.set_key, o.set_value, err, sizeof err) ||
			    pd_analysis_set_params(an, &ap, err, sizeof err)) {
				fprintf(stderr, "rec_write: %s\n", err);
				return 2;
			}
			char v[32];
			pd_analysis_params_get(&ap, o.set_key, v, sizeof v);
			json_t *j = json_pack("{s:i, s:s, s:s, s:f, s:I, s:s, s:s}", "v", 1, "type", "setting", "device",
					      run.device, "t",
					      (double)f.device_time_us / 1e6, "frame", (json_int_t)f.seq, "key", o.set_key,
					      "value", v);
			record_json(&run, j);
			json_decref(j);
		}
		if (an) {
			run.utc_minus_t = (double)f.rx.utc_ns / 1e9 - (double)f.device_time_us / 1e6;
			pd_analysis_feed(an, &f);
			if ((double)f.device_time_us / 1e6 >= next_mark) {
				mark(&run, (double)f.rx.utc_ns / 1e9, (uint64_t)next_mark / 5);
				next_mark += 5;
			}
		}
		bool flush = o.slow ? pd_mono_ns() - last_flush >= 500000000
				    : o.flush_frames && (n + 1) % o.flush_frames == 0;
		if (flush) {
			if (pd_rec_flush(run.rec))
				die_failed(&run);
			last_flush = pd_mono_ns();
			printf("flushed %llu\n", (unsigned long long)pd_rec_frames(run.rec));
		}
	}
	if (an) {
		pd_analysis_flush(an);
		pd_analysis_free(an);
	}
	uint64_t n = pd_rec_frames(run.rec);
	if (pd_rec_close(run.rec, err, sizeof err)) {
		printf("failed %s\n", err);
		fprintf(stderr, "rec_write: %s\n", err);
		return 3;
	}
	printf("closed %llu\n", (unsigned long long)n);
	if (run.events_out)
		fclose(run.events_out);
	if (raw >= 0)
		close(raw);
	free(rec);
	free(tare);
	pd_scenario_free(sc);
	pd_rec_shutdown();
	return 0;
}
