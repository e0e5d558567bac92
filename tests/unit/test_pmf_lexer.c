/* pmf packet lexer and encoders: framing, CRC, resynchronisation and the
 * exact counters (pmf.h), independent of how the bytes are split. */
#include "decoder_capture.h"
#include "pmf/pmf.h"

/* ---- a lexer run that records its packets ------------------------------ */

struct pkt {
	uint8_t type;
	uint32_t len;
	uint8_t *payload;
};

struct lx_run {
	struct pmf_lexer lx;
	struct pd_decode_stats st;
	struct pkt *pk;
	size_t n;
	uint32_t frame_max; /* max_len for FRAME; 0: no max_len callback */
};

static void on_packet(void *ctx, uint8_t type, const uint8_t *payload, uint32_t len)
{
	struct lx_run *r = ctx;
	r->pk = realloc(r->pk, (r->n + 1) * sizeof *r->pk);
	assert_non_null(r->pk);
	struct pkt *p = &r->pk[r->n++];
	p->type = type;
	p->len = len;
	p->payload = malloc(len + 1);
	assert_non_null(p->payload);
	memcpy(p->payload, payload, len);
}

static uint32_t max_len(void *ctx, uint8_t type)
{
	const struct lx_run *r = ctx;
	if (type == PMF_FRAME)
		return r->frame_max;
	if (type == 0x77)
		return 0xFFFFFFFFu; /* more than PMF_MAX_PAYLOAD: clamped */
	return 64;
}

static void lx_open(struct lx_run *r, uint32_t frame_max)
{
	memset(r, 0, sizeof *r);
	r->frame_max = frame_max;
	assert_int_equal(pmf_lexer_init(&r->lx, &r->st, on_packet, frame_max ? max_len : NULL, r), 0);
}

static void lx_close(struct lx_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->pk[i].payload);
	free(r->pk);
	pmf_lexer_fini(&r->lx);
}

static void lx_run_cuts(struct lx_run *r, uint32_t frame_max, const uint8_t *d, size_t len,
			const size_t *cuts, size_t ncuts)
{
	size_t at = 0;
	lx_open(r, frame_max);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		pmf_lexer_feed(&r->lx, d + at, end - at);
		at = end;
	}
}

static size_t held(const struct lx_run *r)
{
	return r->lx.len - r->lx.start;
}

static uint64_t good_bytes(const struct lx_run *r)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += pmf_packet_size(r->pk[i].len);
	return n;
}

static void lx_assert_same(const struct lx_run *a, const struct lx_run *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu packets vs %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++)
		if (a->pk[i].type != b->pk[i].type || a->pk[i].len != b->pk[i].len ||
		    memcmp(a->pk[i].payload, b->pk[i].payload, a->pk[i].len))
			fail_msg("%s: packet %zu differs", what, i);
	stats_assert_equal(&a->st, &b->st, what);
	assert_int_equal(held(a), held(b));
}

/* Whole, split in two at every offset, and byte by byte: same result, and
 * every byte is accounted for. Returns the whole run in *whole. */
static void lx_assert_split_invariant(struct lx_run *whole, uint32_t frame_max, const uint8_t *d, size_t len)
{
	char what[64];
	lx_run_cuts(whole, frame_max, d, len, NULL, 0);
	assert_int_equal(whole->st.bytes, whole->st.garbage_bytes + good_bytes(whole) + held(whole));
	for (size_t k = 0; k <= len; k++) {
		struct lx_run r;
		lx_run_cuts(&r, frame_max, d, len, &k, 1);
		snprintf(what, sizeof what, "split at %zu", k);
		lx_assert_same(whole, &r, what);
		lx_close(&r);
	}
	struct lx_run r;
	lx_open(&r, frame_max);
	for (size_t i = 0; i < len; i++)
		pmf_lexer_feed(&r.lx, d + i, 1);
	lx_assert_same(whole, &r, "byte at a time");
	lx_close(&r);
}

/* ---- stream building --------------------------------------------------- */

/* Payload bytes stay below 0xA0, so they never look like a sync byte. */
static size_t add_packet(struct bytes *b, uint8_t type, uint32_t len, uint8_t seed)
{
	uint8_t *payload = malloc(len + 1);
	uint8_t *pk = malloc(pmf_packet_size(len));
	assert_non_null(payload);
	assert_non_null(pk);
	for (uint32_t i = 0; i < len; i++)
		payload[i] = (uint8_t)((seed + i * 7u) % 0xA0);
	size_t n = pmf_encode_packet(pk, pmf_packet_size(len), type, payload, len);
	assert_int_equal(n, pmf_packet_size(len));
	bytes_add(b, pk, n);
	free(payload);
	free(pk);
	return n;
}

