/* pmf host decoder (pd_protocol_pmf): INFO, FRAME (raw and zero-run),
 * ROLLER, LOG, ACK, what is refused, and the registry. */
#include "decoder_capture.h"
#include "ascii/ascii.h"
#include "pmf/pmf.h"
#include "sensitronics/sensitronics.h"

static const struct pd_device_info mat_info = {
	.protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = 8, .unit = PD_UNIT_KPA,
	.rows = 2, .cols = 3, .pitch_x_mm = 10.5f, .pitch_y_mm = 11.25f, .rate_hz = 60.0f,
	.units_per_count = 0.125f, .full_scale = 254, .model = "mat-2x3", .serial = "S1",
	.firmware = "1.0",
};

static const struct pd_device_info roller_info = {
	.protocol_version = 1, .kind = PD_KIND_ROLLER, .cell_bits = 16, .unit = PD_UNIT_NEWTON,
	.rows = 1, .cols = 4, .pitch_x_mm = 25.0f, .rate_hz = 200.0f, .units_per_count = 0.01f,
	.full_scale = 4095, .radius_mm = 60.0f, .counts_per_rev = 2048,
	.model = "roller", .serial = "R7", .firmware = "2.3.4",
};

/* ---- stream building --------------------------------------------------- */

static void add_info(struct bytes *b, const struct pd_device_info *info)
{
	uint8_t out[256];
	size_t n = pmf_encode_info(out, sizeof out, info);
	assert_int_not_equal(n, 0);
	bytes_add(b, out, n);
}

static void add_frame(struct bytes *b, uint32_t seq, uint64_t t, enum pmf_encoding enc,
		      const void *cells, size_t ncells, uint8_t bits)
{
	uint8_t out[4096];
	size_t n = pmf_encode_frame(out, sizeof out, seq, t, enc, cells, ncells, bits);
	assert_int_not_equal(n, 0);
	bytes_add(b, out, n);
}

static void add_raw(struct bytes *b, uint8_t type, const void *payload, uint32_t len)
{
	uint8_t out[4096];
	size_t n = pmf_encode_packet(out, sizeof out, type, payload, len);
	assert_int_not_equal(n, 0);
	bytes_add(b, out, n);
}

/* A FRAME payload with the given encoding and body. */
static void add_frame_body(struct bytes *b, uint8_t enc, const void *body, size_t len)
{
	uint8_t payload[1024] = { 0 };
	payload[0] = 5;
	payload[12] = enc;
	memcpy(payload + 16, body, len);
	add_raw(b, PMF_FRAME, payload, (uint32_t)(16 + len));
}

static void add_log(struct bytes *b, int level, const char *text)
{
	uint8_t out[512];
	size_t n = pmf_encode_log(out, sizeof out, level, text);
	assert_int_not_equal(n, 0);
	bytes_add(b, out, n);
}

static void add_ack(struct bytes *b, uint8_t cmd, uint8_t status)
{
	uint8_t out[32];
	bytes_add(b, out, pmf_encode_ack(out, sizeof out, cmd, status));
}

static const struct pd_stream_params no_params = { .unit = -1, .poll_char = -1 };

/* ---- registry ---------------------------------------------------------- */

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(pd_protocols[0], &pd_protocol_pmf);
	assert_ptr_equal(pd_protocols[1], &pd_protocol_ascii);
	assert_ptr_equal(pd_protocols[2], &pd_protocol_sensitronics);
	assert_null(pd_protocols[3]);
	assert_ptr_equal(pd_protocol_find("pmf"), &pd_protocol_pmf);
	assert_ptr_equal(pd_protocol_find("ascii"), &pd_protocol_ascii);
	assert_ptr_equal(pd_protocol_find("sensitronics"), &pd_protocol_sensitronics);
	assert_null(pd_protocol_find("auto"));
	assert_null(pd_protocol_find("PMF"));
	assert_null(pd_protocol_find(""));
	assert_null(pd_protocol_find(NULL));
	for (size_t i = 0; pd_protocols[i]; i++) {
		assert_non_null(pd_protocols[i]->init);
		assert_non_null(pd_protocols[i]->fini);
		assert_non_null(pd_protocols[i]->feed);
		assert_true(pd_protocols[i]->state_size > 0);
	}
}

