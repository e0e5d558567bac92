/* recording/: files written with pd_rec_* and read back with the reader
 * API — layout, frames bit for bit, events field for field against the
 * publisher's own JSON, naming and mode, rejected input, SWMR visibility,
 * crash recovery, write failures — and the deflate encoder against zlib. */
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "message_json.h"
#include "rec_internal.h"
#include "recording.h"
#include "testing.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_recording.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	/* HDF5's global memory, so LeakSanitizer sees only ours. */
	pd_rec_shutdown();
	return 0;
}

/* A fresh subdirectory per test. */
static const char *subdir(const char *name)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	mkdir(path, 0755);
	return path;
}

static struct pd_device_info mat_info(uint16_t rows, uint16_t cols, uint8_t bits)
{
	struct pd_device_info in = { .protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = bits,
				     .unit = PD_UNIT_KPA, .rows = rows, .cols = cols, .pitch_x_mm = 10.5f,
				     .pitch_y_mm = 9.25f, .rate_hz = 100, .units_per_count = 0.25f,
				     .full_scale = bits == 16 ? 4095 : 254 };
	snprintf(in.model, sizeof in.model, "Test Mat");
	snprintf(in.serial, sizeof in.serial, "SN\xff" "42"); /* not UTF-8 */
	snprintf(in.firmware, sizeof in.firmware, "1.2.3");
	return in;
}

/* Deterministic cells of frame n. */
static void fill_cells(uint8_t *cells, size_t nbytes, uint64_t n)
{
	uint64_t x = n * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < nbytes; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		cells[i] = (uint8_t)(i % 5 == 0 ? x : (x & 3)); /* runs and noise */
	}
}

static struct pd_frame make_frame(const struct pd_device_info *in, uint8_t *cells, uint64_t n)
{
	size_t nb = pd_frame_cells_bytes(in->rows, in->cols, in->cell_bits);
	fill_cells(cells, nb, n);
	return (struct pd_frame){ .seq = (uint32_t)(1000 + n), .device_time_us = 5000000 + n * 10000,
				  .rx = { .utc_ns = 1790000000123456789ll + (int64_t)n * 10000000 },
				  .encoder = (int32_t)(n * 3) - 50, .has_encoder = in->kind == PD_KIND_ROLLER,
				  .rows = in->rows, .cols = in->cols, .cell_bits = in->cell_bits, .cells = cells };
}

static struct pd_rec *create(const char *d, const struct pd_device_info *in, const float *tare, uint32_t chunk)
{
	static const struct pd_rec_meta meta[] = { { "subject", "S01" }, { "notes", "left calf, Übung" } };
	static const struct pd_rec_meta analysis[] = { { "contact_on", "4%" }, { "release_s", "0.1" } };
	struct pd_rec_params p = { .dir = d, .device_id = "mat0", .info = in, .protocol = "pmf",
				   .uri = "/dev/ttyACM0?protocol=pmf", .start_utc_ns = 1790000000123456789ll,
				   .tare = tare, .tare_t = 1.0, .meta = meta, .nmeta = 2, .chunk_frames = chunk,
				   .no_sync = true, .analysis = analysis, .nanalysis = 2, .analysis_units = "kPa" };
	struct pd_rec *r = NULL;
	char err[512];
	int rc = pd_rec_create(&r, &p, err, sizeof err);
	if (rc)
		fail_msg("pd_rec_create: %s", err);
	return r;
}

static struct pd_rec_reader *open_reader(const char *path)
{
	struct pd_rec_reader *rd = NULL;
	char err[512];
	if (pd_rec_reader_open(&rd, path, err, sizeof err))
		fail_msg("pd_rec_reader_open: %s", err);
	return rd;
}

static void check_frames(struct pd_rec_reader *rd, const struct pd_device_info *in, uint64_t n)
{
	size_t nb = pd_frame_cells_bytes(in->rows, in->cols, in->cell_bits);
	uint8_t *want = malloc(nb);
	assert_int_equal(pd_rec_reader_info(rd)->frames, n);
	for (uint64_t i = 0; i < n; i++) {
		struct pd_frame f, e = make_frame(in, want, i);
		double t, time;
		assert_int_equal(pd_rec_reader_frame(rd, i, &f, &t, &time), 0);
		assert_memory_equal(f.cells, want, nb);
		assert_int_equal(f.seq, e.seq);
		assert_int_equal(f.device_time_us, e.device_time_us);
		assert_true(t == (double)e.device_time_us / 1e6);
		assert_true(time == (double)e.rx.utc_ns / 1e9);
		assert_true(llabs(f.rx.utc_ns - e.rx.utc_ns) < 1000);
		assert_int_equal(f.has_encoder, in->kind == PD_KIND_ROLLER);
		if (f.has_encoder)
			assert_int_equal(f.encoder, e.encoder);
	}
	free(want);
}

