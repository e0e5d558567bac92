/* The per-frame datasets (/frames, /frame_seq, /t, /time, /encoder), a
 * chunk at a time.
 *
 * Appending copies a frame into each dataset's chunk buffer; a chunk that
 * fills is compressed at once (spreading the CPU work) into an arena
 * where it waits. No frame reaches the file between commits, so the file
 * only ever moves from one whole state to the next: a commit writes the
 * waiting chunks and the chunks still being filled (zero-padded: a chunk
 * is always written whole, and the padding lies past the dataset's end),
 * then extends the datasets to the frames appended and flushes HDF5's
 * metadata. A chunk written while partial stays in its buffer, keeps
 * filling and is written again, replacing that version, when it fills or
 * at the next commit.
 *
 * Direct chunk writes (H5Dwrite_chunk), /frames' with our own shuffle +
 * deflate (codec.c) rather than H5Dwrite through HDF5's filters: 3× the
 * speed (bench/bench_recording.c). The 1-D datasets are unfiltered, their
 * chunks of constant size, rewritten in place (layout.c says why).
 *
 * Order within a commit, so that an SWMR reader that reads /frames'
 * length first never finds the others shorter: the 1-D datasets are
 * extended, written and flushed first, /frames last. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "writer.h"

#define PEND_MAX 4096
#define ARENA_MAX (4u << 20)

static size_t chunk_bytes(const struct pd_stream *s)
{
	return (size_t)s->chunk_rows * s->row_bytes;
}

/* Most bytes a chunk of this stream takes in the file. */
static size_t stored_bound(const struct pd_stream *s)
{
	return s->filtered ? pd_codec_bound(chunk_bytes(s)) : chunk_bytes(s);
}

static int stream_init(struct pd_stream *s, const char *name, hid_t ds, int rank, size_t row, size_t elem,
		       uint32_t rows)
{
	*s = (struct pd_stream){ .name = name, .ds = ds, .rank = rank, .row_bytes = row, .elem_bytes = elem,
				 .chunk_rows = rows, .filtered = rank == 3 };
	s->buf = calloc(rows, row);
	return s->buf ? 0 : -1;
}

int pd_frames_init(struct pd_rec *r, float rate_hz, int level)
{
	const struct pd_layout *l = &r->l;
	size_t fb = pd_frame_cells_bytes(r->info.rows, r->info.cols, r->info.cell_bits);
	size_t cell = r->info.cell_bits == 16 ? 2 : 1;
	r->nstreams = l->encoder >= 0 ? 5 : 4;
	if (stream_init(&r->s[PD_S_FRAMES], "/frames", l->frames, 3, fb, cell, l->chunk_frames) ||
	    stream_init(&r->s[PD_S_SEQ], "/frame_seq", l->frame_seq, 1, 4, 4, l->chunk_1d) ||
	    stream_init(&r->s[PD_S_T], "/t", l->t, 1, 8, 8, l->chunk_1d) ||
	    stream_init(&r->s[PD_S_TIME], "/time", l->time, 1, 8, 8, l->chunk_1d) ||
	    (r->nstreams == 5 && stream_init(&r->s[PD_S_ENCODER], "/encoder", l->encoder, 1, 4, 4, l->chunk_1d)))
		return -1;

	size_t biggest = 0, per_frame = 0;
	for (unsigned i = 0; i < r->nstreams; i++) {
		if (stored_bound(&r->s[i]) > biggest)
			biggest = stored_bound(&r->s[i]);
		per_frame += r->s[i].row_bytes;
	}
	/* Room for about a second of frames even if they did not compress,
	 * so a caller flushing once a second seldom makes us commit in
	 * between; at least a few chunks; at most 4 MiB (a second of 64×64
	 * at 2 kHz, compressed: fuller, we commit early, which is harmless). */
	double rate = rate_hz >= 1 && rate_hz <= 100000 ? rate_hz : 100;
	size_t second = (size_t)(per_frame * rate * 1.25);
	r->arena_cap = second < ARENA_MAX ? second : ARENA_MAX;
	if (r->arena_cap < 4 * biggest)
		r->arena_cap = 4 * biggest;
	r->partial_cap = stored_bound(&r->s[PD_S_FRAMES]);
	r->pend_cap = PEND_MAX;
	r->arena = malloc(r->arena_cap);
	r->partial = malloc(r->partial_cap);
	r->pend = calloc(r->pend_cap, sizeof *r->pend);
	r->codec = pd_codec_new(level, chunk_bytes(&r->s[PD_S_FRAMES]));
	return r->arena && r->partial && r->pend && r->codec ? 0 : -1;
}

