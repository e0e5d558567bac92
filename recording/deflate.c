/* A deflate encoder made for shuffled sensor data, producing an ordinary
 * zlib stream (RFC 1950/1951) that any inflater — HDF5's deflate filter,
 * h5py, MATLAB, R — decodes.
 *
 * Why not just zlib or libdeflate: after the shuffle filter a chunk of
 * pressure frames is byte planes, the high bytes long runs of a few
 * values, the low bytes noise. General-purpose encoders spend their time
 * looking for matches that noise does not have; the one thing worth
 * finding is runs. So: matches only at distance 1 (runs), and a dynamic
 * Huffman code per plane (one deflate block each, since the planes'
 * statistics differ). Measured on scenario frames (bench_recording.c):
 * about 3× libdeflate level 1's speed at a better ratio, and it keeps a
 * 2 kHz 64×64 mat well inside one core's budget.
 *
 * Two passes over each block: the first counts symbols, the second emits
 * them; run detection is the same function both times. No allocation: the
 * caller's out buffer and a few hundred bytes of stack. */
#include <pthread.h>
#include <string.h>
#include <zlib.h>
#ifdef PD_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

#include "rec_internal.h"

#define MIN_RUN 3
#define MAX_RUN 258
#define NLITLEN 286 /* 0..255 literals, 256 end of block, 257..285 lengths */
#define MAX_BITS 15
#define NCLEN 19
#define MAX_CL_BITS 7

/* ---- bit output, least significant bit first --------------------------- */

struct bits {
	uint8_t *out, *end; /* end: 8 bytes before the caller's end */
	uint64_t acc;
	unsigned n; /* bits in acc, < 8 between symbols */
	bool overflow;
};

static inline void put(struct bits *b, uint32_t v, unsigned n)
{
	b->acc |= (uint64_t)v << b->n;
	b->n += n;
}

/* Stores the whole bytes of acc. Always writes 8 bytes (hence the
 * slack), advances by the whole ones. Called after at most 56 bits. */
static inline void spill(struct bits *b)
{
	if (b->out >= b->end) {
		b->overflow = true;
		b->n = 0;
		b->acc = 0;
		return;
	}
	memcpy(b->out, &b->acc, 8); /* little-endian host (rec_internal.h) */
	b->out += b->n >> 3;
	b->acc >>= b->n & ~7u;
	b->n &= 7;
}

static void flush_bits(struct bits *b)
{
	spill(b);
	if (b->n && !b->overflow) {
		*b->out++ = (uint8_t)b->acc;
		b->acc = 0;
		b->n = 0;
	}
}

/* ---- length symbols ---------------------------------------------------- */

static const uint16_t len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
				       31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				       2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };

/* For a run length 3..258: its symbol (257 + index) and extra bits. */
static uint8_t len_sym[MAX_RUN + 1];

static void init_tables(void)
{
	for (unsigned i = 0; i < 29; i++) {
		unsigned hi = i + 1 < 29 ? len_base[i + 1] : MAX_RUN + 1;
		if (i == 27)
			hi = 258; /* 227..257 is code 284; 258 has its own code 285 */
		for (unsigned l = len_base[i]; l < hi && l <= MAX_RUN; l++)
			len_sym[l] = (uint8_t)i;
	}
	len_sym[258] = 28;
}

/* ---- Huffman codes ----------------------------------------------------- */

/* Code lengths for n symbols with these frequencies, at most maxbits,
 * every used symbol a code, at least two codes (a complete code: what
 * strict inflaters want). Huffman's construction by sorting and merging,
 * then JPEG's (ITU T.81 K.3) adjustment of the length counts to the
 * limit, handed back to the symbols most frequent first. */
