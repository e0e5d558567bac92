/* pmf — Pressure Mat Frames (serial-protocols.md §1): wire constants, the
 * packet lexer shared by the host decoder and the device emulator, and the
 * encoders the emulator and the host's requests use. */
#ifndef PD_PMF_H
#define PD_PMF_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "protocol.h"

#define PMF_SYNC0 0xA5
#define PMF_SYNC1 0x5A
#define PMF_HEADER_LEN 8u   /* sync, sync, type, flags, u32 length */
#define PMF_CRC_LEN 4u
#define PMF_MAX_PAYLOAD (4u << 20)
#define PMF_INFO_LEN 128u
#define PMF_FRAME_HDR_LEN 16u
#define PMF_ROLLER_HDR_LEN 20u

enum pmf_type {
	PMF_INFO = 0x01,
	PMF_FRAME = 0x02,
	PMF_ROLLER = 0x03,
	PMF_LOG = 0x04,
	PMF_REQUEST = 0x80,
	PMF_ACK = 0x81,
};

enum pmf_cmd {
	PMF_CMD_GET_INFO = 0x01,
	PMF_CMD_START = 0x02,
	PMF_CMD_STOP = 0x03,
	PMF_CMD_SET_RATE = 0x04,
};

enum pmf_encoding { PMF_ENC_RAW = 0, PMF_ENC_ZERO_RUN = 1 };

static inline size_t pmf_packet_size(uint32_t payload_len)
{
	return PMF_HEADER_LEN + (size_t)payload_len + PMF_CRC_LEN;
}

/* ---- lexer: bytes in, CRC-checked packets out ------------------------ */

/* Called for each packet whose CRC matched. */
typedef void (*pmf_packet_fn)(void *ctx, uint8_t type, const uint8_t *payload, uint32_t len);
/* Largest payload that is possible for `type` right now (e.g. INFO is
 * exactly 128, a FRAME is bounded by the geometry once INFO is known);
 * a header claiming more is an impossible length. NULL: PMF_MAX_PAYLOAD. */
typedef uint32_t (*pmf_max_len_fn)(void *ctx, uint8_t type);

/* The lexer is in the gpsd style: a candidate packet starts at every 0xA5;
 * it is held until its header and then its whole length have arrived
 * (never more bytes than that candidate needs are taken in, so the result
 * does not depend on how the input is split). A bad CRC or an impossible
 * length drops only that first sync byte and rescans from the next one, so
 * a good packet hidden inside a broken one is still found.
 *
 * Counters (in *stats):
 *   bytes          every byte fed in
 *   packets        packets whose CRC matched (then handed to `packet`)
 *   crc_errors     candidates with a complete length whose CRC did not match
 *   decode_errors  candidates whose length exceeds max_len(type) (or whose
 *                  buffer could not be allocated), and candidates given up
 *                  unfinished by pmf_lexer_finish
 *   garbage_bytes  bytes dropped: everything not part of a good packet
 *                  (a failed candidate's sync byte and the bytes scanned
 *                  over until the next 0xA5)
 *   resyncs        runs of dropped bytes: one is counted at the first
 *                  dropped byte after a good packet (or after init); the
 *                  run ends at the next good packet. So garbage, then a bad
 *                  packet, then more garbage before one good packet is one
 *                  resync.
 * At any moment bytes = garbage_bytes + sizes of the good packets + the
 * bytes still held for the current candidate.
 *
 * The buffer holds at most the candidate's packet: it starts at 4 KiB and
 * grows (never shrinks) to the largest packet max_len has allowed, at most
 * pmf_packet_size(PMF_MAX_PAYLOAD). The `packet` callback must not feed
 * the same lexer again. */
struct pmf_lexer {
	uint8_t *buf;
	size_t cap, len;
	size_t start; /* the candidate is buf[start .. len) */
	struct pd_decode_stats *stats;
	pmf_packet_fn packet;
	pmf_max_len_fn max_len;
	void *ctx;
	int in_garbage; /* counting one resync per run of skipped bytes */
};

int pmf_lexer_init(struct pmf_lexer *lx, struct pd_decode_stats *stats,
		   pmf_packet_fn packet, pmf_max_len_fn max_len, void *ctx);
void pmf_lexer_fini(struct pmf_lexer *lx);
void pmf_lexer_feed(struct pmf_lexer *lx, const uint8_t *data, size_t len);
/* No more bytes will come (the device went away). A candidate still
 * waiting for the rest of its length never gets it: it is given up like a
 * bad CRC (its first byte dropped, counted in decode_errors) and what it
 * held back is scanned again, so a packet behind a lying header is not
 * lost with the connection. The lexer is empty afterwards. */
void pmf_lexer_finish(struct pmf_lexer *lx);

/* ---- encoders: each writes one whole packet into out and returns its
 * size, or 0 when cap is too small or the arguments are invalid. Cells are
 * laid out as in struct pd_frame: bytes (cell_bits 8) or little-endian u16
 * (16; a plain uint16_t array on a little-endian host). Zero-run splits
 * runs longer than one token can count (255 or 65535). ------------------ */

size_t pmf_encode_packet(uint8_t *out, size_t cap, uint8_t type, const void *payload, uint32_t len);
/* Strings longer than their field are cut (model, serial 32 bytes,
 * firmware 16). */
void pmf_info_pack(const struct pd_device_info *info, uint8_t payload[PMF_INFO_LEN]);
/* 0, or -1 when the payload is not a usable INFO: length not 128, version
 * not 1, kind, cell_bits or unit unknown, rows or cols 0, a roller with
 * rows != 1, or a raw frame that would not fit in PMF_MAX_PAYLOAD. */
int pmf_info_unpack(const uint8_t *payload, uint32_t len, struct pd_device_info *info);
size_t pmf_encode_info(uint8_t *out, size_t cap, const struct pd_device_info *info);
size_t pmf_encode_frame(uint8_t *out, size_t cap, uint32_t seq, uint64_t t_us,
			enum pmf_encoding enc, const void *cells, size_t ncells, uint8_t cell_bits);
size_t pmf_encode_roller(uint8_t *out, size_t cap, uint32_t seq, uint64_t t_us, int32_t encoder,
			 const void *cells, uint16_t ncells, uint8_t cell_bits);
/* level 0..7, else 0 is returned; the text goes without its NUL. */
size_t pmf_encode_log(uint8_t *out, size_t cap, int level, const char *text);
size_t pmf_encode_request(uint8_t *out, size_t cap, uint8_t cmd, const void *args, size_t argslen);
size_t pmf_encode_ack(uint8_t *out, size_t cap, uint8_t cmd, uint8_t status);

/* The host's decoder (drivers/pmf/api.c). */
extern const struct pd_protocol pd_protocol_pmf;

#endif