void pd_frames_free(struct pd_rec *r)
{
	for (unsigned i = 0; i < PD_S_MAX; i++)
		free(r->s[i].buf), r->s[i].buf = NULL;
	free(r->arena), r->arena = NULL;
	free(r->partial), r->partial = NULL;
	free(r->pend), r->pend = NULL;
	pd_codec_free(r->codec), r->codec = NULL;
}

static bool room_for(const struct pd_rec *r, const struct pd_stream *s)
{
	return r->npend < r->pend_cap && r->arena_cap - r->arena_used >= stored_bound(s);
}

/* A chunk as it is stored: compressed, or as it is. Its length, 0 if it
 * did not fit. */
static size_t encode(struct pd_rec *r, struct pd_stream *s, uint8_t *out, size_t cap)
{
	if (s->filtered)
		return pd_codec_encode(r->codec, s->buf, chunk_bytes(s), s->elem_bytes, out, cap);
	if (cap < chunk_bytes(s))
		return 0;
	memcpy(out, s->buf, chunk_bytes(s));
	return chunk_bytes(s);
}

/* A full chunk: stored into the arena, to be written at the commit. */
static int seal(struct pd_rec *r, unsigned i)
{
	struct pd_stream *s = &r->s[i];
	size_t n = encode(r, s, r->arena + r->arena_used, r->arena_cap - r->arena_used);
	if (!n)
		return pd_rec_fail(r, "compressing a chunk of %s failed", s->name);
	r->pend[r->npend++] = (struct pd_pending){ i, s->chunk, r->arena_used, n };
	r->arena_used += n;
	return 0;
}

int pd_frames_append(struct pd_rec *r, const struct pd_frame *f)
{
	double t = (double)f->device_time_us / 1e6, utc = (double)f->rx.utc_ns / 1e9;
	int32_t enc = f->has_encoder ? f->encoder : 0;
	const void *row[PD_S_MAX] = { f->cells, &f->seq, &t, &utc, &enc };

	for (unsigned i = 0; i < r->nstreams; i++) {
		struct pd_stream *s = &r->s[i];
		if (s->fill < s->chunk_rows)
			continue;
		/* The buffer is full: compress it unless a commit has
		 * written it whole already, then start the next chunk. */
		if (s->dirty) {
			if (!room_for(r, s) && pd_frames_commit(r))
				return PD_REC_FAILED;
			if (s->dirty && seal(r, i))
				return PD_REC_FAILED;
		}
		s->fill = 0;
		s->chunk++;
		s->dirty = false;
	}
	for (unsigned i = 0; i < r->nstreams; i++) {
		struct pd_stream *s = &r->s[i];
		memcpy(s->buf + (size_t)s->fill * s->row_bytes, row[i], s->row_bytes);
		s->fill++;
		s->dirty = true;
	}
	r->frames++;
	r->last_seq = f->seq;
	return 0;
}

static int write_chunk(struct pd_rec *r, struct pd_stream *s, uint64_t chunk, const void *data, size_t len)
{
	hsize_t off[3] = { chunk * s->chunk_rows, 0, 0 };
	if (H5Dwrite_chunk(s->ds, H5P_DEFAULT, 0, off, len, data) < 0)
		return pd_rec_fail(r, "writing %s (frames from %llu)", s->name, (unsigned long long)off[0]);
	return 0;
}