static void code_lengths(const uint32_t *freq, unsigned n, unsigned maxbits, uint8_t *len)
{
	uint16_t sym[NLITLEN];
	uint32_t f[NLITLEN];
	unsigned m = 0;
	memset(len, 0, n);
	for (unsigned i = 0; i < n; i++)
		if (freq[i])
			sym[m++] = (uint16_t)i;
	/* Two codes at least: add unused symbols with weight 1. */
	for (unsigned i = 0; m < 2 && i < n; i++)
		if (!freq[i] && (m == 0 || sym[0] != i))
			sym[m++] = (uint16_t)i;
	for (unsigned i = 0; i < m; i++)
		f[i] = freq[sym[i]] ? freq[sym[i]] : 1;
	/* Sort by frequency, ascending (insertion sort: n ≤ 286). */
	for (unsigned i = 1; i < m; i++) {
		uint16_t s = sym[i];
		uint32_t v = f[i];
		unsigned j = i;
		for (; j > 0 && f[j - 1] > v; j--) {
			f[j] = f[j - 1];
			sym[j] = sym[j - 1];
		}
		f[j] = v;
		sym[j] = s;
	}
	/* Huffman by two queues: leaves (sorted) and merged nodes (made in
	 * non-decreasing order). parent[] over 2m - 1 nodes. */
	uint32_t w[2 * NLITLEN];
	uint16_t parent[2 * NLITLEN];
	for (unsigned i = 0; i < m; i++)
		w[i] = f[i];
	unsigned leaf = 0, node = m, next = m;
	for (unsigned k = 0; k + 1 < m; k++) {
		unsigned pick[2];
		for (int p = 0; p < 2; p++) {
			if (leaf < m && (node >= next || w[leaf] <= w[node]))
				pick[p] = leaf++;
			else
				pick[p] = node++;
		}
		w[next] = w[pick[0]] + w[pick[1]];
		parent[pick[0]] = parent[pick[1]] = (uint16_t)next;
		next++;
	}
	/* Depths, root (next - 1) at 0. */
	uint8_t depth[2 * NLITLEN];
	if (m < 2)
		return; /* cannot happen: every alphabet here has two symbols */
	unsigned root = next - 1, count[2 * NLITLEN + 1] = { 0 };
	depth[root] = 0;
	for (int i = (int)root - 1; i >= 0; i--)
		depth[i] = (uint8_t)(depth[parent[i]] + 1 > 255 ? 255 : depth[parent[i]] + 1);
	unsigned longest = 0;
	for (unsigned i = 0; i < m; i++) {
		count[depth[i]]++;
		if (depth[i] > longest)
			longest = depth[i];
	}
	/* Down to maxbits, keeping the Kraft sum at exactly 1. */
	for (unsigned i = longest; i > maxbits; i--) {
		while (count[i] > 0) {
			unsigned j = i - 2;
			while (count[j] == 0)
				j--;
			count[i] -= 2;
			count[i - 1] += 1;
			count[j + 1] += 2;
			count[j] -= 1;
		}
	}
	/* Shortest codes to the most frequent (the end of the sorted list). */
	unsigned i = m;
	for (unsigned l = 1; l <= maxbits && l <= longest; l++)
		for (unsigned c = count[l]; c > 0; c--)
			len[sym[--i]] = (uint8_t)l;
}

/* Canonical codes (RFC 1951 3.2.2), bit-reversed for LSB-first output. */
static void make_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
	unsigned count[MAX_BITS + 1] = { 0 }, next[MAX_BITS + 1];
	for (unsigned i = 0; i < n; i++)
		count[len[i]]++;
	count[0] = 0;
	unsigned c = 0;
	for (unsigned b = 1; b <= MAX_BITS; b++) {
		c = (c + count[b - 1]) << 1;
		next[b] = c;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!len[i])
			continue;
		unsigned v = next[len[i]]++, r = 0;
		for (unsigned k = 0; k < len[i]; k++, v >>= 1)
			r = (r << 1) | (v & 1);
		code[i] = (uint16_t)r;
	}
}

/* ---- one block ---------------------------------------------------------- */

/* Length of the run of in[i - 1] starting at i (0 if under MIN_RUN),
 * compared eight bytes at a time: the high planes are mostly long runs. */
static inline size_t run_at(const uint8_t *in, size_t i, size_t n)
{
	if (i == 0 || in[i] != in[i - 1])
		return 0;
	size_t max = n - i > MAX_RUN ? MAX_RUN : n - i, k = 0;
	uint64_t pat = in[i - 1] * 0x0101010101010101ull;
	const uint8_t *p = in + i;
	for (; k + 8 <= max; k += 8) {
		uint64_t w;
		memcpy(&w, p + k, 8);
		if (w != pat) {
			k += (size_t)__builtin_ctzll(w ^ pat) >> 3; /* little-endian: first differing byte */
			return k >= MIN_RUN ? k : 0;
		}
	}
	while (k < max && p[k] == in[i - 1])
		k++;
	return k >= MIN_RUN ? k : 0;
}

/* The block as tokens (a literal byte, or 256 + a run length) and their
 * symbols' frequencies; the number of tokens. */
static size_t tokenize(const uint8_t *in, size_t n, uint16_t *tok, uint32_t *freq)
{
	size_t nt = 0;
	for (size_t i = 0; i < n;) {
		size_t r = run_at(in, i, n);
		if (r) {
			freq[257 + len_sym[r]]++;
			tok[nt++] = (uint16_t)(256 + r);
			i += r;
		} else {
			freq[in[i]]++;
			tok[nt++] = in[i++];
		}
	}
	freq[256]++;
	return nt;
}

