/* Events as the JSON of events.md, both ways, field for field as
 * model/events.def declares them: what pressd publishes, what pressd-web
 * hands its pages, what tests and tools read back. */
#ifndef PD_MODEL_EVENT_JSON_H
#define PD_MODEL_EVENT_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "event.h"

#define PD_SCHEMA_VERSION 1

/* The common fields: v, type, device, then seq, t and frame, time as the
 * envelope has them (t < 0 or NaN: no frame produced it, t and frame left
 * out; time NaN: left out). */
json_t *pd_json_envelope(const char *type, const char *device, enum pd_envelope env, uint64_t seq, double t,
			 uint32_t frame, double time);

/* A text from a device or a person as a JSON string: bytes that are not
 * UTF-8 say so ("(not UTF-8)") rather than vanish. */
json_t *pd_json_text(const char *s);

/* The whole event: the envelope, `phase` (unless NONE), every field
 * present in this phase in declaration order. Reals with no value (NaN)
 * are left out, never null. */
json_t *pd_event_to_json(const struct pd_event *ev, const char *device);

/* Reads an event back (as pd_event_to_json wrote it): 0, or -1 with why
 * (not an object, an unknown type or phase, a field of the wrong kind, an
 * integer field missing). A real that is missing is NaN (an IF_SET field:
 * not set); `units` one of the known names. */
int pd_event_from_json(const json_t *j, struct pd_event *ev, char *err, size_t errlen);

/* The schema the pages read (pressd-web's /api/schema): per type its
 * table, phases stored, envelope and fields (name, kind, unit, when,
 * description). */
json_t *pd_event_schema_json(void);

#endif
