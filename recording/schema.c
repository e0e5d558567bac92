/* The compound tables: /gaps and the /events tables. One description per table,
 * column for column the fields of the published JSON (events.md), so the
 * writer (events.c) and the reader (reader.c) cannot disagree about them.
 *
 * Left out on purpose: `v`, `type` and `device`, the same in every row of
 * a file (the table's name is the type, the root's device_id the device),
 * and a hold's `phase`, which is always "end" here (start and progress are
 * not finished events). The reader puts them back. */
#include <pthread.h>
#include <string.h>

#include "rec_internal.h"

#define COMMON \
	{ "seq", PD_COL_U64, 0 }, { "t", PD_COL_F64, 0 }, { "time", PD_COL_F64, 0 }, { "frame", PD_COL_U32, 0 }
#define UNITS { "units", PD_COL_STR, PD_REC_UNITS_BYTES }
#define F(name) { name, PD_COL_F64, 0 }
#define U(name) { name, PD_COL_U32, 0 }

static const struct pd_col press_cols[] = {
	COMMON, U("id"), U("contact"), F("t_start"), F("duration"), F("peak"), F("mean"), F("impulse"),
	F("x"), F("y"), UNITS,
};

static const struct pd_col hold_cols[] = {
	COMMON, U("id"), U("contact"), F("x"), F("y"), F("t_start"), F("duration"), F("peak"), F("mean"),
	F("impulse"), F("drift_mm"), F("target_s"), { "reached", PD_COL_BOOL, 0 }, UNITS,
};

static const struct pd_col pulses_cols[] = {
	COMMON, U("id"), F("x"), F("y"), U("count"), { "durations", PD_COL_F64_ARRAY, PD_REC_PULSE_DURATIONS },
	F("t_start"), F("t_end"), UNITS, F("mean_peak"),
};

static const struct pd_col stroke_cols[] = {
	COMMON, U("id"), U("contact"), F("x0"), F("y0"), F("x1"), F("y1"), F("length_mm"), F("duration"),
	F("speed_mm_s"), F("direction_deg"), F("mean"), F("peak"), U("pass"), UNITS,
};

static const struct pd_col roll_cols[] = {
	COMMON, U("id"), F("from_mm"), F("to_mm"), F("length_mm"), F("duration"), F("speed_mm_s"),
	{ "direction", PD_COL_I32, 0 }, F("mean_force"), F("peak_force"), F("peak_axis_mm"), UNITS,
};

/* A mark comes from a control command, not a frame: no t, no frame. */
static const struct pd_col mark_cols[] = {
	{ "seq", PD_COL_U64, 0 }, { "time", PD_COL_F64, 0 }, { "label", PD_COL_STR, PD_REC_LABEL_BYTES },
};

static const struct pd_col gap_cols[] = { U("after_seq"), U("missing") };

#define N(a) (sizeof a / sizeof a[0])

struct pd_table pd_event_tables[PD_NTABLES] = {
	{ "press", "/events/presses", NULL, true, press_cols, N(press_cols), 0, { 0 } },
	{ "hold", "/events/holds", "end", true, hold_cols, N(hold_cols), 0, { 0 } },
	{ "pulses", "/events/pulses", NULL, true, pulses_cols, N(pulses_cols), 0, { 0 } },
	{ "stroke", "/events/strokes", NULL, true, stroke_cols, N(stroke_cols), 0, { 0 } },
	{ "roll", "/events/rolls", NULL, true, roll_cols, N(roll_cols), 0, { 0 } },
	{ "mark", "/events/marks", NULL, false, mark_cols, N(mark_cols), 0, { 0 } },
};

struct pd_table pd_gap_table = { "gap", "/gaps", NULL, false, gap_cols, N(gap_cols), 0, { 0 } };

size_t pd_col_bytes(const struct pd_col *c)
{
	switch (c->kind) {
	case PD_COL_U32:
	case PD_COL_I32: return 4;
	case PD_COL_U64:
	case PD_COL_F64: return 8;
	case PD_COL_BOOL: return 1;
	case PD_COL_STR: return c->len;
	case PD_COL_F64_ARRAY: return 8u * c->len;
	}
	return 0;
}

static void lay_out(struct pd_table *t)
{
	size_t off = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		t->offset[i] = off;
		off += pd_col_bytes(&t->cols[i]);
	}
	t->row_bytes = off;
}

static void init_once(void)
{
	for (size_t i = 0; i < PD_NTABLES; i++)
		lay_out(&pd_event_tables[i]);
	lay_out(&pd_gap_table);
}

void pd_schema_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
}

const struct pd_table *pd_schema_find(const char *type)
{
	pd_schema_init();
	for (size_t i = 0; type && i < PD_NTABLES; i++)
		if (!strcmp(pd_event_tables[i].type, type))
			return &pd_event_tables[i];
	return NULL;
}

/* h5py reads an int8 enum of exactly FALSE = 0, TRUE = 1 as numpy bool,
 * hdf5r as logical; MATLAB shows the names. */
static hid_t bool_type(void)
{
	hid_t e = H5Tenum_create(H5T_STD_I8LE);
	int8_t v = 0;
	H5Tenum_insert(e, "FALSE", &v);
	v = 1;
	H5Tenum_insert(e, "TRUE", &v);
	return e;
}

static hid_t col_type(const struct pd_col *c)
{
	switch (c->kind) {
	case PD_COL_U32: return H5Tcopy(H5T_STD_U32LE);
	case PD_COL_I32: return H5Tcopy(H5T_STD_I32LE);
	case PD_COL_U64: return H5Tcopy(H5T_STD_U64LE);
	case PD_COL_F64: return H5Tcopy(H5T_IEEE_F64LE);
	case PD_COL_BOOL: return bool_type();
	case PD_COL_STR: {
		/* Fixed size, NUL-padded (numpy's 'S' dtype); UTF-8 as the
		 * JSON text it came from. */
		hid_t s = H5Tcopy(H5T_C_S1);
		H5Tset_size(s, c->len);
		H5Tset_strpad(s, H5T_STR_NULLPAD);
		H5Tset_cset(s, H5T_CSET_UTF8);
		return s;
	}
	case PD_COL_F64_ARRAY: {
		hsize_t n = c->len;
		return H5Tarray_create2(H5T_IEEE_F64LE, 1, &n);
	}
	}
	return H5I_INVALID_HID;
}

hid_t pd_schema_h5type(const struct pd_table *t)
{
	pd_schema_init();
	hid_t ct = H5Tcreate(H5T_COMPOUND, t->row_bytes);
	if (ct < 0)
		return H5I_INVALID_HID;
	for (size_t i = 0; i < t->ncols; i++) {
		hid_t m = col_type(&t->cols[i]);
		herr_t rc = m < 0 ? -1 : H5Tinsert(ct, t->cols[i].name, t->offset[i], m);
		if (m >= 0)
			H5Tclose(m);
		if (rc < 0) {
			H5Tclose(ct);
			return H5I_INVALID_HID;
		}
	}
	return ct;
}
