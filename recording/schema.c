/* The compound tables: /gaps, the /events tables and
 * /events/pulse_durations. The event tables come from the events' one
 * declaration (model/events.def): column for column the fields of the
 * published JSON (events.md), so the writer (events.c), the reader
 * (reader.c) and the publisher cannot disagree about them.
 *
 * Left out on purpose: `v`, `type` and `device`, the same in every row of
 * a file (the table's name is the type, the root's device_id the device),
 * and a hold's `phase`, which is always "end" here (start and progress are
 * not finished events). The reader puts them back. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

/* Column units, for the CSV headers, the MAT export and the tables'
 * descriptions: a unit, PD_U_P for the row's `units` (a pressure, or a
 * force on a roller), PD_U_PS for those units times seconds. */
#define S "s"
#define MM "mm"
#define F(name, unit) { name, PD_COL_F64, 0, unit, NULL, PD_ENV_NONE }
#define U(name) { name, PD_COL_U32, 0, NULL, NULL, PD_ENV_NONE }

/* The common columns an envelope has, in the order of every table. */
static const struct pd_col env_cols[] = {
	{ "seq", PD_COL_U64, 0, NULL, NULL, PD_ENV_SEQ }, { "t", PD_COL_F64, 0, S, NULL, PD_ENV_T },
	{ "time", PD_COL_F64, 0, S, NULL, PD_ENV_TIME }, { "frame", PD_COL_U32, 0, NULL, NULL, PD_ENV_FRAME_SEQ },
};

static bool env_has(enum pd_envelope e, enum pd_env_col c)
{
	switch (c) {
	case PD_ENV_SEQ: return pd_env_has_seq(e);
	case PD_ENV_TIME: return pd_env_has_time(e);
	case PD_ENV_T:
	case PD_ENV_FRAME_SEQ: return pd_env_has_frame(e);
	case PD_ENV_NONE: break;
	}
	return false;
}

/* A field's column, or false for a field that is no column (a LIST has a
 * table of its own). */
static bool field_col(const struct pd_field *f, struct pd_col *c)
{
	*c = (struct pd_col){ f->name, PD_COL_F64, 0, pd_field_unit_name(f->unit), f, PD_ENV_NONE };
	switch (f->kind) {
	case PD_FK_U32: c->kind = PD_COL_U32; return true;
	case PD_FK_I32: c->kind = PD_COL_I32; return true;
	case PD_FK_F64: return true;
	case PD_FK_BOOL: c->kind = PD_COL_BOOL; return true;
	case PD_FK_UNITS: c->kind = PD_COL_STR, c->len = PD_REC_UNITS_BYTES; return true;
	case PD_FK_LABEL: c->kind = PD_COL_STR, c->len = PD_REC_LABEL_BYTES; return true;
	case PD_FK_KEY: c->kind = PD_COL_STR, c->len = PD_REC_SETTING_BYTES; return true;
	case PD_FK_LIST: return false;
	}
	return false;
}

static const struct pd_col pulse_duration_cols[] = {
	U("pulse_id"), U("index"), F("duration", S),
};

static const struct pd_col gap_cols[] = { U("after_seq"), U("missing") };

/* Version 1's pulse sets, for reading the files of earlier releases. */
static const struct pd_col pulses_v1_cols[] = {
	{ "seq", PD_COL_U64, 0, NULL, NULL, PD_ENV_SEQ }, { "t", PD_COL_F64, 0, S, NULL, PD_ENV_T },
	{ "time", PD_COL_F64, 0, S, NULL, PD_ENV_TIME }, { "frame", PD_COL_U32, 0, NULL, NULL, PD_ENV_FRAME_SEQ },
	U("id"), F("x", MM), F("y", MM), U("count"),
	{ "durations", PD_COL_F64_ARRAY, PD_REC_PULSE_DURATIONS, S, NULL, PD_ENV_NONE }, F("t_start", S),
	F("t_end", S), { "units", PD_COL_STR, PD_REC_UNITS_BYTES, NULL, NULL, PD_ENV_NONE }, F("mean_peak", PD_U_P),
};

#define N(a) (sizeof a / sizeof a[0])
#define TABLE(type, path, cols, what) { type, path, PD_PHASE_NONE, cols, N(cols), what, 0, { 0 }, -1 }

/* The event tables: every type of model/events.def that names a table,
 * in declaration order, its columns the envelope's and then its fields'
 * (built once, by pd_schema_init). */
struct pd_table pd_event_tables[PD_NTABLES];
static struct pd_col event_cols[PD_NTABLES][PD_TABLE_MAX_COLS];

struct pd_table pd_gap_table = TABLE("gap", "/gaps", gap_cols,
				     "Frames missing from /frames: `missing` frames after device sequence number "
				     "`after_seq`, lost by the device's link or by a recorder its disk stalled.");
struct pd_table pd_pulse_duration_table =
	TABLE("pulse_duration", "/events/pulse_durations", pulse_duration_cols,
	      "The duration (s) of each press of a pulse set: pulse set `pulse_id` (an id of /events/pulses), "
	      "its `index`-th press (0-based).");
struct pd_table pd_pulses_v1_table = TABLE("pulses", "/events/pulses", pulses_v1_cols, "");

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

static void build_event_tables(void)
{
	size_t k = 0;
	for (int ty = 0; ty < PD_EV_COUNT; ty++) {
		const struct pd_event_desc *d = pd_event_desc((enum pd_event_type)ty);
		if (!d->table)
			continue;
		if (k == PD_NTABLES)
			abort(); /* PD_NTABLES is behind model/events.def */
		struct pd_col *cols = event_cols[k];
		size_t n = 0;
		for (size_t e = 0; e < N(env_cols); e++)
			if (env_has(d->envelope, env_cols[e].env))
				cols[n++] = env_cols[e];
		for (size_t i = 0; i < d->nfields; i++) {
			if (n == PD_TABLE_MAX_COLS)
				abort(); /* PD_TABLE_MAX_COLS is behind model/events.def */
			if (field_col(&d->fields[i], &cols[n]))
				n++;
		}
		pd_event_tables[k++] = (struct pd_table){ d->name, d->table, d->stored_phase, cols, n, d->description,
							  0, { 0 }, d->type };
	}
	if (k != PD_NTABLES)
		abort(); /* PD_NTABLES is ahead of model/events.def */
}

static void init_once(void)
{
	build_event_tables();
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

const struct pd_table *pd_schema_table(enum pd_event_type type)
{
	pd_schema_init();
	for (size_t i = 0; i < PD_NTABLES; i++)
		if ((int)pd_event_tables[i].event == (int)type)
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

enum pd_event_type pd_rec_event_type_id(size_t i)
{
	pd_schema_init();
	return i < PD_NTABLES ? (enum pd_event_type)pd_event_tables[i].event : PD_EV_COUNT;
}

const char *pd_rec_event_type(size_t i)
{
	pd_schema_init();
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