static void assert_payload(const struct pkt *p, uint8_t type, uint32_t len, uint8_t seed)
{
	assert_int_equal(p->type, type);
	assert_int_equal(p->len, len);
	for (uint32_t i = 0; i < len; i++)
		if (p->payload[i] != (uint8_t)((seed + i * 7u) % 0xA0))
			fail_msg("payload byte %u", i);
}

/* ---- tests ------------------------------------------------------------- */

static void test_clean_packets(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	static const struct { uint8_t type; uint32_t len; } pk[] = {
		{ PMF_INFO, 128 }, { PMF_FRAME, 40 }, { PMF_LOG, 10 },
		{ PMF_ACK, 2 }, { 0x7f, 0 }, { PMF_ROLLER, 1000 },
	};
	for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++)
		add_packet(&b, pk[i].type, pk[i].len, (uint8_t)i);

	struct lx_run r;
	lx_assert_split_invariant(&r, 0, b.p, b.len);
	assert_int_equal(r.n, 6);
	for (size_t i = 0; i < r.n; i++)
		assert_payload(&r.pk[i], pk[i].type, pk[i].len, (uint8_t)i);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 6 };
	stats_assert_equal(&r.st, &want, "clean");
	assert_int_equal(held(&r), 0);
	lx_close(&r);
	bytes_free(&b);
}

static void test_known_answer(void **state)
{
	(void)state;
	/* CRC-32 of 81 00 02 00 00 00 02 00 by Python's zlib.crc32. */
	static const uint8_t want[] = { 0xA5, 0x5A, 0x81, 0x00, 0x02, 0x00, 0x00, 0x00,
					0x02, 0x00, 0xa4, 0x99, 0x4d, 0x85 };
	uint8_t out[32];
	assert_int_equal(pmf_encode_ack(out, sizeof out, PMF_CMD_START, 0), sizeof want);
	assert_memory_equal(out, want, sizeof want);
}

static void test_garbage_before_between_after(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	bytes_str(&b, "xyz");                        /* 3 */
	add_packet(&b, PMF_LOG, 20, 1);
	bytes_add(&b, "\x01\xA5\x00\xA5\x02", 5);    /* 5, two lone sync bytes */
	add_packet(&b, PMF_ACK, 2, 2);
	add_packet(&b, PMF_ACK, 2, 3);
	bytes_add(&b, "\x01\x02", 2);                /* 2 */
	bytes_add(&b, "\xA5", 1);                    /* held: may start a packet */

	struct lx_run r;
	lx_assert_split_invariant(&r, 0, b.p, b.len);
	assert_int_equal(r.n, 3);
	assert_payload(&r.pk[0], PMF_LOG, 20, 1);
	assert_payload(&r.pk[1], PMF_ACK, 2, 2);
	assert_payload(&r.pk[2], PMF_ACK, 2, 3);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 3, .garbage_bytes = 10, .resyncs = 3 };
	stats_assert_equal(&r.st, &want, "garbage");
	assert_int_equal(held(&r), 1);
	lx_close(&r);
	bytes_free(&b);
}

static void test_bad_crc_drops_only_that_packet(void **state)
{
	(void)state;
	static const struct { const char *name; size_t flip; } cases[] = {
		{ "crc byte", 8 + 30 + 1 },
		{ "payload byte", 8 + 5 },
		{ "type byte", 2 },
		{ "length byte", 4 }, /* 30 -> 31: the CRC is read one byte later */
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct bytes b = { 0 };
		add_packet(&b, PMF_LOG, 10, 1);
		size_t at = b.len;
		size_t bad = add_packet(&b, PMF_LOG, 30, 2);
		b.p[at + cases[c].flip] ^= 0x01;
		add_packet(&b, PMF_LOG, 12, 3);
		add_packet(&b, PMF_ACK, 2, 4);

		struct lx_run r;
		lx_assert_split_invariant(&r, 0, b.p, b.len);
		assert_int_equal(r.n, 3);
		assert_payload(&r.pk[0], PMF_LOG, 10, 1);
		assert_payload(&r.pk[1], PMF_LOG, 12, 3);
		assert_payload(&r.pk[2], PMF_ACK, 2, 4);
		struct pd_decode_stats want = { .bytes = b.len, .packets = 3, .crc_errors = 1,
						.garbage_bytes = bad, .resyncs = 1 };
		stats_assert_equal(&r.st, &want, cases[c].name);
		lx_close(&r);
		bytes_free(&b);
	}
}

