/* The compound tables: /gaps, the /events tables and
 * /events/pulse_durations. One description per table,
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

/* Column units, for the CSV headers, the MAT export and the tables'
 * descriptions: a unit, PD_U_P for the row's `units` (a pressure, or a
 * force on a roller), PD_U_PS for those units times seconds. */
#define S "s"
#define MM "mm"
#define COMMON \
	{ "seq", PD_COL_U64, 0, NULL }, { "t", PD_COL_F64, 0, S }, { "time", PD_COL_F64, 0, S }, \
	{ "frame", PD_COL_U32, 0, NULL }
#define UNITS { "units", PD_COL_STR, PD_REC_UNITS_BYTES, NULL }
#define F(name, unit) { name, PD_COL_F64, 0, unit }
#define U(name) { name, PD_COL_U32, 0, NULL }

static const struct pd_col press_cols[] = {
	COMMON, U("id"), U("contact"), F("t_start", S), F("duration", S), F("peak", PD_U_P), F("mean", PD_U_P),
	F("impulse", PD_U_PS), F("x", MM), F("y", MM), UNITS,
};

static const struct pd_col hold_cols[] = {
	COMMON, U("id"), U("contact"), F("x", MM), F("y", MM), F("t_start", S), F("duration", S), F("peak", PD_U_P),
	F("mean", PD_U_P), F("impulse", PD_U_PS), F("drift_mm", MM), F("target_s", S),
	{ "reached", PD_COL_BOOL, 0, NULL }, UNITS,
};

/* Version 2: a set's durations are rows of /events/pulse_durations. */
static const struct pd_col pulses_cols[] = {
	COMMON, U("id"), F("x", MM), F("y", MM), U("count"), F("t_start", S), F("t_end", S), UNITS,
	F("mean_peak", PD_U_P),
};

static const struct pd_col stroke_cols[] = {
	COMMON, U("id"), U("contact"), F("x0", MM), F("y0", MM), F("x1", MM), F("y1", MM), F("length_mm", MM),
	F("duration", S), F("speed_mm_s", "mm/s"), F("direction_deg", "deg"), F("mean", PD_U_P), F("peak", PD_U_P),
	U("pass"), UNITS,
};

static const struct pd_col roll_cols[] = {
	COMMON, U("id"), F("from_mm", MM), F("to_mm", MM), F("length_mm", MM), F("duration", S),
	F("speed_mm_s", "mm/s"), { "direction", PD_COL_I32, 0, NULL }, F("mean_force", PD_U_P),
	F("peak_force", PD_U_P), F("peak_axis_mm", MM), UNITS,
};

/* A mark comes from a control command, not a frame: no t, no frame. */
static const struct pd_col mark_cols[] = {
	{ "seq", PD_COL_U64, 0, NULL }, { "time", PD_COL_F64, 0, S }, { "label", PD_COL_STR, PD_REC_LABEL_BYTES, NULL },
};

/* A `set` (or a reload) that changed a parameter: from frame `frame` on. */
static const struct pd_col setting_cols[] = {
	{ "t", PD_COL_F64, 0, S }, { "frame", PD_COL_U32, 0, NULL },
	{ "key", PD_COL_STR, PD_REC_SETTING_BYTES, NULL }, { "value", PD_COL_STR, PD_REC_SETTING_BYTES, NULL },
};

static const struct pd_col pulse_duration_cols[] = {
	U("pulse_id"), U("index"), F("duration", S),
};

static const struct pd_col gap_cols[] = { U("after_seq"), U("missing") };

/* Version 1's pulse sets, for reading the files of earlier releases. */
static const struct pd_col pulses_v1_cols[] = {
	COMMON, U("id"), F("x", MM), F("y", MM), U("count"),
	{ "durations", PD_COL_F64_ARRAY, PD_REC_PULSE_DURATIONS, S }, F("t_start", S), F("t_end", S), UNITS,
	F("mean_peak", PD_U_P),
};