static void block(struct bits *b, const uint8_t *in, size_t n, uint16_t *tok, bool last)
{
	uint32_t freq[NLITLEN] = { 0 };
	size_t nt = tokenize(in, n, tok, freq);
	uint8_t len[NLITLEN + 1]; /* + the one distance code */
	uint16_t code[NLITLEN];
	code_lengths(freq, NLITLEN, MAX_BITS, len);
	unsigned hlit = NLITLEN;
	while (hlit > 257 && !len[hlit - 1])
		hlit--;
	/* One distance code (0: distance 1), length 1: an incomplete code
	 * that RFC 1951 and zlib allow for a single distance. */
	len[hlit] = 1;

	/* The code lengths, run-length coded with 16, 17, 18. */
	uint8_t cl_sym[NLITLEN + 1], cl_extra[NLITLEN + 1];
	unsigned ncl = 0, total = hlit + 1;
	uint32_t cl_freq[NCLEN] = { 0 };
	for (unsigned i = 0; i < total;) {
		unsigned v = len[i], r = 1;
		while (i + r < total && len[i + r] == v)
			r++;
		if (v == 0 && r >= 3) {
			unsigned k = r > 138 ? 138 : r;
			cl_sym[ncl] = k >= 11 ? 18 : 17;
			cl_extra[ncl++] = (uint8_t)(k >= 11 ? k - 11 : k - 3);
			i += k;
		} else if (v != 0 && r >= 4) {
			cl_sym[ncl] = (uint8_t)v;
			cl_extra[ncl++] = 0;
			unsigned k = r - 1 > 6 ? 6 : r - 1;
			cl_sym[ncl] = 16;
			cl_extra[ncl++] = (uint8_t)(k - 3);
			i += 1 + k;
		} else {
			cl_sym[ncl] = (uint8_t)v;
			cl_extra[ncl++] = 0;
			i++;
		}
	}
	for (unsigned i = 0; i < ncl; i++)
		cl_freq[cl_sym[i]]++;
	uint8_t cl_len[NCLEN];
	uint16_t cl_code[NCLEN];
	code_lengths(cl_freq, NCLEN, MAX_CL_BITS, cl_len);
	make_codes(cl_len, NCLEN, cl_code);
	static const uint8_t order[NCLEN] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	unsigned hclen = NCLEN;
	while (hclen > 4 && !cl_len[order[hclen - 1]])
		hclen--;

	put(b, last ? 1 : 0, 1);
	put(b, 2, 2); /* dynamic Huffman */
	put(b, hlit - 257, 5);
	put(b, 0, 5); /* HDIST - 1: one distance code */
	put(b, hclen - 4, 4);
	spill(b);
	for (unsigned i = 0; i < hclen; i++) {
		put(b, cl_len[order[i]], 3);
		spill(b);
	}
	static const uint8_t cl_extra_bits[3] = { 2, 3, 7 };
	for (unsigned i = 0; i < ncl; i++) {
		put(b, cl_code[cl_sym[i]], cl_len[cl_sym[i]]);
		if (cl_sym[i] >= 16)
			put(b, cl_extra[i], cl_extra_bits[cl_sym[i] - 16]);
		spill(b);
	}

	make_codes(len, hlit, code);
	/* Literal codes with their lengths in one word: one load a byte. */
	uint32_t lit[256];
	for (unsigned i = 0; i < 256; i++)
		lit[i] = code[i] | (uint32_t)len[i] << 16;
	/* The bit buffer in locals for the hot loop. */
	uint64_t acc = b->acc;
	unsigned nb = b->n;
	uint8_t *out = b->out;
	for (size_t i = 0; i < nt; i++) {
		if (out >= b->end) {
			b->overflow = true;
			return;
		}
		unsigned t = tok[i];
		if (t < 256) {
			uint32_t c = lit[t];
			acc |= (uint64_t)(c & 0xffff) << nb;
			nb += c >> 16;
		} else {
			/* length code, extra bits, then the one distance code
			 * (length 1, code 0): at most 15 + 5 + 1 bits */
			unsigned r = t - 256, s = len_sym[r];
			acc |= (uint64_t)code[257 + s] << nb;
			nb += len[257 + s];
			acc |= (uint64_t)(r - len_base[s]) << nb;
			nb += len_extra[s] + 1u;
		}
		memcpy(out, &acc, 8);
		out += nb >> 3;
		acc >>= nb & ~7u;
		nb &= 7;
	}
	b->acc = acc;
	b->n = nb;
	b->out = out;
	put(b, code[256], len[256]);
	spill(b);
}

size_t pd_deflate_planes(const void *data, size_t n, size_t planes, void *out, size_t cap, uint16_t *tokens)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_tables);
	const uint8_t *in = data;
	uint8_t *o = out;
	if (cap < 32)
		return 0;
	/* zlib header: deflate, 32 KiB window, "fastest" level hint; the
	 * check bits make the 16-bit value a multiple of 31. */
	o[0] = 0x78;
	o[1] = 0x01;
	struct bits b = { .out = o + 2, .end = o + cap - 4 - 8 };
	if (planes < 1 || n % planes)
		planes = 1;
	size_t plane = n / planes;
	for (size_t p = 0; p < planes && !b.overflow; p++)
		block(&b, in + p * plane, plane, tokens, p + 1 == planes);
	flush_bits(&b);
	if (b.overflow)
		return 0;
#ifdef PD_HAVE_LIBDEFLATE
	uint32_t a = libdeflate_adler32(1, in, n); /* SIMD: several times zlib's */
#else
	uint32_t a = (uint32_t)adler32(1, in, (uInt)n);
#endif
	b.out[0] = (uint8_t)(a >> 24);
	b.out[1] = (uint8_t)(a >> 16);
	b.out[2] = (uint8_t)(a >> 8);
	b.out[3] = (uint8_t)a;
	return (size_t)(b.out + 4 - o);
}
