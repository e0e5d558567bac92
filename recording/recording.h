/* Recordings: one HDF5 file per device per recording, laid out exactly as
 * ../shared/spec/recording.md says, written single-writer/multiple-reader
 * (SWMR) so it can be read while it grows, and repairable after a crash.
 * docs/recording.md describes the file for the people who read it.
 *
 * Writing. pd_rec_create makes the file and every group, dataset and
 * attribute of the layout, then switches the file to SWMR writing. Frames,
 * gaps and events are appended; nothing becomes visible (or durable) until
 * pd_rec_flush, which the caller runs at least once a second: it writes
 * what was appended (the chunk still being filled included), extends the
 * datasets, flushes HDF5's metadata and fdatasync()s the file. Between
 * flushes the library may commit on its own when its buffers are full.
 *
 * Errors. Functions return 0 on success and
 *   PD_REC_FAILED   (-1) when writing failed (a full disk: ENOSPC/EFBIG,
 *                   EIO...): the recording is over. The file stays readable
 *                   up to the last successful flush, and from then on the
 *                   handle only accepts pd_rec_close (the other writers
 *                   return PD_REC_FAILED at once). pd_rec_error says why.
 *   PD_REC_REJECTED (-2) when the call's own input was refused (a frame of
 *                   another geometry, an event missing a field): nothing
 *                   was written and the recording goes on.
 * HDF5 never prints: its automatic error reporting is turned off on every
 * thread that calls into this library, and its error stack becomes the
 * message.
 *
 * Threads. A handle belongs to one thread at a time. Different handles
 * (other devices, readers) may be used from different threads: Debian's
 * libhdf5 is built thread-safe, with one global lock, so HDF5 calls of
 * different threads take turns. This library must be the process's first
 * user of HDF5 (it turns HDF5's atexit teardown off: h5err.c), and
 * pd_rec_shutdown its last.
 *
 * Files are never overwritten: when `<device>-<YYYYmmddTHHMMSSZ>.h5`
 * exists already (two recordings started within one second, a rotation),
 * the new file is `<device>-<stamp>-1.h5`, then -2 and so on. */
#ifndef PD_RECORDING_H
#define PD_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "frame.h"

#define PD_REC_FAILED (-1)
#define PD_REC_REJECTED (-2)

#define PD_REC_FORMAT "pressd-recording"
#define PD_REC_FORMAT_VERSION 2 /* what is written; 1 and 2 are read */

/* Fixed sizes of the text columns of /events (bytes, NUL-padded; a longer
 * text is cut at a UTF-8 character boundary). */
#define PD_REC_LABEL_BYTES 128
#define PD_REC_UNITS_BYTES 8
/* /events/settings: key and value. */
#define PD_REC_SETTING_BYTES 32
/* format_version 1's /events/pulses: `durations` held the first this many
 * durations of a set, the rest NaN (version 2: /events/pulse_durations). */
#define PD_REC_PULSE_DURATIONS 64

/* A recording is created as a hidden ".NAME.h5" + this, and takes its
 * name only once its layout is on disk: a crash before that leaves no
 * NAME.h5 at all, only such a file, which holds no frames. */
#define PD_REC_PARTIAL_SUFFIX ".partial"

struct pd_rec_meta {
	const char *key, *value;
};

struct pd_rec_params {
	const char *dir;                     /* the recording directory (must exist) */
	const char *device_id;               /* "mat0"; also the first part of the file name */
	const struct pd_device_info *info;   /* what the device said it is */
	const char *protocol;                /* "pmf", "ascii", "sensitronics", "sim"... */
	const char *uri;                     /* the device URI as configured */
	int64_t start_utc_ns;                /* names the file; the root's session_start_time */
	const float *tare;                   /* rows × cols baseline in force at the start, counts; NULL: none */
	double tare_t;                       /* the device time it applied from (NaN: unknown) */
	const struct pd_rec_meta *analysis;  /* /analysis: the parameters in force, as in the config */
	size_t nanalysis;
	const char *analysis_units;          /* /analysis `units`: the device's unit (kPa, N, counts) */
	const struct pd_rec_meta *meta;      /* root attributes (record_start's meta) */
	size_t nmeta;
	const char *software_version;        /* "X.Y.Z" → software = "pressd X.Y.Z"; NULL: this build's */
	/* Tuning; 0 or false means the default. */
	uint32_t chunk_frames;               /* frames per /frames chunk (default: ~50 ms of frames, within
					      * 1 KiB..256 KiB of cells; layout.c says why) */
	int deflate_level;                   /* 0: pressd's encoder for sensor data (fastest, and smaller than
					      * level 1); 1..9: a general-purpose deflate at that level */
	bool no_sync;                        /* flush without fdatasync (tests and benchmarks only) */
};