/* ---- the whole round trip ------------------------------------------------ */

/* The recorder's way in: the published JSON read back into the struct it
 * was made from (model/event_json.c), then appended. A JSON object that
 * is no event is PD_REC_REJECTED, with why in json_err. */
static char json_err[256];
static int append_json(struct pd_rec *r, const json_t *j)
{
	struct pd_event ev;
	json_err[0] = '\0';
	if (pd_event_from_json(j, &ev, json_err, sizeof json_err) != 0)
		return PD_REC_REJECTED;
	return pd_rec_append_event(r, &ev);
}

/* Row i of a table as the JSON that would be published (NULL if none). */
static json_t *read_json(struct pd_rec_reader *rd, const char *type, uint64_t i)
{
	const struct pd_event_desc *d = pd_event_desc_named(type);
	struct pd_event ev;
	if (!d || pd_rec_reader_event(rd, d->type, i, &ev) != 0)
		return NULL;
	return pd_event_to_json(&ev, pd_rec_reader_info(rd)->device_id);
}

static uint64_t count_of(struct pd_rec_reader *rd, const char *type)
{
	return pd_rec_reader_event_count(rd, pd_event_desc_named(type)->type);
}

static struct pd_event ev_base(enum pd_event_type type, enum pd_phase phase, double t)
{
	return (struct pd_event){ .type = type, .phase = phase, .t = t, .frame = (uint32_t)(t * 100), .units = "kPa" };
}

/* An event as the analysis worker publishes it. */
static json_t *published(const struct pd_event *ev, uint64_t seq, double utc)
{
	struct pd_event e = *ev;
	pd_event_stamp(&e, seq, utc);
	return pd_event_to_json(&e, "mat0");
}

/* One published object of each recorded type, built by the publisher's
 * own code (daemon/event_json.c). */
static json_t **published_events(size_t *n)
{
	static json_t *j[8];
	struct pd_event e;
	e = ev_base(PD_EV_PRESS, PD_PHASE_NONE, 1.5);
	e.u.press = (struct pd_ev_press){ 7, 3, 5, 1.0, 0.5, 812.5, 600.25, 300.125, 101.5, 33.25 };
	j[0] = published(&e, 0, 1790000001.5);
	e = ev_base(PD_EV_HOLD, PD_PHASE_END, 31.09);
	e.u.hold = (struct pd_ev_hold){ 2, 4, 5, 88.6, 82.8, 1.0, 30.0, 2406, 2376.6, 71299.9, 0.37, 30, true };
	j[1] = published(&e, 5, 1790000031.09);
	e = ev_base(PD_EV_PULSES, PD_PHASE_NONE, 66.01);
	e.u.pulses = (struct pd_ev_pulses){ .id = 1, .site = 5, .x = 220.5, .y = 88.1, .count = 70, .ndurations = 64,
					    .t_start = 34, .t_end = 46, .mean_peak = 2421.75 };
	for (int k = 0; k < 64; k++)
		e.u.pulses.durations[k] = 0.5 + k * 0.01;
	j[2] = published(&e, 1, 1790000066.01);
	e = ev_base(PD_EV_PULSES, PD_PHASE_NONE, 70);
	e.u.pulses = (struct pd_ev_pulses){ .id = 2, .x = 1, .y = 2, .count = 3, .ndurations = 3, .durations = { 1, 2, 3 },
					    .t_start = 60, .t_end = 69, .mean_peak = 5 };
	j[3] = published(&e, 2, 1790000070.0);
	e = ev_base(PD_EV_STROKE, PD_PHASE_NONE, 80);
	e.u.stroke = (struct pd_ev_stroke){ 9, 8, 6, 10, 20, 110, 20, 100.5, 1.25, 80.4, 359.9, 1000, 1500, 2 };
	j[4] = published(&e, 0, 1790000080.0);
	e = ev_base(PD_EV_ROLL, PD_PHASE_NONE, 90);
	e.u.roll = (struct pd_ev_roll){ 4, -10.5, 250.25, 260.75, 2.5, 104.3, -1, 55.5, 120.25, 80 };
	j[5] = published(&e, 0, 1790000090.0);
	/* A mark, as status_pub.c makes it. */
	j[6] = pd_json_message("mark", "mat0", 3, -1, 0, 1790000095.25);
	json_object_set_new(j[6], "label", json_string("baseline done — ok"));
	/* A parameter changed, as the analysis worker tells the recorder. */
	j[7] = json_pack("{s:i, s:s, s:s, s:f, s:i, s:s, s:s}", "v", 1, "type", "setting", "device", "mat0", "t", 75.5,
			 "frame", 8550, "key", "contact_on", "value", "5%");
	*n = 8;
	return j;
}