/* ---- INFO -------------------------------------------------------------- */

static void test_info_round_trip(void **state)
{
	(void)state;
	struct pd_device_info full = roller_info;
	memset(full.model, 'M', 32);
	memset(full.serial, 'S', 32);
	memset(full.firmware, 'F', 16);
	const struct pd_device_info *cases[] = { &mat_info, &roller_info, &full };

	for (size_t c = 0; c < 3; c++) {
		struct bytes b = { 0 };
		add_info(&b, cases[c]);
		struct dec_run r;
		dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
		assert_int_equal(r.cap.n, 1);
		const struct pd_device_info *got = &cap_nth(&r.cap, CAP_INFO, 0)->info;
		assert_true(cap_info_equal(got, cases[c]));
		struct pd_decode_stats want = { .bytes = b.len, .packets = 1 };
		stats_assert_equal(&r.stats, &want, "info");
		dec_close(&r);
		bytes_free(&b);
	}

	/* Field by field, so a swapped pair cannot hide in cap_info_equal. */
	uint8_t p[PMF_INFO_LEN];
	struct pd_device_info back;
	pmf_info_pack(&roller_info, p);
	assert_int_equal(pmf_info_unpack(p, PMF_INFO_LEN, &back), 0);
	assert_int_equal(back.protocol_version, 1);
	assert_int_equal(back.kind, PD_KIND_ROLLER);
	assert_int_equal(back.cell_bits, 16);
	assert_int_equal(back.unit, PD_UNIT_NEWTON);
	assert_int_equal(back.rows, 1);
	assert_int_equal(back.cols, 4);
	assert_true(back.pitch_x_mm == 25.0f && back.pitch_y_mm == 0.0f);
	assert_true(back.rate_hz == 200.0f && back.units_per_count == 0.01f);
	assert_int_equal(back.full_scale, 4095);
	assert_true(back.radius_mm == 60.0f);
	assert_int_equal(back.counts_per_rev, 2048);
	assert_string_equal(back.model, "roller");
	assert_string_equal(back.serial, "R7");
	assert_string_equal(back.firmware, "2.3.4");
	/* Offsets from the spec's table. */
	assert_int_equal(p[4] | p[5] << 8, 1);
	assert_int_equal(p[6] | p[7] << 8, 4);
	assert_int_equal(p[24] | p[25] << 8, 4095);
	assert_int_equal(p[32] | p[33] << 8, 2048);
	assert_memory_equal(p + 36, "roller", 7);
	assert_memory_equal(p + 68, "R7", 3);
	assert_memory_equal(p + 100, "2.3.4", 6);
	for (int i = 116; i < 128; i++)
		assert_int_equal(p[i], 0);
}

