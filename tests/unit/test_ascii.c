/* ascii decoder (pd_protocol_ascii) and encoders: single-line and block
 * forms, separators, CRLF, comments and headers, what is refused, the
 * partial first unit, polling. */
#include "decoder_capture.h"
#include "ascii/ascii.h"

static struct pd_stream_params geom(uint16_t rows, uint16_t cols)
{
	struct pd_stream_params p = { .rows = rows, .cols = cols, .unit = -1, .poll_char = -1 };
	return p;
}

static uint16_t cell16(const struct cap_event *f, size_t i)
{
	return (uint16_t)(f->cells[2 * i] | f->cells[2 * i + 1] << 8);
}

static void assert_cells16(const struct cap_event *f, const uint16_t *want, size_t n)
{
	assert_int_equal(f->cell_bits, 16);
	assert_int_equal(f->cells_len, 2 * n);
	for (size_t i = 0; i < n; i++)
		if (cell16(f, i) != want[i])
			fail_msg("cell %zu: %u, want %u", i, cell16(f, i), want[i]);
}

/* Decodes a text stream in every split; returns the whole run. */
static void run_text(struct dec_run *r, const struct pd_stream_params *p, const char *text)
{
	dec_assert_split_invariant(r, &pd_protocol_ascii, p, (const uint8_t *)text, strlen(text));
}

static void test_single_line(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	p.pitch_mm = 8.5f;
	p.unit = PD_UNIT_KPA;
	p.units_per_count = 0.5f;
	const char *text = "1,2,3,4,5,6\n"
			   "7;8 9\t10, 11 ,12\r\n"
			   "\n"
			   ", 0,0,0,0,0,1023,\r\n"
			   "2000,0,0,0,0,65535\n"; /* above full_scale but fits: delivered */
	struct dec_run r;
	run_text(&r, &p, text);
	struct pd_decode_stats want = { .bytes = strlen(text), .frames = 4 };
	stats_assert_equal(&r.stats, &want, "single line");
	assert_int_equal(r.cap.n, 5);
	assert_int_equal(r.cap.ev[0].kind, CAP_INFO);
	const struct pd_device_info *info = &r.cap.ev[0].info;
	assert_int_equal(info->protocol_version, 0);
	assert_int_equal(info->kind, PD_KIND_MAT);
	assert_int_equal(info->rows, 2);
	assert_int_equal(info->cols, 3);
	assert_int_equal(info->cell_bits, 16);
	assert_int_equal(info->full_scale, 1023);
	assert_int_equal(info->unit, PD_UNIT_KPA);
	assert_true(info->units_per_count == 0.5f);
	assert_true(info->pitch_x_mm == 8.5f && info->pitch_y_mm == 8.5f);

	static const uint16_t f0[] = { 1, 2, 3, 4, 5, 6 }, f1[] = { 7, 8, 9, 10, 11, 12 },
			      f2[] = { 0, 0, 0, 0, 0, 1023 }, f3[] = { 2000, 0, 0, 0, 0, 65535 };
	const uint16_t *fs[] = { f0, f1, f2, f3 };
	for (size_t i = 0; i < 4; i++) {
		const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, i);
		assert_int_equal(f->seq, i);
		assert_int_equal(f->rows, 2);
		assert_int_equal(f->cols, 3);
		assert_false(f->has_encoder);
		assert_cells16(f, fs[i], 6);
	}
	dec_close(&r);

	/* Host time: the feed that completed the frame. */
	dec_open(&r, &pd_protocol_ascii, &p);
	dec_feed(&r, "1,2,3,4,5", 9);
	dec_feed(&r, ",6\n", 3);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->rx.mono_ns, 1001000000);
	assert_int_equal(f->t_us, 1001000);
	dec_close(&r);
}

