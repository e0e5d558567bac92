/* The analysis stage (analysis.md): frames in, events out. A context per
 * device, fed one frame (or roller sample) at a time, driven only by each
 * frame's device time, so the same frames give the same events bit for bit
 * whatever the pacing. No I/O, no global state, no allocation per frame. */
#ifndef PD_ANALYSIS_H
#define PD_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "frame.h"
#include "params.h"

/* The events themselves (struct pd_event, enum pd_event_type, enum
 * pd_phase) are declared once, in model/events.def: model/event.h. */

typedef void (*pd_event_fn)(void *ctx, const struct pd_event *ev);

struct pd_analysis;

/* The next id of each event type. Owned by the caller and shared by the
 * successive contexts of one device (a new geometry needs a new context),
 * so an id is never reused while the daemon runs. Start zeroed. */
struct pd_analysis_ids {
	uint32_t next[PD_EV_SITE + 1];
};

/* A context for a device of this description. Allocates everything it
 * will ever need here (NULL if out of memory or the geometry is unusable).
 * `ids` must outlive the context. */
struct pd_analysis *pd_analysis_new(const struct pd_device_info *info,
				    const struct pd_analysis_params *params, struct pd_analysis_ids *ids,
				    pd_event_fn emit, void *ctx);
void pd_analysis_free(struct pd_analysis *a);

/* One frame or roller sample; its geometry must match the info. Device
 * time going back (a wrap, a device restart) ends everything open and
 * starts afresh: never a negative duration. */
void pd_analysis_feed(struct pd_analysis *a, const struct pd_frame *frame);

/* The stream ended (device gone, daemon stopping): ends what is open,
 * reports pending pulse sets, as if the frames had stopped for good. */
void pd_analysis_flush(struct pd_analysis *a);

/* Live parameter change (the control socket's `set`). 0, or -1 with why. */
int pd_analysis_set(struct pd_analysis *a, const char *key, const char *value, char *err, size_t errlen);
/* All parameters at once (a reloaded config): checked as a whole, so a
 * change of contact_on and contact_off together never fails half-way on
 * the rule that contact_off must not exceed contact_on. 0, or -1 with why
 * and nothing changed. */
int pd_analysis_set_params(struct pd_analysis *a, const struct pd_analysis_params *p, char *err,
			   size_t errlen);
const struct pd_analysis_params *pd_analysis_params(const struct pd_analysis *a);

/* A mark (the control socket's `mark` with this device), applied at the
 * next frame fed (analysis.md stage 9): "sensation" during a compression
 * releases it, "pain" makes the bout of the site being worked over; other
 * labels do not count in the analysis. 0, or -1 when 16 marks are already
 * waiting (counted in marks_dropped). */
int pd_analysis_mark(struct pd_analysis *a, const char *label);

/* Take the next frames as the zero baseline (the control socket's `tare`). */
void pd_analysis_tare(struct pd_analysis *a);
/* Puts a baseline (rows × cols, counts) in force from the next frame on,
 * as if a tare had just ended with it: re-analysing a recording applies
 * its /tare baselines at their tare_t. A tare being taken is abandoned. */
void pd_analysis_set_baseline(struct pd_analysis *a, const float *cells);
/* The baseline in force, rows × cols in counts; NULL when none. */
const float *pd_analysis_baseline(const struct pd_analysis *a);

/* Pressure × time accumulated per cell since the context was made
 * (unit·s): a mat's rows × cols; a roller's position bins × cols, where
 * row r holds the body positions [(r - rows/2) × bin_mm, (r - rows/2 + 1)
 * × bin_mm) (position 0 is where the encoder counts 0; samples outside
 * the map are counted in stats.map_outside). Valid until the next feed. */
const double *pd_analysis_heatmap(const struct pd_analysis *a, size_t *rows, size_t *cols,
				  double *bin_mm /* roller: bin height, else 0 */);

/* What the context saw and what did not fit its fixed maxima (it never
 * allocates after pd_analysis_new; what overflows is counted here). */
struct pd_analysis_stats {
	uint64_t frames;           /* analysed */
	uint64_t frames_rejected;  /* geometry did not match the device's */
	uint64_t restarts;         /* device time went back: everything ended, started afresh */
	uint64_t peaks_capped;     /* frames with more peaks than were looked at (64) */
	uint64_t contacts_dropped; /* new contacts not tracked: 32 already were */
	uint64_t pulse_sets_evicted; /* sets closed early: 32 were open */
	uint64_t map_outside;      /* roller samples outside the position map */
	uint64_t taps;             /* pressure episodes shorter than press_min_s: not presses */
	uint64_t sites_evicted;    /* sites forgotten to make room (64 kept), their bouts ended early */
	uint64_t passes_unlisted;  /* passes left out of a bout's spread_deg (64 kept per bout) */
	uint64_t marks_dropped;    /* marks not applied: 16 were already waiting for a frame */
	uint64_t marks_ignored;    /* sensation with no compression in progress, pain with no bout */
};
const struct pd_analysis_stats *pd_analysis_stats(const struct pd_analysis *a);

#endif
