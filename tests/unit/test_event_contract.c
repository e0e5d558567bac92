/* The event contract is declared once (model/events.def): every field of
 * every type must reach the JSON on the wire (and come back from it), the
 * -vv log line, its HDF5 table (written and read back through a real
 * file) and the schema the pages read (/api/schema). A field added to the
 * declaration and missed by any of them fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event_json.h"
#include "recording.h"

/* Every field of a type set to a value of its own (the k-th field k + 0.25,
 * and so on), every optional field present, at phase end. */
static struct pd_event full_event(enum pd_event_type type)
{
	struct pd_event ev;
	pd_event_init(&ev, type);
	const struct pd_event_desc *d = pd_event_desc(type);
	ev.phase = d->stored_phase ? d->stored_phase : (type == PD_EV_CONTACT ? PD_PHASE_END : PD_PHASE_NONE);
	ev.t = d->envelope == PD_ENV_HOST ? NAN : 12.5;
	ev.frame = d->envelope == PD_ENV_HOST ? 0 : 1250;
	ev.seq = d->envelope == PD_ENV_CHANGE ? 0 : 7;
	ev.time = d->envelope == PD_ENV_CHANGE ? NAN : 1790000012.5;
	for (size_t k = 0; k < d->nfields; k++) {
		const struct pd_field *f = &d->fields[k];
		void *p = pd_field_ptr(f, &ev);
		switch (f->kind) {
		case PD_FK_U32:
		case PD_FK_I32:
		case PD_FK_F64: pd_field_set_number(f, &ev, f->kind == PD_FK_F64 ? (double)k + 0.25 : (double)k + 1); break;
		case PD_FK_BOOL: *(bool *)p = true; break;
		case PD_FK_LIST: {
			uint32_t *n = (uint32_t *)((char *)&ev + f->count_offset);
			*n = 3;
			for (int i = 0; i < 3; i++)
				((double *)p)[i] = 1.5 + i;
			break;
		}
		case PD_FK_UNITS: ev.units = "kPa"; break;
		case PD_FK_LABEL:
		case PD_FK_KEY: snprintf(p, f->kind == PD_FK_LABEL ? PD_EV_LABEL_BYTES : PD_EV_KEY_BYTES, "v%zu ü", k); break;
		}
		if (f->when == PD_FW_IF_SET)
			*(bool *)((char *)&ev + f->count_offset) = true;
	}
	return ev;
}

static void every_field_in_the_json_both_ways(void **state)
{
	(void)state;
	for (int t = 0; t < PD_EV_COUNT; t++) {
		struct pd_event ev = full_event((enum pd_event_type)t);
		const struct pd_event_desc *d = pd_event_desc(ev.type);
		json_t *j = pd_event_to_json(&ev, "mat0");
		assert_non_null(j);
		for (size_t k = 0; k < d->nfields; k++)
			if (!json_object_get(j, d->fields[k].name))
				fail_msg("%s: field '%s' is not in the JSON", d->name, d->fields[k].name);
		struct pd_event back;
		char err[256];
		if (pd_event_from_json(j, &back, err, sizeof err) != 0)
			fail_msg("%s: %s", d->name, err);
		json_t *again = pd_event_to_json(&back, "mat0");
		if (!json_equal(j, again)) {
			char *a = json_dumps(j, JSON_SORT_KEYS), *b = json_dumps(again, JSON_SORT_KEYS);
			fail_msg("%s: JSON → struct → JSON differs:\n%s\n%s", d->name, a, b);
		}
		json_decref(again);
		json_decref(j);
	}
}

static void every_field_in_the_log_line(void **state)
{
	(void)state;
	for (int t = 0; t < PD_EV_COUNT; t++) {
		struct pd_event ev = full_event((enum pd_event_type)t);
		const struct pd_event_desc *d = pd_event_desc(ev.type);
		char line[2048], want[64];
		pd_event_format(line, sizeof line, &ev);
		for (size_t k = 0; k < d->nfields; k++) {
			snprintf(want, sizeof want, " %s=", d->fields[k].name);
			if (!strstr(line, want))
				fail_msg("%s: field '%s' is not in the log line: %s", d->name, d->fields[k].name, line);
		}
	}
}