static void test_impossible_length(void **state)
{
	(void)state;
	static const uint8_t too_long_frame[] = { 0xA5, 0x5A, PMF_FRAME, 0, 0xe9, 0x03, 0, 0 };   /* 1001 > 1000 */
	static const uint8_t over_max[] = { 0xA5, 0x5A, 0x77, 0, 0x01, 0x00, 0x40, 0x00 };       /* 4 MiB + 1 */
	static const uint8_t small_type[] = { 0xA5, 0x5A, PMF_ACK, 0, 65, 0, 0, 0 };              /* 65 > 64 */
	struct bytes b = { 0 };
	bytes_add(&b, too_long_frame, sizeof too_long_frame);
	add_packet(&b, PMF_FRAME, 1000, 1); /* exactly the bound: fine */
	bytes_add(&b, over_max, sizeof over_max);
	bytes_add(&b, small_type, sizeof small_type);
	add_packet(&b, PMF_ACK, 2, 2);

	struct lx_run r;
	lx_assert_split_invariant(&r, 1000, b.p, b.len);
	assert_int_equal(r.n, 2);
	assert_payload(&r.pk[0], PMF_FRAME, 1000, 1);
	assert_payload(&r.pk[1], PMF_ACK, 2, 2);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 2, .decode_errors = 3,
					.garbage_bytes = 24, .resyncs = 2 };
	stats_assert_equal(&r.st, &want, "impossible length");
	lx_close(&r);

	/* Without max_len the bound is PMF_MAX_PAYLOAD. */
	lx_run_cuts(&r, 0, over_max, sizeof over_max, NULL, 0);
	assert_int_equal(r.st.decode_errors, 1);
	assert_int_equal(r.st.garbage_bytes, 8);
	lx_close(&r);
	bytes_free(&b);
}

static void test_packet_hidden_after_false_sync(void **state)
{
	(void)state;
	struct bytes real = { 0 };
	size_t real_len = add_packet(&real, PMF_LOG, 25, 9);

	/* A header whose length makes its CRC the last 4 bytes of the real
	 * packet: the false candidate swallows it whole before failing. */
	uint32_t l = (uint32_t)real_len - 4;
	uint8_t false_hdr[] = { 0xA5, 0x5A, PMF_LOG, 0, (uint8_t)l, (uint8_t)(l >> 8), 0, 0 };
	struct bytes b = { 0 };
	bytes_add(&b, false_hdr, sizeof false_hdr);
	bytes_add(&b, real.p, real.len);
	add_packet(&b, PMF_ACK, 2, 1);

	struct lx_run r;
	lx_assert_split_invariant(&r, 1000, b.p, b.len);
	assert_int_equal(r.n, 2);
	assert_payload(&r.pk[0], PMF_LOG, 25, 9);
	struct pd_decode_stats want = { .bytes = b.len, .packets = 2, .crc_errors = 1,
					.garbage_bytes = 8, .resyncs = 1 };
	stats_assert_equal(&r.st, &want, "false sync");
	lx_close(&r);
	bytes_free(&b);

	/* A truncated packet (the device reset mid-packet): the next packets
	 * are found once the broken one's length has gone by. */
	b = (struct bytes){ 0 };
	struct bytes cut = { 0 };
	add_packet(&cut, PMF_LOG, 60, 5);
	bytes_add(&b, cut.p, 10);
	add_packet(&b, PMF_LOG, 40, 6);
	add_packet(&b, PMF_LOG, 40, 7);
	add_packet(&b, PMF_ACK, 2, 8);
	lx_assert_split_invariant(&r, 1000, b.p, b.len);
	assert_int_equal(r.n, 3);
	assert_payload(&r.pk[0], PMF_LOG, 40, 6);
	assert_payload(&r.pk[1], PMF_LOG, 40, 7);
	want = (struct pd_decode_stats){ .bytes = b.len, .packets = 3, .crc_errors = 1,
					 .garbage_bytes = 10, .resyncs = 1 };
	stats_assert_equal(&r.st, &want, "truncated packet");
	lx_close(&r);
	bytes_free(&b);
	bytes_free(&cut);

	/* A stray sync byte right before a packet. */
	b = (struct bytes){ 0 };
	bytes_add(&b, "\xA5", 1);
	add_packet(&b, PMF_ACK, 2, 1);
	lx_assert_split_invariant(&r, 1000, b.p, b.len);
	assert_int_equal(r.n, 1);
	want = (struct pd_decode_stats){ .bytes = b.len, .packets = 1, .garbage_bytes = 1, .resyncs = 1 };
	stats_assert_equal(&r.st, &want, "stray sync");
	lx_close(&r);
	bytes_free(&b);
	bytes_free(&real);
}

