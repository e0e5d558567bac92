/* What every device driver hands the rest of pressd: the device's
 * description (pmf INFO, or the same fields from the URI/config for
 * protocols that do not announce them) and decoded frames. */
#ifndef PD_FRAME_H
#define PD_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pd_kind { PD_KIND_MAT = 1, PD_KIND_ROLLER = 2 };
enum pd_unit { PD_UNIT_COUNTS = 0, PD_UNIT_KPA = 1, PD_UNIT_NEWTON = 2, PD_UNIT_MMHG = 3 }; /* mmHg: imported recordings only */

/* Field for field the pmf INFO payload (serial-protocols.md §1). */
struct pd_device_info {
	uint8_t protocol_version;
	uint8_t kind;      /* enum pd_kind */
	uint8_t cell_bits; /* 8 or 16 */
	uint8_t unit;      /* enum pd_unit */
	uint16_t rows;     /* roller: 1 */
	uint16_t cols;     /* roller: load cells along the axis */
	float pitch_x_mm;
	float pitch_y_mm;
	float rate_hz;
	float units_per_count; /* 0 when unit is counts */
	uint32_t full_scale;
	float radius_mm;         /* roller only */
	uint32_t counts_per_rev; /* roller only */
	char model[33];
	char serial[33];
	char firmware[17];
};

/* Host receive time of the read that completed a frame. */
struct pd_rx_time {
	int64_t utc_ns;  /* CLOCK_REALTIME */
	int64_t mono_ns; /* CLOCK_MONOTONIC */
};

/* One decoded frame (mat) or sample (roller). `cells` points into the
 * decoder's own buffer and is valid only during the callback: rows × cols
 * cells, row-major, each one byte (cell_bits 8) or a little-endian u16
 * (cell_bits 16), exactly as the device sent them. */
struct pd_frame {
	uint32_t seq;            /* device sequence number; assigned by pressd where the protocol has none */
	uint64_t device_time_us; /* device clock; host monotonic time where the protocol has none */
	struct pd_rx_time rx;
	int32_t encoder; /* roller only */
	bool has_encoder;
	uint16_t rows, cols;
	uint8_t cell_bits;
	const void *cells;
};

static inline size_t pd_frame_cells_bytes(uint16_t rows, uint16_t cols, uint8_t cell_bits)
{
	return (size_t)rows * cols * (cell_bits == 16 ? 2u : 1u);
}

/* Cell i (row-major) of a frame: cells are little-endian. */
static inline unsigned pd_frame_cell(const struct pd_frame *f, size_t i)
{
	const uint8_t *c = f->cells;
	return f->cell_bits == 16 ? (unsigned)c[2 * i] | (unsigned)c[2 * i + 1] << 8 : c[i];
}

static inline const char *pd_unit_name(uint8_t unit)
{
	return unit == PD_UNIT_KPA ? "kPa" : unit == PD_UNIT_NEWTON ? "N" : unit == PD_UNIT_MMHG ? "mmHg" : "counts";
}

static inline const char *pd_kind_name(uint8_t kind)
{
	return kind == PD_KIND_ROLLER ? "roller" : "mat";
}

#endif