static void test_info_refused(void **state)
{
	(void)state;
	static const struct { const char *name; size_t off; uint8_t val; } cases[] = {
		{ "version 0", 0, 0 }, { "version 2", 0, 2 }, { "kind 0", 1, 0 }, { "kind 3", 1, 3 },
		{ "cell_bits 12", 2, 12 }, { "unit 3", 3, 3 }, { "rows 0", 4, 0 }, { "cols 0", 6, 0 },
		{ "roller rows 2", 4, 2 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		uint8_t p[PMF_INFO_LEN];
		pmf_info_pack(c == 8 ? &roller_info : &mat_info, p);
		p[cases[c].off] = cases[c].val;
		if (cases[c].off == 4 || cases[c].off == 6)
			p[cases[c].off + 1] = 0;
		struct bytes b = { 0 };
		add_raw(&b, PMF_INFO, p, PMF_INFO_LEN);
		struct dec_run r;
		dec_run_cuts(&r, &pd_protocol_pmf, &no_params, b.p, b.len, NULL, 0);
		assert_int_equal(r.cap.n, 0);
		struct pd_decode_stats want = { .bytes = b.len, .packets = 1, .decode_errors = 1 };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		dec_close(&r);
		bytes_free(&b);
	}

	/* Too big for any frame to fit a packet: 2048 x 2048 x 2 bytes. */
	struct pd_device_info huge = mat_info;
	huge.rows = huge.cols = 2048;
	huge.cell_bits = 16;
	uint8_t p[PMF_INFO_LEN + 1];
	pmf_info_pack(&huge, p);
	struct pd_device_info out;
	assert_int_equal(pmf_info_unpack(p, PMF_INFO_LEN, &out), -1);
	huge.rows = 1023; /* 16 + 1023 x 2048 x 2 just fits in 4 MiB */
	pmf_info_pack(&huge, p);
	assert_int_equal(pmf_info_unpack(p, PMF_INFO_LEN, &out), 0);

	/* 127 bytes with a good CRC: a decode error; 129 is an impossible
	 * length for INFO, which drops just the sync byte. */
	struct bytes b = { 0 };
	pmf_info_pack(&mat_info, p);
	add_raw(&b, PMF_INFO, p, 127);
	size_t at = b.len;
	add_raw(&b, PMF_INFO, p, 129);
	size_t long_len = b.len - at;
	add_info(&b, &mat_info);
	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	assert_int_equal(cap_count(&r.cap, CAP_INFO), 1);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 2, .decode_errors = 2,
					.garbage_bytes = long_len, .resyncs = 1 };
	stats_assert_equal(&r.stats, &want, "info lengths");
	dec_close(&r);
	bytes_free(&b);
}

/* ---- FRAME ------------------------------------------------------------- */

static void test_frames_before_info(void **state)
{
	(void)state;
	uint8_t c8[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t load[8] = { 0 };
	struct bytes b = { 0 };
	add_frame(&b, 0, 10, PMF_ENC_RAW, c8, 6, 8);
	add_frame(&b, 1, 20, PMF_ENC_ZERO_RUN, c8, 6, 8);
	uint8_t out[256];
	bytes_add(&b, out, pmf_encode_roller(out, sizeof out, 0, 0, 0, load, 4, 16));
	add_info(&b, &mat_info);
	add_frame(&b, 2, 30, PMF_ENC_RAW, c8, 6, 8);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	assert_int_equal(r.cap.n, 2);
	assert_int_equal(r.cap.ev[0].kind, CAP_INFO);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->seq, 2);
	assert_int_equal(f->t_us, 30);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 5, .decode_errors = 3, .frames = 1 };
	stats_assert_equal(&r.stats, &want, "before info");
	dec_close(&r);
	bytes_free(&b);
}

static void test_raw_frames(void **state)
{
	(void)state;
	struct pd_device_info i16 = mat_info;
	i16.cell_bits = 16;
	i16.full_scale = 4095;
	uint8_t c8[6] = { 1, 2, 3, 4, 5, 254 };
	uint16_t c16[6] = { 0x0001, 0x0100, 0x0fff, 0, 7, 0x0abc };
	static const uint8_t le16[12] = { 1, 0, 0, 1, 0xff, 0x0f, 0, 0, 7, 0, 0xbc, 0x0a };

	struct bytes b = { 0 };
	add_info(&b, &mat_info);
	add_frame(&b, 0xFFFFFFFFu, 0xFFFFFFFFFFFFull, PMF_ENC_RAW, c8, 6, 8);
	add_frame(&b, 0, 1, PMF_ENC_RAW, c8, 5, 8);   /* short */
	uint8_t c7[7] = { 1, 2, 3, 4, 5, 6, 7 };
	add_frame(&b, 0, 1, PMF_ENC_RAW, c7, 7, 8);   /* long */
	add_frame_body(&b, 2, c8, 6);                 /* unknown encoding */
	add_raw(&b, PMF_FRAME, c8, 6);                /* shorter than its header */
	add_info(&b, &i16);
	add_frame(&b, 1, 2, PMF_ENC_RAW, c16, 6, 16);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	assert_int_equal(cap_count(&r.cap, CAP_FRAME), 2);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->seq, 0xFFFFFFFFu);
	assert_int_equal(f->t_us, 0xFFFFFFFFFFFFull);
	assert_int_equal(f->rows, 2);
	assert_int_equal(f->cols, 3);
	assert_int_equal(f->cell_bits, 8);
	assert_false(f->has_encoder);
	assert_memory_equal(f->cells, c8, 6);
	f = cap_nth(&r.cap, CAP_FRAME, 1);
	assert_int_equal(f->cell_bits, 16);
	assert_int_equal(f->cells_len, 12);
	assert_memory_equal(f->cells, le16, 12);
	assert_int_equal(cap_count(&r.cap, CAP_INFO), 2);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 8, .decode_errors = 4, .frames = 2 };
	stats_assert_equal(&r.stats, &want, "raw");
	dec_close(&r);
	bytes_free(&b);
}

