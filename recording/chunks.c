/* /frames a chunk at a time, decoded here rather than by HDF5: the chunk's
 * stored bytes (H5Dread_chunk) inflated and unshuffled by codec.c. That is
 * most of what reading a recording costs, and HDF5's pipeline does it
 * several times slower (codec.c says where the time goes).
 *
 * Only for what this decoder knows: chunks of whole frames, little-endian
 * u8/u16 cells, and the filters pressd writes (shuffle then deflate, or
 * deflate alone, or none). Anything else — a file written by another tool
 * with other filters or chunk shapes — and any chunk that does not decode
 * (not stored yet, a filter skipped, corrupt) is left to H5Dread, which
 * handles every case and says why when it fails. */
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

/* Past this a chunk is left to HDF5 (nothing pressd writes comes near:
 * layout.c keeps chunks under 256 KiB). */
#define MAX_CHUNK_BYTES (16u << 20)

struct pd_chunks {
	hid_t ds;
	bool shuffled, deflated;
	size_t elem, chunk_bytes;
	uint32_t chunk_frames;
	struct pd_decoder *dec;
	uint8_t *stored; /* a chunk as stored */
	size_t stored_cap;
};

/* The filters, if they are ones we decode: shuffle (first), deflate. */
static bool known_filters(hid_t dcpl, bool *shuffled, bool *deflated)
{
	int n = H5Pget_nfilters(dcpl);
	*shuffled = *deflated = false;
	if (n < 0 || n > 2)
		return false;
	for (int i = 0; i < n; i++) {
		unsigned flags, cd[8];
		size_t ncd = 8;
		char name[32];
		H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
		if (f == H5Z_FILTER_SHUFFLE && i == 0 && n == 2)
			*shuffled = true;
		else if (f == H5Z_FILTER_DEFLATE && i == n - 1)
			*deflated = true;
		else
			return false;
	}
	return true;
}

struct pd_chunks *pd_chunks_open(hid_t ds, uint16_t rows, uint16_t cols)
{
	hid_t dcpl = H5Dget_create_plist(ds), type = H5Dget_type(ds);
	hsize_t chunk[3] = { 0 };
	bool shuffled = false, deflated = false;
	bool ok = dcpl >= 0 && type >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 3, chunk) == 3 &&
		  chunk[0] > 0 && chunk[1] == rows && chunk[2] == cols && known_filters(dcpl, &shuffled, &deflated) &&
		  H5Tget_class(type) == H5T_INTEGER;
	size_t elem = ok ? H5Tget_size(type) : 0;
	ok = ok && (elem == 1 || (elem == 2 && H5Tget_order(type) == H5T_ORDER_LE));
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (type >= 0)
		H5Tclose(type);
	H5Eclear2(H5E_DEFAULT);
	size_t bytes = ok ? (size_t)chunk[0] * rows * cols * elem : 0;
	if (!ok || bytes > MAX_CHUNK_BYTES)
		return NULL;
	struct pd_chunks *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	*c = (struct pd_chunks){ .ds = ds, .shuffled = shuffled, .deflated = deflated, .elem = elem,
				 .chunk_bytes = bytes, .chunk_frames = (uint32_t)chunk[0] };
	c->stored_cap = pd_codec_bound(bytes);
	c->stored = malloc(c->stored_cap);
	c->dec = pd_decoder_new(bytes);
	if (!c->stored || !c->dec) {
		pd_chunks_free(c);
		return NULL;
	}
	return c;
}

void pd_chunks_free(struct pd_chunks *c)
{
	if (!c)
		return;
	pd_decoder_free(c->dec);
	free(c->stored);
	free(c);
}

uint32_t pd_chunks_frames(const struct pd_chunks *c)
{
	return c->chunk_frames;
}

int pd_chunks_read(struct pd_chunks *c, uint64_t k, void *cells)
{
	hsize_t off[3] = { k * c->chunk_frames, 0, 0 }, len = 0;
	uint32_t skipped = 0;
	int rc = -1;
	if (H5Dget_chunk_storage_size(c->ds, off, &len) < 0 || len == 0)
		goto out; /* not stored: HDF5 gives the fill value */
	if (len > c->stored_cap) {
		/* Another writer's deflate that grew the data: rare, bounded by
		 * the chunk. */
		if (len > pd_codec_bound(c->chunk_bytes) + MAX_CHUNK_BYTES)
			goto out;
		uint8_t *p = realloc(c->stored, len);
		if (!p)
			goto out;
		c->stored = p;
		c->stored_cap = len;
	}
	if (H5Dread_chunk(c->ds, H5P_DEFAULT, off, &skipped, c->stored) < 0 || skipped)
		goto out;
	if (c->deflated)
		rc = pd_decoder_decode(c->dec, c->stored, len, c->shuffled, c->elem, cells, c->chunk_bytes);
	else if (len == c->chunk_bytes)
		rc = (memcpy(cells, c->stored, len), 0);
out:
	H5Eclear2(H5E_DEFAULT);
	return rc;
}
