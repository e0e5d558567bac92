/* A fixed ring of frame slots between one device reader (the only writer)
 * and its consumers (analysis, publisher, recorder). The ring itself never
 * makes the writer wait (the device does, for lossless consumers: see
 * device.c): a consumer that falls more than the ring's length behind loses
 * the oldest frames, and its read tells it how many, so loss is counted
 * rather than hidden. No allocation after creation. Slots are read seqlock-style,
 * with word-sized atomic copies so a torn read is detected, never used. */
#ifndef PD_FRAME_RING_H
#define PD_FRAME_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct pd_frame_ring;

/* nslots slots of frames whose cells take at most cells_cap bytes. */
struct pd_frame_ring *pd_frame_ring_new(size_t nslots, size_t cells_cap);
void pd_frame_ring_free(struct pd_frame_ring *r);

size_t pd_frame_ring_slots(const struct pd_frame_ring *r);
size_t pd_frame_ring_cells_cap(const struct pd_frame_ring *r);
/* Frames written so far: a new consumer starts reading here. */
uint64_t pd_frame_ring_head(const struct pd_frame_ring *r);

/* Writer: copies the frame (and its cells) into the next slot. `stream`
 * is the device's stream number (it changes when the device restarts or
 * changes geometry). Returns -1 if the cells do not fit. */
int pd_frame_ring_write(struct pd_frame_ring *r, const struct pd_frame *f, uint32_t stream);

/* Consumer: reads the frame at *cursor into out, its cells into buf (at
 * least cells_cap bytes; out->cells points there). Returns 1 with a frame,
 * 0 when caught up. Frames overwritten before they could be read are added
 * to *lost and skipped. */
int pd_frame_ring_read(const struct pd_frame_ring *r, uint64_t *cursor, uint64_t *lost,
		       struct pd_frame *out, uint32_t *stream, void *buf);

/* The same, but frames `wants` (given the frame's metadata, cells NULL)
 * declines are skipped without copying their cells, and counted in
 * *skipped. */
typedef bool (*pd_frame_filter)(void *ctx, const struct pd_frame *meta);
int pd_frame_ring_read_if(const struct pd_frame_ring *r, uint64_t *cursor, uint64_t *lost, struct pd_frame *out,
			  uint32_t *stream, void *buf, pd_frame_filter wants, void *wctx, uint64_t *skipped);

#endif
