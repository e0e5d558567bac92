/* /gaps and the /events tables: one row per call, built column by column from the
 * table's description (schema.c) and the published JSON object. Rows are
 * rare (a few a second at most), so each is written as it comes, through
 * HDF5's chunk cache; the commit's flush makes them visible and durable
 * with the frames. */
#include <math.h>
#include <string.h>

#include "writer.h"

int pd_events_append_row(struct pd_rec *r, hid_t ds, const struct pd_table *t, uint64_t *nrows)
{
	hid_t type = pd_schema_h5type(t);
	int rc = type < 0 ? -1 : pd_slab_append(ds, type, 1, NULL, nrows, r->row);
	if (type >= 0)
		H5Tclose(type);
	return rc ? pd_rec_fail(r, "writing a row of %s", t->path) : 0;
}

/* Fills one column of r->row from the event; -1 (with a reason in why)
 * when the event cannot give it. */
static int column(uint8_t *dst, const struct pd_col *c, const json_t *v, const char **why)
{
	switch (c->kind) {
	case PD_COL_F64: {
		/* Fields with no value are left out of the JSON: NaN here. */
		if (v && !json_is_number(v))
			return *why = "is not a number", -1;
		double d = v ? json_number_value(v) : NAN;
		memcpy(dst, &d, 8);
		return 0;
	}
	case PD_COL_U32:
	case PD_COL_U64:
	case PD_COL_I32: {
		if (!json_is_integer(v))
			return *why = v ? "is not an integer" : "is missing", -1;
		json_int_t i = json_integer_value(v);
		if (c->kind == PD_COL_U64) {
			if (i < 0)
				return *why = "is negative", -1;
			uint64_t u = (uint64_t)i;
			memcpy(dst, &u, 8);
		} else if (c->kind == PD_COL_U32) {
			if (i < 0 || i > (json_int_t)UINT32_MAX)
				return *why = "is out of range", -1;
			uint32_t u = (uint32_t)i;
			memcpy(dst, &u, 4);
		} else {
			if (i < INT32_MIN || i > INT32_MAX)
				return *why = "is out of range", -1;
			int32_t s = (int32_t)i;
			memcpy(dst, &s, 4);
		}
		return 0;
	}
	case PD_COL_BOOL:
		if (!json_is_boolean(v))
			return *why = v ? "is not true/false" : "is missing", -1;
		*dst = json_is_true(v) ? 1 : 0;
		return 0;
	case PD_COL_STR: {
		char buf[PD_REC_LABEL_BYTES + 1];
		if (v && !json_is_string(v))
			return *why = "is not a string", -1;
		/* Cut at a character boundary; the column is NUL-padded, a
		 * text of exactly its size has no NUL. */
		pd_utf8_copy(buf, (size_t)c->len + 1, v ? json_string_value(v) : "");
		memset(dst, 0, c->len);
		memcpy(dst, buf, strlen(buf));
		return 0;
	}
	case PD_COL_F64_ARRAY: {
		/* The first c->len values, NaN after the last one given. */
		if (v && !json_is_array(v))
			return *why = "is not an array", -1;
		for (size_t k = 0; k < c->len; k++) {
			json_t *e = v ? json_array_get(v, k) : NULL;
			double d = json_is_number(e) ? json_number_value(e) : NAN;
			memcpy(dst + 8 * k, &d, 8);
		}
		return 0;
	}
	}
	return *why = "has an unknown kind", -1;
}

/* Types that are published but have no table. */
static bool untabled(const char *type)
{
	static const char *const names[] = { "contact", "status", "recording", "frame", "tare" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(type, names[i]))
			return true;
	return false;
}

/* A pulse set's durations, a row each (no array fields: every tool reads
 * a plain table). The set's row is written first; a bad duration is NaN. */
static int pulse_durations(struct pd_rec *r, const json_t *ev)
{
	const struct pd_table *t = &pd_pulse_duration_table;
	uint32_t id = (uint32_t)json_integer_value(json_object_get(ev, "id"));
	const json_t *ds = json_object_get(ev, "durations");
	size_t i;
	const json_t *d;
	json_array_foreach(ds, i, d) {
		uint32_t index = (uint32_t)i;
		double v = json_is_number(d) ? json_number_value(d) : NAN;
		memcpy(r->row + t->offset[0], &id, 4);
		memcpy(r->row + t->offset[1], &index, 4);
		memcpy(r->row + t->offset[2], &v, 8);
		int rc = pd_events_append_row(r, r->l.pulse_durations, t, &r->pulse_durations);
		if (rc)
			return rc;
	}
	return 0;
}

int pd_rec_append_event(struct pd_rec *r, const char *type, const json_t *ev)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	pd_h5_quiet();
	if (!json_is_object(ev))
		return pd_rec_reject(r, "event: not a JSON object");
	const char *own = json_string_value(json_object_get(ev, "type"));
	if (!type)
		type = own;
	if (!type)
		return pd_rec_reject(r, "event: no type");
	if (own && strcmp(own, type))
		return pd_rec_reject(r, "event: type '%s' given for a '%s' object", type, own);
	if (untabled(type))
		return 0;
	const struct pd_table *t = pd_schema_find(type);
	if (!t)
		return pd_rec_reject(r, "event: unknown type '%s'", type);
	if (t->phase) {
		/* Only finished events: a hold's start and progress are not. */
		const char *phase = json_string_value(json_object_get(ev, "phase"));
		if (!phase || strcmp(phase, t->phase))
			return 0;
	}
	for (size_t i = 0; i < t->ncols; i++) {
		const char *why = "";
		if (column(r->row + t->offset[i], &t->cols[i], json_object_get(ev, t->cols[i].name), &why))
			return pd_rec_reject(r, "%s event: '%s' %s", type, t->cols[i].name, why);
	}
	size_t k = (size_t)(t - pd_event_tables);
	int rc = pd_events_append_row(r, r->l.events[k], t, &r->rows[k]);
	if (rc == 0 && !strcmp(type, "pulses"))
		rc = pulse_durations(r, ev);
	return rc;
}

int pd_rec_append_gap(struct pd_rec *r, uint32_t after_seq, uint32_t missing)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	pd_h5_quiet();
	memcpy(r->row + pd_gap_table.offset[0], &after_seq, 4);
	memcpy(r->row + pd_gap_table.offset[1], &missing, 4);
	return pd_events_append_row(r, r->l.gaps, &pd_gap_table, &r->gaps);
}

int pd_rec_append_tare(struct pd_rec *r, double t, const float *cells)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	if (!cells)
		return pd_rec_reject(r, "tare: no baseline");
	pd_h5_quiet();
	hsize_t geo[2] = { r->info.rows, r->info.cols };
	uint64_t k = r->tares;
	if (pd_slab_append(r->l.tare, H5T_NATIVE_FLOAT, 3, geo, &k, cells) != 0)
		return pd_rec_fail(r, "writing /tare");
	k = r->tares;
	if (pd_slab_append(r->l.tare_t, H5T_NATIVE_DOUBLE, 1, NULL, &k, &t) != 0)
		return pd_rec_fail(r, "writing /tare_t");
	r->tares = k;
	return 0;
}
