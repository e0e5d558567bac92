/* One analysis event as a log line of key=value pairs, until the event
 * stream (ZeroMQ) publishes them: "mat0: hold end id=1 contact=1 t=31.000
 * duration=30.000 ...". */
#ifndef PD_EVENT_LOG_H
#define PD_EVENT_LOG_H

#include <stddef.h>

#include "analysis.h"

const char *pd_event_type_name(enum pd_event_type type);
const char *pd_phase_name(enum pd_phase phase); /* "" for PD_PHASE_NONE */

/* Formats ev into out; returns out. */
char *pd_event_format(char *out, size_t cap, const struct pd_event *ev);

#endif
