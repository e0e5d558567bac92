#include "ring_cursor.h"

#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

int pd_ring_cursor_init(struct pd_ring_cursor *c, struct pd_device *dev)
{
	*c = (struct pd_ring_cursor){ .dev = dev, .efd = -1 };
	atomic_init(&c->done, 0);
	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0)
		return -1;
	if (pd_device_add_consumer(dev, c->efd, &c->done) != 0) {
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
	int got = c->ring && pd_frame_ring_read(c->ring, &c->next, &c->lost, f, stream, c->buf);
	if (got)
		c->read++;
	atomic_store_explicit(&c->done, c->read + c->lost, memory_order_release);
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