static void round_trip(void **state)
{
	(void)state;
	const char *d = subdir("round_trip");
	struct pd_device_info in = mat_info(12, 16, 16);
	float tare[12 * 16];
	for (int i = 0; i < 12 * 16; i++)
		tare[i] = (float)i * 0.5f;
	struct pd_rec *r = create(d, &in, tare, 32);
	size_t nb = pd_frame_cells_bytes(in.rows, in.cols, in.cell_bits);
	uint8_t *cells = malloc(nb);
	const uint64_t N = 1000; /* 31 whole chunks and a partial one */
	for (uint64_t i = 0; i < N; i++) {
		struct pd_frame f = make_frame(&in, cells, i);
		assert_int_equal(pd_rec_append_frame(r, &f), 0);
		if (i % 97 == 0)
			assert_int_equal(pd_rec_flush(r), 0); /* partial chunks written, then refilled */
	}
	assert_int_equal(pd_rec_append_gap(r, 1010, 3), 0);
	assert_int_equal(pd_rec_append_gap(r, 1500, 1), 0);
	size_t ne;
	json_t **ev = published_events(&ne);
	for (size_t i = 0; i < ne; i++)
		assert_int_equal(append_json(r, ev[i]), 0);
	float tare2[12 * 16];
	for (int i = 0; i < 12 * 16; i++)
		tare2[i] = 100.0f + (float)i;
	assert_int_equal(pd_rec_append_tare(r, 7.25, tare2), 0);
	assert_int_equal(pd_rec_frames(r), N);
	assert_true(pd_rec_bytes(r) > 0);
	char path[512];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	char err[512];
	assert_int_equal(pd_rec_close(r, err, sizeof err), 0);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	char errs[128];
	assert_int_equal(pd_rec_is_unfinished(path, errs, sizeof errs), PD_REC_CLEAN);

	struct pd_rec_reader *rd = open_reader(path);
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	assert_string_equal(fi->device_id, "mat0");
	assert_string_equal(fi->software, "pressd " PRESSD_VERSION);
	assert_string_equal(fi->session_start_time, "2026-09-21T14:13:20.123456+00:00");
	assert_string_equal(fi->protocol, "pmf");
	assert_string_equal(fi->uri, "/dev/ttyACM0?protocol=pmf");
	assert_string_equal(fi->unit, "kPa");
	assert_true(fi->conversion == 0.25);
	assert_int_equal(fi->format_version, 2);
	assert_int_equal(fi->chunk_frames, 32);
	assert_false(fi->has_encoder);
	assert_true(fi->has_tare);
	assert_int_equal(fi->device.rows, 12);
	assert_int_equal(fi->device.cols, 16);
	assert_int_equal(fi->device.cell_bits, 16);
	assert_int_equal(fi->device.unit, PD_UNIT_KPA);
	assert_true(fi->device.units_per_count == 0.25f);
	assert_true(fi->device.pitch_x_mm == 10.5f && fi->device.pitch_y_mm == 9.25f && fi->device.rate_hz == 100);
	assert_int_equal(fi->device.full_scale, 4095);
	assert_string_equal(fi->device.model, "Test Mat");
	assert_string_equal(fi->device.serial, "SN?42"); /* the byte that is not UTF-8 */
	assert_string_equal(fi->device.firmware, "1.2.3");
	assert_int_equal(pd_rec_reader_meta_count(rd), 2);
	assert_string_equal(pd_rec_reader_meta(rd, 0)->key, "notes"); /* by name */
	assert_string_equal(pd_rec_reader_meta(rd, 0)->value, "left calf, Übung");
	assert_string_equal(pd_rec_reader_meta(rd, 1)->key, "subject");
	assert_memory_equal(pd_rec_reader_tare(rd), tare, sizeof tare);
	assert_int_equal(pd_rec_reader_tare_count(rd), 2);
	double tt = 0;
	assert_memory_equal(pd_rec_reader_tare_at(rd, 0, &tt), tare, sizeof tare);
	assert_true(tt == 1.0);
	assert_memory_equal(pd_rec_reader_tare_at(rd, 1, &tt), tare2, sizeof tare2);
	assert_true(tt == 7.25);
	assert_null(pd_rec_reader_tare_at(rd, 2, NULL));
	/* /analysis as given: numbers as numbers (read back as their shortest text), the rest as text. */
	assert_int_equal(pd_rec_reader_analysis_count(rd), 3);
	assert_string_equal(pd_rec_reader_analysis(rd, 0)->key, "contact_on");
	assert_string_equal(pd_rec_reader_analysis(rd, 0)->value, "4%");
	assert_string_equal(pd_rec_reader_analysis(rd, 1)->key, "release_s");
	assert_string_equal(pd_rec_reader_analysis(rd, 1)->value, "0.1");
	assert_string_equal(pd_rec_reader_analysis(rd, 2)->key, "units");
	assert_string_equal(pd_rec_reader_analysis(rd, 2)->value, "kPa");
	check_frames(rd, &in, N);
	/* Backwards too: blocks reload. */
	struct pd_frame f;
	assert_int_equal(pd_rec_reader_frame(rd, 5, &f, NULL, NULL), 0);
	assert_int_equal(f.seq, 1005);
	assert_int_equal(pd_rec_reader_frame(rd, N, &f, NULL, NULL), -1);
	size_t ng;
	const struct pd_rec_gap *g = pd_rec_reader_gaps(rd, &ng);
	assert_int_equal(ng, 2);
	assert_int_equal(g[0].after_seq, 1010);
	assert_int_equal(g[0].missing, 3);
	assert_int_equal(g[1].after_seq, 1500);

	/* Field for field what the publisher sent. */
	static const char *const types[] = { "press", "hold", "pulses", "pulses", "stroke", "roll", "mark", "setting" };
	uint64_t row[8] = { 0 };
	for (size_t i = 0; i < ne; i++) {
		size_t k = i == 3 ? 2 : i;
		json_t *back = read_json(rd, types[i], row[k]++);
		assert_non_null(back);
		if (!json_equal(back, ev[i])) {
			char *a = json_dumps(ev[i], JSON_SORT_KEYS), *b = json_dumps(back, JSON_SORT_KEYS);
			fail_msg("event %zu:\npublished %s\nread back %s", i, a, b);
		}
		json_decref(back);
	}
	assert_int_equal(count_of(rd, "pulses"), 2);
	assert_int_equal(count_of(rd, "roll"), 1);
	assert_null(read_json(rd, "press", 1));
	assert_null(read_json(rd, "contact", 0));
	pd_rec_reader_close(rd);
	for (size_t i = 0; i < ne; i++)
		json_decref(ev[i]);
	free(cells);
}