struct pd_rec;

/* Creates the file (mode 0640 whatever the umask) with the whole layout
 * and starts SWMR writing. Allocates all its buffers here: up to about a
 * second of frames (under 1 MiB for 32×32 at 100 Hz, ~6 MiB for 64×64 at
 * 2 kHz). 0, or -1 with why in err (and no file left behind). */
int pd_rec_create(struct pd_rec **out, const struct pd_rec_params *p, char *err, size_t errlen);

/* One frame or roller sample: its cells exactly as received (they must
 * have the file's geometry: rows, cols, cell_bits), seq, t (device time),
 * time (rx.utc_ns) and, for rollers, the encoder. Copies into the chunk
 * being filled; never allocates. */
int pd_rec_append_frame(struct pd_rec *r, const struct pd_frame *f);

/* A sequence gap: `missing` frames the device sent after `after_seq`
 * never arrived. */
int pd_rec_append_gap(struct pd_rec *r, uint32_t after_seq, uint32_t missing);

/* One event (model/event.h, with its seq and time as published) as one
 * row of its table: press → /events/presses, hold (phase end) → holds,
 * pulses (and a row of /events/pulse_durations per duration), stroke →
 * strokes, roll → rolls, mark → marks, setting (a parameter that changed)
 * → settings: every type model/events.def gives a table. What has no
 * table — contact, tare (its baseline goes to pd_rec_append_tare) — and a
 * phase the table does not keep (a hold's start and progress: not
 * finished events) is accepted and not written (0), so the caller may pass
 * every event it has; an unknown type is PD_REC_REJECTED. */
int pd_rec_append_event(struct pd_rec *r, const struct pd_event *ev);

/* A baseline (rows × cols, counts) that came into force at device time t:
 * the next row of /tare and /tare_t. */
int pd_rec_append_tare(struct pd_rec *r, double t, const float *cells);

/* Makes everything appended so far visible to SWMR readers and durable:
 * the full chunks waiting in memory and the chunk still being filled
 * (written as a whole chunk, zero-padded past the dataset's end; it stays
 * in memory, keeps filling and is written again, replacing this version,
 * at the next flush or when it fills — an SWMR writer cannot reuse the
 * old copy's space, hence short chunks: layout.c). The per-frame
 * datasets are extended to the same N; a reader that reads /frames'
 * length first sees the others at least that long. */
int pd_rec_flush(struct pd_rec *r);

/* Flushes, closes and frees (always; NULL is a no-op). 0 when everything
 * appended is in the file and the file is closed properly: it opens
 * normally anywhere. PD_REC_FAILED when the recording failed, now or
 * before, with why in err (optional): the file was then closed without
 * another byte written and repaired as pd_rec_recover does, so it opens
 * normally with everything up to the last successful flush; if even the
 * repair failed (the disk still full), err says so and the file is left
 * for pd_rec_recover. */
int pd_rec_close(struct pd_rec *r, char *err, size_t errlen);

/* What a closed file holds for certain: the frames of its last
 * successful commit (a flush, or a full buffer). After a failure, those
 * appended since are not in it. */
struct pd_rec_kept {
	uint64_t frames;
	bool have_seq;     /* frames > 0 */
	uint32_t last_seq; /* the last kept frame's seq */
};
/* pd_rec_close, also filling kept (optional). */
int pd_rec_close_kept(struct pd_rec *r, struct pd_rec_kept *kept, char *err, size_t errlen);

