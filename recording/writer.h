/* The writer's handle, shared by rec.c (life cycle), frames.c (the
 * per-frame datasets) and events.c (the tables). */
#ifndef PD_REC_WRITER_H
#define PD_REC_WRITER_H

#include <limits.h>

#include "rec_internal.h"

/* One per-frame dataset being filled a chunk at a time. */
struct pd_stream {
	const char *name;
	hid_t ds;          /* the layout's */
	int rank;          /* 3 for /frames, else 1 */
	size_t row_bytes;  /* bytes per frame in this dataset */
	size_t elem_bytes; /* shuffle's element size */
	bool filtered;     /* shuffle + deflate (/frames), or stored as is */
	uint32_t chunk_rows;
	uint8_t *buf;      /* the chunk being filled: chunk_rows × row_bytes */
	uint32_t fill;     /* rows in buf */
	uint64_t chunk;    /* which chunk buf is */
	bool dirty;        /* buf holds rows no write has stored yet */
};

/* A full chunk compressed and waiting in the arena for the next commit. */
struct pd_pending {
	unsigned stream;
	uint64_t chunk;
	size_t off, len;
};

enum { PD_S_FRAMES, PD_S_SEQ, PD_S_T, PD_S_TIME, PD_S_ENCODER, PD_S_MAX };

struct pd_rec {
	char path[PATH_MAX];
	char err[512];
	int fd; /* our own descriptor of the file: the lock, fdatasync, its size */
	bool no_sync;
	struct pd_syncer syncer; /* the flushes' fdatasync (not running: in line) */
	bool failed; /* the recording is over: only pd_rec_close is accepted */
	bool broken; /* ... because an HDF5 call failed: HDF5's state is unknown */
	uint64_t reserved; /* the file's blocks are allocated up to here */
	bool no_reserve;   /* the filesystem cannot preallocate */
	struct pd_device_info info;
	struct pd_layout l;

	struct pd_stream s[PD_S_MAX];
	unsigned nstreams; /* 4, or 5 with /encoder */
	struct pd_codec *codec;
	uint8_t *arena; /* compressed full chunks until the next commit */
	size_t arena_used, arena_cap;
	struct pd_pending *pend;
	size_t npend, pend_cap;
	uint8_t *partial; /* the compressed chunk still being filled */
	size_t partial_cap;

	uint64_t frames;     /* appended */
	uint64_t visible;    /* the datasets' length after the last commit */
	uint32_t last_seq;   /* of the last frame appended */
	uint32_t visible_seq; /* of the last frame committed (visible > 0) */
	uint64_t file_bytes; /* the file's size after the last commit */
	uint64_t rows[PD_NTABLES], gaps, pulse_durations, tares;
	uint8_t *row;        /* one table row being built */
};

/* frames.c */
int pd_frames_init(struct pd_rec *r, float rate_hz, int level);
void pd_frames_free(struct pd_rec *r);
int pd_frames_append(struct pd_rec *r, const struct pd_frame *f);
/* Writes all that is buffered, extends the datasets, flushes HDF5. */
int pd_frames_commit(struct pd_rec *r);

/* rec.c: an HDF5 call failed: remember why (HDF5's stack) and cut HDF5
 * off from the file. */
int pd_rec_fail(struct pd_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The recording cannot go on (no room for the next commit, a failed
 * fdatasync) but HDF5 is fine: the file will close properly. */
int pd_rec_stop(struct pd_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pd_rec_reject(struct pd_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* events.c */
int pd_events_append_row(struct pd_rec *r, hid_t ds, const struct pd_table *t, uint64_t *nrows);

#endif
