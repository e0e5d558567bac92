/* sensitronics decoder (pd_protocol_sensitronics) and encoder: runs, run
 * splitting, wrong counts, broken runs, the partial first frame. */
#include "decoder_capture.h"
#include "sensitronics/sensitronics.h"

static struct pd_stream_params geom(uint16_t rows, uint16_t cols)
{
	struct pd_stream_params p = { .rows = rows, .cols = cols, .unit = -1, .poll_char = -1 };
	return p;
}

static void test_init(void **state)
{
	(void)state;
	static const struct { const char *name; struct pd_stream_params p; const char *msg; } cases[] = {
		{ "no geometry", { .unit = -1, .poll_char = -1 }, "give rows= and cols=" },
		{ "no cols", { .rows = 4, .unit = -1, .poll_char = -1 }, "give rows= and cols=" },
		{ "too big", { .rows = 2000, .cols = 2000, .unit = -1, .poll_char = -1 }, "too large" },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct pd_decode_stats st = { 0 };
		char err[160] = "";
		void *s = calloc(1, pd_protocol_sensitronics.state_size);
		assert_int_equal(pd_protocol_sensitronics.init(s, &cases[c].p, &st, err, sizeof err), -1);
		if (!strstr(err, cases[c].msg) || strncmp(err, "sensitronics: ", 14))
			fail_msg("%s: message \"%s\"", cases[c].name, err);
		pd_protocol_sensitronics.fini(s);
		free(s);
	}
	char err[8];
	struct pd_decode_stats st = { 0 };
	void *s = calloc(1, pd_protocol_sensitronics.state_size);
	assert_int_equal(pd_protocol_sensitronics.init(s, NULL, &st, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1); /* truncated, terminated */
	free(s);
	assert_null(pd_protocol_sensitronics.on_open);
	assert_null(pd_protocol_sensitronics.after_frame);
}

static void test_frames(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	p.pitch_mm = 5.0f;
	static const uint8_t s[] = {
		1, 2, 3, 4, 5, 254, 0xFF,   /* plain */
		0, 6, 0xFF,                 /* all zero in one run */
		0, 2, 9, 0, 1, 0, 1, 8, 0xFF, /* runs at the start, middle; adjacent runs */
		7, 0, 5, 0xFF,              /* run at the end */
	};
	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_sensitronics, &p, s, sizeof s);
	struct pd_decode_stats want = { .bytes = sizeof s, .frames = 4 };
	stats_assert_equal(&r.stats, &want, "frames");
	assert_int_equal(r.cap.n, 5);
	assert_int_equal(r.cap.ev[0].kind, CAP_INFO);
	const struct pd_device_info *info = &r.cap.ev[0].info;
	assert_int_equal(info->kind, PD_KIND_MAT);
	assert_int_equal(info->rows, 2);
	assert_int_equal(info->cols, 3);
	assert_int_equal(info->cell_bits, 8);
	assert_int_equal(info->full_scale, 254);
	assert_int_equal(info->unit, PD_UNIT_COUNTS);
	assert_true(info->pitch_x_mm == 5.0f && info->pitch_y_mm == 5.0f);
	static const uint8_t want_cells[4][6] = {
		{ 1, 2, 3, 4, 5, 254 }, { 0 }, { 0, 0, 9, 0, 0, 8 }, { 7, 0, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < 4; i++) {
		const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, i);
		assert_int_equal(f->seq, i);
		assert_int_equal(f->rows, 2);
		assert_int_equal(f->cols, 3);
		assert_int_equal(f->cell_bits, 8);
		assert_memory_equal(f->cells, want_cells[i], 6);
	}
	dec_close(&r);

	/* Host time of the read that brought the 0xFF. */
	p.full_scale = 100;
	p.unit = PD_UNIT_KPA;
	p.units_per_count = 2.0f;
	dec_open(&r, &pd_protocol_sensitronics, &p);
	dec_feed(&r, s, 6);
	dec_feed(&r, s + 6, 1);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->rx.mono_ns, 1001000000);
	assert_int_equal(f->t_us, 1001000);
	info = &cap_nth(&r.cap, CAP_INFO, 0)->info;
	assert_int_equal(info->full_scale, 100);
	assert_int_equal(info->unit, PD_UNIT_KPA);
	assert_true(info->units_per_count == 2.0f);
	dec_close(&r);
}