static void test_bad_lines(void **state)
{
	(void)state;
	static const struct { const char *name; const char *line; int ok; } cases[] = {
		{ "good", "1,2,3,4,5,6\n", 1 },
		{ "letter", "1,2,x,4,5,6\n", 0 },
		{ "negative", "-1,2,3,4,5,6\n", 0 },
		{ "plus", "+1,2,3,4,5,6\n", 0 },
		{ "fraction", "1.5,2,3,4,5,6\n", 0 },
		{ "hex", "0x1,2,3,4,5,6\n", 0 },
		{ "too big", "65536,2,3,4,5,6\n", 0 },
		{ "much too big", "99999999999999999999,2,3,4,5,6\n", 0 },
		{ "largest", "65535,2,3,4,5,6\n", 1 },
		{ "leading zeros", "0001,2,3,4,5,6\n", 1 },
		{ "too few", "1,2,3,4,5\n", 0 },
		{ "too many", "1,2,3,4,5,6,7\n", 0 },
		{ "inline comment", "1,2,3,4,5,6 # x\n", 0 },
		{ "NUL", "1,2,3,4,5\0006\n", 0 },
		{ "CR only between", "1,2,3\r4,5,6\n", 1 },
		{ "separators only", " ,; \t\r\n", -1 }, /* empty line: nothing */
	};
	struct pd_stream_params p = geom(2, 3);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct bytes b = { 0 };
		bytes_str(&b, "9,9,9,9,9,9\n"); /* synchronised */
		size_t len = strlen(cases[c].line);
		if (strcmp(cases[c].name, "NUL") == 0)
			len = 12;
		bytes_add(&b, cases[c].line, len);
		bytes_str(&b, "8,8,8,8,8,8\n");
		struct dec_run r;
		dec_run_cuts(&r, &pd_protocol_ascii, &p, b.p, b.len, NULL, 0);
		struct pd_decode_stats want = { .bytes = b.len, .frames = 2 + (cases[c].ok == 1),
						.decode_errors = cases[c].ok == 0 };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		dec_close(&r);
		bytes_free(&b);
	}

	/* A line of `cols` values opens a block; a single-line frame after it
	 * abandons that block (one error). */
	struct dec_run r;
	const char *text = "9,9,9,9,9,9\n1,2,3\n4,5,6,7,8,9\n";
	run_text(&r, &p, text);
	struct pd_decode_stats want = { .bytes = strlen(text), .frames = 2, .decode_errors = 1 };
	stats_assert_equal(&r.stats, &want, "abandoned block");
	static const uint16_t f1[] = { 4, 5, 6, 7, 8, 9 };
	assert_cells16(cap_nth(&r.cap, CAP_FRAME, 1), f1, 6);
	dec_close(&r);
}