/* The stream ends while a lying header still waits for its length: what
 * it held back is scanned again, so the packets behind it are not lost
 * with the connection (pmf_lexer_finish). */
static void test_finish_releases_packets_behind_a_lying_header(void **state)
{
	(void)state;
	uint8_t liar[] = { 0xA5, 0x5A, PMF_FRAME, 0, 0x00, 0x02, 0, 0 }; /* says 512 bytes: never come */
	struct bytes b = { 0 };
	bytes_add(&b, liar, sizeof liar);
	add_packet(&b, PMF_LOG, 40, 3);
	add_packet(&b, PMF_ACK, 2, 4);
	bytes_add(&b, "\xA5\x5A\x02", 3); /* and a real packet cut short by the unplug */

	struct lx_run r;
	lx_run_cuts(&r, 1000, b.p, b.len, NULL, 0);
	assert_int_equal(r.n, 0); /* all held by the liar */
	assert_int_equal(held(&r), b.len);
	pmf_lexer_finish(&r.lx);
	assert_int_equal(r.n, 2);
	assert_payload(&r.pk[0], PMF_LOG, 40, 3);
	assert_payload(&r.pk[1], PMF_ACK, 2, 4);
	assert_int_equal(held(&r), 0);
	/* the liar and the cut packet: one decode error each, their bytes garbage */
	struct pd_decode_stats want = { .bytes = b.len, .packets = 2, .decode_errors = 2,
					.garbage_bytes = sizeof liar + 3, .resyncs = 2 };
	stats_assert_equal(&r.st, &want, "finish");
	pmf_lexer_finish(&r.lx); /* again: nothing left, nothing counted */
	stats_assert_equal(&r.st, &want, "finish twice");
	lx_close(&r);
	bytes_free(&b);
}

static void test_large_packet_and_held_bytes(void **state)
{
	(void)state;
	struct bytes b = { 0 };
	add_packet(&b, PMF_FRAME, 300000, 3);
	struct lx_run r;
	lx_run_cuts(&r, 0, b.p, b.len, NULL, 0);
	assert_int_equal(r.n, 1);
	assert_payload(&r.pk[0], PMF_FRAME, 300000, 3);
	assert_true(r.lx.cap >= pmf_packet_size(300000));
	lx_close(&r);

	/* A header claiming 3 MiB holds what follows until that much has
	 * arrived; nothing is lost or double-counted meanwhile. */
	static const uint8_t big[] = { 0xA5, 0x5A, PMF_FRAME, 0, 0, 0, 0x30, 0 };
	struct bytes s = { 0 };
	bytes_add(&s, big, sizeof big);
	add_packet(&s, PMF_ACK, 2, 1);
	lx_run_cuts(&r, 0, s.p, s.len, NULL, 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(held(&r), s.len);
	assert_int_equal(r.st.garbage_bytes, 0);
	lx_close(&r);
	/* With a bound from max_len it is an impossible length at once. */
	lx_run_cuts(&r, 1000, s.p, s.len, NULL, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st.decode_errors, 1);
	lx_close(&r);
	bytes_free(&s);
	bytes_free(&b);
}

static unsigned rnd(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) & 0x7fff;
}

/* Pseudo-random packets, garbage and corruption: the byte accounting
 * holds and splitting never matters. */