static void test_zero_run(void **state)
{
	(void)state;
	/* Geometry 2 x 3 = 6 cells. */
	static const struct {
		const char *name;
		uint8_t bits;
		size_t len;
		uint8_t tok[16];
		int ok;
		uint8_t cells[12];
	} cases[] = {
		{ "plain", 8, 6, { 1, 2, 3, 4, 5, 6 }, 1, { 1, 2, 3, 4, 5, 6 } },
		{ "run at the end", 8, 5, { 1, 2, 3, 0, 3 }, 1, { 1, 2, 3, 0, 0, 0 } },
		{ "run at the start", 8, 4, { 0, 4, 8, 9 }, 1, { 0, 0, 0, 0, 8, 9 } },
		{ "run of all cells", 8, 2, { 0, 6 }, 1, { 0 } },
		{ "adjacent runs", 8, 4, { 0, 3, 0, 3 }, 1, { 0 } },
		/* Each refused case is wrong in one way only; ignoring that
		 * one rule would make it 6 good cells. */
		{ "N = 0", 8, 8, { 1, 2, 0, 0, 3, 4, 5, 6 }, 0, { 0 } },
		{ "trailing lone 0", 8, 6, { 1, 2, 3, 4, 5, 0 }, 0, { 0 } },
		{ "lone 0 after all cells", 8, 7, { 1, 2, 3, 4, 5, 6, 0 }, 0, { 0 } },
		{ "run overflows", 8, 3, { 1, 0, 6 }, 0, { 0 } },
		{ "run of 7", 8, 2, { 0, 7 }, 0, { 0 } },
		{ "too few cells", 8, 4, { 1, 2, 0, 2 }, 0, { 0 } },
		{ "too many cells", 8, 7, { 1, 2, 3, 4, 5, 6, 7 }, 0, { 0 } },
		{ "cell after full run", 8, 3, { 0, 6, 1 }, 0, { 0 } },
		{ "empty", 8, 0, { 0 }, 0, { 0 } },
		{ "16: run then cells", 16, 8, { 0, 0, 4, 0, 0x34, 0x12, 1, 0 }, 1,
		  { 0, 0, 0, 0, 0, 0, 0, 0, 0x34, 0x12, 1, 0 } },
		{ "16: 256-cell run overflows", 16, 4, { 0, 0, 0, 1 }, 0, { 0 } },
		{ "16: N = 0", 16, 16, { 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 5, 0, 6, 0 }, 0, { 0 } },
		{ "16: odd length", 16, 5, { 0, 0, 6, 0, 0 }, 0, { 0 } },
		{ "16: trailing lone 0", 16, 12, { 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 0, 0 }, 0, { 0 } },
		{ "16: lone 0 after all cells", 16, 14, { 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 0, 0 }, 0, { 0 } },
		{ "16: high byte only", 16, 4, { 0, 1, 0, 0 }, 0, { 0 } },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct pd_device_info info = mat_info;
		info.cell_bits = cases[c].bits;
		struct bytes b = { 0 };
		add_info(&b, &info);
		add_frame_body(&b, PMF_ENC_ZERO_RUN, cases[c].tok, cases[c].len);
		struct dec_run r;
		dec_run_cuts(&r, &pd_protocol_pmf, &no_params, b.p, b.len, NULL, 0);
		struct pd_decode_stats want = { .bytes = b.len, .packets = 2, .frames = cases[c].ok,
						.decode_errors = !cases[c].ok };
		stats_assert_equal(&r.stats, &want, cases[c].name);
		if (cases[c].ok) {
			const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
			assert_int_equal(f->cells_len, 6 * cases[c].bits / 8);
			assert_memory_equal(f->cells, cases[c].cells, f->cells_len);
		}
		dec_close(&r);
		bytes_free(&b);
	}
}