static void every_field_in_the_schema(void **state)
{
	(void)state;
	json_t *s = pd_event_schema_json();
	json_t *types = json_object_get(s, "types");
	for (int t = 0; t < PD_EV_COUNT; t++) {
		const struct pd_event_desc *d = pd_event_desc((enum pd_event_type)t);
		json_t *fields = json_object_get(json_object_get(types, d->name), "fields");
		assert_int_equal(json_array_size(fields), d->nfields);
		for (size_t k = 0; k < d->nfields; k++)
			assert_string_equal(json_string_value(json_object_get(json_array_get(fields, k), "name")),
					    d->fields[k].name);
	}
	json_decref(s);
}

/* Every recorded type through a real file: each field a column (a LIST
 * its own table), each value back as written. */
static void every_field_in_the_hdf5_table(void **state)
{
	(void)state;
	char dir[] = "/tmp/pd_contract_XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct pd_device_info info = { .protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = 8, .rows = 2,
				       .cols = 2, .pitch_x_mm = 10, .pitch_y_mm = 10, .rate_hz = 100 };
	struct pd_rec_params p = { .dir = dir, .device_id = "mat0", .info = &info, .protocol = "sim", .uri = "sim:",
				   .start_utc_ns = 1790000000000000000, .no_sync = true };
	struct pd_rec *r;
	char err[256];
	if (pd_rec_create(&r, &p, err, sizeof err))
		fail_msg("%s", err);
	for (int t = 0; t < PD_EV_COUNT; t++) {
		struct pd_event ev = full_event((enum pd_event_type)t);
		assert_int_equal(pd_rec_append_event(r, &ev), 0);
	}
	char path[512];
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	assert_int_equal(pd_rec_close(r, err, sizeof err), 0);
	struct pd_rec_reader *rd;
	if (pd_rec_reader_open(&rd, path, err, sizeof err))
		fail_msg("%s", err);
	size_t tables = 0;
	for (int t = 0; t < PD_EV_COUNT; t++) {
		const struct pd_event_desc *d = pd_event_desc((enum pd_event_type)t);
		if (!d->table) {
			assert_null(pd_rec_event_path(d->name));
			continue;
		}
		tables++;
		assert_string_equal(pd_rec_event_path(d->name), d->table);
		struct pd_rec_column cols[64];
		size_t n = pd_rec_event_columns(d->name, cols, 64);
		for (size_t k = 0; k < d->nfields; k++) {
			bool found = false;
			for (size_t c = 0; c < n; c++)
				found |= !strcmp(cols[c].name, d->fields[k].name);
			if (!found && d->fields[k].kind != PD_FK_LIST)
				fail_msg("%s: field '%s' has no column in %s", d->name, d->fields[k].name, d->table);
		}
		assert_int_equal(pd_rec_reader_event_count(rd, d->type), 1);
		struct pd_event want = full_event(d->type), got;
		assert_int_equal(pd_rec_reader_event(rd, d->type, 0, &got), 0);
		json_t *a = pd_event_to_json(&want, "mat0"), *b = pd_event_to_json(&got, "mat0");
		if (!json_equal(a, b)) {
			char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);
			fail_msg("%s: written and read back differ:\n%s\n%s", d->name, x, y);
		}
		json_decref(a);
		json_decref(b);
	}
	size_t listed = 0;
	for (; pd_rec_event_type(listed); listed++)
		assert_non_null(pd_event_desc_named(pd_rec_event_type(listed))->table);
	assert_int_equal(listed, tables);
	pd_rec_reader_close(rd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_field_in_the_json_both_ways),
		cmocka_unit_test(every_field_in_the_log_line),
		cmocka_unit_test(every_field_in_the_schema),
		cmocka_unit_test(every_field_in_the_hdf5_table),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pd_rec_shutdown();
	return rc;
}