static void test_partial_first_unit(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	static const struct {
		const char *name;
		const char *text;
		uint64_t frames, resyncs, garbage, errors;
	} cases[] = {
		{ "tail of a line", "5,6\n1,2,3,4,5,6\n", 1, 1, 4, 0 },
		{ "tail with cols values", "4,5,6\n1,2,3,4,5,6\n", 1, 1, 6, 0 },
		{ "tail of a token", "23\n1,2,3,4,5,6\n", 1, 1, 3, 0 },
		{ "cut mid-value, whole count", "6,2,3,4,5,6\n1,2,3,4,5,6\n", 2, 0, 0, 0 },
		{ "only the first unit", "5,6\n5,6\n1,2,3,4,5,6\n", 1, 1, 4, 1 },
		{ "partial block", "4,5,6\n\n1,2,3\n4,5,6\n\n", 1, 1, 6, 0 },
		{ "whole first block", "1,2,3\n4,5,6\n\n", 1, 0, 0, 0 },
		{ "garbage bytes", "\x80\xff\x01zz\n1,2,3,4,5,6\n", 1, 1, 6, 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct dec_run r;
		run_text(&r, &p, cases[c].text);
		struct pd_decode_stats want = { .bytes = strlen(cases[c].text), .frames = cases[c].frames,
						.resyncs = cases[c].resyncs, .garbage_bytes = cases[c].garbage,
						.decode_errors = cases[c].errors };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		dec_close(&r);
	}
}

static void test_blocks_without_geometry(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(0, 0);
	const char *text = "1,2,3\n4,5,6\n\n"     /* cannot be told from a partial block */
			   "7,8,9\r\n10,11,12\r\n\r\n" /* sets 2 x 3 */
			   "1,2,3\n\n"              /* 1 x 3: wrong size */
			   "1,2,3\n4,5\n\n"         /* unequal widths */
			   "1,2,3\n4,x,6\n\n"       /* bad token */
			   "1,2,3\n# inside\n4,5,6\n\n" /* a comment does not end a block */
			   "\n\n"                   /* stray empty lines */
			   "1,2,3,4,5,6\n";         /* single-line, now that rows x cols is known */
	struct dec_run r;
	run_text(&r, &p, text);
	struct pd_decode_stats want = { .bytes = strlen(text), .frames = 3, .decode_errors = 3,
					.resyncs = 1, .garbage_bytes = 12 };
	stats_assert_equal(&r.stats, &want, "blocks");
	assert_int_equal(cap_count(&r.cap, CAP_INFO), 1);
	const struct pd_device_info *info = &cap_nth(&r.cap, CAP_INFO, 0)->info;
	assert_int_equal(info->rows, 2);
	assert_int_equal(info->cols, 3);
	assert_int_equal(r.cap.ev[0].kind, CAP_INFO);
	static const uint16_t f0[] = { 7, 8, 9, 10, 11, 12 }, f1[] = { 1, 2, 3, 4, 5, 6 };
	assert_cells16(cap_nth(&r.cap, CAP_FRAME, 0), f0, 6);
	assert_cells16(cap_nth(&r.cap, CAP_FRAME, 1), f1, 6);
	assert_cells16(cap_nth(&r.cap, CAP_FRAME, 2), f1, 6);
	assert_int_equal(cap_nth(&r.cap, CAP_FRAME, 2)->seq, 2);
	dec_close(&r);

	/* A stream that starts with an empty line is in sync from there. */
	run_text(&r, &p, "\n1,2\n3,4\n\n");
	assert_int_equal(r.stats.frames, 1);
	assert_int_equal(r.stats.resyncs, 0);
	dec_close(&r);

	/* A line wider than 65535 values cannot be a row. */
	struct bytes b = { 0 };
	bytes_str(&b, "\n");
	for (int i = 0; i < 70000; i++)
		bytes_str(&b, "0,");
	bytes_str(&b, "\n\n1,2\n\n");
	dec_run_cuts(&r, &pd_protocol_ascii, &p, b.p, b.len, NULL, 0);
	struct pd_decode_stats want2 = { .bytes = b.len, .frames = 1, .decode_errors = 1 };
	stats_assert_equal(&r.stats, &want2, "wide line");
	dec_close(&r);
	bytes_free(&b);
}

static void test_blocks_with_geometry(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(2, 3);
	const char *text = "1,2,3\n4,5,6\n\n"        /* whole first block: used */
			   "1,2\n3,4\n\n"            /* width 2: each line is an error */
			   "1,2,3\n4,5,6\n7,8,9\n\n" /* 3 rows */
			   "1,2,3\n\n"               /* 1 row */
			   "9,8,7\r\n6,5,4\r\n\r\n";
	struct dec_run r;
	run_text(&r, &p, text);
	struct pd_decode_stats want = { .bytes = strlen(text), .frames = 2, .decode_errors = 4 };
	stats_assert_equal(&r.stats, &want, "blocks with geometry");
	static const uint16_t f1[] = { 9, 8, 7, 6, 5, 4 };
	assert_cells16(cap_nth(&r.cap, CAP_FRAME, 1), f1, 6);
	dec_close(&r);
}

static void test_header(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(4, 4); /* the header wins */
	const char *text = "# pressure mat v2, hello\n"
			   "# rows=2 cols=2 full_scale=255 model=Foo serial=X1 pitch_mm=5.5 rate=50 colour=red\n"
			   "1,2,3,255\n"
			   "256,0,0,0\n"          /* does not fit an 8-bit cell */
			   "# rows=abc\n"         /* bad value */
			   "# cols=0; pitch_mm=-1\n"
			   "# rows=2\n"           /* nothing changes: no new info */
			   "#full_scale=1023\n"   /* 16-bit cells: a new info */
			   "0,0,0,1000\n";
	struct dec_run r;
	run_text(&r, &p, text);
	struct pd_decode_stats want = { .bytes = strlen(text), .frames = 2, .decode_errors = 4 };
	stats_assert_equal(&r.stats, &want, "header");
	assert_int_equal(r.cap.n, 4);
	assert_int_equal(r.cap.ev[0].kind, CAP_INFO); /* right after the header */
	const struct pd_device_info *info = &r.cap.ev[0].info;
	assert_int_equal(info->rows, 2);
	assert_int_equal(info->cols, 2);
	assert_int_equal(info->full_scale, 255);
	assert_int_equal(info->cell_bits, 8);
	assert_string_equal(info->model, "Foo");
	assert_string_equal(info->serial, "X1");
	assert_true(info->pitch_x_mm == 5.5f);
	assert_true(info->rate_hz == 50.0f);
	const struct cap_event *f = &r.cap.ev[1];
	assert_int_equal(f->kind, CAP_FRAME);
	assert_int_equal(f->cell_bits, 8);
	assert_memory_equal(f->cells, "\x01\x02\x03\xff", 4);
	assert_int_equal(r.cap.ev[2].kind, CAP_INFO);
	assert_int_equal(r.cap.ev[2].info.cell_bits, 16);
	assert_int_equal(r.cap.ev[2].info.full_scale, 1023);
	static const uint16_t f1[] = { 0, 0, 0, 1000 };
	assert_cells16(&r.cap.ev[3], f1, 4);
	dec_close(&r);

	/* A header too big for the decoder is refused. */
	run_text(&r, &p, "# rows=2000 cols=2000\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n");
	assert_int_equal(r.stats.decode_errors, 1);
	assert_int_equal(r.stats.frames, 1);
	assert_int_equal(cap_nth(&r.cap, CAP_FRAME, 0)->rows, 4);
	dec_close(&r);
}

static void test_long_lines(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(1, 3);
	struct bytes b = { 0 };
	bytes_str(&b, "1,2,3\n");
	for (int i = 0; i < 100000; i++)
		bytes_str(&b, "1,2,");          /* 400 KB: too long */
	bytes_str(&b, "3\n4,5,6\n#");
	for (int i = 0; i < 300000; i++)
		bytes_str(&b, "x");             /* a long comment: ignored */
	bytes_str(&b, "\n7,8,9\n");
	struct dec_run r;
	dec_run_cuts(&r, &pd_protocol_ascii, &p, b.p, b.len, NULL, 0);
	struct pd_decode_stats want = { .bytes = b.len, .frames = 3, .decode_errors = 1 };
	stats_assert_equal(&r.stats, &want, "long lines");
	struct dec_run r1;
	dec_open(&r1, &pd_protocol_ascii, &p);
	r1.tick_ns = 0;
	for (size_t at = 0; at < b.len; at += 4093)
		dec_feed(&r1, b.p + at, b.len - at < 4093 ? b.len - at : 4093);
	cap_assert_equal(&r.cap, &r1.cap, "pieces");
	stats_assert_equal(&r.stats, &r1.stats, "pieces");
	dec_close(&r1);
	dec_close(&r);
	bytes_free(&b);
}

static void test_poll(void **state)
{
	(void)state;
	struct pd_stream_params p = geom(0, 0);
	p.poll_char = 'p';
	struct dec_run r;
	run_text(&r, &p, "1,2\n3,4\n\n"); /* in sync from the start */
	assert_int_equal(r.stats.frames, 1);
	uint8_t out[4] = { 0 };
	assert_null(pd_protocol_ascii.on_open); /* the owner polls once at open with after_frame */
	assert_int_equal(pd_protocol_ascii.after_frame(r.state, out, sizeof out), 1);
	assert_int_equal(out[0], 'p');
	assert_int_equal(pd_protocol_ascii.after_frame(r.state, out, 0), 0);
	dec_close(&r);

	p.poll_char = -1;
	dec_open(&r, &pd_protocol_ascii, &p);
	assert_int_equal(pd_protocol_ascii.after_frame(r.state, out, sizeof out), 0);
	dec_close(&r);
}

static void test_init_refused(void **state)
{
	(void)state;
	static const struct { const char *name; struct pd_stream_params p; } cases[] = {
		{ "full_scale", { .full_scale = 70000, .unit = -1, .poll_char = -1 } },
		{ "geometry", { .rows = 2000, .cols = 2000, .unit = -1, .poll_char = -1 } },
		{ "poll", { .unit = -1, .poll_char = 256 } },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct pd_decode_stats st = { 0 };
		char err[128] = "";
		void *s = calloc(1, pd_protocol_ascii.state_size);
		assert_int_equal(pd_protocol_ascii.init(s, &cases[c].p, &st, err, sizeof err), -1);
		assert_true(strncmp(err, "ascii: ", 7) == 0);
		pd_protocol_ascii.fini(s); /* safe after a failed init */
		free(s);
	}
	/* NULL params: nothing known, defaults apply. */
	struct pd_decode_stats st = { 0 };
	void *s = calloc(1, pd_protocol_ascii.state_size);
	assert_int_equal(pd_protocol_ascii.init(s, NULL, &st, NULL, 0), 0);
	pd_protocol_ascii.feed(s, (const uint8_t *)"\n1\n\n", 4, NULL, NULL);
	assert_int_equal(st.frames, 1);
	pd_protocol_ascii.fini(s);
	free(s);
}

static void test_encoders_round_trip(void **state)
{
	(void)state;
	struct pd_device_info info = {
		.kind = PD_KIND_MAT, .rows = 3, .cols = 4, .pitch_x_mm = 12.7f, .pitch_y_mm = 12.7f,
		.rate_hz = 33.3f, .full_scale = 4095, .cell_bits = 16, .model = "Snow board",
		.serial = "K-01",
	};
	uint16_t c16[12];
	uint8_t c8[12];
	for (int i = 0; i < 12; i++) {
		c16[i] = (uint16_t)(i * 341);
		c8[i] = (uint8_t)(i * 21);
	}
	char buf[1024];
	size_t n = ascii_encode_header(buf, sizeof buf, &info);
	assert_string_equal(buf, "# rows=3 cols=4 full_scale=4095 pitch_mm=12.7 rate=33.3 model=Snow_board serial=K-01\r\n");
	assert_int_equal(n, strlen(buf));
	assert_int_equal(ascii_encode_header(buf, n, &info), 0);
	assert_int_equal(ascii_encode_header(buf, n + 1, &info), n);

	for (int bits = 8; bits <= 16; bits += 8) {
		for (int form = ASCII_SINGLE_LINE; form <= ASCII_BLOCK; form++) {
			struct bytes b = { 0 };
			info.cell_bits = (uint8_t)bits;
			info.full_scale = bits == 8 ? 255 : 4095;
			n = ascii_encode_header(buf, sizeof buf, &info);
			bytes_add(&b, buf, n);
			const void *cells = bits == 8 ? (const void *)c8 : (const void *)c16;
			n = ascii_encode_frame(buf, sizeof buf, (enum ascii_form)form, cells, 3, 4, (uint8_t)bits);
			assert_int_not_equal(n, 0);
			assert_int_equal(n, strlen(buf));
			assert_int_equal(ascii_encode_frame(buf, n, (enum ascii_form)form, cells, 3, 4, (uint8_t)bits), 0);
			bytes_add(&b, buf, n);
			bytes_add(&b, buf, n);

			struct pd_stream_params p = geom(0, 0);
			struct dec_run r;
			dec_assert_split_invariant(&r, &pd_protocol_ascii, &p, b.p, b.len);
			struct pd_decode_stats want = { .bytes = b.len, .frames = 2 };
			stats_assert_equal(&r.stats, &want, "round trip");
			const struct pd_device_info *got = &cap_nth(&r.cap, CAP_INFO, 0)->info;
			assert_int_equal(got->rows, 3);
			assert_int_equal(got->cols, 4);
			assert_int_equal(got->full_scale, info.full_scale);
			assert_int_equal(got->cell_bits, bits);
			assert_true(got->pitch_x_mm == 12.7f);
			assert_true(got->rate_hz == 33.3f);
			assert_string_equal(got->model, "Snow_board");
			assert_string_equal(got->serial, "K-01");
			for (size_t i = 0; i < 2; i++) {
				const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, i);
				assert_int_equal(f->cells_len, 12 * bits / 8);
				assert_memory_equal(f->cells, cells, f->cells_len);
			}
			dec_close(&r);
			bytes_free(&b);
		}
	}
	n = ascii_encode_frame(buf, sizeof buf, ASCII_BLOCK, c8, 2, 2, 8);
	assert_string_equal(buf, "0,21\r\n42,63\r\n\r\n");
	n = ascii_encode_frame(buf, sizeof buf, ASCII_SINGLE_LINE, c16, 2, 2, 16);
	assert_string_equal(buf, "0,341,682,1023\r\n");
	assert_int_equal(ascii_encode_frame(buf, sizeof buf, ASCII_SINGLE_LINE, c16, 2, 2, 12), 0);
	assert_int_equal(ascii_encode_frame(buf, sizeof buf, ASCII_SINGLE_LINE, c16, 0, 2, 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_line),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_partial_first_unit),
		cmocka_unit_test(test_blocks_without_geometry),
		cmocka_unit_test(test_blocks_with_geometry),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test(test_encoders_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
