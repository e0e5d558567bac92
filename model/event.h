/* Events as C structs, generated from their one declaration
 * (model/events.def), and the description of every type and field that
 * the JSON, the log line, the HDF5 tables, pressctl's text and the pages'
 * schema are made from. No I/O, no allocation. */
#ifndef PD_MODEL_EVENT_H
#define PD_MODEL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.def"

#define PD_PULSES_MAX_LISTED 64 /* a LIST field holds at most this many values */
#define PD_EV_LABEL_BYTES 129   /* a mark's label: 128 bytes of UTF-8 and a NUL */
#define PD_EV_KEY_BYTES 33      /* a setting's key and value: 32 bytes and a NUL */

enum pd_event_type {
#define PD_X_ENUM(EN, name, table, phase, env, desc) PD_EV_##EN,
	PD_EVENT_TYPES(PD_X_ENUM)
#undef PD_X_ENUM
};
#define PD_EV_COUNT (PD_EV_SETTING + 1)

enum pd_phase {
	PD_PHASE_NONE,     /* events reported once, when they end */
	PD_PHASE_START,
	PD_PHASE_MOVE,     /* contact: at most contact_rate_hz (device time) */
	PD_PHASE_PROGRESS, /* hold: every second of device time */
	PD_PHASE_END,
	PD_PHASE_UPDATE,   /* site: a field changed, or a second passed with a press in progress */
};

/* The common fields a type carries besides its own (events.md). */
enum pd_envelope {
	PD_ENV_FRAME,  /* seq, t, time, frame: a frame produced it */
	PD_ENV_HOST,   /* seq, time: a control command produced it */
	PD_ENV_CHANGE, /* t, frame: recorded, never published */
};

/* Which common fields an envelope carries (events.md; the tables' first
 * columns): seq and time for what is published, t and frame for what a
 * frame produced. */
static inline bool pd_env_has_seq(enum pd_envelope e) { return e != PD_ENV_CHANGE; }
static inline bool pd_env_has_time(enum pd_envelope e) { return e != PD_ENV_CHANGE; }
static inline bool pd_env_has_frame(enum pd_envelope e) { return e != PD_ENV_HOST; } /* t and frame */

enum pd_field_kind { PD_FK_U32, PD_FK_I32, PD_FK_F64, PD_FK_BOOL, PD_FK_LIST, PD_FK_UNITS, PD_FK_LABEL, PD_FK_KEY };

enum pd_field_unit {
	PD_FU_NONE,
	PD_FU_S,
	PD_FU_MM,
	PD_FU_MM_S,
	PD_FU_DEG,
	PD_FU_MM2,
	PD_FU_CELL,
	PD_FU_P,  /* the event's `units` (a pressure; a roller's force) */
	PD_FU_PS, /* those units × seconds (an impulse) */
	PD_FU_NEWTON,
};

enum pd_field_when { PD_FW_ALWAYS, PD_FW_AT_END, PD_FW_IF_SET };

/* pressctl watch's text of a field (tools/pressctl/format_event.c). */
enum pd_text_style {
	PD_TX_HIDE,
	PD_TX_KV,       /* " name=value" (label overrides the name) */
	PD_TX_KVF,      /* " label=12.3mm": `decimals`, the unit's symbol */
	PD_TX_SECONDS,  /* " 2.35s" (one decimal from 10 s) */
	PD_TX_SECONDS1, /* " 30.0s" */
	PD_TX_OF_S,     /* " of 30s" */
	PD_TX_CHECK,    /* " ✓" when true */
	PD_TX_UNITS,    /* " kPa" */
	PD_TX_AT,       /* " at (x, y) mm": this field and the next */
	PD_TX_PATH,     /* " (x0, y0)→(x1, y1) mm": this field and the next three */
	PD_TX_RANGE,    /* " a→b mm": this field and the next */
	PD_TX_SIGNED,   /* " label=+1" */
	PD_TX_LIST,     /* " name=1.0,2.0s" */
	PD_TX_QUOTED,   /* ' "text"' */
};

/* Phases a field's text is shown in (a bit per enum pd_phase). */
#define PD_TXP_ANY 0x3f
#define PD_TXP_END (1u << PD_PHASE_END)
#define PD_TXP_START ((1u << PD_PHASE_START) | (1u << PD_PHASE_NONE))
#define PD_TXP_START_END (PD_TXP_START | PD_TXP_END)

/* ---- the structs ---------------------------------------------------------- */

/* Positions are mm (x = col × pitch_x_mm, y = row × pitch_y_mm, (0, 0) at
 * the centre of cell (0, 0)); col/row are fractional cell coordinates.
 * Pressures are in the device's calibrated unit (pd_event.units), else in
 * counts. Times and durations are device seconds. */
#define PD_X_MEMBER_U32(m) uint32_t m;
#define PD_X_MEMBER_I32(m) int32_t m;
#define PD_X_MEMBER_F64(m) double m;
#define PD_X_MEMBER_BOOL(m) bool m;
#define PD_X_MEMBER_LIST(m) uint32_t n##m; double m[PD_PULSES_MAX_LISTED];
#define PD_X_MEMBER_UNITS(m)
#define PD_X_MEMBER_LABEL(m) char m[PD_EV_LABEL_BYTES];
#define PD_X_MEMBER_KEY(m) char m[PD_EV_KEY_BYTES];
#define PD_X_HAS_ALWAYS(m)
#define PD_X_HAS_AT_END(m)
#define PD_X_HAS_IF_SET(m) bool has_##m;
#define PD_X_MEMBER(T, kind, m, unit, when, text, desc) PD_X_MEMBER_##kind(m) PD_X_HAS_##when(m)
#define PD_X_STRUCT(EN, name, table, phase, env, desc) \
	struct pd_ev_##name { \
		PD_EVENT_FIELDS_##name(PD_X_MEMBER, name) \
	};
