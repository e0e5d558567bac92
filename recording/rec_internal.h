/* What the files of recording/ share and nothing outside uses. */
#ifndef PD_REC_INTERNAL_H
#define PD_REC_INTERNAL_H

#include <hdf5.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recording.h"

/* Chunks are handed to HDF5 as they lie in memory (direct chunk writes)
 * and the file's types are little-endian: on a big-endian host every
 * buffer would need swapping. pressd runs on x86 and ARM Linux. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "recording/ assumes a little-endian host"
#endif

/* ---- h5err.c: HDF5's error stack as messages ---------------------------- */

/* Turns HDF5's automatic error printing off for the calling thread (the
 * setting is per thread in a thread-safe build). Every entry point calls it. */
void pd_h5_quiet(void);
/* Once per process, before HDF5 starts: no atexit teardown of HDF5 (see
 * h5err.c). Every entry point calls it. */
void pd_h5_init(void);
/* An HDF5 file id that HDF5 failed to close: its teardown would crash. */
void pd_h5_poison(void);
bool pd_h5_poisoned(void);
/* err = "<what>: <the innermost HDF5 error, or strerror of its errno>";
 * clears the stack. */
void pd_h5_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pd_errorf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- codec.c: the shuffle + deflate filters, done by us ----------------- */

struct pd_codec;
struct pd_codec *pd_codec_new(int level, size_t max_chunk_bytes);
void pd_codec_free(struct pd_codec *c);
/* Most bytes a chunk of n bytes can take once compressed. */
size_t pd_codec_bound(size_t n);
/* Shuffles n bytes of elem-byte elements (as HDF5's shuffle filter does)
 * and deflates them into a zlib stream (as its deflate filter does) at
 * out: the bytes HDF5 would store for this chunk. Their length, or 0 if
 * out (cap bytes) was too small. */
size_t pd_codec_encode(struct pd_codec *c, const void *in, size_t n, size_t elem, void *out, size_t cap);

/* The reader's side: a zlib stream of `len` bytes inflated to exactly n
 * bytes at out, unshuffled by elem-byte elements if `shuffled` (HDF5's
 * deflate filter, after its shuffle filter). Chunks of up to
 * max_chunk_bytes. 0, or -1 when the stream is not that (corrupt, another
 * length): the caller lets HDF5 read it and say why. */
struct pd_decoder;
struct pd_decoder *pd_decoder_new(size_t max_chunk_bytes);
void pd_decoder_free(struct pd_decoder *d);
int pd_decoder_decode(struct pd_decoder *d, const void *in, size_t len, bool shuffled, size_t elem, void *out,
		      size_t n);

/* ---- chunks.c: /frames a chunk at a time, decoded by codec.c ---------- */

/* For a /frames dataset (rows × cols cells) whose chunks this library can
 * decode itself (whole frames; shuffle + deflate, deflate or nothing;
 * little-endian u8/u16): its reader; NULL when they are anything else (or
 * out of memory), and then H5Dread it is. */
struct pd_chunks;
struct pd_chunks *pd_chunks_open(hid_t frames, uint16_t rows, uint16_t cols);
void pd_chunks_free(struct pd_chunks *c);
uint32_t pd_chunks_frames(const struct pd_chunks *c); /* frames per chunk */
/* Chunk k's cells (pd_chunks_frames × rows × cols, zero-padded past the
 * dataset's end as stored) into cells. 0, or -1 when this chunk is not
 * one to decode here (not stored yet, a filter skipped, corrupt): read it
 * with H5Dread, which also says what is wrong. */
int pd_chunks_read(struct pd_chunks *c, uint64_t k, void *cells);

/* ---- deflate.c: a deflate encoder for shuffled sensor data ------------- */

/* Compresses n bytes, seen as `planes` equal planes (the shuffle filter's
 * byte planes; one deflate block each), into a zlib stream at out, using
 * tokens (room for n / planes + 1) as scratch. Its length, or 0 if cap
 * was too small. */
