/* pmf host decoder: turns the lexer's packets into device info, frames,
 * roller samples, logs and ACKs (rules in pmf_host.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmf_host.h"
#include "pmf_wire.h"

static const struct pd_decode_sink no_sink;
static const struct pd_rx_time no_time;

static size_t bytes_per_cell(const struct pd_device_info *info)
{
	return info->cell_bits == 16 ? 2 : 1;
}

static uint32_t max_len(void *ctx, uint8_t type)
{
	const struct pmf_host *h = ctx;
	size_t bpc = bytes_per_cell(&h->info);
	size_t max;

	switch (type) {
	case PMF_INFO:
		return PMF_INFO_LEN;
	case PMF_FRAME:
		if (!h->have_info)
			return PMF_MAX_PAYLOAD;
		max = PMF_FRAME_HDR_LEN + 2 * (size_t)h->info.rows * h->info.cols * bpc;
		return max < PMF_MAX_PAYLOAD ? (uint32_t)max : PMF_MAX_PAYLOAD;
	case PMF_ROLLER:
		if (!h->have_info)
			return PMF_MAX_PAYLOAD;
		return (uint32_t)(PMF_ROLLER_HDR_LEN + (size_t)h->info.cols * bpc);
	case PMF_LOG:
		return PMF_HOST_LOG_MAX;
	case PMF_ACK:
	case PMF_REQUEST:
		return PMF_HOST_SMALL_MAX;
	default:
		return PMF_HOST_OTHER_MAX;
	}
}

static void deliver(struct pmf_host *h, uint32_t seq, uint64_t t_us, int has_encoder,
		    int32_t encoder, const void *cells)
{
	struct pd_frame f = {
		.seq = seq,
		.device_time_us = t_us,
		.rx = *h->rx,
		.encoder = encoder,
		.has_encoder = has_encoder,
		.rows = h->info.rows,
		.cols = h->info.cols,
		.cell_bits = h->info.cell_bits,
		.cells = cells,
	};
	h->stats->frames++;
	if (h->sink->frame)
		h->sink->frame(h->sink->ctx, &f);
}

static void on_info(struct pmf_host *h, const uint8_t *p, uint32_t len)
{
	struct pd_device_info info;
	if (pmf_info_unpack(p, len, &info) < 0) {
		h->stats->decode_errors++;
		return;
	}
	size_t need = pd_frame_cells_bytes(info.rows, info.cols, info.cell_bits);
	if (need > h->cells_cap) {
		uint8_t *nc = realloc(h->cells, need);
		if (!nc) {
			h->stats->decode_errors++;
			return;
		}
		h->cells = nc;
		h->cells_cap = need;
	}
	h->info = info;
	h->have_info = 1;
	if (h->sink->info)
		h->sink->info(h->sink->ctx, &h->info);
}

/* Zero-run tokens into h->cells; 0 when they make exactly ncells cells. */
static int expand_zero_run(struct pmf_host *h, const uint8_t *tok, size_t len, size_t ncells, size_t bpc)
{
	if (len % bpc)
		return -1;
	size_t ntok = len / bpc, o = 0;
	for (size_t i = 0; i < ntok; i++) {
		const uint8_t *t = tok + i * bpc;
		uint16_t v = bpc == 2 ? pmf_get_u16(t) : t[0];
		if (v != 0) {
			if (o == ncells)
				return -1;
			memcpy(h->cells + o * bpc, t, bpc); /* already little-endian */
			o++;
			continue;
		}
		if (++i == ntok)
			return -1; /* a trailing lone 0 */
		t = tok + i * bpc;
		size_t run = bpc == 2 ? pmf_get_u16(t) : t[0];
		if (run == 0 || run > ncells - o)
			return -1;
		memset(h->cells + o * bpc, 0, run * bpc);
		o += run;
	}
	return o == ncells ? 0 : -1;
}

static void on_frame(struct pmf_host *h, const uint8_t *p, uint32_t len)
{
	if (!h->have_info || h->info.kind != PD_KIND_MAT || len < PMF_FRAME_HDR_LEN) {
		h->stats->decode_errors++;
		return;
	}
	size_t bpc = bytes_per_cell(&h->info);
	size_t ncells = (size_t)h->info.rows * h->info.cols;
	const uint8_t *body = p + PMF_FRAME_HDR_LEN;
	size_t blen = len - PMF_FRAME_HDR_LEN;
	const void *cells;

	switch (p[12]) {
	case PMF_ENC_RAW:
		if (blen != ncells * bpc) {
			h->stats->decode_errors++;
			return;
		}
		cells = body;
		break;
	case PMF_ENC_ZERO_RUN:
		if (expand_zero_run(h, body, blen, ncells, bpc) < 0) {
			h->stats->decode_errors++;
			return;
		}
		cells = h->cells;
		break;
	default:
		h->stats->decode_errors++;
		return;
	}
	deliver(h, pmf_get_u32(p), pmf_get_u64(p + 4), 0, 0, cells);
}

