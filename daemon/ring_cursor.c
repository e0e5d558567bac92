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

int pd_ring_cursor_next(struct pd_ring_cursor *c, struct pd_frame *f, uint32_t *stream)
{
	for (;;) {
		if (c->ring && pd_frame_ring_read(c->ring, &c->next, &c->lost, f, stream, c->buf)) {
			c->read++;
			atomic_store_explicit(&c->done, c->read + c->lost, memory_order_release);
			return 1;
		}
		atomic_store_explicit(&c->done, c->read + c->lost, memory_order_release);
		struct pd_frame_ring *cur = atomic_load(&c->dev->ring);
		if (cur == c->ring)
			return 0;
		/* The old ring is drained and the reader writes only to the new
		 * one: move over (allocating only now, when the geometry grew). */
		size_t cap = pd_frame_ring_cells_cap(cur);
		void *buf = realloc(c->buf, cap ? cap : 1);
		if (!buf)
			return 0;
		c->buf = buf;
		c->cap = cap;
		c->ring = cur;
		c->next = 0;
	}
}
