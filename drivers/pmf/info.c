/* The 128-byte INFO payload <-> struct pd_device_info. */
#include <string.h>

#include "pmf.h"
#include "pmf_wire.h"

enum {
	OFF_VERSION = 0,
	OFF_KIND = 1,
	OFF_CELL_BITS = 2,
	OFF_UNIT = 3,
	OFF_ROWS = 4,
	OFF_COLS = 6,
	OFF_PITCH_X = 8,
	OFF_PITCH_Y = 12,
	OFF_RATE = 16,
	OFF_UNITS_PER_COUNT = 20,
	OFF_FULL_SCALE = 24,
	OFF_RADIUS = 28,
	OFF_COUNTS_PER_REV = 32,
	OFF_MODEL = 36,
	OFF_SERIAL = 68,
	OFF_FIRMWARE = 100,
	LEN_MODEL = 32,
	LEN_SERIAL = 32,
	LEN_FIRMWARE = 16,
};

/* NUL-padded field; a string that fills it has no NUL on the wire. */
static void put_str(uint8_t *dst, size_t n, const char *s)
{
	size_t l = strnlen(s, n);
	memcpy(dst, s, l);
	memset(dst + l, 0, n - l);
}

static void get_str(char *dst, const uint8_t *src, size_t n)
{
	size_t l = strnlen((const char *)src, n);
	memcpy(dst, src, l);
	dst[l] = '\0';
}

void pmf_info_pack(const struct pd_device_info *info, uint8_t payload[PMF_INFO_LEN])
{
	memset(payload, 0, PMF_INFO_LEN);
	payload[OFF_VERSION] = info->protocol_version;
	payload[OFF_KIND] = info->kind;
	payload[OFF_CELL_BITS] = info->cell_bits;
	payload[OFF_UNIT] = info->unit;
	pmf_put_u16(payload + OFF_ROWS, info->rows);
	pmf_put_u16(payload + OFF_COLS, info->cols);
	pmf_put_f32(payload + OFF_PITCH_X, info->pitch_x_mm);
	pmf_put_f32(payload + OFF_PITCH_Y, info->pitch_y_mm);
	pmf_put_f32(payload + OFF_RATE, info->rate_hz);
	pmf_put_f32(payload + OFF_UNITS_PER_COUNT, info->units_per_count);
	pmf_put_u32(payload + OFF_FULL_SCALE, info->full_scale);
	pmf_put_f32(payload + OFF_RADIUS, info->radius_mm);
	pmf_put_u32(payload + OFF_COUNTS_PER_REV, info->counts_per_rev);
	put_str(payload + OFF_MODEL, LEN_MODEL, info->model);
	put_str(payload + OFF_SERIAL, LEN_SERIAL, info->serial);
	put_str(payload + OFF_FIRMWARE, LEN_FIRMWARE, info->firmware);
}

int pmf_info_unpack(const uint8_t *payload, uint32_t len, struct pd_device_info *info)
{
	if (len != PMF_INFO_LEN)
		return -1;

	struct pd_device_info in;
	memset(&in, 0, sizeof in);
	in.protocol_version = payload[OFF_VERSION];
	in.kind = payload[OFF_KIND];
	in.cell_bits = payload[OFF_CELL_BITS];
	in.unit = payload[OFF_UNIT];
	in.rows = pmf_get_u16(payload + OFF_ROWS);
	in.cols = pmf_get_u16(payload + OFF_COLS);
	in.pitch_x_mm = pmf_get_f32(payload + OFF_PITCH_X);
	in.pitch_y_mm = pmf_get_f32(payload + OFF_PITCH_Y);
	in.rate_hz = pmf_get_f32(payload + OFF_RATE);
	in.units_per_count = pmf_get_f32(payload + OFF_UNITS_PER_COUNT);
	in.full_scale = pmf_get_u32(payload + OFF_FULL_SCALE);
	in.radius_mm = pmf_get_f32(payload + OFF_RADIUS);
	in.counts_per_rev = pmf_get_u32(payload + OFF_COUNTS_PER_REV);
	get_str(in.model, payload + OFF_MODEL, LEN_MODEL);
	get_str(in.serial, payload + OFF_SERIAL, LEN_SERIAL);
	get_str(in.firmware, payload + OFF_FIRMWARE, LEN_FIRMWARE);

	if (in.protocol_version != 1)
		return -1;
	if (in.kind != PD_KIND_MAT && in.kind != PD_KIND_ROLLER)
		return -1;
	if (in.cell_bits != 8 && in.cell_bits != 16)
		return -1;
	if (in.unit > PD_UNIT_NEWTON)
		return -1;
	if (in.rows == 0 || in.cols == 0 || (in.kind == PD_KIND_ROLLER && in.rows != 1))
		return -1;
	/* A raw frame must fit in a packet, or no frame could ever arrive. */
	if (PMF_FRAME_HDR_LEN + pd_frame_cells_bytes(in.rows, in.cols, in.cell_bits) > PMF_MAX_PAYLOAD)
		return -1;
	*info = in;
	return 0;
}