static void test_zero_run_round_trip(void **state)
{
	(void)state;
	struct pd_device_info info = mat_info;
	info.rows = 16;
	info.cols = 40; /* 640 cells: runs longer than 255 */
	uint32_t x = 99;
	for (int bits = 8; bits <= 16; bits += 8) {
		info.cell_bits = (uint8_t)bits;
		uint16_t c16[640];
		uint8_t c8[640];
		for (int i = 0; i < 640; i++) {
			x = x * 1103515245u + 12345u;
			uint16_t v = (i > 50 && i < 400) || (x >> 16) % 3 ? 0 : (uint16_t)(1 + (x >> 20) % 4000);
			c16[i] = v;
			c8[i] = (uint8_t)(v % 255 + (v ? 1 : 0));
		}
		const void *cells = bits == 8 ? (const void *)c8 : (const void *)c16;
		struct bytes b = { 0 };
		add_info(&b, &info);
		add_frame(&b, 1, 2, PMF_ENC_ZERO_RUN, cells, 640, (uint8_t)bits);
		struct dec_run r;
		dec_run_cuts(&r, &pd_protocol_pmf, &no_params, b.p, b.len, NULL, 0);
		const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
		assert_int_equal(f->cells_len, 640 * bits / 8);
		assert_memory_equal(f->cells, cells, f->cells_len); /* little-endian host */
		dec_close(&r);
		bytes_free(&b);
	}
}

static void test_frame_length_bound(void **state)
{
	(void)state;
	/* After INFO (6 one-byte cells) a FRAME longer than 16 + 12 is an
	 * impossible length: the header is dropped at once, and the packet
	 * right behind it is found. Before INFO the same header would hold
	 * the stream until 4 MiB had gone by. */
	static const uint8_t hdr[] = { 0xA5, 0x5A, PMF_FRAME, 0, 29, 0, 0, 0 };
	uint8_t c8[6] = { 1, 2, 3, 4, 5, 6 };
	struct bytes b = { 0 };
	add_info(&b, &mat_info);
	bytes_add(&b, hdr, sizeof hdr);
	add_frame(&b, 9, 9, PMF_ENC_RAW, c8, 6, 8);
	/* 28 is the bound: a zero-run frame of 12 tokens "0 1" ... is too many
	 * cells, so it is a decode error after a good CRC, not a length error. */
	uint8_t toks[12] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	add_frame_body(&b, PMF_ENC_ZERO_RUN, toks, 12);
	uint8_t toks6[12] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	add_frame_body(&b, PMF_ENC_ZERO_RUN, toks6, 12);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 4, .frames = 3, .decode_errors = 1,
					.garbage_bytes = 8, .resyncs = 1 };
	stats_assert_equal(&r.stats, &want, "frame bound");
	assert_int_equal(cap_nth(&r.cap, CAP_FRAME, 0)->seq, 9);
	dec_close(&r);
	bytes_free(&b);
}

/* ---- ROLLER ------------------------------------------------------------ */

