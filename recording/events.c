/* /gaps and the /events tables: one row per call, built column by column from the
 * table's description (schema.c) and the event's struct. Rows are
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

/* The value of one column of the event's row. */
static void column(uint8_t *dst, const struct pd_col *c, const struct pd_event *ev)
{
	if (c->env != PD_ENV_NONE) {
		switch (c->env) {
		case PD_ENV_SEQ: memcpy(dst, &ev->seq, 8); break;
		case PD_ENV_T: memcpy(dst, &ev->t, 8); break;
		case PD_ENV_TIME: memcpy(dst, &ev->time, 8); break;
		case PD_ENV_FRAME_SEQ: memcpy(dst, &ev->frame, 4); break;
		case PD_ENV_NONE: break;
		}
		return;
	}
	const struct pd_field *f = c->field;
	const void *p = pd_field_cptr(f, ev);
	switch (c->kind) {
	case PD_COL_F64: {
		/* A field with no value in this phase is NaN, as it is left
		 * out of the JSON. */
		double d = pd_field_present(f, ev) ? *(const double *)p : NAN;
		memcpy(dst, &d, 8);
		return;
	}
	case PD_COL_U32:
	case PD_COL_I32: memcpy(dst, p, 4); return;
	case PD_COL_U64: memcpy(dst, p, 8); return;
	case PD_COL_BOOL: *dst = *(const bool *)p ? 1 : 0; return;
	case PD_COL_STR: {
		/* Cut at a character boundary; the column is NUL-padded, a
		 * text of exactly its size has no NUL. */
		char buf[PD_REC_LABEL_BYTES + 1];
		const char *text = f->kind == PD_FK_UNITS ? (ev->units ? ev->units : "counts") : p;
		pd_utf8_copy(buf, (size_t)c->len + 1, text);
		memset(dst, 0, c->len);
		memcpy(dst, buf, strlen(buf));
		return;
	}
	case PD_COL_F64_ARRAY: return; /* version 1 only: never written */
	}
}

/* A pulse set's durations, a row each (no array fields: every tool reads
 * a plain table). The set's row is written first. */
static int pulse_durations(struct pd_rec *r, const struct pd_ev_pulses *p)
{
	const struct pd_table *t = &pd_pulse_duration_table;
	for (uint32_t i = 0; i < p->ndurations && i < PD_PULSES_MAX_LISTED; i++) {
		memcpy(r->row + t->offset[0], &p->id, 4);
		memcpy(r->row + t->offset[1], &i, 4);
		memcpy(r->row + t->offset[2], &p->durations[i], 8);
		int rc = pd_events_append_row(r, r->l.pulse_durations, t, &r->pulse_durations);
		if (rc)
			return rc;
	}
	return 0;
}

int pd_rec_append_event(struct pd_rec *r, const struct pd_event *ev)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	pd_h5_quiet();
	if (!ev || !pd_event_desc(ev->type))
		return pd_rec_reject(r, "event: unknown type %d", ev ? (int)ev->type : -1);
	/* Only finished events with a table: not a contact or a tare, not a
	 * hold's start or progress. */
	if (!pd_event_recorded(ev))
		return 0;
	const struct pd_table *t = pd_schema_table(ev->type);
	for (size_t i = 0; i < t->ncols; i++)
		column(r->row + t->offset[i], &t->cols[i], ev);
	size_t k = (size_t)(t - pd_event_tables);
	int rc = pd_events_append_row(r, r->l.events[k], t, &r->rows[k]);
	if (rc == 0 && ev->type == PD_EV_PULSES)
		rc = pulse_durations(r, &ev->u.pulses);
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
