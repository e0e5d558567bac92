/* The tables an export writes, read once through the recording library's
 * reader (each row the event that was recorded, from either format
 * version), each row as the JSON that was published. */
#include "export_tables.h"

#include <stdio.h>
#include <string.h>

#include "event_json.h"
#include "offline.h"

/* The row's units of the file: every row of a file has the same (the
 * device's unit, or counts). */
static const char *row_units(struct pd_rec_reader *rd)
{
	for (size_t i = 0; pd_rec_event_type(i); i++) {
		enum pd_event_type type = pd_rec_event_type_id(i);
		struct pd_event ev;
		if (pd_rec_reader_event_count(rd, type) && pd_rec_reader_event(rd, type, 0, &ev) == 0 && ev.units)
			return ev.units;
	}
	return pd_rec_reader_info(rd)->unit;
}

static void resolve_units(struct pc_table *t, const char *units)
{
	for (size_t c = 0; c < t->ncols; c++) {
		const char *u = t->col[c].unit;
		if (!u)
			t->unit[c][0] = '\0';
		else if (!strcmp(u, PD_REC_UNIT_ROW))
			snprintf(t->unit[c], sizeof t->unit[c], "%s", units);
		else if (!strcmp(u, PD_REC_UNIT_ROW_S))
			snprintf(t->unit[c], sizeof t->unit[c], "%s*s", units);
		else
			snprintf(t->unit[c], sizeof t->unit[c], "%s", u);
	}
}

static struct pc_table *add(struct pc_tables *ts, const char *name)
{
	struct pc_table *t = &ts->t[ts->n++];
	memset(t, 0, sizeof *t);
	t->name = name;
	t->rows = json_array();
	return t;
}

static void add_col(struct pc_table *t, const char *name, const char *unit, enum pd_rec_col_type type)
{
	t->col[t->ncols++] = (struct pd_rec_column){ name, unit, type };
}

int pc_tables_load(struct pd_rec_reader *rd, const char *file, struct pc_tables *ts)
{
	memset(ts, 0, sizeof *ts);
	const char *units = row_units(rd);
	struct pc_table *durations = NULL;
	for (size_t i = 0; pd_rec_event_type(i); i++) {
		const char *type = pd_rec_event_type(i);
		const char *path = pd_rec_event_path(type);
		struct pc_table *t = add(ts, strrchr(path, '/') + 1);
		t->ncols = pd_rec_event_columns(type, t->col, PC_TABLE_COLS);
		resolve_units(t, units);
		if (!strcmp(type, "pulses")) {
			durations = add(ts, "pulse_durations");
			add_col(durations, "pulse_id", NULL, PD_REC_COL_INT);
			add_col(durations, "index", NULL, PD_REC_COL_INT);
			add_col(durations, "duration", "s", PD_REC_COL_REAL);
			resolve_units(durations, units);
		}
		enum pd_event_type id = pd_rec_event_type_id(i);
		uint64_t n = pd_rec_reader_event_count(rd, id);
		for (uint64_t r = 0; r < n; r++) {
			struct pd_event ev;
			json_t *row = pd_rec_reader_event(rd, id, r, &ev) == 0
					      ? pd_event_to_json(&ev, pd_rec_reader_info(rd)->device_id)
					      : NULL;
			if (!row) {
				fprintf(stderr, "pressctl: %s: %s row %llu: %s\n", file, t->name, (unsigned long long)r,
					pd_rec_reader_error(rd));
				pc_tables_free(ts);
				return -1;
			}
			json_t *ds = json_object_get(row, "durations");
			size_t k;
			json_t *d;
			json_array_foreach(ds, k, d) json_array_append_new(
				durations->rows, json_pack("{s:O, s:I, s:O}", "pulse_id", json_object_get(row, "id"), "index",
							   (json_int_t)k, "duration", d));
			json_object_del(row, "durations");
			json_array_append_new(t->rows, row);
		}
	}
	struct pc_table *g = add(ts, "gaps");
	add_col(g, "after_seq", NULL, PD_REC_COL_INT);
	add_col(g, "missing", NULL, PD_REC_COL_INT);
	size_t ng;
	const struct pd_rec_gap *gv = pd_rec_reader_gaps(rd, &ng);
	for (size_t i = 0; i < ng; i++)
		json_array_append_new(g->rows, json_pack("{s:I, s:I}", "after_seq", (json_int_t)gv[i].after_seq, "missing",
							 (json_int_t)gv[i].missing));
	resolve_units(g, units);
	return 0;
}

void pc_tables_free(struct pc_tables *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		json_decref(ts->t[i].rows);
	ts->n = 0;
}