size_t pd_deflate_planes(const void *in, size_t n, size_t planes, void *out, size_t cap, uint16_t *tokens);

/* ---- schema.c: the compound tables -------------------------------------- */

enum pd_col_kind { PD_COL_U32, PD_COL_U64, PD_COL_I32, PD_COL_F64, PD_COL_BOOL, PD_COL_STR, PD_COL_F64_ARRAY };

/* A column's unit (pd_col.unit) that is the row's `units` column, or
 * those units times seconds (an impulse). */
#define PD_U_P PD_REC_UNIT_ROW
#define PD_U_PS PD_REC_UNIT_ROW_S

/* Which common field of the event a column holds, if any. */
enum pd_env_col { PD_ENV_NONE, PD_ENV_SEQ, PD_ENV_T, PD_ENV_TIME, PD_ENV_FRAME_SEQ };

struct pd_col {
	const char *name;
	enum pd_col_kind kind;
	uint16_t len;     /* STR: bytes; F64_ARRAY: elements */
	const char *unit; /* "s", "mm", PD_U_P...; NULL: none (counts, ids, text) */
	const struct pd_field *field; /* the event's field it holds (model/event.h), or NULL */
	enum pd_env_col env;          /* or the common field */
};

#define PD_TABLE_MAX_COLS 40

struct pd_table {
	const char *type;  /* the published event type ("press"), or "gap" */
	const char *path;  /* "/events/presses" */
	enum pd_phase phase; /* the only phase stored (hold: end), else PD_PHASE_NONE */
	const struct pd_col *cols;
	size_t ncols;
	const char *description; /* the table's `description` attribute */
	size_t row_bytes;  /* packed, as in the file */
	size_t offset[PD_TABLE_MAX_COLS]; /* of each column in a packed row */
	int event;         /* its enum pd_event_type; -1: not an event table */
};

/* The event types of model/events.def that have a table. */
#define PD_NTABLES 8
extern struct pd_table pd_event_tables[PD_NTABLES];
extern struct pd_table pd_gap_table;
extern struct pd_table pd_pulse_duration_table;
extern struct pd_table pd_pulses_v1_table; /* format_version 1's /events/pulses */

/* Computes the packed offsets (once, idempotent). */
void pd_schema_init(void);
const struct pd_table *pd_schema_find(const char *type);
const struct pd_table *pd_schema_table(enum pd_event_type type);
/* The packed little-endian compound type of a table (caller H5Tcloses it),
 * used both in the file and in memory. */
hid_t pd_schema_h5type(const struct pd_table *t);
size_t pd_col_bytes(const struct pd_col *c);

/* ---- layout.c: the groups, datasets and attributes ---------------------- */

struct pd_layout {
	hid_t file;
	hid_t frames, frame_seq, t, time, encoder; /* encoder: H5I_INVALID_HID unless a roller */
	hid_t gaps, pulse_durations;
	hid_t events[PD_NTABLES];
	hid_t tare, tare_t;                        /* [K, rows, cols] and [K] */
	uint32_t chunk_frames, chunk_1d;           /* rows per chunk of /frames and of the 1-D datasets */
};

/* Creates everything recording.md lists in the (fresh) file. 0, or -1. */
int pd_layout_create(struct pd_layout *l, const struct pd_rec_params *p, char *err, size_t errlen);
void pd_layout_close(struct pd_layout *l);
const char *pd_layout_software(const struct pd_rec_params *p, char *buf, size_t len);
/* Frames per /frames chunk for this geometry (params override aside). */
uint32_t pd_layout_chunk_frames(const struct pd_device_info *info);

/* ---- attrs.c: attribute helpers (writer and reader) --------------------- */

int pd_attr_str(hid_t obj, const char *name, const char *value);
int pd_attr_num(hid_t obj, const char *name, hid_t type, const void *value);
/* Reads a string attribute (fixed or variable length) into buf. 0 or -1. */
int pd_attr_read_str(hid_t obj, const char *name, char *buf, size_t len);
/* Reads a numeric attribute converted to double. 0 or -1. */
int pd_attr_read_num(hid_t obj, const char *name, double *v);

