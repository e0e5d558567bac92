/* The description of every event type and field, generated from
 * model/events.def, and what is done with an event field by field: its
 * log line, scaling, empty values. */
#include "event.h"

#include "frame.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a member lies in struct pd_event, and where its count (LIST) or
 * presence flag (IF_SET) lies. */
#define PD_X_AT(T, m) offsetof(struct pd_event, u.T.m)
#define PD_X_OFF_U32(T, m) PD_X_AT(T, m)
#define PD_X_OFF_I32(T, m) PD_X_AT(T, m)
#define PD_X_OFF_F64(T, m) PD_X_AT(T, m)
#define PD_X_OFF_BOOL(T, m) PD_X_AT(T, m)
#define PD_X_OFF_LIST(T, m) PD_X_AT(T, m)
#define PD_X_OFF_LABEL(T, m) PD_X_AT(T, m)
#define PD_X_OFF_KEY(T, m) PD_X_AT(T, m)
#define PD_X_OFF_UNITS(T, m) offsetof(struct pd_event, units)
#define PD_X_COUNT_LIST(T, m) PD_X_AT(T, n##m)
#define PD_X_COUNT_U32(T, m) 0
#define PD_X_COUNT_I32(T, m) 0
#define PD_X_COUNT_F64(T, m) 0
#define PD_X_COUNT_BOOL(T, m) 0
#define PD_X_COUNT_UNITS(T, m) 0
#define PD_X_COUNT_LABEL(T, m) 0
#define PD_X_COUNT_KEY(T, m) 0
#define PD_X_AUX_ALWAYS(T, kind, m) PD_X_COUNT_##kind(T, m)
#define PD_X_AUX_AT_END(T, kind, m) PD_X_COUNT_##kind(T, m)
#define PD_X_AUX_IF_SET(T, kind, m) PD_X_AT(T, has_##m)
#define TX(rank, style, label, decimals, phases) { rank, PD_TX_##style, label, decimals, PD_TXP_##phases }
#define PD_X_FIELD(T, kind, m, unit, when, text, desc) \
	{ #m, PD_FK_##kind, PD_FU_##unit, PD_FW_##when, PD_X_OFF_##kind(T, m), PD_X_AUX_##when(T, kind, m), text, desc },
#define PD_X_FIELDS(EN, name, table, phase, env, desc) \
	static const struct pd_field name##_fields[] = { PD_EVENT_FIELDS_##name(PD_X_FIELD, name) };
PD_EVENT_TYPES(PD_X_FIELDS)
#undef PD_X_FIELDS

#define PD_X_DESC(EN, name, table, phase, env, desc) \
	{ PD_EV_##EN, #name, table, phase, env, desc, name##_fields, sizeof name##_fields / sizeof name##_fields[0] },
static const struct pd_event_desc descs[] = { PD_EVENT_TYPES(PD_X_DESC) };
#undef PD_X_DESC

_Static_assert(sizeof descs / sizeof descs[0] == PD_EV_COUNT, "every type described, in enum order");

const struct pd_event_desc *pd_event_desc(enum pd_event_type type)
{
	return (unsigned)type < PD_EV_COUNT ? &descs[type] : NULL;
}

const struct pd_event_desc *pd_event_desc_named(const char *name)
{
	for (size_t i = 0; name && i < PD_EV_COUNT; i++)
		if (!strcmp(descs[i].name, name))
			return &descs[i];
	return NULL;
}

const struct pd_field *pd_event_field(const struct pd_event_desc *d, const char *name)
{
	for (size_t i = 0; d && name && i < d->nfields; i++)
		if (!strcmp(d->fields[i].name, name))
			return &d->fields[i];
	return NULL;
}

const char *pd_event_type_name(enum pd_event_type type)
{
	const struct pd_event_desc *d = pd_event_desc(type);
	return d ? d->name : "?";
}

static const char *const phase_names[] = { "", "start", "move", "progress", "end", "update" };

const char *pd_phase_name(enum pd_phase phase)
{
	return (unsigned)phase < sizeof phase_names / sizeof phase_names[0] ? phase_names[phase] : "?";
}

int pd_phase_from_name(const char *name)
{
	for (size_t i = 1; name && i < sizeof phase_names / sizeof phase_names[0]; i++)
		if (!strcmp(phase_names[i], name))
			return (int)i;
	return -1;
}

static const char *const fixed_units[] = {
	[PD_FU_NONE] = NULL, [PD_FU_S] = "s",     [PD_FU_MM] = "mm", [PD_FU_MM_S] = "mm/s",
	[PD_FU_DEG] = "deg", [PD_FU_MM2] = "mm2", [PD_FU_CELL] = NULL, [PD_FU_NEWTON] = "N",
	[PD_FU_P] = PD_UNIT_OF_ROW, [PD_FU_PS] = PD_UNIT_OF_ROW_S,
};

const char *pd_field_unit_name(enum pd_field_unit u)
{
	return (unsigned)u < sizeof fixed_units / sizeof fixed_units[0] ? fixed_units[u] : NULL;
}

const char *pd_field_unit_symbol(enum pd_field_unit u, const char *units, char *buf, size_t len)
{
	if (u == PD_FU_P || u == PD_FU_PS) {
		snprintf(buf, len, "%s%s", units ? units : "counts", u == PD_FU_PS ? "*s" : "");
		return buf;
	}
	const char *name = pd_field_unit_name(u);
	return name ? name : "";
}

bool pd_field_present(const struct pd_field *f, const struct pd_event *ev)
{
	switch (f->when) {
	case PD_FW_ALWAYS: return f->kind != PD_FK_UNITS || ev->units;
	case PD_FW_AT_END: return ev->phase == PD_PHASE_END;
	case PD_FW_IF_SET: return *((const bool *)((const char *)ev + f->count_offset));
	}
	return false;
}

double pd_field_number(const struct pd_field *f, const struct pd_event *ev)
{
	const void *p = pd_field_cptr(f, ev);
	switch (f->kind) {
	case PD_FK_U32: return *(const uint32_t *)p;
	case PD_FK_I32: return *(const int32_t *)p;
	case PD_FK_F64: return *(const double *)p;
	case PD_FK_BOOL: return *(const bool *)p;
	default: return NAN;
	}
}

void pd_field_set_number(const struct pd_field *f, struct pd_event *ev, double v)
{
	void *p = pd_field_ptr(f, ev);
	switch (f->kind) {
	case PD_FK_U32: *(uint32_t *)p = isfinite(v) && v >= 0 && v <= UINT32_MAX ? (uint32_t)llround(v) : 0; break;
	case PD_FK_I32:
		*(int32_t *)p = isfinite(v) && v >= INT32_MIN && v <= INT32_MAX ? (int32_t)llround(v) : 0;
		break;
	case PD_FK_F64: *(double *)p = v; break;
	case PD_FK_BOOL: *(bool *)p = v != 0 && !isnan(v); break;
	default: break;
	}
}

void pd_event_init(struct pd_event *ev, enum pd_event_type type)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->t = NAN;
	ev->time = NAN;
	const struct pd_event_desc *d = pd_event_desc(type);
	for (size_t i = 0; d && i < d->nfields; i++)
		if (d->fields[i].kind == PD_FK_F64)
			pd_field_set_number(&d->fields[i], ev, NAN);
}

/* What "%.15g" writes and strtod reads back: jansson's way. */
static double wire(double v)
{
	if (!isfinite(v))
		return v;
	char buf[40];
	snprintf(buf, sizeof buf, "%.*g", PD_WIRE_DIGITS, v);
	return strtod(buf, NULL);
}

void pd_event_round(struct pd_event *ev)
{
	ev->t = wire(ev->t);
	ev->time = wire(ev->time);
	const struct pd_event_desc *d = pd_event_desc(ev->type);
	for (size_t i = 0; d && i < d->nfields; i++) {
		const struct pd_field *f = &d->fields[i];
		double *p = pd_field_ptr(f, ev);
		if (f->kind == PD_FK_F64)
			*p = wire(*p);
		else if (f->kind == PD_FK_LIST)
			for (uint32_t k = 0, n = *(const uint32_t *)((const char *)ev + f->count_offset);
			     k < n && k < PD_PULSES_MAX_LISTED; k++)
				p[k] = wire(p[k]);
	}
}

void pd_event_stamp(struct pd_event *ev, uint64_t seq, double time)
{
	ev->seq = seq;
	ev->time = time;
	pd_event_round(ev);
}

bool pd_event_recorded(const struct pd_event *ev)
{
	const struct pd_event_desc *d = pd_event_desc(ev->type);
	return d && d->table && (d->stored_phase == PD_PHASE_NONE || ev->phase == d->stored_phase);
}

void pd_event_scale(struct pd_event *ev, double k)
{
	const struct pd_event_desc *d = pd_event_desc(ev->type);
	for (size_t i = 0; d && i < d->nfields; i++) {
		const struct pd_field *f = &d->fields[i];
		if (f->kind == PD_FK_F64 && (f->unit == PD_FU_P || f->unit == PD_FU_PS))
			*(double *)pd_field_ptr(f, ev) *= k;
	}
}

void pd_text_copy(char *dst, size_t n, const char *s)
{
	size_t len = strlen(s);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	memset(dst + len, 0, n - len);
}

/* The names are frame.h's: pd_unit_name's static strings. */
const char *pd_units_static(const char *name)
{
	for (uint8_t u = PD_UNIT_COUNTS; name && u <= PD_UNIT_MMHG; u++)
		if (!strcmp(pd_unit_name(u), name))
			return pd_unit_name(u);
	return NULL;
}

/* ---- the log line ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t cap, len;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	if (b->len >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

/* Reals by what they are: seconds to the ms, positions to 0.01 mm,
 * pressures to 4 significant digits. */
static void put_real(struct buf *b, enum pd_field_unit u, double v)
{
	switch (u) {
	case PD_FU_S:
	case PD_FU_CELL: put(b, "%.3f", v); break;
	case PD_FU_MM:
	case PD_FU_MM_S: put(b, "%.2f", v); break;
	case PD_FU_DEG:
	case PD_FU_MM2: put(b, "%.1f", v); break;
	default: put(b, "%.4g", v); break;
	}
}

char *pd_event_format(char *out, size_t cap, const struct pd_event *ev)
{
	struct buf b = { out, cap, 0 };
	out[0] = '\0';
	put(&b, "%s%s%s t=%.3f frame=%u", pd_event_type_name(ev->type), ev->phase ? " " : "",
	    pd_phase_name(ev->phase), ev->t, ev->frame);
	const struct pd_event_desc *d = pd_event_desc(ev->type);
	for (size_t i = 0; d && i < d->nfields; i++) {
		const struct pd_field *f = &d->fields[i];
		if (f->kind == PD_FK_UNITS || !pd_field_present(f, ev))
			continue;
		put(&b, " %s=", f->name);
		const void *p = pd_field_cptr(f, ev);
		switch (f->kind) {
		case PD_FK_U32: put(&b, "%u", *(const uint32_t *)p); break;
		case PD_FK_I32: put(&b, "%d", *(const int32_t *)p); break;
		case PD_FK_BOOL: put(&b, "%d", *(const bool *)p); break;
		case PD_FK_F64: put_real(&b, f->unit, *(const double *)p); break;
		case PD_FK_LIST: {
			uint32_t n = *(const uint32_t *)((const char *)ev + f->count_offset);
			for (uint32_t k = 0; k < n && k < PD_PULSES_MAX_LISTED; k++)
				put(&b, "%s%.3f", k ? "," : "", ((const double *)p)[k]);
			break;
		}
		case PD_FK_LABEL:
		case PD_FK_KEY: put(&b, "\"%s\"", (const char *)p); break;
		case PD_FK_UNITS: break;
		}
	}
	if (ev->units)
		put(&b, " units=%s", ev->units);
	return out;
}
