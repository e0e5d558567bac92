/* One recording opened for the review page: its reader, the time of every
 * frame (so a moment, an event or a mark finds its frame without reading
 * cells), and what is worth computing once (its description, its session
 * maps). A few are kept open, the least recently used closed first, so a
 * page scrubbing through an hour does not reopen the file per request.
 *
 * HDF5 here is the thread-safe build (one lock in the library); each
 * recording's own mutex keeps its reader's block cache to one request at
 * a time. */
#ifndef PRESSD_WEB_REVIEW_SESSION_H
#define PRESSD_WEB_REVIEW_SESSION_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bounds.h"
#include "recording.h"
#include "review_dir.h"

struct review_rec {
	char name[REVIEW_NAME_MAX + 1];
	struct stat st;       /* as when opened: a changed file is reopened */
	int state;            /* PD_REC_CLEAN, _UNFINISHED, _IN_USE */
	int fd;               /* the file, opened safely: /proc/self/fd/<fd> names it */
	pthread_mutex_t mu;   /* the reader, t/time, info */
	pthread_mutex_t maps_mu; /* maps: computed on a reader of their own */
	struct pd_rec_reader *rd;
	double *t, *time;     /* every frame's device and host time */
	uint64_t n;
	json_t *info;         /* review_info's answer */
	json_t *maps;         /* review_maps's answer (finished files) */
	int refs;
	uint64_t used;
	uint64_t bytes;       /* what it holds, about: its times, its description */
};

/* The review's bounds (web_limits.h): what a file may declare, the bytes
 * the open recordings may hold together, the events a description lists. */
void review_session_limits(const struct pd_rec_bounds *b, uint64_t cache_bytes, uint64_t max_events);
/* Refusals and the cache's bytes, for /api/stats. */
json_t *review_session_stats(void);

/* The recording `name` of `dir`, opened (or the one already open, if the
 * file has not changed): held until review_release. NULL with an HTTP
 * status and why (404 no such recording, 400 a bad name, 409 a file left
 * unfinished, 422 not a recording or past a limit of web_limits.h). */
struct review_rec *review_acquire(const char *dir, const char *name, int *status, char *err, size_t errlen);
void review_release(struct review_rec *r);
void review_close_all(void);

/* A message of the library's with r's fd path (review_fd_path) put back
 * to the recording's name. */
void review_name_error(const struct review_rec *r, char *err, size_t errlen);

/* The reader of an fd review_open gave, refusing a file left unfinished:
 * 0, or an HTTP status (409 unfinished, 422 unreadable) with why, naming
 * `name`. *state: a pd_rec_state. */
int review_reader_open(int fd, const char *name, int *state, struct pd_rec_reader **rd, char *err, size_t errlen);

/* The parts of a description the list and review_info share: "complete",
 * "recording" or "unfinished"; the device; unit, conversion, calibrated. */
const char *review_state_name(int state);
json_t *review_device_json(const struct pd_rec_file_info *fi);
void review_set_calibration(json_t *j, const struct pd_rec_file_info *fi);

/* With r->mu held. The recording: device, calibration, meta, analysis,
 * baselines (with their cells), gaps, every event with the frames it
 * spans (`from`, `to`), marks, and a coarse time line. Borrowed. */
json_t *review_info(struct review_rec *r, char *err, size_t errlen);

/* Without r->mu (the pass over every frame takes seconds for an hour, and
 * frame requests go on meanwhile). The session maps of report/ (peak,
 * pressure-time integral, time under pressure) and the force curve; only
 * for a finished file (a recording in progress has no end yet). Borrowed;
 * NULL with an HTTP status and why. */
json_t *review_maps(struct review_rec *r, int *status, char *err, size_t errlen);

#endif