/* Extends one dataset to n frames and writes its chunks. */
static int commit_stream(struct pd_rec *r, unsigned i, uint64_t n)
{
	struct pd_stream *s = &r->s[i];
	hsize_t dims[3] = { n, r->info.rows, r->info.cols };
	/* Extended first: HDF5 takes direct chunk writes only inside the
	 * dataset's extent. Nothing reaches the disk before the flush. */
	if (n != r->visible && H5Dset_extent(s->ds, dims) < 0)
		return pd_rec_fail(r, "extending %s", s->name);
	for (size_t k = 0; k < r->npend; k++)
		if (r->pend[k].stream == i && write_chunk(r, s, r->pend[k].chunk, r->arena + r->pend[k].off, r->pend[k].len))
			return PD_REC_FAILED;
	if (s->dirty) {
		/* The chunk being filled, padded with zeros (the fill value)
		 * past the last frame. */
		memset(s->buf + (size_t)s->fill * s->row_bytes, 0, (size_t)(s->chunk_rows - s->fill) * s->row_bytes);
		const uint8_t *data = s->buf;
		size_t len = chunk_bytes(s);
		if (s->filtered) {
			len = encode(r, s, r->partial, r->partial_cap);
			data = r->partial;
		}
		if (!len)
			return pd_rec_fail(r, "compressing a chunk of %s failed", s->name);
		if (write_chunk(r, s, s->chunk, data, len))
			return PD_REC_FAILED;
		s->dirty = false;
	}
	return 0;
}

static int flush_h5(struct pd_rec *r)
{
	if (H5Fflush(r->l.file, H5F_SCOPE_LOCAL) < 0)
		return pd_rec_fail(r, "flushing %s", r->path);
	return 0;
}

/* Before a commit writes anything: the blocks it (and a close after it)
 * will write are allocated first, so that a full disk shows here, with
 * HDF5 untouched and able to close the file properly, rather than as a
 * failed write inside HDF5, after which it cannot (h5err.c). What is due
 * is the compressed chunks waiting, the chunks being filled at their
 * largest, and a margin for HDF5's metadata (chunk index blocks, object
 * headers: a few KiB a commit). One fallocate a commit costs nothing. */
#define RESERVE_MARGIN (256u << 10)

static int reserve(struct pd_rec *r)
{
	if (r->no_reserve)
		return 0;
	haddr_t eoa;
	if (H5Fget_eoa(r->l.file, &eoa) < 0)
		return pd_rec_fail(r, "reading the end of %s", r->path);
	uint64_t need = r->arena_used + RESERVE_MARGIN;
	for (unsigned i = 0; i < r->nstreams; i++)
		if (r->s[i].dirty)
			need += stored_bound(&r->s[i]);
	if (eoa + need <= r->reserved)
		return 0;
	uint64_t to = eoa + need;
	int rc = pd_file_reserve(r->fd, eoa, to);
	if (rc < 0)
		return pd_rec_stop(r, "no room to go on writing %s: %s", r->path, strerror(errno));
	if (rc > 0)
		r->no_reserve = true; /* this filesystem cannot: unprotected */
	else
		r->reserved = to;
	return 0;
}

int pd_frames_commit(struct pd_rec *r)
{
	uint64_t n = r->frames;
	if (reserve(r))
		return PD_REC_FAILED;
	for (unsigned i = 0; i < r->nstreams; i++)
		if (i != PD_S_FRAMES && commit_stream(r, i, n))
			return PD_REC_FAILED;
	if (flush_h5(r) || commit_stream(r, PD_S_FRAMES, n) || flush_h5(r))
		return PD_REC_FAILED;
	r->visible = n;
	r->visible_seq = r->last_seq;
	r->npend = 0;
	r->arena_used = 0;
	struct stat st;
	if (fstat(r->fd, &st) == 0)
		r->file_bytes = (uint64_t)st.st_size;
	return 0;
}