static void test_roller(void **state)
{
	(void)state;
	uint16_t load[4] = { 100, 0, 4095, 7 };
	uint16_t load5[5] = { 0 };
	uint8_t out[256];
	struct bytes b = { 0 };
	add_info(&b, &roller_info);
	bytes_add(&b, out, pmf_encode_roller(out, sizeof out, 41, 123456789, -12345, load, 4, 16));
	bytes_add(&b, out, pmf_encode_roller(out, sizeof out, 42, 123456790, INT32_MIN, load, 4, 16));
	bytes_add(&b, out, pmf_encode_roller(out, sizeof out, 43, 0, 0, load5, 3, 16)); /* n 3 != 4 */
	add_frame(&b, 0, 0, PMF_ENC_RAW, load, 4, 16); /* a FRAME, right size, from a roller */
	/* n = 4 but one cell short */
	pmf_encode_roller(out, sizeof out, 44, 0, 0, load, 4, 16);
	uint8_t payload[64];
	memcpy(payload, out + 8, 20 + 6);
	add_raw(&b, PMF_ROLLER, payload, 20 + 6);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 6, .frames = 2, .decode_errors = 3 };
	stats_assert_equal(&r.stats, &want, "roller");
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->seq, 41);
	assert_int_equal(f->t_us, 123456789);
	assert_true(f->has_encoder);
	assert_int_equal(f->encoder, -12345);
	assert_int_equal(f->rows, 1);
	assert_int_equal(f->cols, 4);
	assert_int_equal(f->cell_bits, 16);
	assert_memory_equal(f->cells, load, 8);
	assert_int_equal(cap_nth(&r.cap, CAP_FRAME, 1)->encoder, INT32_MIN);
	dec_close(&r);

	/* A ROLLER after a mat's INFO is refused too. */
	struct bytes m = { 0 };
	add_info(&m, &mat_info);
	uint8_t l8[3] = { 1, 2, 3 };
	bytes_add(&m, out, pmf_encode_roller(out, sizeof out, 1, 1, 1, l8, 3, 8));
	dec_run_cuts(&r, &pd_protocol_pmf, &no_params, m.p, m.len, NULL, 0);
	assert_int_equal(r.stats.decode_errors, 1);
	assert_int_equal(r.stats.frames, 0);
	dec_close(&r);
	bytes_free(&m);
	bytes_free(&b);
}

/* ---- LOG, ACK, others -------------------------------------------------- */

static void test_log_ack_unknown(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	add_log(&b, 3, "sensor 4 open");
	add_log(&b, 0, "");
	add_raw(&b, PMF_LOG, "\x09too loud", 9);      /* level clamped to 7 */
	add_raw(&b, PMF_LOG, "\x06" "ab\0cd", 6);    /* cut at the NUL */
	add_raw(&b, PMF_LOG, "", 0);                   /* no level: error */
	add_ack(&b, PMF_CMD_START, 0);
	add_ack(&b, PMF_CMD_SET_RATE, 3);
	add_raw(&b, PMF_ACK, "\x02\x00\x00", 3);      /* wrong length */
	add_raw(&b, PMF_REQUEST, "\x01", 1);          /* the host's own type */
	add_raw(&b, 0x55, "xyz", 3);
	add_raw(&b, 0x00, NULL, 0);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 11, .logs = 4, .acks = 2,
					.decode_errors = 2, .unknown = 3 };
	stats_assert_equal(&r.stats, &want, "log/ack");
	assert_int_equal(r.cap.n, 6);
	const struct cap_event *e = cap_nth(&r.cap, CAP_LOG, 0);
	assert_int_equal(e->level, 3);
	assert_string_equal(e->text, "sensor 4 open");
	e = cap_nth(&r.cap, CAP_LOG, 1);
	assert_int_equal(e->level, 0);
	assert_string_equal(e->text, "");
	e = cap_nth(&r.cap, CAP_LOG, 2);
	assert_int_equal(e->level, 7);
	assert_string_equal(e->text, "too loud");
	assert_string_equal(cap_nth(&r.cap, CAP_LOG, 3)->text, "ab");
	e = cap_nth(&r.cap, CAP_ACK, 0);
	assert_int_equal(e->cmd, PMF_CMD_START);
	assert_int_equal(e->status, 0);
	e = cap_nth(&r.cap, CAP_ACK, 1);
	assert_int_equal(e->cmd, PMF_CMD_SET_RATE);
	assert_int_equal(e->status, 3);
	dec_close(&r);
	bytes_free(&b);

	/* The longest LOG is delivered whole; one byte more is impossible. */
	static char text[(64 << 10) + 1];
	memset(text, 'x', sizeof text);
	text[(64 << 10) - 1] = '\0';
	uint8_t *pk = malloc(70000);
	b = (struct bytes){ 0 };
	bytes_add(&b, pk, pmf_encode_log(pk, 70000, 6, text));            /* 64 KiB payload */
	bytes_add(&b, pk, pmf_encode_packet(pk, 70000, PMF_LOG, text, (64 << 10) + 1));
	dec_run_cuts(&r, &pd_protocol_pmf, &no_params, b.p, b.len, NULL, 0);
	assert_int_equal(r.stats.logs, 1);
	assert_int_equal(strlen(cap_nth(&r.cap, CAP_LOG, 0)->text), (64 << 10) - 1);
	assert_int_equal(r.stats.decode_errors, 1);
	dec_close(&r);
	free(pk);
	bytes_free(&b);
}

