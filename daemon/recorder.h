/* The recorder: one thread archiving each device's frames, sequence gaps
 * and finished events to HDF5 (recording.md), from its own cursor on the
 * device's ring, so a slow disk never stalls acquisition. The analysis
 * and the control socket hand it finished events and marks as the very
 * JSON they publish, so /events holds exactly what subscribers saw; the
 * analysis also hands it each baseline with its cells (for /tare) and each
 * parameter change (for /events/settings), and the recorder keeps the
 * latest of both per device for the /tare and /analysis a new file starts
 * with. Files are flushed at least once a second, rotated
 * by size or duration, and a failure (a full disk) ends that recording
 * only: acquisition, analysis and publishing go on. All HDF5 calls happen
 * on this thread. */
#ifndef PD_RECORDER_H
#define PD_RECORDER_H

#include <jansson.h>
#include <stddef.h>

#include "device.h"
#include "params.h"

struct pd_recorder_config {
	const char *dir;     /* record every device from the start into this (NULL: not) */
	double max_mb;       /* rotate past this size (0: never) */
	double max_s;        /* rotate past this duration of device time (0: never) */
	double stall_s;      /* daemon.archive_stall_s: how long a stalled disk may hold the reader back */
	const struct pd_analysis_params *analysis; /* in force at the start, every device (NULL: defaults) */
};

/* record_start's meta: at most this many keys (each a root attribute). */
#define PD_RECORD_META_MAX 64

struct pd_recorder;

/* Recovers unfinished files in cfg->dir first (a crash's), then starts. */
struct pd_recorder *pd_recorder_start(void *zctx, struct pd_device *devs, int ndevs,
				      const struct pd_recorder_config *cfg, char *err, size_t errlen);
/* Closes every recording cleanly (after the readers have stopped and the
 * last frames were written). */
void pd_recorder_stop(struct pd_recorder *r);

/* The control socket's record_start / record_stop, for device `dev` (an
 * index) or every device (dev < 0). Returns the reply's `recordings`
 * array, or NULL with why in err. Waits for the recorder thread (bounded). */
json_t *pd_recorder_record_start(struct pd_recorder *r, int dev, const char *dir, const json_t *meta,
				 char *err, size_t errlen);
json_t *pd_recorder_record_stop(struct pd_recorder *r, int dev, char *err, size_t errlen);
/* The analysis a file waits for before it closes (record_stop, a
 * rotation), so it holds every event of its frames. NULL before that
 * worker stops: once this returns the recorder no longer calls into it. */
struct pd_analysis_worker;
void pd_recorder_use_analysis(struct pd_recorder *r, struct pd_analysis_worker *w);

#endif