#define N(a) (sizeof a / sizeof a[0])
#define TABLE(type, path, phase, frame_fields, cols, what) \
	{ type, path, phase, frame_fields, cols, N(cols), what, 0, { 0 } }

struct pd_table pd_event_tables[PD_NTABLES] = {
	TABLE("press", "/events/presses", NULL, true, press_cols,
	      "Presses (analysis.md), one row per finished press: when it ended (t, frame), when it began "
	      "(t_start) and how long it lasted, peak, mean and impulse in the row's units, where (x, y, mm)."),
	TABLE("hold", "/events/holds", "end", true, hold_cols,
	      "Holds (compressions settled hold_min_s or more), one row per finished hold: position (mm), "
	      "duration (s), peak and mean in the row's units, impulse, drift, the target and whether it was reached."),
	TABLE("pulses", "/events/pulses", NULL, true, pulses_cols,
	      "Pulse sets (presses repeated on one spot), one row per finished set: count, start and end (s), "
	      "mean peak in the row's units; each press's duration is a row of /events/pulse_durations."),
	TABLE("stroke", "/events/strokes", NULL, true, stroke_cols,
	      "Strokes (glides), one row each: start and end (mm), length, duration, speed, direction "
	      "(degrees, 0 = +x, 90 = +y), mean and peak in the row's units, and the pass over the same spot."),
	TABLE("roll", "/events/rolls", NULL, true, roll_cols,
	      "Rolls of a roller between direction reversals, one row each: from, to and length (mm), duration, "
	      "speed, direction (+1/-1), mean and peak force in the row's units, where along the axis it peaked."),
	TABLE("mark", "/events/marks", NULL, false, mark_cols,
	      "Marks (annotations given through the control socket): host time (s since 1970) and label."),
	TABLE("setting", "/events/settings", NULL, true, setting_cols,
	      "Analysis parameters changed during the file (control `set`, a reload): each key's new value, "
	      "as written in the config, in force from frame `frame` (device time t, s) on."),
};

struct pd_table pd_gap_table = TABLE("gap", "/gaps", NULL, false, gap_cols,
				     "Frames missing from /frames: `missing` frames after device sequence number "
				     "`after_seq`, lost by the device's link or by a recorder its disk stalled.");
struct pd_table pd_pulse_duration_table =
	TABLE("pulse_duration", "/events/pulse_durations", NULL, false, pulse_duration_cols,
	      "The duration (s) of each press of a pulse set: pulse set `pulse_id` (an id of /events/pulses), "
	      "its `index`-th press (0-based).");
struct pd_table pd_pulses_v1_table = TABLE("pulses", "/events/pulses", NULL, true, pulses_v1_cols, "");

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
	lay_out(&pd_pulse_duration_table);
	lay_out(&pd_pulses_v1_table);
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

/* ---- the public description of the tables (recording.h) ------------------- */

const char *pd_rec_event_type(size_t i)
{
	return i < PD_NTABLES ? pd_event_tables[i].type : NULL;
}

const char *pd_rec_event_path(const char *type)
{
	const struct pd_table *t = pd_schema_find(type);
	return t ? t->path : NULL;
}

const char *pd_rec_event_description(const char *type)
{
	const struct pd_table *t = pd_schema_find(type);
	return t ? t->description : NULL;
}

size_t pd_rec_event_columns(const char *type, struct pd_rec_column *out, size_t max)
{
	const struct pd_table *t = pd_schema_find(type);
	size_t n = 0;
	for (size_t i = 0; t && i < t->ncols && n < max; i++) {
		const struct pd_col *c = &t->cols[i];
		enum pd_rec_col_type ty = c->kind == PD_COL_F64 ? PD_REC_COL_REAL
					: c->kind == PD_COL_BOOL ? PD_REC_COL_BOOL
					: c->kind == PD_COL_STR ? PD_REC_COL_TEXT
								: PD_REC_COL_INT;
		out[n++] = (struct pd_rec_column){ c->name, c->unit, ty };
	}
	return n;
}
