/* The recorder's pieces (recorder.h says what it does as a whole), each
 * in a file of its own, all run on the recorder's one thread:
 *   recorder.c         start, stop, the consumer's table of operations
 *   record_frames.c    a frame into the file: gaps, rotation, what is lost
 *   record_files.c     opening, closing and failing a file; telling the daemon
 *   record_requests.c  record_start / record_stop
 *   recorder_events.c  the event intake: events, marks, settings, baselines
 *                      from the inproc socket, and the events held for
 *                      frames the recorder has yet to take
 * The recovery of a directory after a crash is recording/recover.c's. */
#ifndef PD_RECORDER_INTERNAL_H
#define PD_RECORDER_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "consumer.h"
#include "outlet.h"
#include "recorder.h"
#include "recording.h"

struct rec_held; /* recorder_events.c: events waiting for their frame */

struct dev_rec {
	struct pd_recorder *r;
	struct pd_device *dev;
	struct pd_rec *rec;
	bool armed;          /* record this device's frames as they come */
	char dir[PATH_MAX];
	json_t *meta;        /* record_start's meta, for every file of this recording */
	uint32_t stream;
	bool have_stream;
	bool have_last;
	uint32_t last_seq;
	double file_t0;      /* device time of the file's first frame (for rotation) */
	bool file_started;
	uint32_t file_seq0;  /* seq of the file's first frame */
	double last_t;       /* device time of the file's last frame */
	/* The analysis may be ahead of us: events of frames this file will
	 * start with can come before it has its first frame. */
	struct rec_held *held;
	int64_t last_flush_ns;
	uint64_t archived;   /* frames in files, every file together (those a failure lost taken back) */
	uint64_t archive_lost; /* frames missed while recording */
	uint64_t seq;        /* `recording` messages */
	char error[320];     /* why the last recording stopped, if it failed */
	/* Frames that are in no file and not yet in any file's /gaps: those
	 * of a stream whose INFO the device no longer kept (it changed
	 * geometry more than PD_DEVICE_STREAM_INFOS times while we lagged; no
	 * file can say what they are), and those a failing disk lost (appended
	 * after the file's last successful commit). Counted in archive_lost,
	 * said in status, put in the next file's /gaps. */
	char lost_why[200];
	uint32_t lost_after;  /* the seq before the first of them */
	uint32_t lost_run;    /* how many are not in any /gaps yet */
	/* What the analysis said is in force: a new file's /analysis and /tare. */
	struct pd_analysis_params params;
	float *baseline;     /* rows × cols counts, baseline_n of them; NULL: none */
	size_t baseline_n;
	double baseline_t;
};

struct pd_recorder {
	struct pd_runner *runner;
	void *sub; /* PULL: finished events, baselines and settings from the analysis, marks from control */
	struct pd_outlet out; /* `recording` messages to the event stream */
	struct pd_recorder_config cfg;
	struct pd_consumer_ops ops; /* recorder_ops with the configured stall budget */
	char default_dir[PATH_MAX];
	/* The analysis, to wait for before a file closes (under lock: it
	 * stops before we do). */
	pthread_mutex_t lock;
	struct pd_analysis_worker *analysis;
	bool in_frame; /* inside the runner's frame op: take no frames */
	int n;
	struct dev_rec dev[];
};

static inline int rec_index(const struct dev_rec *d)
{
	return (int)(d - d->r->dev);
}

/* ---- record_files.c ---- */

#define REC_STREAM_UNKNOWN (-2)

int rec_mkdirs(const char *dir, char *err, size_t errlen);
/* Opens d's next file. stream: the stream of the frame the file starts
 * with, whose INFO it describes; NULL: the device as it is now.
 * REC_STREAM_UNKNOWN when that stream's INFO is no longer kept; -1 with
 * why in err. */
int rec_open_file(struct dev_rec *d, const uint32_t *stream, char *err, size_t errlen);
/* Closes the file (phase: what the `recording` message says); the frames
 * it holds (a failure may have cost the last ones: counted as lost). */
uint64_t rec_close_file(struct dev_rec *d, const char *phase);
/* The file has had its last frame: its events first, then closed. */
uint64_t rec_finish_file(struct dev_rec *d, const char *phase);
/* A write failed: this recording is over, the daemon goes on. */
void rec_fail(struct dev_rec *d);
void rec_give_up(struct dev_rec *d, const char *why);
bool rec_rotation_due(const struct dev_rec *d, double t);
void rec_update_device(struct dev_rec *d);
/* Frames that are in no file, for the next file's /gaps. */
void rec_lost(struct dev_rec *d, uint32_t after_seq, uint64_t n);
int rec_write_lost(struct dev_rec *d);

/* ---- record_frames.c ---- */

void rec_archive_frame(void *ctx, int dev, const struct pd_consumer_frame *cf);
void rec_archive_missed(void *ctx, int dev, uint64_t n);
void rec_flush_due(struct pd_recorder *r, int64_t now);

#endif