static void test_random_streams(void **state)
{
	(void)state;
	uint32_t x = 12345;
#define RND() rnd(&x)
	for (int round = 0; round < 6; round++) {
		struct bytes b = { 0 };
		for (int i = 0; i < 12; i++) {
			unsigned what = RND() % 4;
			if (what == 0) {
				for (unsigned k = RND() % 20; k; k--) {
					uint8_t g = (uint8_t)RND();
					bytes_add(&b, &g, 1);
				}
			} else {
				size_t at = b.len;
				uint32_t len = RND() % 60;
				uint8_t seed = (uint8_t)RND();
				size_t n = add_packet(&b, what == 1 ? PMF_FRAME : PMF_LOG, len, seed);
				if (RND() % 4 == 0) {
					size_t pos = at + RND() % n;
					b.p[pos] ^= (uint8_t)(1 + RND() % 255);
				}
			}
		}
		struct lx_run r;
		lx_assert_split_invariant(&r, 200, b.p, b.len);
		lx_close(&r);
		bytes_free(&b);
	}
#undef RND
}

/* ---- encoders ---------------------------------------------------------- */

static struct lx_run decode_one(const uint8_t *p, size_t n)
{
	struct lx_run r;
	lx_run_cuts(&r, 0, p, n, NULL, 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.st.garbage_bytes, 0);
	return r;
}

static void test_encode_frame(void **state)
{
	(void)state;
	uint8_t out[4096];
	uint8_t cells8[6] = { 1, 2, 0, 0, 0, 9 };
	size_t n = pmf_encode_frame(out, sizeof out, 7, 0x1122334455667788ull, PMF_ENC_RAW, cells8, 6, 8);
	assert_int_equal(n, pmf_packet_size(16 + 6));
	struct lx_run r = decode_one(out, n);
	static const uint8_t hdr[16] = { 7, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0 };
	assert_memory_equal(r.pk[0].payload, hdr, 16);
	assert_memory_equal(r.pk[0].payload + 16, cells8, 6);
	lx_close(&r);

	n = pmf_encode_frame(out, sizeof out, 7, 0, PMF_ENC_ZERO_RUN, cells8, 6, 8);
	r = decode_one(out, n);
	static const uint8_t zr8[] = { 1, 2, 0, 3, 9 };
	assert_int_equal(r.pk[0].len, 16 + sizeof zr8);
	assert_int_equal(r.pk[0].payload[12], PMF_ENC_ZERO_RUN);
	assert_memory_equal(r.pk[0].payload + 16, zr8, sizeof zr8);
	lx_close(&r);

	/* Runs longer than a token can count are split. */
	uint8_t zeros[600] = { 0 };
	n = pmf_encode_frame(out, sizeof out, 0, 0, PMF_ENC_ZERO_RUN, zeros, 600, 8);
	r = decode_one(out, n);
	static const uint8_t zr600[] = { 0, 255, 0, 255, 0, 90 };
	assert_int_equal(r.pk[0].len, 16 + sizeof zr600);
	assert_memory_equal(r.pk[0].payload + 16, zr600, sizeof zr600);
	lx_close(&r);

	uint16_t c16[4] = { 0x0102, 0, 0, 0xFFFF };
	n = pmf_encode_frame(out, sizeof out, 0, 0, PMF_ENC_ZERO_RUN, c16, 4, 16);
	r = decode_one(out, n);
	static const uint8_t zr16[] = { 0x02, 0x01, 0, 0, 2, 0, 0xFF, 0xFF };
	assert_int_equal(r.pk[0].len, 16 + sizeof zr16);
	assert_memory_equal(r.pk[0].payload + 16, zr16, sizeof zr16);
	lx_close(&r);

	size_t big_n = 70000;
	uint16_t *big = calloc(big_n, 2);
	uint8_t *bigout = malloc(1 << 20);
	n = pmf_encode_frame(bigout, 1 << 20, 0, 0, PMF_ENC_ZERO_RUN, big, big_n, 16);
	r = decode_one(bigout, n);
	static const uint8_t zr70k[] = { 0, 0, 0xFF, 0xFF, 0, 0, 0x71, 0x11 }; /* 65535 + 4465 */
	assert_int_equal(r.pk[0].len, 16 + sizeof zr70k);
	assert_memory_equal(r.pk[0].payload + 16, zr70k, sizeof zr70k);
	lx_close(&r);
	free(big);
	free(bigout);

	/* Refusals. */
	assert_int_equal(pmf_encode_frame(out, sizeof out, 0, 0, PMF_ENC_RAW, cells8, 6, 12), 0);
	assert_int_equal(pmf_encode_frame(out, sizeof out, 0, 0, (enum pmf_encoding)7, cells8, 6, 8), 0);
	assert_int_equal(pmf_encode_frame(out, pmf_packet_size(16 + 6) - 1, 0, 0, PMF_ENC_RAW, cells8, 6, 8), 0);
	assert_int_equal(pmf_encode_frame(out, pmf_packet_size(16 + 4), 0, 0, PMF_ENC_ZERO_RUN, cells8, 6, 8), 0);
	assert_int_equal(pmf_encode_frame(out, pmf_packet_size(16 + 5), 0, 0, PMF_ENC_ZERO_RUN, cells8, 6, 8),
			 pmf_packet_size(16 + 5));
}

