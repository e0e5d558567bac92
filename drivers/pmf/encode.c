/* pmf encoders: each builds its payload in place after the header, then
 * seals the packet with its length and CRC. */
#include <string.h>
#include <zlib.h>

#include "pmf.h"
#include "pmf_wire.h"

#define NO_ROOM ((size_t)-1)

static size_t seal(uint8_t *out, uint8_t type, uint32_t len)
{
	out[0] = PMF_SYNC0;
	out[1] = PMF_SYNC1;
	out[2] = type;
	out[3] = 0;
	pmf_put_u32(out + 4, len);
	uint32_t crc = (uint32_t)crc32(0, out + 2, (uInt)(PMF_HEADER_LEN - 2 + len));
	pmf_put_u32(out + PMF_HEADER_LEN + len, crc);
	return pmf_packet_size(len);
}

/* Bytes available for the payload in a buffer of `cap`; NO_ROOM when
 * not even an empty packet fits. */
static size_t payload_room(size_t cap)
{
	if (cap < PMF_HEADER_LEN + PMF_CRC_LEN)
		return NO_ROOM;
	size_t room = cap - PMF_HEADER_LEN - PMF_CRC_LEN;
	return room < PMF_MAX_PAYLOAD ? room : PMF_MAX_PAYLOAD;
}

size_t pmf_encode_packet(uint8_t *out, size_t cap, uint8_t type, const void *payload, uint32_t len)
{
	size_t room = payload_room(cap);
	if (room == NO_ROOM || len > room || (len && !payload))
		return 0;
	if (len)
		memmove(out + PMF_HEADER_LEN, payload, len);
	return seal(out, type, len);
}

size_t pmf_encode_info(uint8_t *out, size_t cap, const struct pd_device_info *info)
{
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < PMF_INFO_LEN)
		return 0;
	pmf_info_pack(info, out + PMF_HEADER_LEN);
	return seal(out, PMF_INFO, PMF_INFO_LEN);
}

static uint16_t cell_at(const uint8_t *cells, size_t i, size_t bpc)
{
	return bpc == 2 ? pmf_get_u16(cells + 2 * i) : cells[i];
}

static void put_token(uint8_t *dst, uint16_t v, size_t bpc)
{
	if (bpc == 2)
		pmf_put_u16(dst, v);
	else
		dst[0] = (uint8_t)v;
}

/* Zero-run tokens for `n` cells into dst; NO_ROOM if they do not fit.
 * Runs longer than a token can count are split. */
static size_t zero_run(uint8_t *dst, size_t room, const uint8_t *cells, size_t n, size_t bpc)
{
	const size_t max_run = bpc == 2 ? 0xFFFF : 0xFF;
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		uint16_t v = cell_at(cells, i, bpc);
		if (v != 0) {
			if (room - o < bpc)
				return NO_ROOM;
			put_token(dst + o, v, bpc);
			o += bpc;
			i++;
			continue;
		}
		size_t run = 1;
		while (i + run < n && run < max_run && cell_at(cells, i + run, bpc) == 0)
			run++;
		if (room - o < 2 * bpc)
			return NO_ROOM;
		put_token(dst + o, 0, bpc);
		put_token(dst + o + bpc, (uint16_t)run, bpc);
		o += 2 * bpc;
		i += run;
	}
	return o;
}

size_t pmf_encode_frame(uint8_t *out, size_t cap, uint32_t seq, uint64_t t_us,
			enum pmf_encoding enc, const void *cells, size_t ncells, uint8_t cell_bits)
{
	if (cell_bits != 8 && cell_bits != 16)
		return 0;
	if (ncells && !cells)
		return 0;
	size_t bpc = cell_bits / 8u;
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < PMF_FRAME_HDR_LEN)
		return 0;

	uint8_t *pl = out + PMF_HEADER_LEN;
	uint8_t *dst = pl + PMF_FRAME_HDR_LEN;
	room -= PMF_FRAME_HDR_LEN;
	size_t n;
	if (enc == PMF_ENC_RAW) {
		if (ncells > room / bpc)
			return 0;
		n = ncells * bpc;
		if (n)
			memcpy(dst, cells, n);
	} else if (enc == PMF_ENC_ZERO_RUN) {
		n = zero_run(dst, room, cells, ncells, bpc);
		if (n == NO_ROOM)
			return 0;
	} else {
		return 0;
	}
	pmf_put_u32(pl, seq);
	pmf_put_u64(pl + 4, t_us);
	pl[12] = (uint8_t)enc;
	memset(pl + 13, 0, 3);
	return seal(out, PMF_FRAME, (uint32_t)(PMF_FRAME_HDR_LEN + n));
}

size_t pmf_encode_roller(uint8_t *out, size_t cap, uint32_t seq, uint64_t t_us, int32_t encoder,
			 const void *cells, uint16_t ncells, uint8_t cell_bits)
{
	if (cell_bits != 8 && cell_bits != 16)
		return 0;
	if (ncells && !cells)
		return 0;
	size_t n = (size_t)ncells * (cell_bits / 8u);
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < PMF_ROLLER_HDR_LEN + n)
		return 0;

	uint8_t *pl = out + PMF_HEADER_LEN;
	pmf_put_u32(pl, seq);
	pmf_put_u64(pl + 4, t_us);
	pmf_put_u32(pl + 12, (uint32_t)encoder);
	pmf_put_u16(pl + 16, ncells);
	pmf_put_u16(pl + 18, 0);
	if (n)
		memcpy(pl + PMF_ROLLER_HDR_LEN, cells, n);
	return seal(out, PMF_ROLLER, (uint32_t)(PMF_ROLLER_HDR_LEN + n));
}

size_t pmf_encode_log(uint8_t *out, size_t cap, int level, const char *text)
{
	if (level < 0 || level > 7)
		return 0;
	if (!text)
		text = "";
	size_t n = strlen(text);
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < 1 || n > room - 1)
		return 0;
	out[PMF_HEADER_LEN] = (uint8_t)level;
	memcpy(out + PMF_HEADER_LEN + 1, text, n);
	return seal(out, PMF_LOG, (uint32_t)(1 + n));
}

size_t pmf_encode_request(uint8_t *out, size_t cap, uint8_t cmd, const void *args, size_t argslen)
{
	if (argslen && !args)
		return 0;
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < 1 || argslen > room - 1)
		return 0;
	out[PMF_HEADER_LEN] = cmd;
	if (argslen)
		memmove(out + PMF_HEADER_LEN + 1, args, argslen);
	return seal(out, PMF_REQUEST, (uint32_t)(1 + argslen));
}

size_t pmf_encode_ack(uint8_t *out, size_t cap, uint8_t cmd, uint8_t status)
{
	size_t room = payload_room(cap);
	if (room == NO_ROOM || room < 2)
		return 0;
	out[PMF_HEADER_LEN] = cmd;
	out[PMF_HEADER_LEN + 1] = status;
	return seal(out, PMF_ACK, 2);
}