uint64_t pd_rec_frames(const struct pd_rec *r);   /* frames appended */
uint64_t pd_rec_bytes(const struct pd_rec *r);    /* file size at the last flush + what waits in memory, compressed */
const char *pd_rec_path(const struct pd_rec *r);
const char *pd_rec_error(const struct pd_rec *r); /* "" when none */
bool pd_rec_failed(const struct pd_rec *r);

/* The /frames chunk length chosen for this geometry (frames). */
uint32_t pd_rec_default_chunk_frames(const struct pd_device_info *info);

/* Releases HDF5's global memory (H5close): at exit, once every handle and
 * reader is closed (else LeakSanitizer reports HDF5's free lists). */
void pd_rec_shutdown(void);

/* ---- after a crash ------------------------------------------------------ */

enum pd_rec_state {
	PD_REC_CLEAN = 0,      /* closed properly: opens normally */
	PD_REC_UNFINISHED = 1, /* marked open by a writer that is gone (crash, kill -9, power cut): recover it */
	PD_REC_IN_USE = 2,     /* marked open and a pressd recorder is writing it right now: leave it */
};

/* Reads the superblock's "open for writing" flags, and whether a live
 * pressd recorder holds the file. A pd_rec_state, or -1 (not an HDF5
 * file, unreadable) with why in err. */
int pd_rec_is_unfinished(const char *path, char *err, size_t errlen);

/* Makes a file a crashed writer left behind open normally again, keeping
 * everything that was flushed: the equivalent of `h5clear -s --increment`
 * (clears the superblock's status flags, sets its end-of-allocation past
 * the data that is in the file), then trims the per-frame datasets to
 * their common length. 0 (also when the file was clean), or -1 with why.
 * Refuses a file a live recorder is writing. */
int pd_rec_recover(const char *path, char *err, size_t errlen);

/* What pd_rec_recover_dir did, one line each, with a syslog priority
 * (LOG_NOTICE: recovered or removed; LOG_WARNING, LOG_ERR: moved aside,
 * or not even that). */
typedef void pd_rec_say_fn(void *ctx, int priority, const char *msg);
/* What a crash left in a recordings directory: files left open (kill -9,
 * a power cut) are recovered so they open normally again; recordings it
 * interrupted while being created (hidden .partial names, holding no
 * frame) are removed; anything else named .h5 that cannot open is moved
 * aside (renamed *.broken, never deleted). Files a live recorder is
 * writing are left alone. */
void pd_rec_recover_dir(const char *dir, pd_rec_say_fn *say, void *ctx);

/* ---- reading ------------------------------------------------------------ */

struct pd_rec_reader;

/* What the file says about itself. */
struct pd_rec_file_info {
	char device_id[64];
	char software[64];
	char session_start_time[48];
	char protocol[32];
	char uri[256];
	char unit[8];                  /* /frames unit: kPa, N or counts */
	double conversion;             /* /frames conversion: units per count */
	int format_version;
	struct pd_device_info device;  /* rebuilt from /device and /frames' attributes */
	bool has_encoder, has_tare;    /* has_tare: at least one baseline */
	uint64_t frames;               /* N, as of open or the last refresh */
	uint32_t chunk_frames;         /* /frames chunk length */
};

struct pd_rec_gap {
	uint32_t after_seq, missing;
};

/* Opens read-only; a file being recorded opens as an SWMR reader (call
 * pd_rec_reader_refresh to see it grow). 0, or -1 with why in err. */
int pd_rec_reader_open(struct pd_rec_reader **out, const char *path, char *err, size_t errlen);
void pd_rec_reader_close(struct pd_rec_reader *rd);
const char *pd_rec_reader_error(const struct pd_rec_reader *rd);

const struct pd_rec_file_info *pd_rec_reader_info(const struct pd_rec_reader *rd);

/* Root attributes that are not the format's own: the meta of the
 * recording. Values that are not strings are formatted as text. */
