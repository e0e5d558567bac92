/* A consumer's place in one device's frame ring: the analysis, publishing,
 * recording and tracing consumers each hold one per device. It follows the
 * device to a larger ring when the geometry grows, after draining the old
 * one, and wakes through an eventfd the reader writes after every frame.
 * consumer_runner.c is its one user. */
#ifndef PD_RING_CURSOR_H
#define PD_RING_CURSOR_H

#include <stdatomic.h>
#include <stdint.h>

#include "device.h"

struct pd_ring_cursor {
	struct pd_device *dev;
	struct pd_frame_ring *ring;
	uint64_t next;
	uint64_t lost; /* frames overwritten before this consumer read them */
	/* Frames taken so far, read or lost, over every ring: the device's
	 * writes minus this is the consumer's backlog (pd_device_room). */
	_Atomic uint64_t done;
	uint64_t read; /* frames returned */
	uint64_t skipped; /* frames `wants` declined */
	pd_frame_filter wants; /* optional, asked before the cells are copied */
	void *wants_ctx;
	void *buf;     /* cells of the frame last returned */
	size_t cap;
	int efd; /* poll for POLLIN; pd_ring_cursor_next clears it */
};

/* Registers with the device (before it starts), as a consumer the reader
 * waits for (lossless, for at most stall_s seconds if that is > 0) or
 * not. 0, or -1. */
int pd_ring_cursor_init(struct pd_ring_cursor *c, struct pd_device *dev, const char *name, bool lossless,
			double stall_s);
void pd_ring_cursor_fini(struct pd_ring_cursor *c);

/* Clears the wake-up; call once per poll wake before draining. */
void pd_ring_cursor_ack(struct pd_ring_cursor *c);

/* The next frame (cells valid until the next call): 1, or 0 when caught up. */
int pd_ring_cursor_next(struct pd_ring_cursor *c, struct pd_frame *f, uint32_t *stream);

#endif
