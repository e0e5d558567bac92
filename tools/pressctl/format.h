/* One line per event, for people (`pressctl watch`): time, topic, phase,
 * then the fields that matter for the type, compactly:
 *   12:03:04.512 hold/mat0 progress id=3 30.0s of 30s ✓ peak=2407 counts */
#ifndef PC_FORMAT_H
#define PC_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "frame_message.h"

/* Writes the line without its newline. `frame` is the decoded frame of a
 * frame message (NULL when its cells did not check out, or for other
 * types); `now_utc` stands in for a message without `time`. */
void pc_format_event(FILE *out, const char *type, const char *device, json_t *ev, const struct pc_frame *frame,
		     double now_utc);

/* The fields of an event type declared in model/events.def, by their text
 * rules (format_event.c); false for a type that is not declared there. */
bool pc_format_declared(FILE *out, const char *type, json_t *ev, const char *phase);

/* HH:MM:SS.mmm, local time, of a UTC instant in seconds. */
void pc_format_clock(double utc, char *buf, size_t len);

/* A string from the wire, with control characters (terminal escapes)
 * replaced by '?'. */
void pc_put_safe(FILE *out, const char *s);

/* A JSON value as a word: strings bare (made safe), numbers short,
 * containers as compact JSON. */
void pc_put_value(FILE *out, json_t *v);

#endif
