/* The host side of pmf: the decoder behind pd_protocol_pmf. Private to
 * drivers/pmf (api.c builds the ops table from these).
 *
 * What it does with each good packet (the lexer's counters are in pmf.h):
 *   INFO    payload exactly 128 bytes, version 1, kind mat/roller,
 *           cell_bits 8/16, unit 0..2, rows/cols >= 1 (roller: rows 1) and
 *           a raw frame that fits in a packet; else decode_errors. Every
 *           valid INFO goes to sink->info, repeated or not (the owner
 *           compares); buffers are resized only when it needs more room.
 *   FRAME   needs an INFO of kind mat first, ROLLER one of kind roller;
 *           before any INFO, or for the other kind, the packet is dropped
 *           and counted in decode_errors. Cells that do not add up to
 *           rows x cols exactly, an unknown encoding, a zero-run token 0
 *           followed by 0 or by nothing, a run past the end, and a ROLLER
 *           whose n differs from INFO's cols are decode_errors too.
 *   LOG     level clamped to 0..7, text copied and NUL-terminated (cut at
 *           an embedded NUL); an empty payload is a decode_error. Counted
 *           in logs.
 *   ACK     exactly 2 bytes (else decode_error); counted in acks.
 *   other   REQUEST (that is the host's own type) and unknown types:
 *           counted in unknown.
 *
 * Largest payload accepted per type (the lexer's max_len), so that a
 * broken header cannot hold the stream up for long: INFO 128; FRAME
 * 16 + 2 x rows x cols x bytes per cell (zero-run's worst case) and ROLLER
 * 20 + cols x bytes once INFO is known, PMF_MAX_PAYLOAD before; LOG 64 KiB;
 * ACK and REQUEST 64 bytes; other types 64 KiB. */
#ifndef PD_PMF_HOST_H
#define PD_PMF_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "pmf.h"

#define PMF_HOST_LOG_MAX (64u << 10)
#define PMF_HOST_SMALL_MAX 64u
#define PMF_HOST_OTHER_MAX (64u << 10)

struct pmf_host {
	struct pmf_lexer lx;
	struct pd_decode_stats *stats;
	struct pd_device_info info;
	int have_info;
	uint8_t *cells; /* zero-run frames expand here */
	size_t cells_cap;
	char *log; /* PMF_HOST_LOG_MAX bytes: the longest text plus its NUL */
	/* Set for the duration of one feed() only. */
	const struct pd_decode_sink *sink;
	const struct pd_rx_time *rx;
};

int pmf_host_init(void *state, const struct pd_stream_params *params,
		  struct pd_decode_stats *stats, char *err, size_t errlen);
void pmf_host_fini(void *state);
void pmf_host_feed(void *state, const uint8_t *data, size_t len,
		   const struct pd_rx_time *rx, const struct pd_decode_sink *sink);
size_t pmf_host_on_open(void *state, uint8_t *out, size_t cap);
void pmf_host_finish(void *state, const struct pd_rx_time *rx, const struct pd_decode_sink *sink);

#endif