static void test_no_sink_callbacks(void **state)
{
	(void)state;
	uint8_t c8[6] = { 1, 2, 3, 4, 5, 6 };
	struct bytes b = { 0 };
	add_info(&b, &mat_info);
	add_frame(&b, 0, 0, PMF_ENC_RAW, c8, 6, 8);
	add_log(&b, 1, "x");
	add_ack(&b, 1, 0);
	struct pd_decode_stats st = { 0 };
	void *s = calloc(1, pd_protocol_pmf.state_size);
	assert_int_equal(pd_protocol_pmf.init(s, NULL, &st, NULL, 0), 0);
	struct pd_decode_sink empty = { 0 };
	pd_protocol_pmf.feed(s, b.p, b.len, NULL, &empty);
	pd_protocol_pmf.feed(s, b.p, b.len, NULL, NULL);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.logs, 2);
	assert_int_equal(st.acks, 2);
	pd_protocol_pmf.fini(s);
	free(s);
	bytes_free(&b);
}

static void test_on_open(void **state)
{
	(void)state;
	struct dec_run r;
	dec_open(&r, &pd_protocol_pmf, &no_params);
	uint8_t out[64];
	size_t n = pd_protocol_pmf.on_open(r.state, out, sizeof out);
	assert_int_equal(n, 26);
	static const uint8_t want[26] = {
		0xA5, 0x5A, 0x80, 0, 1, 0, 0, 0, PMF_CMD_GET_INFO, 0xaa, 0x2c, 0x1d, 0x5f,
		0xA5, 0x5A, 0x80, 0, 1, 0, 0, 0, PMF_CMD_START, 0x10, 0x7d, 0x14, 0xc6,
	};
	assert_memory_equal(out, want, 26);
	assert_int_equal(pd_protocol_pmf.on_open(r.state, out, 25), 0);
	assert_null(pd_protocol_pmf.after_frame);
	/* The decoder ignores its own requests echoed back. */
	dec_feed(&r, out, n);
	assert_int_equal(r.stats.unknown, 2);
	dec_close(&r);
}

static void test_geometry_change(void **state)
{
	(void)state;
	struct pd_device_info big = mat_info;
	big.rows = 32;
	big.cols = 32;
	big.cell_bits = 16;
	uint8_t c8[6] = { 1, 2, 3, 4, 5, 6 };
	uint16_t c16[1024];
	for (int i = 0; i < 1024; i++)
		c16[i] = (uint16_t)(i % 7 ? 0 : i);

	struct bytes b = { 0 };
	add_info(&b, &mat_info);
	add_frame(&b, 0, 0, PMF_ENC_ZERO_RUN, c8, 6, 8);
	add_info(&b, &mat_info); /* repeated: delivered again */
	add_info(&b, &big);
	add_frame(&b, 0, 0, PMF_ENC_ZERO_RUN, c16, 1024, 16);
	add_frame(&b, 1, 0, PMF_ENC_RAW, c8, 6, 8); /* old geometry */
	add_info(&b, &mat_info);
	add_frame(&b, 2, 0, PMF_ENC_ZERO_RUN, c8, 6, 8);

	struct dec_run r;
	dec_run_cuts(&r, &pd_protocol_pmf, &no_params, b.p, b.len, NULL, 0);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 8, .frames = 3, .decode_errors = 1 };
	stats_assert_equal(&r.stats, &want, "geometry change");
	assert_int_equal(cap_count(&r.cap, CAP_INFO), 4);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 1);
	assert_int_equal(f->rows, 32);
	assert_int_equal(f->cells_len, 2048);
	assert_memory_equal(f->cells, c16, 2048);
	assert_memory_equal(cap_nth(&r.cap, CAP_FRAME, 2)->cells, c8, 6);
	dec_close(&r);
	bytes_free(&b);
}