static void roller_u8(void **state)
{
	(void)state;
	const char *d = subdir("roller");
	struct pd_device_info in = mat_info(1, 16, 8);
	in.kind = PD_KIND_ROLLER;
	in.unit = PD_UNIT_COUNTS;
	in.units_per_count = 0;
	in.radius_mm = 40;
	in.counts_per_rev = 4096;
	struct pd_rec *r = create(d, &in, NULL, 0);
	uint8_t cells[16];
	for (uint64_t i = 0; i < 20000; i++) { /* many chunks, and 1-D chunks (4096) */
		struct pd_frame f = make_frame(&in, cells, i);
		assert_int_equal(pd_rec_append_frame(r, &f), 0);
	}
	char path[512];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	assert_int_equal(pd_rec_close(r, NULL, 0), 0);
	struct pd_rec_reader *rd = open_reader(path);
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	assert_true(fi->has_encoder);
	assert_false(fi->has_tare);
	assert_null(pd_rec_reader_tare(rd));
	assert_int_equal(fi->device.kind, PD_KIND_ROLLER);
	assert_int_equal(fi->device.cell_bits, 8);
	assert_int_equal(fi->device.counts_per_rev, 4096);
	assert_true(fi->device.radius_mm == 40);
	assert_string_equal(fi->unit, "counts");
	assert_true(fi->conversion == 1);
	assert_int_equal(fi->device.units_per_count, 0);
	check_frames(rd, &in, 20000);
	pd_rec_reader_close(rd);
}