static void test_encode_others(void **state)
{
	(void)state;
	uint8_t out[512];

	uint16_t load[3] = { 10, 0, 0xABCD };
	size_t n = pmf_encode_roller(out, sizeof out, 3, 1000, -12345, load, 3, 16);
	assert_int_equal(n, pmf_packet_size(20 + 6));
	struct lx_run r = decode_one(out, n);
	static const uint8_t roller[] = { 3, 0, 0, 0, 0xe8, 0x03, 0, 0, 0, 0, 0, 0,
					  0xc7, 0xcf, 0xff, 0xff, 3, 0, 0, 0,
					  10, 0, 0, 0, 0xcd, 0xab };
	assert_int_equal(r.pk[0].type, PMF_ROLLER);
	assert_int_equal(r.pk[0].len, sizeof roller);
	assert_memory_equal(r.pk[0].payload, roller, sizeof roller);
	lx_close(&r);
	assert_int_equal(pmf_encode_roller(out, n - 1, 3, 1000, -1, load, 3, 16), 0);

	n = pmf_encode_log(out, sizeof out, 4, "hello");
	r = decode_one(out, n);
	assert_int_equal(r.pk[0].type, PMF_LOG);
	assert_int_equal(r.pk[0].len, 6);
	assert_memory_equal(r.pk[0].payload, "\x04hello", 6);
	lx_close(&r);
	assert_int_equal(pmf_encode_log(out, sizeof out, 8, "x"), 0);
	assert_int_equal(pmf_encode_log(out, sizeof out, -1, "x"), 0);
	assert_int_equal(pmf_encode_log(out, pmf_packet_size(6) - 1, 4, "hello"), 0);

	uint8_t rate[2] = { 100, 0 };
	n = pmf_encode_request(out, sizeof out, PMF_CMD_SET_RATE, rate, 2);
	r = decode_one(out, n);
	assert_int_equal(r.pk[0].type, PMF_REQUEST);
	assert_int_equal(r.pk[0].len, 3);
	assert_memory_equal(r.pk[0].payload, "\x04\x64\x00", 3);
	lx_close(&r);
	static const uint8_t get_info[] = { 0xA5, 0x5A, 0x80, 0, 1, 0, 0, 0, 1, 0xaa, 0x2c, 0x1d, 0x5f };
	assert_int_equal(pmf_encode_request(out, sizeof out, PMF_CMD_GET_INFO, NULL, 0), sizeof get_info);
	assert_memory_equal(out, get_info, sizeof get_info);
	assert_int_equal(pmf_encode_request(out, 12, PMF_CMD_GET_INFO, NULL, 0), 0);

	assert_int_equal(pmf_encode_ack(out, 13, 1, 0), 0);
	assert_int_equal(pmf_encode_packet(out, sizeof out, 0x42, NULL, 0), 12);
	assert_int_equal(pmf_encode_packet(out, sizeof out, 0x42, NULL, 3), 0);
	assert_int_equal(pmf_encode_packet(out, 11, 0x42, NULL, 0), 0);

	struct pd_device_info info = { .protocol_version = 1, .kind = 1, .cell_bits = 8, .rows = 2, .cols = 2 };
	n = pmf_encode_info(out, sizeof out, &info);
	assert_int_equal(n, pmf_packet_size(128));
	assert_int_equal(pmf_encode_info(out, n - 1, &info), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_packets),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_garbage_before_between_after),
		cmocka_unit_test(test_bad_crc_drops_only_that_packet),
		cmocka_unit_test(test_impossible_length),
		cmocka_unit_test(test_packet_hidden_after_false_sync),
		cmocka_unit_test(test_finish_releases_packets_behind_a_lying_header),
		cmocka_unit_test(test_large_packet_and_held_bytes),
		cmocka_unit_test(test_random_streams),
		cmocka_unit_test(test_encode_frame),
		cmocka_unit_test(test_encode_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