static int32_t as_i32(uint32_t u)
{
	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static void on_roller(struct pmf_host *h, const uint8_t *p, uint32_t len)
{
	if (!h->have_info || h->info.kind != PD_KIND_ROLLER || len < PMF_ROLLER_HDR_LEN) {
		h->stats->decode_errors++;
		return;
	}
	size_t bpc = bytes_per_cell(&h->info);
	uint16_t n = pmf_get_u16(p + 16);
	if (n != h->info.cols || len != PMF_ROLLER_HDR_LEN + (size_t)n * bpc) {
		h->stats->decode_errors++;
		return;
	}
	deliver(h, pmf_get_u32(p), pmf_get_u64(p + 4), 1, as_i32(pmf_get_u32(p + 12)),
		p + PMF_ROLLER_HDR_LEN);
}

static void on_log(struct pmf_host *h, const uint8_t *p, uint32_t len)
{
	if (len < 1) {
		h->stats->decode_errors++;
		return;
	}
	int level = p[0] > 7 ? 7 : p[0];
	size_t n = len - 1; /* < PMF_HOST_LOG_MAX: max_len saw to it */
	memcpy(h->log, p + 1, n);
	h->log[n] = '\0';
	h->stats->logs++;
	if (h->sink->log)
		h->sink->log(h->sink->ctx, level, h->log);
}

static void on_ack(struct pmf_host *h, const uint8_t *p, uint32_t len)
{
	if (len != 2) {
		h->stats->decode_errors++;
		return;
	}
	h->stats->acks++;
	if (h->sink->ack)
		h->sink->ack(h->sink->ctx, p[0], p[1]);
}

static void on_packet(void *ctx, uint8_t type, const uint8_t *payload, uint32_t len)
{
	struct pmf_host *h = ctx;
	switch (type) {
	case PMF_INFO:
		on_info(h, payload, len);
		break;
	case PMF_FRAME:
		on_frame(h, payload, len);
		break;
	case PMF_ROLLER:
		on_roller(h, payload, len);
		break;
	case PMF_LOG:
		on_log(h, payload, len);
		break;
	case PMF_ACK:
		on_ack(h, payload, len);
		break;
	default:
		h->stats->unknown++;
		break;
	}
}

int pmf_host_init(void *state, const struct pd_stream_params *params,
		  struct pd_decode_stats *stats, char *err, size_t errlen)
{
	struct pmf_host *h = state;
	(void)params; /* a pmf device describes itself */
	memset(h, 0, sizeof *h);
	h->stats = stats;
	h->log = malloc(PMF_HOST_LOG_MAX);
	if (!stats || !h->log || pmf_lexer_init(&h->lx, stats, on_packet, max_len, h) < 0) {
		free(h->log);
		h->log = NULL;
		if (err && errlen)
			snprintf(err, errlen, "pmf: %s", stats ? "out of memory" : "no stats given");
		return -1;
	}
	return 0;
}

void pmf_host_fini(void *state)
{
	struct pmf_host *h = state;
	pmf_lexer_fini(&h->lx);
	free(h->cells);
	free(h->log);
	h->cells = NULL;
	h->log = NULL;
	h->cells_cap = 0;
	h->have_info = 0;
}

void pmf_host_feed(void *state, const uint8_t *data, size_t len,
		   const struct pd_rx_time *rx, const struct pd_decode_sink *sink)
{
	struct pmf_host *h = state;
	h->sink = sink ? sink : &no_sink;
	h->rx = rx ? rx : &no_time;
	pmf_lexer_feed(&h->lx, data, len);
	h->sink = NULL;
	h->rx = NULL;
}

void pmf_host_finish(void *state, const struct pd_rx_time *rx, const struct pd_decode_sink *sink)
{
	struct pmf_host *h = state;
	h->sink = sink ? sink : &no_sink;
	h->rx = rx ? rx : &no_time;
	pmf_lexer_finish(&h->lx);
	h->sink = NULL;
	h->rx = NULL;
}

size_t pmf_host_on_open(void *state, uint8_t *out, size_t cap)
{
	(void)state;
	size_t a = pmf_encode_request(out, cap, PMF_CMD_GET_INFO, NULL, 0);
	if (a == 0)
		return 0;
	size_t b = pmf_encode_request(out + a, cap - a, PMF_CMD_START, NULL, 0);
	return b ? a + b : 0;
}
