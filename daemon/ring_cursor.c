#include "ring_cursor.h"

#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

int pd_ring_cursor_init(struct pd_ring_cursor *c, struct pd_device *dev, const char *name, bool lossless,
			double stall_s)
{
	*c = (struct pd_ring_cursor){ .dev = dev, .efd = -1 };
	atomic_init(&c->done, 0);
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0)
		return -1;
	const struct pd_device_consumer reg = {
		.name = name, .efd = c->efd, .done = &c->done, .lossless = lossless, .stall_s = stall_s,
	};
	if (pd_device_add_consumer(dev, &reg) != 0) {
		close(c->efd);
		c->efd = -1;
		return -1;
	}
	return 0;
}

void pd_ring_cursor_fini(struct pd_ring_cursor *c)
{
	if (c->efd >= 0)
		close(c->efd);
	free(c->buf);
	c->buf = NULL;
	c->efd = -1;
}

void pd_ring_cursor_ack(struct pd_ring_cursor *c)
{
	uint64_t n;
	if (read(c->efd, &n, sizeof n) < 0) { /* EAGAIN: nothing new, fine */
	}
}

/* One frame from the ring the cursor is in: 1, or 0 when caught up. */
static int take(struct pd_ring_cursor *c, struct pd_frame *f, uint32_t *stream)
{
	int got = c->ring && pd_frame_ring_read_if(c->ring, &c->next, &c->lost, f, stream, c->buf, c->wants,
						    c->wants_ctx, &c->skipped);
	if (got)
		c->read++;
	uint64_t before = atomic_load_explicit(&c->done, memory_order_relaxed);
	uint64_t after = c->read + c->lost + c->skipped;
	/* seq_cst, against the reader's room_need (reader_room.c) */
	atomic_store(&c->done, after);
	pd_device_consumer_progress(c->dev, before, after);
	return got;
}

int pd_ring_cursor_next(struct pd_ring_cursor *c, struct pd_frame *f, uint32_t *stream)
{
	for (;;) {
		if (take(c, f, stream))
			return 1;
		struct pd_frame_ring *next = pd_device_ring_after(c->dev, c->ring);
		if (!next || next == c->ring)
			return 0;
		/* The reader went on to the next ring after its last write to
		 * this one, and seeing the next makes that write visible: take
		 * what came in meanwhile before moving. */
		if (take(c, f, stream))
			return 1;
		/* Drained: move over (allocating only now, when the geometry
		 * grew). To the next ring, not the newest: a consumer two
		 * changes behind, or one that starts after a change, reads the
		 * rings in between too. */
		size_t cap = pd_frame_ring_cells_cap(next);
		void *buf = realloc(c->buf, cap ? cap : 1);
		if (!buf)
			return 0;
		c->buf = buf;
		c->cap = cap;
		c->ring = next;
		c->next = 0;
	}
}
