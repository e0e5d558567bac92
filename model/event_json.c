/* The JSON of events, generated field by field from their declaration. */
#include "event_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *pd_json_envelope(const char *type, const char *device, enum pd_envelope env, uint64_t seq, double t,
			 uint32_t frame, double time)
{
	json_t *j = json_object();
	json_object_set_new(j, "v", json_integer(PD_SCHEMA_VERSION));
	json_object_set_new(j, "type", json_string(type));
	json_object_set_new(j, "device", pd_json_text(device));
	if (pd_env_has_seq(env))
		json_object_set_new(j, "seq", json_integer((json_int_t)seq));
	if (pd_env_has_frame(env) && t >= 0) {
		json_object_set_new(j, "t", json_real(t));
		json_object_set_new(j, "frame", json_integer(frame));
	}
	if (pd_env_has_time(env) && isfinite(time))
		json_object_set_new(j, "time", json_real(time));
	return j;
}

json_t *pd_json_text(const char *s)
{
	json_t *v = json_string(s);
	return v ? v : json_string("(not UTF-8)");
}

static json_t *field_json(const struct pd_field *f, const struct pd_event *ev)
{
	const void *p = pd_field_cptr(f, ev);
	switch (f->kind) {
	case PD_FK_U32: return json_integer(*(const uint32_t *)p);
	case PD_FK_I32: return json_integer(*(const int32_t *)p);
	case PD_FK_BOOL: return json_boolean(*(const bool *)p);
	case PD_FK_F64: {
		double v = *(const double *)p;
		return isfinite(v) ? json_real(v) : NULL;
	}
	case PD_FK_LIST: {
		uint32_t n = *(const uint32_t *)((const char *)ev + f->count_offset);
		json_t *a = json_array();
		for (uint32_t k = 0; k < n && k < PD_PULSES_MAX_LISTED; k++) {
			double v = ((const double *)p)[k];
			json_array_append_new(a, isfinite(v) ? json_real(v) : json_null());
		}
		return a;
	}
	case PD_FK_UNITS: return json_string(ev->units ? ev->units : "counts");
	case PD_FK_LABEL:
	case PD_FK_KEY: return pd_json_text(p);
	}
	return NULL;
}

json_t *pd_event_to_json(const struct pd_event *ev, const char *device)
{
	const struct pd_event_desc *d = pd_event_desc(ev->type);
	if (!d)
		return NULL;
	json_t *j = pd_json_envelope(d->name, device, d->envelope, ev->seq, ev->t, ev->frame, ev->time);
	if (ev->phase != PD_PHASE_NONE)
		json_object_set_new(j, "phase", json_string(pd_phase_name(ev->phase)));
	for (size_t i = 0; i < d->nfields; i++) {
		const struct pd_field *f = &d->fields[i];
		if (f->kind == PD_FK_UNITS ? 0 : !pd_field_present(f, ev))
			continue;
		json_t *v = field_json(f, ev);
		if (v)
			json_object_set_new(j, f->name, v);
	}
	return j;
}

/* ---- back ------------------------------------------------------------------ */