static void test_broken_frames(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	static const struct { const char *name; uint8_t bytes[12]; size_t len; } cases[] = {
		{ "too few", { 1, 2, 3, 4, 5, 0xFF }, 6 },
		{ "too many", { 1, 2, 3, 4, 5, 6, 7, 0xFF }, 8 },
		{ "run too long", { 1, 0, 6, 0xFF }, 4 },
		{ "run of 0", { 1, 2, 0, 0, 3, 4, 5, 6, 0xFF }, 9 },
		{ "0 then end", { 1, 2, 3, 4, 5, 0, 0xFF }, 7 },
		{ "0 then end, full", { 1, 2, 3, 4, 5, 6, 0, 0xFF }, 8 },
		{ "empty", { 0xFF }, 1 },
		{ "cell after full run", { 0, 6, 1, 0xFF }, 4 },
	};
	static const uint8_t good[] = { 6, 5, 4, 3, 2, 1, 0xFF };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct bytes b = { 0 };
		bytes_add(&b, good, sizeof good);
		bytes_add(&b, cases[c].bytes, cases[c].len);
		bytes_add(&b, good, sizeof good);
		struct dec_run r;
		dec_assert_split_invariant(&r, &pd_protocol_sensitronics, &p, b.p, b.len);
		struct pd_decode_stats want = { .bytes = b.len, .frames = 2, .decode_errors = 1 };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		assert_memory_equal(cap_nth(&r.cap, CAP_FRAME, 1)->cells, good, 6);
		dec_close(&r);
		bytes_free(&b);
	}
}

static void test_partial_first_frame(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	static const struct {
		const char *name;
		uint8_t bytes[24];
		size_t len;
		uint64_t frames, resyncs, garbage, errors;
	} cases[] = {
		{ "tail of a frame", { 4, 5, 6, 0xFF, 1, 2, 3, 4, 5, 6, 0xFF }, 11, 1, 1, 4, 0 },
		{ "opened at its end", { 0xFF, 1, 2, 3, 4, 5, 6, 0xFF }, 8, 1, 1, 1, 0 },
		{ "opened at a count", { 3, 4, 5, 6, 0xFF, 0, 6, 0xFF }, 8, 1, 1, 5, 0 },
		{ "whole first frame", { 1, 2, 3, 4, 5, 6, 0xFF, 0, 6, 0xFF }, 10, 2, 0, 0, 0 },
		{ "only the first", { 9, 0xFF, 9, 0xFF, 0, 6, 0xFF }, 7, 1, 1, 2, 1 },
		{ "nothing ends", { 1, 2, 3, 4, 5, 6, 7, 8 }, 8, 0, 0, 0, 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct dec_run r;
		dec_assert_split_invariant(&r, &pd_protocol_sensitronics, &p, cases[c].bytes, cases[c].len);
		struct pd_decode_stats want = { .bytes = cases[c].len, .frames = cases[c].frames,
						.resyncs = cases[c].resyncs, .garbage_bytes = cases[c].garbage,
						.decode_errors = cases[c].errors };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		dec_close(&r);
	}
}

static void test_encoder_round_trip(void **state)
{
	(void)state;
	/* 32 x 32 with long zero runs: runs above 254 are split. */
	uint8_t cells[1024];
	for (int i = 0; i < 1024; i++)
		cells[i] = (uint8_t)((i >= 100 && i < 700) || i % 3 ? 0 : i % 256);
	cells[5] = 255; /* clamped to 254, like cell 1023 */
	uint8_t out[4096];
	size_t n = sens_encode_frame(out, sizeof out, cells, 1024);
	assert_int_not_equal(n, 0);
	assert_int_equal(out[n - 1], SENS_END);
	for (size_t i = 0; i + 1 < n; i++)
		assert_int_not_equal(out[i], SENS_END);
	assert_int_equal(sens_encode_frame(out, n - 1, cells, 1024), 0);

	struct bytes b = { 0 };
	bytes_add(&b, out, n);
	bytes_add(&b, out, n);
	struct pd_stream_params p = geom(32, 32);
	struct dec_run r;
	dec_run_cuts(&r, &pd_protocol_sensitronics, &p, b.p, b.len, NULL, 0);
	struct pd_decode_stats want = { .bytes = b.len, .frames = 2 };
	stats_assert_equal(&r.stats, &want, "round trip");
	for (int i = 0; i < 1024; i++)
		if (cells[i] == 255)
			cells[i] = 254;
	assert_memory_equal(cap_nth(&r.cap, CAP_FRAME, 0)->cells, cells, 1024);
	assert_memory_equal(cap_nth(&r.cap, CAP_FRAME, 1)->cells, cells, 1024);
	dec_close(&r);
	bytes_free(&b);

	/* Exact bytes: 600 zeros = 254 + 254 + 92. */
	uint8_t zeros[600] = { 0 };
	n = sens_encode_frame(out, sizeof out, zeros, 600);
	static const uint8_t want600[] = { 0, 254, 0, 254, 0, 92, 0xFF };
	assert_int_equal(n, sizeof want600);
	assert_memory_equal(out, want600, n);
	uint8_t one_zero[3] = { 7, 0, 9 };
	n = sens_encode_frame(out, sizeof out, one_zero, 3);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "\x07\x00\x01\x09\xff", 5);
	assert_int_equal(sens_encode_frame(out, sizeof out, NULL, 0), 1);
	assert_int_equal(sens_encode_frame(out, 0, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_broken_frames),
		cmocka_unit_test(test_partial_first_frame),
		cmocka_unit_test(test_encoder_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
