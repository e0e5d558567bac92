/* libFuzzer target: the recording library's own compression (codec.c's
 * shuffle + deflate, deflate.c's run/Huffman encoder) against zlib's
 * inflate: whatever the bytes, the stream must decode to exactly what went
 * in (shuffled as HDF5's shuffle filter does), since HDF5's stock deflate
 * filter is what reads the files back.
 *
 * An input is
 *   byte 0   element size 1 + (b % 16); codec level b >> 4 (10..15: 0,
 *            deflate.c's encoder, the one pressd uses by default)
 *   byte 1   planes for a direct pd_deflate_planes call: 1 + (b % 8)
 *   byte 2   output room: < 128 the full pd_codec_bound, else that
 *            bound × (b - 128) / 128 (exercises the overflow paths)
 *   the rest the data
 * Output buffers are allocated at exactly the room given, so ASan sees
 * any write past it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "rec_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* HDF5's shuffle filter, written again from its definition (byte j of
 * element i goes to j × nelem + i; trailing bytes stay; fewer than two
 * elements: untouched), independently of codec.c's. */
static void ref_shuffle(uint8_t *out, const uint8_t *in, size_t n, size_t elem)
{
	size_t ne = n / elem;
	memcpy(out, in, n);
	if (elem < 2 || ne < 2)
		return;
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < elem; j++)
			out[j * ne + i] = in[i * elem + j];
}

/* The zlib stream z (len bytes) inflates to exactly want (n bytes). */
static void must_inflate_to(const uint8_t *z, size_t len, const uint8_t *want, size_t n, const char *what)
{
	uint8_t *got = xmalloc(n + 1); /* one spare byte: an overlong stream shows as a size mismatch */
	uLongf got_len = n + 1;
	int rc = uncompress(got, &got_len, z, len);
	if (rc != Z_OK || got_len != n || memcmp(got, want, n) != 0) {
		fprintf(stderr, "%s: zlib says %d, %lu bytes for %zu\n", what, rc, (unsigned long)got_len, n);
		abort();
	}
	free(got);
}

static void check_codec(const uint8_t *in, size_t n, size_t elem, int level, size_t cap, int full)
{
	struct pd_codec *c = pd_codec_new(level, n);
	if (!c)
		abort();
	uint8_t *out = xmalloc(cap);
	size_t len = pd_codec_encode(c, in, n, elem, out, cap);
	if (len > cap || (full && len == 0)) {
		fprintf(stderr, "codec level %d: %zu bytes for room %zu (bound: %d)\n", level, len, cap, full);
		abort();
	}
	if (len) {
		uint8_t *want = xmalloc(n);
		ref_shuffle(want, in, n, elem);
		must_inflate_to(out, len, want, n, "pd_codec_encode");
		free(want);
	}
	free(out);
	pd_codec_free(c);
}

static void check_planes(const uint8_t *in, size_t n, size_t planes, size_t cap)
{
	/* tokens: room for n / planes + 1, as the header asks (n when the
	 * planes do not divide n: then it is one plane). */
	size_t per = n % planes ? n : n / planes;
	uint16_t *tokens = xmalloc((per + 1) * sizeof *tokens);
	uint8_t *out = xmalloc(cap);
	size_t len = pd_deflate_planes(in, n, planes, out, cap, tokens);
	if (len > cap)
		abort();
	if (len)
		must_inflate_to(out, len, in, n, "pd_deflate_planes");
	free(out);
	free(tokens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t elem = 1 + data[0] % 16u;
	int level = data[0] >> 4 <= 9 ? data[0] >> 4 : 0;
	size_t planes = 1 + data[1] % 8u;
	size_t n = size - 3;
	/* A copy of exactly the data, so ASan sees an overread. */
	uint8_t *in = xmalloc(n);
	memcpy(in, data + 3, n);
	size_t bound = pd_codec_bound(n);
	int full = data[2] < 128;
	size_t cap = full ? bound : bound * (size_t)(data[2] - 128) / 128;
	check_codec(in, n, elem, level, cap, full);
	check_planes(in, n, planes, cap);
	free(in);
	return 0;
}