PD_EVENT_TYPES(PD_X_STRUCT)
#undef PD_X_STRUCT
#undef PD_X_MEMBER

struct pd_event {
	enum pd_event_type type;
	enum pd_phase phase;
	double t;          /* device time of the frame that produced it (PD_ENV_HOST: none, NaN) */
	uint32_t frame;    /* that frame's sequence number */
	uint64_t seq;      /* +1 per message of this type from this device (set when published) */
	double time;       /* UTC seconds the event maps to (set when published) */
	const char *units; /* "kPa", "N", "mmHg" or "counts" (a static string); NULL: none */
	union {
#define PD_X_UNION(EN, name, table, phase, env, desc) struct pd_ev_##name name;
		PD_EVENT_TYPES(PD_X_UNION)
#undef PD_X_UNION
	} u;
};

/* ---- their description ---------------------------------------------------- */

struct pd_text {
	uint8_t rank; /* position in the line; 0: not shown */
	enum pd_text_style style;
	const char *label;
	int decimals;
	unsigned phases; /* PD_TXP_... */
};

struct pd_field {
	const char *name; /* C member, JSON name, HDF5 column */
	enum pd_field_kind kind;
	enum pd_field_unit unit;
	enum pd_field_when when;
	size_t offset;       /* of the member in struct pd_event */
	size_t count_offset; /* LIST: of n<member>; IF_SET: of has_<member> */
	struct pd_text text;
	const char *description;
};

struct pd_event_desc {
	enum pd_event_type type;
	const char *name;  /* "hold" */
	const char *table; /* "/events/holds", NULL: not recorded */
	enum pd_phase stored_phase;
	enum pd_envelope envelope;
	const char *description;
	const struct pd_field *fields;
	size_t nfields;
};

/* Every type's description, by enum pd_event_type; NULL past the last. */
const struct pd_event_desc *pd_event_desc(enum pd_event_type type);
/* By name ("hold"); NULL when there is no such type. */
const struct pd_event_desc *pd_event_desc_named(const char *name);
const struct pd_field *pd_event_field(const struct pd_event_desc *d, const char *name);

const char *pd_event_type_name(enum pd_event_type type);
const char *pd_phase_name(enum pd_phase phase); /* "" for PD_PHASE_NONE */
/* -1 when the name is no phase. */
int pd_phase_from_name(const char *name);

/* The unit symbol of a field ("s", "mm", "mm/s", "deg", "mm2"); for P and
 * PS the event's units (and "<units>*s"), into buf. "" when none. */
const char *pd_field_unit_symbol(enum pd_field_unit u, const char *units, char *buf, size_t len);

/* A field's unit as the tables and the schema name it, whatever the
 * event's units: a fixed symbol, PD_UNIT_OF_ROW ("the row's `units`"),
 * PD_UNIT_OF_ROW_S (those units × s), or NULL for none. A static string. */
#define PD_UNIT_OF_ROW "@"
#define PD_UNIT_OF_ROW_S "@*s"
const char *pd_field_unit_name(enum pd_field_unit u);

/* Is the field present in this event (its `when`)? */
bool pd_field_present(const struct pd_field *f, const struct pd_event *ev);
/* A numeric field as a double (U32, I32, F64, BOOL); NaN otherwise. */
double pd_field_number(const struct pd_field *f, const struct pd_event *ev);
/* Sets a numeric field from a double (rounded for the integer kinds). */
void pd_field_set_number(const struct pd_field *f, struct pd_event *ev, double v);
/* Member addresses. */
static inline void *pd_field_ptr(const struct pd_field *f, struct pd_event *ev)
{
	return (char *)ev + f->offset;
}
static inline const void *pd_field_cptr(const struct pd_field *f, const struct pd_event *ev)
{
	return (const char *)ev + f->offset;
}

/* Significant digits of the reals on the wire (the JSON of events.md):
 * microseconds of a UTC time, no binary noise. */
#define PD_WIRE_DIGITS 15

/* Every real of the event (t, time, each F64 and LIST value) rounded to
 * PD_WIRE_DIGITS: the values the JSON carries, so a recording holds
 * exactly what a subscriber received. */
void pd_event_round(struct pd_event *ev);

/* The event as it goes out: its seq and UTC time set, its reals rounded
 * to the wire's (pd_event_round). What the publisher sends and the
 * recorder keeps are then the same values. */
void pd_event_stamp(struct pd_event *ev, uint64_t seq, double time);

/* Is it a row of its table: a type with one, in the phase the table keeps
 * (a hold only when it ends)? */
bool pd_event_recorded(const struct pd_event *ev);

/* An empty event of a type: every F64 NaN, the rest zero. */
void pd_event_init(struct pd_event *ev, enum pd_event_type type);

/* Pressures (P, and PS) multiplied by k: values in another unit. */
void pd_event_scale(struct pd_event *ev, double k);

/* A UTF-8 text into a LABEL or KEY member of n bytes: cut at a character
 * boundary, NUL-padded. */
void pd_text_copy(char *dst, size_t n, const char *s);

/* The units name as a static string ("kPa", "N", "mmHg", "counts"); NULL
 * for a name that is none of them. */
const char *pd_units_static(const char *name);

/* The -vv log line: "hold end t=31.090 frame=3109 id=0 ... units=counts".
 * Returns out. */
char *pd_event_format(char *out, size_t cap, const struct pd_event *ev);

#endif