/* ---- names, modes, input ------------------------------------------------ */

static void naming_and_mode(void **state)
{
	(void)state;
	const char *d = subdir("naming");
	struct pd_device_info in = mat_info(4, 4, 8);
	mode_t old = umask(0077);
	struct pd_rec *a = create(d, &in, NULL, 0);
	umask(0);
	struct pd_rec *b = create(d, &in, NULL, 0); /* the same second */
	struct pd_rec *c = create(d, &in, NULL, 0);
	umask(old);
	char want[256];
	snprintf(want, sizeof want, "%s/mat0-20260921T141320Z.h5", d);
	assert_string_equal(pd_rec_path(a), want);
	snprintf(want, sizeof want, "%s/mat0-20260921T141320Z-1.h5", d);
	assert_string_equal(pd_rec_path(b), want);
	snprintf(want, sizeof want, "%s/mat0-20260921T141320Z-2.h5", d);
	assert_string_equal(pd_rec_path(c), want);
	struct pd_rec *all[] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		struct stat st;
		assert_int_equal(stat(pd_rec_path(all[i]), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
		assert_int_equal(pd_rec_close(all[i], NULL, 0), 0);
	}
	/* Device ids become portable file names. */
	struct pd_rec_params p = { .dir = d, .device_id = "../x y", .info = &in, .start_utc_ns = 0, .no_sync = true };
	struct pd_rec *r;
	char err[256];
	assert_int_equal(pd_rec_create(&r, &p, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/_._x_y-19700101T000000Z.h5", d);
	assert_string_equal(pd_rec_path(r), want);
	assert_int_equal(pd_rec_close(r, NULL, 0), 0);
}

static void bad_input(void **state)
{
	(void)state;
	const char *d = subdir("bad_input");
	struct pd_device_info in = mat_info(4, 4, 16);
	char err[256];
	struct pd_rec *r;
	/* A reserved meta key: refused, nothing left behind. */
	struct pd_rec_meta meta[] = { { "format", "x" } };
	struct pd_rec_params p = { .dir = d, .device_id = "mat0", .info = &in, .meta = meta, .nmeta = 1, .no_sync = true };
	assert_int_equal(pd_rec_create(&r, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "format"));
	struct pd_device_info bad = mat_info(4, 4, 12);
	p = (struct pd_rec_params){ .dir = d, .device_id = "mat0", .info = &bad, .no_sync = true };
	assert_int_equal(pd_rec_create(&r, &p, err, sizeof err), -1);
	p.info = &in;
	p.dir = "/nonexistent/dir";
	assert_int_equal(pd_rec_create(&r, &p, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/dir"));
	{
		/* ... and nothing left behind */
		struct stat st;
		char probe[256];
		snprintf(probe, sizeof probe, "%s/mat0-19700101T000000Z.h5", d);
		assert_int_equal(stat(probe, &st), -1);
	}

	r = create(d, &in, NULL, 0);
	uint8_t cells[64] = { 0 };
	struct pd_frame f = make_frame(&in, cells, 0);
	f.cols = 5;
	assert_int_equal(pd_rec_append_frame(r, &f), PD_REC_REJECTED);
	assert_non_null(strstr(pd_rec_error(r), "4 × 5"));
	f = make_frame(&in, cells, 0);
	assert_int_equal(pd_rec_append_frame(r, &f), 0); /* goes on */

	json_t *j = json_pack("{s:s, s:f}", "type", "press", "t", 1.0); /* no id */
	assert_int_equal(append_json(r, j), PD_REC_REJECTED);
	assert_non_null(strstr(json_err, "'id'"));
	json_decref(j);
	j = json_pack("{s:s}", "type", "pressure");
	assert_int_equal(append_json(r, j), PD_REC_REJECTED);
	assert_non_null(strstr(json_err, "unknown type"));
	json_decref(j);
	struct pd_event nosuch = { .type = (enum pd_event_type)99 };
	assert_int_equal(pd_rec_append_event(r, &nosuch), PD_REC_REJECTED); /* no such type */
	/* Not finished events: accepted, not written. */
	struct pd_event ev;
	pd_event_init(&ev, PD_EV_HOLD);
	ev.phase = PD_PHASE_PROGRESS;
	assert_int_equal(pd_rec_append_event(r, &ev), 0);
	pd_event_init(&ev, PD_EV_CONTACT);
	ev.phase = PD_PHASE_END;
	assert_int_equal(pd_rec_append_event(r, &ev), 0);
	/* A missing real: NaN, left out when read back. */
	j = json_pack("{s:s, s:i, s:f, s:f, s:i, s:i, s:i, s:i, s:s}", "type", "press", "seq", 0, "t", 1.0, "time",
		      2.0, "frame", 1, "id", 1, "contact", 2, "site", 0, "units", "counts");
	assert_int_equal(append_json(r, j), 0);
	json_decref(j);
	char path[512];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	assert_int_equal(pd_rec_close(r, NULL, 0), 0);
	struct pd_rec_reader *rd = open_reader(path);
	assert_int_equal(count_of(rd, "hold"), 0);
	assert_int_equal(count_of(rd, "press"), 1);
	json_t *back = read_json(rd, "press", 0);
	assert_null(json_object_get(back, "peak"));
	assert_int_equal(json_integer_value(json_object_get(back, "contact")), 2);
	json_decref(back);
	pd_rec_reader_close(rd);
}

/* A mark label longer than its 128-byte column is cut on a character
 * boundary. */
static void long_label(void **state)
{
	(void)state;
	const char *d = subdir("label");
	struct pd_device_info in = mat_info(2, 2, 8);
	struct pd_rec *r = create(d, &in, NULL, 0);
	char label[300] = "";
	for (int i = 0; i < 60; i++)
		strcat(label, "é"); /* 2 bytes each: 120 */
	strcat(label, "abcdefg€xyz"); /* € (3 bytes) would straddle byte 128 */
	json_t *j = pd_json_message("mark", "mat0", 0, -1, 0, 1.5);
	json_object_set_new(j, "label", json_string(label));
	assert_int_equal(append_json(r, j), 0);
	json_decref(j);
	char path[512];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	assert_int_equal(pd_rec_close(r, NULL, 0), 0);
	struct pd_rec_reader *rd = open_reader(path);
	json_t *back = read_json(rd, "mark", 0);
	const char *got = json_string_value(json_object_get(back, "label"));
	assert_int_equal(strlen(got), 127);
	assert_memory_equal(got, label, 127);
	json_decref(back);
	pd_rec_reader_close(rd);
}

/* ---- live reading, crashes, failures ------------------------------------ */

static void swmr_reader_sees_flushes(void **state)
{
	(void)state;
	const char *d = subdir("swmr");
	struct pd_device_info in = mat_info(8, 8, 16);
	struct pd_rec *r = create(d, &in, NULL, 16);
	uint8_t cells[128];
	char err[256];
	/* In use by this process's writer, for the daemon's start-up scan. */
	assert_int_equal(pd_rec_is_unfinished(pd_rec_path(r), err, sizeof err), PD_REC_IN_USE);
	assert_int_equal(pd_rec_recover(pd_rec_path(r), err, sizeof err), -1);
	assert_non_null(strstr(err, "being recorded"));
	struct pd_rec_reader *rd = open_reader(pd_rec_path(r));
	assert_int_equal(pd_rec_reader_info(rd)->frames, 0);
	for (uint64_t i = 0; i < 40; i++) {
		struct pd_frame f = make_frame(&in, cells, i);
		assert_int_equal(pd_rec_append_frame(r, &f), 0);
	}
	assert_int_equal(pd_rec_reader_refresh(rd), 0);
	assert_int_equal(pd_rec_reader_info(rd)->frames, 0); /* not flushed yet */
	assert_int_equal(pd_rec_flush(r), 0);
	assert_int_equal(pd_rec_reader_refresh(rd), 0);
	check_frames(rd, &in, 40); /* the partial third chunk too */
	for (uint64_t i = 40; i < 50; i++) {
		struct pd_frame f = make_frame(&in, cells, i);
		assert_int_equal(pd_rec_append_frame(r, &f), 0);
	}
	assert_int_equal(pd_rec_flush(r), 0);
	assert_int_equal(pd_rec_reader_refresh(rd), 0);
	check_frames(rd, &in, 50); /* the rewritten chunk */
	pd_rec_reader_close(rd);
	assert_int_equal(pd_rec_close(r, NULL, 0), 0);
}

/* A writer that dies (here: _exit in a child, as kill -9 would) leaves
 * the file marked open; recover makes it open normally with every flushed
 * frame. */
static void crash_and_recover(void **state)
{
	(void)state;
	const char *d = subdir("crash");
	struct pd_device_info in = mat_info(8, 8, 16);
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct pd_rec *r = create(d, &in, NULL, 16);
		uint8_t cells[128];
		for (uint64_t i = 0; i < 300; i++) {
			struct pd_frame f = make_frame(&in, cells, i);
			if (pd_rec_append_frame(r, &f))
				_exit(1);
			if (i == 233 && pd_rec_flush(r))
				_exit(1);
		}
		size_t len = strlen(pd_rec_path(r)) + 1;
		if (write(pfd[1], pd_rec_path(r), len) != (ssize_t)len)
			_exit(1);
		_exit(0); /* 66 frames appended after the last flush, never written */
	}
	close(pfd[1]);
	char path[512] = "";
	assert_true(read(pfd[0], path, sizeof path) > 0);
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char err[512];
	assert_int_equal(pd_rec_is_unfinished(path, err, sizeof err), PD_REC_UNFINISHED);
	assert_int_equal(pd_rec_recover(path, err, sizeof err), 0);
	assert_int_equal(pd_rec_is_unfinished(path, err, sizeof err), PD_REC_CLEAN);
	assert_int_equal(pd_rec_recover(path, err, sizeof err), 0); /* clean: nothing to do */
	struct pd_rec_reader *rd = open_reader(path);
	check_frames(rd, &in, 234);
	pd_rec_reader_close(rd);
	/* Not HDF5 at all. */
	char junk[512];
	snprintf(junk, sizeof junk, "%s/junk.h5", d);
	FILE *fp = fopen(junk, "w");
	fputs("not an hdf5 file, just text, long enough to be read", fp);
	fclose(fp);
	assert_int_equal(pd_rec_is_unfinished(junk, err, sizeof err), -1);
	assert_int_equal(pd_rec_recover(junk, err, sizeof err), -1);
}

/* An I/O error inside HDF5 (every write fails): the call says so, the
 * handle then refuses all but close, and the file holds what was flushed. */
static void io_error(void **state)
{
	(void)state;
	const char *d = subdir("io_error");
	struct pd_device_info in = mat_info(8, 8, 16);
	struct pd_rec *r = create(d, &in, NULL, 16);
	uint8_t cells[128];
	for (uint64_t i = 0; i < 100; i++) {
		struct pd_frame f = make_frame(&in, cells, i);
		assert_int_equal(pd_rec_append_frame(r, &f), 0);
	}
	assert_int_equal(pd_rec_flush(r), 0);
	pd_rec_test_break_io(r);
	int rc = 0;
	for (uint64_t i = 100; i < 400 && rc == 0; i++) {
		struct pd_frame f = make_frame(&in, cells, i);
		rc = pd_rec_append_frame(r, &f);
	}
	if (rc == 0)
		rc = pd_rec_flush(r);
	assert_int_equal(rc, PD_REC_FAILED);
	assert_true(pd_rec_failed(r));
	assert_non_null(strstr(pd_rec_error(r), "No space left on device"));
	struct pd_frame f = make_frame(&in, cells, 500);
	assert_int_equal(pd_rec_append_frame(r, &f), PD_REC_FAILED);
	assert_int_equal(pd_rec_append_gap(r, 1, 1), PD_REC_FAILED);
	assert_int_equal(pd_rec_flush(r), PD_REC_FAILED);
	char path[512], err[1024];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	assert_int_equal(pd_rec_close(r, err, sizeof err), PD_REC_FAILED);
	assert_non_null(strstr(err, "No space left on device"));
	assert_non_null(strstr(err, "holds what was flushed"));
	assert_int_equal(pd_rec_is_unfinished(path, err, sizeof err), PD_REC_CLEAN);
	struct pd_rec_reader *rd = open_reader(path);
	check_frames(rd, &in, 100);
	pd_rec_reader_close(rd);
}

/* The file size limit (a full disk, as far as the writer can tell): seen
 * before HDF5 writes, so the file closes properly. In a child: the limit
 * is per process. */
static void file_size_limit(void **state)
{
	(void)state;
	const char *d = subdir("fsize");
	struct pd_device_info in = mat_info(32, 32, 16);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 1 << 20, 1 << 20 };
		setrlimit(RLIMIT_FSIZE, &rl);
		struct pd_rec *r = create(d, &in, NULL, 0);
		uint8_t cells[2048];
		uint64_t flushed = 0;
		for (uint64_t i = 0; i < 100000; i++) {
			struct pd_frame f = make_frame(&in, cells, i);
			if (pd_rec_append_frame(r, &f) || (i % 50 == 49 && pd_rec_flush(r)))
				break;
			if (i % 50 == 49)
				flushed = i + 1;
		}
		if (!pd_rec_failed(r) || !strstr(pd_rec_error(r), "File too large"))
			_exit(2);
		char err[1024];
		if (pd_rec_close(r, err, sizeof err) != PD_REC_FAILED)
			_exit(3);
		/* In fifties, as the exit status: 5 and up. */
		_exit(flushed >= 50 && flushed / 50 < 250 ? 5 + (int)(flushed / 50) : 4);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) >= 6);
	int flushed = (WEXITSTATUS(st) - 5) * 50;
	char path[512];
	snprintf(path, sizeof path, "%s/mat0-20260921T141320Z.h5", d);
	char err[256];
	assert_int_equal(pd_rec_is_unfinished(path, err, sizeof err), PD_REC_CLEAN);
	struct pd_rec_reader *rd = open_reader(path);
	check_frames(rd, &in, (uint64_t)flushed);
	pd_rec_reader_close(rd);
}

/* ---- the deflate encoder ------------------------------------------------- */

static void deflate_round_trips(void **state)
{
	(void)state;
	size_t cap = 300000;
	uint8_t *in = malloc(cap), *out = malloc(pd_codec_bound(cap)), *back = malloc(cap);
	uint16_t *tok = malloc((cap + 1) * sizeof *tok);
	uint64_t x = 88172645463325252ull;
	for (int t = 0; t < 600; t++) {
		size_t planes = (size_t[]){ 1, 2, 4, 8 }[t % 4];
		size_t n = t < 200 ? (size_t)t : (size_t)(x % cap);
		n -= n % planes;
		int mode = t % 7;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			switch (mode) {
			case 0: in[i] = (uint8_t)x; break;                      /* noise */
			case 1: in[i] = 0; break;                               /* one run */
			case 2: in[i] = x % 3 ? 0 : (uint8_t)(x >> 8) & 3; break; /* short runs */
			case 3: in[i] = (uint8_t)(i / 300); break;              /* long runs of many values */
			case 4: in[i] = (uint8_t)(x & 1); break;                /* two symbols */
			case 5: in[i] = (uint8_t)(i * 7); break;                /* all symbols, no runs */
			default: in[i] = (uint8_t)((x >> 4) % 16 + ((x & 63) == 0 ? 200 : 0)); break;
			}
		}
		size_t len = pd_deflate_planes(in, n, planes, out, pd_codec_bound(n), tok);
		assert_true(len > 0);
		uLongf blen = n;
		int zrc = uncompress(back, &blen, out, len);
		if (zrc != Z_OK || blen != n || memcmp(back, in, n))
			fail_msg("case %d (mode %d, %zu bytes, %zu planes): zlib says %d", t, mode, n, planes, zrc);
	}
	free(in), free(out), free(back), free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(roller_u8),
		cmocka_unit_test(naming_and_mode),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(long_label),
		cmocka_unit_test(swmr_reader_sees_flushes),
		cmocka_unit_test(crash_and_recover),
		cmocka_unit_test(io_error),
		cmocka_unit_test(file_size_limit),
		cmocka_unit_test(deflate_round_trips),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