size_t pd_rec_reader_meta_count(const struct pd_rec_reader *rd);
const struct pd_rec_meta *pd_rec_reader_meta(const struct pd_rec_reader *rd, size_t i);

/* The analysis parameters of /analysis (version 2; none in version 1), as
 * in the config, `units` included. */
size_t pd_rec_reader_analysis_count(const struct pd_rec_reader *rd);
const struct pd_rec_meta *pd_rec_reader_analysis(const struct pd_rec_reader *rd, size_t i);

/* The baselines of /tare, in the order they came into force (version 1:
 * at most one, its t NaN): how many, and the k-th (rows × cols counts)
 * with the device time it applied from. pd_rec_reader_tare is the first
 * (the one in force at the start), or NULL when there is none. */
size_t pd_rec_reader_tare_count(const struct pd_rec_reader *rd);
const float *pd_rec_reader_tare_at(const struct pd_rec_reader *rd, size_t k, double *t);
const float *pd_rec_reader_tare(const struct pd_rec_reader *rd);

/* Frame i (0 ≤ i < frames) as pd_frame: cells (valid until the next call),
 * seq, device_time_us (from t), rx.utc_ns (from time, to ~0.25 µs;
 * mono_ns 0), encoder. t and time are also given as stored when not NULL.
 * Reads a chunk's worth at a time, so going through in order is cheap.
 * 0, or -1 with why in pd_rec_reader_error. */
int pd_rec_reader_frame(struct pd_rec_reader *rd, uint64_t i, struct pd_frame *f, double *t, double *time);

/* Only the times of frames [first, first + n): device time t and host
 * time (either may be NULL), without reading their cells: what a timeline
 * needs to find a moment's frame. 0, or -1 with why. */
int pd_rec_reader_times(struct pd_rec_reader *rd, uint64_t first, size_t n, double *t, double *time);

/* The gaps (valid until the next refresh or close). */
const struct pd_rec_gap *pd_rec_reader_gaps(const struct pd_rec_reader *rd, size_t *n);

/* Event tables by event type (those with a table: press, hold, pulses,
 * stroke, roll, mark, setting): how many rows, and row i as the event
 * that was recorded (the common fields the table keeps, the phase it
 * stores, every field; fields the file does not have NaN or zero; a pulse
 * set's `durations` from either version; `units` a static string). 0, or
 * -1 with why in pd_rec_reader_error. */
uint64_t pd_rec_reader_event_count(const struct pd_rec_reader *rd, enum pd_event_type type);
int pd_rec_reader_event(struct pd_rec_reader *rd, enum pd_event_type type, uint64_t i, struct pd_event *out);

/* ---- the tables' columns ------------------------------------------------- */

/* A column's unit that is the row's own `units` (kPa, N, counts), or those
 * units times seconds (an impulse, kPa·s). */
#define PD_REC_UNIT_ROW PD_UNIT_OF_ROW     /* model/event.h */
#define PD_REC_UNIT_ROW_S PD_UNIT_OF_ROW_S

enum pd_rec_col_type { PD_REC_COL_INT, PD_REC_COL_REAL, PD_REC_COL_BOOL, PD_REC_COL_TEXT };

struct pd_rec_column {
	const char *name;
	const char *unit;           /* "s", "mm", "mm/s", "deg", PD_REC_UNIT_ROW...; NULL: none */
	enum pd_rec_col_type type;
};

/* The event types that have a table, in file order ("press" ... "setting"),
 * and each one's path ("/events/presses"), description and columns as
 * version 2 writes them. NULL (PD_EV_COUNT) past the last. */
const char *pd_rec_event_type(size_t i);
enum pd_event_type pd_rec_event_type_id(size_t i); /* its type; PD_EV_COUNT past the last */
const char *pd_rec_event_path(const char *type);
const char *pd_rec_event_description(const char *type);
size_t pd_rec_event_columns(const char *type, struct pd_rec_column *out, size_t max);

/* A file being written: picks up what the writer has flushed since. */
int pd_rec_reader_refresh(struct pd_rec_reader *rd);

#endif