#define FAIL(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int field_from(const struct pd_field *f, const json_t *v, struct pd_event *ev, const char *type, char *err,
		      size_t errlen)
{
	void *p = pd_field_ptr(f, ev);
	switch (f->kind) {
	case PD_FK_U32:
	case PD_FK_I32: {
		if (!json_is_integer(v))
			return FAIL("%s event: '%s' %s", type, f->name, v ? "is not an integer" : "is missing");
		json_int_t i = json_integer_value(v);
		if (f->kind == PD_FK_U32 ? i < 0 || i > (json_int_t)UINT32_MAX : i < INT32_MIN || i > INT32_MAX)
			return FAIL("%s event: '%s' is out of range", type, f->name);
		pd_field_set_number(f, ev, (double)i);
		return 0;
	}
	case PD_FK_F64:
		if (v && !json_is_number(v))
			return FAIL("%s event: '%s' is not a number", type, f->name);
		*(double *)p = v ? json_number_value(v) : NAN;
		if (f->when == PD_FW_IF_SET)
			*(bool *)((char *)ev + f->count_offset) = v != NULL;
		return 0;
	case PD_FK_BOOL:
		if (!json_is_boolean(v))
			return FAIL("%s event: '%s' %s", type, f->name, v ? "is not true/false" : "is missing");
		*(bool *)p = json_is_true(v);
		return 0;
	case PD_FK_LIST: {
		if (v && !json_is_array(v))
			return FAIL("%s event: '%s' is not an array", type, f->name);
		uint32_t *n = (uint32_t *)((char *)ev + f->count_offset);
		*n = 0;
		size_t k;
		const json_t *e;
		json_array_foreach(v, k, e) {
			if (*n >= PD_PULSES_MAX_LISTED)
				break;
			((double *)p)[(*n)++] = json_is_number(e) ? json_number_value(e) : NAN;
		}
		return 0;
	}
	case PD_FK_UNITS: {
		if (!v) {
			ev->units = NULL;
			return 0;
		}
		const char *u = pd_units_static(json_string_value(v));
		if (!u)
			return FAIL("%s event: 'units' is not kPa, N, mmHg or counts", type);
		ev->units = u;
		return 0;
	}
	case PD_FK_LABEL:
	case PD_FK_KEY:
		if (v && !json_is_string(v))
			return FAIL("%s event: '%s' is not a string", type, f->name);
		pd_text_copy(p, f->kind == PD_FK_LABEL ? PD_EV_LABEL_BYTES : PD_EV_KEY_BYTES, v ? json_string_value(v) : "");
		return 0;
	}
	return FAIL("%s event: '%s' has an unknown kind", type, f->name);
}

static double real_or_nan(const json_t *j, const char *key)
{
	const json_t *v = json_object_get(j, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

int pd_event_from_json(const json_t *j, struct pd_event *ev, char *err, size_t errlen)
{
	if (!json_is_object(j))
		return FAIL("event: not a JSON object");
	const char *type = json_string_value(json_object_get(j, "type"));
	const struct pd_event_desc *d = pd_event_desc_named(type);
	if (!d)
		return type ? FAIL("event: unknown type '%s'", type) : FAIL("event: no type");
	pd_event_init(ev, d->type);
	const json_t *phase = json_object_get(j, "phase");
	if (phase) {
		int ph = pd_phase_from_name(json_string_value(phase));
		if (ph < 0)
			return FAIL("%s event: unknown phase", type);
		ev->phase = (enum pd_phase)ph;
	}
	const json_t *seq = json_object_get(j, "seq"), *frame = json_object_get(j, "frame");
	if (json_is_integer(seq) && json_integer_value(seq) >= 0)
		ev->seq = (uint64_t)json_integer_value(seq);
	if (json_is_integer(frame) && json_integer_value(frame) >= 0 && json_integer_value(frame) <= UINT32_MAX)
		ev->frame = (uint32_t)json_integer_value(frame);
	ev->t = real_or_nan(j, "t");
	ev->time = real_or_nan(j, "time");
	for (size_t i = 0; i < d->nfields; i++)
		if (field_from(&d->fields[i], json_object_get(j, d->fields[i].name), ev, type, err, errlen))
			return -1;
	return 0;
}

/* ---- the schema ------------------------------------------------------------ */

json_t *pd_event_schema_json(void)
{
	static const char *const kinds[] = { "u32", "i32", "real", "bool", "list", "units", "text", "text" };
	static const char *const whens[] = { "always", "at_end", "if_set" };
	static const char *const envs[] = { "frame", "host", "change" };
	json_t *types = json_object();
	for (int t = 0; t < PD_EV_COUNT; t++) {
		const struct pd_event_desc *d = pd_event_desc((enum pd_event_type)t);
		json_t *fields = json_array();
		for (size_t i = 0; i < d->nfields; i++) {
			const struct pd_field *f = &d->fields[i];
			const char *unit = pd_field_unit_name(f->unit);
			json_array_append_new(fields, json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", f->name, "kind",
								kinds[f->kind], "unit", unit ? unit : "", "when",
								whens[f->when], "description", f->description));
		}
		json_t *o = json_pack("{s:s, s:o, s:o, s:s, s:s}", "table", "", "stored_phase", json_null(), "fields", fields,
				      "envelope", envs[d->envelope], "description", d->description);
		json_object_set_new(o, "table", d->table ? json_string(d->table) : json_null());
		json_object_set_new(o, "stored_phase", d->stored_phase ? json_string(pd_phase_name(d->stored_phase))
									: json_null());
		json_object_set_new(types, d->name, o);
	}
	return json_pack("{s:i, s:o}", "v", PD_SCHEMA_VERSION, "types", types);
}
