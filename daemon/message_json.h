/* The daemon's messages of events.md beyond the analysis events (status,
 * its info and stats, the envelope of recording and frame messages), and
 * analysis events with the daemon's seq and time: every message carries v,
 * type, device, seq and time, and t and frame when a frame produced it;
 * fields with no value are left out, never null. Built with jansson. The
 * events' own fields come from their declaration (model/event_json.h). */
#ifndef PD_MESSAGE_JSON_H
#define PD_MESSAGE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "device.h"
#include "event_json.h" /* model/: the events' own JSON */

/* Significant digits of reals: microseconds of a UTC time, no binary noise. */
#define PD_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(PD_WIRE_DIGITS))

/* The common fields. t < 0: no frame produced it (t and frame left out). */
json_t *pd_json_message(const char *type, const char *device, uint64_t seq, double t, uint32_t frame,
			double utc);

/* A device's status (events.md `status`, and one entry of the control
 * socket's `status` reply when seq is 0 and as_reply is set). */
json_t *pd_json_status(const char *device, const struct pd_device_status *st, uint64_t seq, double utc,
		       bool as_reply);

/* The info object of a status. */
json_t *pd_json_info(const struct pd_device_info *info);

/* Dumps j into out (NUL-terminated); returns the length, or 0 if it did
 * not fit. Never allocates. */
size_t pd_json_dump(const json_t *j, char *out, size_t cap);

#endif
