/* pmf packet lexer: bytes in, CRC-checked packets out (see pmf.h for the
 * resynchronisation rules and what each counter means). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pmf.h"
#include "pmf_wire.h"

#define LEXER_INITIAL_CAP 4096u

int pmf_lexer_init(struct pmf_lexer *lx, struct pd_decode_stats *stats,
		   pmf_packet_fn packet, pmf_max_len_fn max_len, void *ctx)
{
	memset(lx, 0, sizeof *lx);
	if (!stats)
		return -1;
	lx->buf = malloc(LEXER_INITIAL_CAP);
	if (!lx->buf)
		return -1;
	lx->cap = LEXER_INITIAL_CAP;
	lx->stats = stats;
	lx->packet = packet;
	lx->max_len = max_len;
	lx->ctx = ctx;
	return 0;
}

void pmf_lexer_fini(struct pmf_lexer *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	lx->cap = lx->len = lx->start = 0;
}

static void count_dropped(struct pmf_lexer *lx, size_t n)
{
	lx->stats->garbage_bytes += n;
	if (!lx->in_garbage) {
		lx->in_garbage = 1;
		lx->stats->resyncs++;
	}
}

static void drop_buffered(struct pmf_lexer *lx, size_t n)
{
	count_dropped(lx, n);
	lx->start += n;
}

static void compact(struct pmf_lexer *lx)
{
	if (lx->start == 0)
		return;
	memmove(lx->buf, lx->buf + lx->start, lx->len - lx->start);
	lx->len -= lx->start;
	lx->start = 0;
}

/* Room for a whole candidate of `total` bytes. The cap is the largest
 * packet the protocol allows, so a lying header costs at most that. */
static int make_room(struct pmf_lexer *lx, size_t total)
{
	if (lx->cap - lx->start >= total)
		return 0;
	compact(lx);
	if (lx->cap >= total)
		return 0;
	size_t ncap = lx->cap * 2;
	if (ncap < total)
		ncap = total;
	if (ncap > pmf_packet_size(PMF_MAX_PAYLOAD))
		ncap = pmf_packet_size(PMF_MAX_PAYLOAD);
	uint8_t *nb = realloc(lx->buf, ncap);
	if (!nb)
		return -1;
	lx->buf = nb;
	lx->cap = ncap;
	return 0;
}

static uint32_t max_payload(struct pmf_lexer *lx, uint8_t type)
{
	uint32_t max = lx->max_len ? lx->max_len(lx->ctx, type) : PMF_MAX_PAYLOAD;
	return max < PMF_MAX_PAYLOAD ? max : PMF_MAX_PAYLOAD;
}

/* Resolves every candidate the buffered bytes allow. Returns the total
 * size the candidate at buf[start] needs, or 0 when nothing is held. */
static size_t scan(struct pmf_lexer *lx)
{
	for (;;) {
		size_t have = lx->len - lx->start;
		const uint8_t *p = lx->buf + lx->start;

		if (have == 0) {
			lx->start = lx->len = 0;
			return 0;
		}
		if (p[0] != PMF_SYNC0) {
			const uint8_t *s = memchr(p, PMF_SYNC0, have);
			drop_buffered(lx, s ? (size_t)(s - p) : have);
			continue;
		}
		if (have < 2)
			return 2;
		if (p[1] != PMF_SYNC1) {
			drop_buffered(lx, 1);
			continue;
		}
		if (have < PMF_HEADER_LEN)
			return PMF_HEADER_LEN;

		uint8_t type = p[2];
		uint32_t len = pmf_get_u32(p + 4);
		if (len > max_payload(lx, type)) {
			lx->stats->decode_errors++;
			drop_buffered(lx, 1);
			continue;
		}
		size_t total = pmf_packet_size(len);
		if (have < total) {
			if (make_room(lx, total) < 0) {
				lx->stats->decode_errors++;
				drop_buffered(lx, 1);
				continue;
			}
			return total;
		}
		uint32_t crc = (uint32_t)crc32(0, p + 2, (uInt)(PMF_HEADER_LEN - 2 + len));
		if (crc != pmf_get_u32(p + PMF_HEADER_LEN + len)) {
			lx->stats->crc_errors++;
			drop_buffered(lx, 1);
			continue;
		}
		lx->stats->packets++;
		lx->in_garbage = 0;
		/* Consumed before the callback, which sees the bytes in place:
		 * nothing touches the buffer until the next scan. */
		lx->start += total;
		if (lx->packet)
			lx->packet(lx->ctx, type, p + PMF_HEADER_LEN, len);
	}
}

void pmf_lexer_finish(struct pmf_lexer *lx)
{
	/* Each round drops a byte, so this ends; scan() delivers whatever
	 * whole packets the held bytes contain on the way. */
	while (scan(lx) != 0) {
		lx->stats->decode_errors++;
		drop_buffered(lx, 1);
	}
}

void pmf_lexer_feed(struct pmf_lexer *lx, const uint8_t *data, size_t len)
{
	lx->stats->bytes += len;
	for (;;) {
		size_t need = scan(lx);
		if (len == 0)
			return;
		if (need == 0) {
			/* Nothing held: skip straight to the next sync byte
			 * without copying the garbage. */
			const uint8_t *s = memchr(data, PMF_SYNC0, len);
			size_t skip = s ? (size_t)(s - data) : len;
			if (skip) {
				count_dropped(lx, skip);
				data += skip;
				len -= skip;
			}
			if (len == 0)
				return;
			need = 2;
		}
		/* Never more than the candidate needs: what follows it is
		 * looked at only once the candidate is resolved, which makes
		 * the result independent of how the input was split. */
		size_t take = need - (lx->len - lx->start);
		if (take > len)
			take = len;
		if (lx->cap - lx->len < take)
			compact(lx);
		memcpy(lx->buf + lx->len, data, take);
		lx->len += take;
		data += take;
		len -= take;
	}
}
