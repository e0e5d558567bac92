#include "frame_ring.h"

#include <stdlib.h>
#include <string.h>

/* What a slot says about its frame, copied in and out as whole words. */
struct slot_meta {
	uint64_t device_time_us;
	int64_t rx_utc_ns, rx_mono_ns;
	uint32_t seq, stream;
	int32_t encoder;
	uint16_t rows, cols;
	uint8_t cell_bits, has_encoder;
	uint8_t pad[6];
};
#define META_WORDS (sizeof(struct slot_meta) / 8)
_Static_assert(sizeof(struct slot_meta) % 8 == 0, "slot_meta must be whole words");

struct pd_frame_ring {
	size_t nslots, cells_cap, slot_words;
	_Atomic uint64_t head;
	/* Per slot: one stamp word (2i+1 while frame i is written, 2i+2 once
	 * it is complete), then the meta words, then the cell words. */
	_Atomic uint64_t *words;
};

static _Atomic uint64_t *slot(const struct pd_frame_ring *r, uint64_t index)
{
	return r->words + (index % r->nslots) * r->slot_words;
}

static void store_words(_Atomic uint64_t *dst, const void *src, size_t bytes)
{
	const unsigned char *p = src;
	size_t i = 0;
	for (; bytes >= 8; i++, p += 8, bytes -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		atomic_store_explicit(&dst[i], w, memory_order_relaxed);
	}
	if (bytes) {
		uint64_t w = 0;
		memcpy(&w, p, bytes);
		atomic_store_explicit(&dst[i], w, memory_order_relaxed);
	}
}

static void load_words(void *dst, const _Atomic uint64_t *src, size_t bytes)
{
	unsigned char *p = dst;
	size_t i = 0;
	for (; bytes >= 8; i++, p += 8, bytes -= 8) {
		uint64_t w = atomic_load_explicit(&src[i], memory_order_relaxed);
		memcpy(p, &w, 8);
	}
	if (bytes) {
		uint64_t w = atomic_load_explicit(&src[i], memory_order_relaxed);
		memcpy(p, &w, bytes);
	}
}

struct pd_frame_ring *pd_frame_ring_new(size_t nslots, size_t cells_cap)
{
	if (nslots < 2)
		return NULL;
	struct pd_frame_ring *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->nslots = nslots;
	r->cells_cap = cells_cap;
	r->slot_words = 1 + META_WORDS + (cells_cap + 7) / 8;
	size_t nwords = nslots * r->slot_words;
	r->words = calloc(nwords, sizeof *r->words);
	if (!r->words) {
		free(r);
		return NULL;
	}
	/* Touch every page now: the memory is the process's from the start,
	 * not taken bit by bit as the ring first fills (a steady RSS, and no
	 * page faults on the reader's path). */
	for (size_t i = 0; i < nwords; i += 4096 / sizeof *r->words)
		atomic_store_explicit(&r->words[i], 0, memory_order_relaxed);
	return r;
}

void pd_frame_ring_free(struct pd_frame_ring *r)
{
	if (r) {
		free(r->words);
		free(r);
	}
}

size_t pd_frame_ring_slots(const struct pd_frame_ring *r) { return r->nslots; }
size_t pd_frame_ring_cells_cap(const struct pd_frame_ring *r) { return r->cells_cap; }

uint64_t pd_frame_ring_head(const struct pd_frame_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire);
}

int pd_frame_ring_write(struct pd_frame_ring *r, const struct pd_frame *f, uint32_t stream)
{
	size_t bytes = pd_frame_cells_bytes(f->rows, f->cols, f->cell_bits);
	if (bytes > r->cells_cap)
		return -1;
	uint64_t i = atomic_load_explicit(&r->head, memory_order_relaxed);
	_Atomic uint64_t *s = slot(r, i);
	struct slot_meta m = {
		.device_time_us = f->device_time_us,
		.rx_utc_ns = f->rx.utc_ns,
		.rx_mono_ns = f->rx.mono_ns,
		.seq = f->seq,
		.stream = stream,
		.encoder = f->encoder,
		.rows = f->rows,
		.cols = f->cols,
		.cell_bits = f->cell_bits,
		.has_encoder = f->has_encoder,
	};
	atomic_store_explicit(&s[0], 2 * i + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	store_words(s + 1, &m, sizeof m);
	store_words(s + 1 + META_WORDS, f->cells, bytes);
	atomic_store_explicit(&s[0], 2 * i + 2, memory_order_release);
	atomic_store_explicit(&r->head, i + 1, memory_order_release);
	return 0;
}

int pd_frame_ring_read(const struct pd_frame_ring *r, uint64_t *cursor, uint64_t *lost,
		       struct pd_frame *out, uint32_t *stream, void *buf)
{
	return pd_frame_ring_read_if(r, cursor, lost, out, stream, buf, NULL, NULL, NULL);
}

static struct pd_frame frame_of(const struct slot_meta *m, void *cells)
{
	return (struct pd_frame){
		.seq = m->seq,
		.device_time_us = m->device_time_us,
		.rx = { m->rx_utc_ns, m->rx_mono_ns },
		.encoder = m->encoder,
		.has_encoder = m->has_encoder,
		.rows = m->rows,
		.cols = m->cols,
		.cell_bits = m->cell_bits,
		.cells = cells,
	};
}

int pd_frame_ring_read_if(const struct pd_frame_ring *r, uint64_t *cursor, uint64_t *lost, struct pd_frame *out,
			  uint32_t *stream, void *buf, pd_frame_filter wants, void *wctx, uint64_t *skipped)
{
	for (;;) {
		uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (*cursor >= head)
			return 0;
		if (head - *cursor > r->nslots) {
			*lost += head - *cursor - r->nslots;
			*cursor = head - r->nslots;
		}
		const _Atomic uint64_t *s = slot(r, *cursor);
		uint64_t want = 2 * *cursor + 2;
		uint64_t s1 = atomic_load_explicit(&s[0], memory_order_acquire);
		if (s1 == want) {
			struct slot_meta m;
			load_words(&m, s + 1, sizeof m);
			if (wants) {
				/* Asked on metadata known whole, before the cells are copied. */
				atomic_thread_fence(memory_order_acquire);
				if (atomic_load_explicit(&s[0], memory_order_relaxed) != want)
					goto lapped;
				struct pd_frame meta = frame_of(&m, NULL);
				if (!wants(wctx, &meta)) {
					(*skipped)++;
					(*cursor)++;
					continue;
				}
			}
			size_t bytes = pd_frame_cells_bytes(m.rows, m.cols, m.cell_bits);
			if (bytes <= r->cells_cap)
				load_words(buf, s + 1 + META_WORDS, bytes);
			atomic_thread_fence(memory_order_acquire);
			uint64_t s2 = atomic_load_explicit(&s[0], memory_order_relaxed);
			if (s2 == want && bytes <= r->cells_cap) {
				*out = frame_of(&m, buf);
				*stream = m.stream;
				(*cursor)++;
				return 1;
			}
		}
	lapped:
		/* The writer lapped us while we looked: that frame is gone. */
		(*lost)++;
		(*cursor)++;
	}
}
