/* libFuzzer target: the pmf host decoder and its lexer (fuzz_common.h). */
#include "fuzz_common.h"
#include "pmf/pmf_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* pmf ignores the params (the device describes itself); two variants make
 * sure of that. */
static const struct pd_stream_params variants[] = {
	{ .unit = -1, .poll_char = -1 },
	{ .rows = 4, .cols = 4, .full_scale = 255, .unit = 1, .poll_char = 'x' },
};

/* Every byte is garbage, part of a good packet, or still held, and a
 * good packet is at least a header and a CRC. */
static void check(void *state, const struct pd_decode_stats *st)
{
	const struct pmf_host *h = state;
	size_t held = h->lx.len - h->lx.start;
	if (h->lx.start > h->lx.len || h->lx.len > h->lx.cap ||
	    h->lx.cap > pmf_packet_size(PMF_MAX_PAYLOAD))
		abort();
	if (st->garbage_bytes + held > st->bytes)
		abort();
	if (st->bytes - st->garbage_bytes - held < st->packets * (PMF_HEADER_LEN + PMF_CRC_LEN))
		abort();
	if (st->resyncs > st->garbage_bytes)
		abort();
	if (st->frames + st->logs + st->acks + st->unknown > st->packets)
		abort();
}

/* Mutations rarely keep a CRC right, which would leave the payload
 * decoders behind the lexer mostly unexplored. With the top bit of byte 0
 * set, every plausible packet in the stream (sync, a length that fits)
 * gets its CRC fixed before decoding, walking from packet to packet. */
static void fix_crcs(uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i + pmf_packet_size(0) <= len) {
		if (s[i] != PMF_SYNC0 || s[i + 1] != PMF_SYNC1) {
			i++;
			continue;
		}
		uint32_t l = (uint32_t)s[i + 4] | (uint32_t)s[i + 5] << 8 | (uint32_t)s[i + 6] << 16 |
			     (uint32_t)s[i + 7] << 24;
		if (l > len - i - pmf_packet_size(0)) {
			i++;
			continue;
		}
		uint8_t *p = s + i;
		size_t n = pmf_encode_packet(p, pmf_packet_size(l), p[2], p + PMF_HEADER_LEN, l);
		if (n == 0)
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = fuzz_stream_offset(data, size);
	if (off == 0 || !(data[0] & 0x80))
		return fuzz_one(&pd_protocol_pmf, variants, sizeof variants / sizeof variants[0], data, size, check);

	uint8_t *copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	fix_crcs(copy + off, size - off);
	fuzz_one(&pd_protocol_pmf, variants, sizeof variants / sizeof variants[0], copy, size, check);
	free(copy);
	return 0;
}