/* A whole session with garbage, broken packets and everything else; rx
 * times are those of the read that completed each frame. */
static void test_session_split_invariant(void **state)
{
	(void)state;
	uint8_t c8[6] = { 1, 0, 0, 0, 5, 6 };
	struct bytes b = { 0 };
	bytes_str(&b, "boot garbage\r\n");
	add_log(&b, 6, "hello");
	add_frame(&b, 0, 0, PMF_ENC_RAW, c8, 6, 8); /* before INFO */
	add_info(&b, &mat_info);
	add_ack(&b, PMF_CMD_START, 0);
	for (uint32_t i = 0; i < 6; i++) {
		size_t at = b.len;
		add_frame(&b, i, 1000 * i, i % 2 ? PMF_ENC_RAW : PMF_ENC_ZERO_RUN, c8, 6, 8);
		if (i == 2)
			b.p[b.len - 1] ^= 0xFF; /* bad CRC */
		if (i == 4)
			b.len = at + 10; /* cut short: the next packets are found later */
	}
	bytes_add(&b, "\xA5\x5A\x02\x00\xFF\xFF\x00\x00", 8); /* impossible length */
	add_log(&b, 2, "bye");
	for (uint32_t i = 6; i < 9; i++)
		add_frame(&b, i, 1000 * i, PMF_ENC_RAW, c8, 6, 8);

	struct dec_run r;
	dec_assert_split_invariant(&r, &pd_protocol_pmf, &no_params, b.p, b.len);
	/* Frames 1, 3, 5 (the cut-short 4 swallows nothing but itself), 0, 6..8 */
	assert_int_equal(r.stats.frames, 7);
	assert_int_equal(r.stats.crc_errors, 2);
	assert_int_equal(r.stats.decode_errors, 2);
	assert_int_equal(r.stats.logs, 2);
	assert_int_equal(r.stats.acks, 1);
	assert_int_equal(r.stats.resyncs, 4);
	assert_int_equal(r.stats.garbage_bytes, 14 + (12 + 16 + 5) + 10 + 8);
	dec_close(&r);

	/* The rx time of a frame is that of the feed that completed it. */
	dec_open(&r, &pd_protocol_pmf, &no_params);
	struct bytes one = { 0 };
	add_info(&one, &mat_info);
	add_frame(&one, 0, 0, PMF_ENC_RAW, c8, 6, 8);
	dec_feed(&r, one.p, one.len - 1);
	dec_feed(&r, one.p + one.len - 1, 1);
	const struct cap_event *f = cap_nth(&r.cap, CAP_FRAME, 0);
	assert_int_equal(f->rx.mono_ns, 1001000000);
	assert_int_equal(f->rx.utc_ns, 1700000000000000000 + 1001000000);
	dec_close(&r);
	bytes_free(&one);
	bytes_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_info_round_trip),
		cmocka_unit_test(test_info_refused),
		cmocka_unit_test(test_frames_before_info),
		cmocka_unit_test(test_raw_frames),
		cmocka_unit_test(test_zero_run),
		cmocka_unit_test(test_zero_run_round_trip),
		cmocka_unit_test(test_frame_length_bound),
		cmocka_unit_test(test_roller),
		cmocka_unit_test(test_log_ack_unknown),
		cmocka_unit_test(test_no_sink_callbacks),
		cmocka_unit_test(test_on_open),
		cmocka_unit_test(test_geometry_change),
		cmocka_unit_test(test_session_split_invariant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
