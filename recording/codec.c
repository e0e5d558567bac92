/* The chunks' filters, applied here rather than by HDF5: the bytes are
 * exactly what HDF5's stock shuffle and deflate filters store (a byte
 * transpose by element size, then a zlib stream), so any HDF5 reader
 * decodes them, but we choose how they are made:
 *   - by default deflate.c's encoder (runs and per-plane Huffman codes,
 *     made for shuffled sensor data: about 2.3× libdeflate level 1's
 *     speed at a 14 % better ratio on pressure frames);
 *   - with an explicit level 1..9, a general-purpose deflate at that
 *     level: libdeflate when the build found it, else zlib.
 * bench/bench_recording.c has the figures. Nothing here allocates after
 * pd_codec_new.
 *
 * And the way back, for the reader (pd_decoder): inflate (libdeflate when
 * the build found it: 95 µs for a 40 KiB chunk of 64 × 64 frames where
 * zlib takes 210; else zlib), then unshuffle. HDF5's filter pipeline would
 * add its byte-at-a-time unshuffle and a copy out of its chunk cache to
 * zlib's inflate: a third of what the reader cost before (see
 * docs/performance.md, the one-hour report). */
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

#ifdef PD_HAVE_LIBDEFLATE
#include <libdeflate.h>
#else
#include <zlib.h>
#endif

struct pd_codec {
	int level;         /* 0: deflate.c */
	uint8_t *shuffled; /* max_chunk_bytes */
	uint16_t *tokens;  /* deflate.c's scratch: max_chunk_bytes + 1 */
#ifdef PD_HAVE_LIBDEFLATE
	struct libdeflate_compressor *z;
#endif
};

struct pd_codec *pd_codec_new(int level, size_t max_chunk_bytes)
{
	struct pd_codec *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->level = level;
	c->shuffled = malloc(max_chunk_bytes ? max_chunk_bytes : 1);
	bool ok = c->shuffled != NULL;
	if (level == 0) {
		c->tokens = malloc((max_chunk_bytes + 1) * sizeof *c->tokens);
		ok = ok && c->tokens;
	}
#ifdef PD_HAVE_LIBDEFLATE
	/* Also deflate.c's fallback. */
	c->z = libdeflate_alloc_compressor(level ? level : 1);
	ok = ok && c->z;
#endif
	if (!ok) {
		pd_codec_free(c);
		return NULL;
	}
	return c;
}

void pd_codec_free(struct pd_codec *c)
{
	if (!c)
		return;
#ifdef PD_HAVE_LIBDEFLATE
	if (c->z)
		libdeflate_free_compressor(c->z);
#endif
	free(c->tokens);
	free(c->shuffled);
	free(c);
}

size_t pd_codec_bound(size_t n)
{
	/* zlib's compressBound, plus stored-block overhead (5 bytes a 64 KiB)
	 * for libdeflate; deflate.c needs at most n + n/8 + a few hundred
	 * bytes of block headers a plane (codes of up to 9 bits a literal
	 * in the worst case: see pd_codec_encode). */
	return n + (n >> 3) + 5 * (n / 65535 + 1) + 8 * 320 + 64;
}

/* HDF5's shuffle: byte j of element i goes to j × nelem + i. Bytes past
 * the last whole element (never, for our chunks) would stay in place. */
static void shuffle(uint8_t *restrict out, const uint8_t *restrict in, size_t n, size_t elem)
{
	size_t ne = n / elem;
	if (elem == 2) {
		for (size_t i = 0; i < ne; i++) {
			out[i] = in[2 * i];
			out[ne + i] = in[2 * i + 1];
		}
	} else {
		for (size_t j = 0; j < elem; j++) {
			uint8_t *o = out + j * ne;
			const uint8_t *p = in + j;
			for (size_t i = 0; i < ne; i++)
				o[i] = p[i * elem];
		}
	}
	memcpy(out + ne * elem, in + ne * elem, n - ne * elem);
}

size_t pd_codec_encode(struct pd_codec *c, const void *in, size_t n, size_t elem, void *out, size_t cap)
{
	const void *src = in;
	size_t planes = 1;
	/* The shuffle filter leaves one-byte elements as they are. */
	if (elem > 1 && n > elem) {
		shuffle(c->shuffled, in, n, elem);
		src = c->shuffled;
		if (n % elem == 0)
			planes = elem;
	}
	if (c->level == 0) {
		/* Only if cap was too small (incompressible data under a
		 * length-limited code): then a general-purpose encoder. */
		size_t len = pd_deflate_planes(src, n, planes, out, cap, c->tokens);
		if (len)
			return len;
	}
#ifdef PD_HAVE_LIBDEFLATE
	return libdeflate_zlib_compress(c->z, src, n, out, cap);
#else
	uLongf len = cap;
	if (compress2(out, &len, src, n, c->level ? c->level : 1) != Z_OK)
		return 0;
	return len;
#endif
}

struct pd_decoder {
	uint8_t *shuffled; /* max_chunk_bytes */
#ifdef PD_HAVE_LIBDEFLATE
	struct libdeflate_decompressor *z;
#endif
};

struct pd_decoder *pd_decoder_new(size_t max_chunk_bytes)
{
	struct pd_decoder *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->shuffled = malloc(max_chunk_bytes ? max_chunk_bytes : 1);
	bool ok = d->shuffled != NULL;
#ifdef PD_HAVE_LIBDEFLATE
	d->z = libdeflate_alloc_decompressor();
	ok = ok && d->z;
#endif
	if (!ok) {
		pd_decoder_free(d);
		return NULL;
	}
	return d;
}

void pd_decoder_free(struct pd_decoder *d)
{
	if (!d)
		return;
#ifdef PD_HAVE_LIBDEFLATE
	if (d->z)
		libdeflate_free_decompressor(d->z);
#endif
	free(d->shuffled);
	free(d);
}

/* The inverse of shuffle(). Two-byte elements, the cells' case, as one
 * 16-bit value a pair: a loop GCC vectorises. */
static void unshuffle(uint8_t *restrict out, const uint8_t *restrict in, size_t n, size_t elem)
{
	size_t ne = n / elem;
	if (elem == 2) {
		uint16_t *o = (uint16_t *)(void *)out; /* little-endian host (rec_internal.h) */
		const uint8_t *lo = in, *hi = in + ne;
		for (size_t i = 0; i < ne; i++)
			o[i] = (uint16_t)(lo[i] | hi[i] << 8);
	} else {
		for (size_t j = 0; j < elem; j++) {
			const uint8_t *p = in + j * ne;
			uint8_t *o = out + j;
			for (size_t i = 0; i < ne; i++)
				o[i * elem] = p[i];
		}
	}
	memcpy(out + ne * elem, in + ne * elem, n - ne * elem);
}

int pd_decoder_decode(struct pd_decoder *d, const void *in, size_t len, bool shuffled, size_t elem, void *out,
		      size_t n)
{
	bool unshuf = shuffled && elem > 1 && n > elem;
	void *dst = unshuf ? d->shuffled : out;
#ifdef PD_HAVE_LIBDEFLATE
	size_t got = 0;
	if (libdeflate_zlib_decompress(d->z, in, len, dst, n, &got) != LIBDEFLATE_SUCCESS || got != n)
		return -1;
#else
	uLongf got = n;
	if (uncompress(dst, &got, in, len) != Z_OK || got != n)
		return -1;
#endif
	if (unshuf)
		unshuffle(out, d->shuffled, n, elem);
	return 0;
}
