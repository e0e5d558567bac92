/* One device: its reader thread (open, read, decode, retry with back-off),
 * its counters and state, and the frame ring its consumers read. One
 * device's trouble never stalls another: each has its own thread. */
#ifndef PD_DEVICE_H
#define PD_DEVICE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame_ring.h"
#include "source.h"

enum pd_device_state {
	PD_DEV_CONNECTING,   /* opened, waiting for INFO or the first frame */
	PD_DEV_STREAMING,    /* frames arriving */
	PD_DEV_DISCONNECTED, /* gone; retrying */
	PD_DEV_ERROR,        /* cannot be opened as configured; retrying */
};

const char *pd_device_state_name(enum pd_device_state s);

struct pd_device_stats {
	uint64_t frames, bytes, crc_errors, decode_errors, resyncs, garbage_bytes;
	uint64_t seq_gaps;    /* sequence jumps seen */
	uint64_t frames_lost; /* frames the device sent that never arrived (sum of the jumps) */
	uint64_t streams;     /* stream (re)starts: new geometry, sequence or clock going back */
	uint64_t disconnects;
	uint64_t publish_dropped; /* messages of this device the publisher could not take */
	uint64_t archive_frames;  /* frames recorded (recording: a later issue) */
	uint64_t archive_lag;     /* frames waiting to be recorded */
	uint64_t archive_lost;    /* frames not recorded: the recorder, stalled past daemon.archive_stall_s, was let go (in /gaps too) */
	uint64_t archive_bytes;   /* the size of the file being recorded (0: none), compressed, as of its last flush */
	uint64_t analysis_lost;   /* frames not analysed: 0 unless something really broke */
};

/* What the rest of the daemon may read at any time (pd_device_snapshot). */
struct pd_device_status {
	enum pd_device_state state;
	char error[256];
	bool have_info;
	struct pd_device_info info;
	const char *protocol; /* static string, NULL until known */
	struct pd_device_stats stats;
	char recording[4096];       /* the file being written, "" when not recording */
	char archive_error[320];    /* why the last recording stopped, if it failed */
	bool have_frame; /* the last frame's sequence and device time: */
	uint32_t last_seq;
	uint64_t last_time_us;
};

#define PD_DEVICE_MAX_CONSUMERS 8
#define PD_DEVICE_TRANSITIONS 16
#define PD_DEVICE_STREAM_INFOS 32

/* A consumer as the reader sees it (ring_cursor.c registers it). */
struct pd_device_consumer {
	const char *name;
	int efd;                 /* written after every frame */
	_Atomic uint64_t *done;  /* frames it has taken, read or lost, over every ring */
	bool lossless;           /* the reader waits for it rather than lap it */
	double stall_s;          /* ... but for at most this long (0: always) */
	bool let_go;             /* reader thread: stalled past stall_s, not waited for until it catches up */
};

/* A change of state, as the reader made it. */
struct pd_device_transition {
	enum pd_device_state state;
	char error[256];
};

struct pd_device {
	char id[32];
	struct pd_source src;
	double ring_s;

	pthread_t thread;
	bool started;
	int stop_fd; /* eventfd: wakes the reader to stop */
	int kick_fd; /* eventfd: try to open now, not after the back-off (hotplug) */

	pthread_mutex_t lock; /* guards status and transitions */
	struct pd_device_status status;
	struct pd_device_transition transitions[PD_DEVICE_TRANSITIONS]; /* oldest first */
	int ntransitions;
	/* What the device said about itself for each of its latest streams,
	 * by stream number modulo the size: a consumer still draining frames
	 * of an earlier stream (the geometry changed twice while it lagged)
	 * must not take the present INFO for theirs. Under lock. */
	struct {
		uint32_t stream;
		bool valid;
		struct pd_device_info info;
	} stream_info[PD_DEVICE_STREAM_INFOS];

	/* The ring consumers read; replaced by a larger one if the device's
	 * geometry outgrows it. Retired rings live until the device is freed,
	 * since a consumer may still be draining one. */
	_Atomic(struct pd_frame_ring *) ring;
	struct pd_frame_ring *retired[24]; /* oldest first; the reader fills one, then counts it */
	_Atomic int nretired;

	struct pd_device_consumer consumers[PD_DEVICE_MAX_CONSUMERS];
	int nconsumers;
	uint64_t written; /* reader thread: frames put in the ring(s) */
	/* Backpressure: while the reader waits for a lossless consumer, the
	 * count of frames taken that gives it room again; the consumer that
	 * gets there writes room_fd. 0 while nobody waits. */
	_Atomic uint64_t room_need;
	int room_fd;

	/* reader-thread only */
	bool have_last;
	uint32_t last_seq;
	uint64_t last_time_us;
	uint32_t stream;
	struct pd_device_info info;
	bool have_info;
	bool bad_pitch;         /* INFO gives no cell pitch and the URI none: status error */
	/* the rate frames arrive at, host time (device_ring.c) */
	int64_t arrivals_t0_ns;
	uint32_t arrivals;
	double arrival_hz;
};

int pd_device_init(struct pd_device *d, const struct pd_uri *uri, double ring_s, char *err, size_t errlen);
/* Consumers register (ring_cursor.c) before pd_device_start. */
int pd_device_add_consumer(struct pd_device *d, const struct pd_device_consumer *c);
/* A consumer's `done` went from `before` to `after`: wakes a reader that
 * waits for room, if that was what it needed. Any consumer thread. */
void pd_device_consumer_progress(struct pd_device *d, uint64_t before, uint64_t after);
/* Any thread: n frames were not analysed. */
void pd_device_count_analysis_lost(struct pd_device *d, uint64_t n);
int pd_device_start(struct pd_device *d);
/* The device's node has just appeared (hotplug): if the reader is
 * waiting to retry, it retries now. Any thread. */
void pd_device_kick(struct pd_device *d);
/* The ring a consumer reads after `r` (NULL: its first), in the order the
 * reader filled them, so that a consumer that lags behind a change of
 * geometry, or starts after one, still reads every ring in turn. The
 * current ring when there is none after `r`; NULL before the first. */
struct pd_frame_ring *pd_device_ring_after(struct pd_device *d, const struct pd_frame_ring *r);
/* Stops the reader and waits for it. */
void pd_device_stop(struct pd_device *d);
void pd_device_free(struct pd_device *d);

void pd_device_snapshot(struct pd_device *d, struct pd_device_status *out);

/* The INFO in force for the frames of `stream` (the number the ring hands
 * out with each frame). True with *out set; false when the device has not
 * described itself for that stream or it is too long ago to be kept. */
bool pd_device_stream_info(struct pd_device *d, uint32_t stream, struct pd_device_info *out);

/* The changes of state since the last call, oldest first (the oldest are
 * forgotten beyond PD_DEVICE_TRANSITIONS). Returns how many. */
int pd_device_take_transitions(struct pd_device *d, struct pd_device_transition *out, int max);

/* The recorder's view: the file (NULL: none) and its size, frames
 * recorded, frames waiting to be, and why a recording failed ("" or
 * NULL: it did not). */
void pd_device_set_archive(struct pd_device *d, const char *path, uint64_t bytes, uint64_t frames, uint64_t lag,
			   uint64_t lost, const char *error);

/* Any thread: n of this device's messages could not be published. */
void pd_device_count_publish_drops(struct pd_device *d, uint64_t n);

#endif