/* The decimal a float stands for, as a double: /frames `conversion`
 * (float64 since 0.55 must read as 0.55; older files have a float32,
 * read back the same way). layout.c */
double pd_conversion_decimal(float f);
/* Copies s into buf (len bytes), cutting at a UTF-8 boundary, replacing
 * bytes that are not UTF-8 with '?'. */
void pd_utf8_copy(char *buf, size_t len, const char *s);

/* ---- slab.c: blocks of rows ---------------------------------------------- */

/* Reads (or writes) rows [start, start + count) of ds, of rank 1..3,
 * from (to) buf in mtype. 0 or -1 (HDF5's stack says why). */
int pd_slab_io(hid_t ds, hid_t mtype, int rank, const hsize_t *start, const hsize_t *count, void *buf, bool write);
/* Extends ds (rows of dims1: rank - 1 sizes) by one row and writes it
 * from buf; *nrows is its length, before and after. 0 or -1. */
int pd_slab_append(hid_t ds, hid_t mtype, int rank, const hsize_t *dims1, uint64_t *nrows, const void *buf);

/* ---- fileio.c: the file itself ------------------------------------------ */

/* Creates dir/<base>.h5, or <base>-1.h5, -2... (O_EXCL, mode 0640 set
 * explicitly), returns its fd (O_RDWR) and the path. -1 with why. */
int pd_file_create_excl(const char *dir, const char *base, char *path, size_t pathlen, char *err, size_t errlen);
/* Gives the file at path (a hidden .partial name) its recording name,
 * base.h5 or the first free base-N.h5, never replacing one, and syncs the
 * directory; path is then the new name. 0, or -1 with why. */
int pd_file_publish(const char *dir, const char *base, char *path, size_t pathlen, char *err, size_t errlen);
/* The pressd recorder's claim on a file: an OFD write lock on fd, which
 * HDF5's own flock()s do not see (HDF5 drops its lock once SWMR writing
 * starts, so it cannot tell a live writer). 0, or -1 with errno EAGAIN
 * when another open file description holds it. */
int pd_file_lock(int fd);
/* Makes sure the blocks of [from, to) are allocated (fallocate,
 * FALLOC_FL_KEEP_SIZE: the size does not change), so writes there cannot
 * fail for want of space; also refuses what RLIMIT_FSIZE would. 0; 1 when
 * the filesystem cannot preallocate (nothing promised); -1 with errno
 * (ENOSPC, EFBIG...). */
int pd_file_reserve(int fd, uint64_t from, uint64_t to);
/* Gives back what a reservation left past the end of the file, up to
 * `to` (0: unknown). */
void pd_file_unreserve(int fd, uint64_t to);
/* Reads the superblock's status flags: 0 or nonzero, or -1 if no HDF5
 * superblock is found. */
int pd_file_status_flags(int fd, unsigned *flags, char *err, size_t errlen);

/* An fdatasync on a thread of its own, so that the writer (whose reader
 * a lossless consumer holds back) never waits on the disk: asked for at
 * each flush, done meanwhile; a sync still running when the next is asked
 * for is followed by one more, never by a queue. A failure shows at the
 * next request or at the stop. */
struct pd_syncer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;      /* a dup of the file's */
	bool running, want, quit;
	int err;     /* errno of the first sync that failed, else 0 */
};
/* 0, or -1 (no thread: sync in line instead). */
int pd_syncer_start(struct pd_syncer *s, int fd);
/* Asks for a sync without waiting; the errno of an earlier one that
 * failed, else 0. */
int pd_syncer_request(struct pd_syncer *s);
/* Waits for the sync asked for (if any), ends the thread; as request. */
int pd_syncer_stop(struct pd_syncer *s);

/* ---- recover.c ---------------------------------------------------------- */

/* pd_rec_recover on a file whose lock the caller holds already. */
int pd_recover_locked(const char *path, char *err, size_t errlen);

#endif
