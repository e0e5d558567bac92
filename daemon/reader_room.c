/* Backpressure: a device's reader writes a frame into the ring only when
 * every lossless consumer has room for it, so the analysis and the
 * recorder see every frame however fast the bytes come. While it waits it
 * reads nothing more, and the bytes wait in the kernel's and the device's
 * buffers: a pty or a socket then blocks its writer, a replay or the
 * simulator simply waits, and a device that overflows its own buffer
 * shows that as sequence gaps, which is the truth. A lossless consumer
 * with a stall budget (the recorder, whose disk may freeze) that holds
 * the reader longer than that is let go: it no longer counts until it has
 * caught up to within half a ring, and meanwhile loses the frames the
 * ring laps (and counts them). */
#include "reader_room.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define WAIT_SLICE_MS 100 /* a backstop: a wake-up is never relied on alone */

/* The consumer the reader has to wait for, and its backlog; -1 when none
 * is a whole ring behind. Lets go or takes back consumers on the way. */
static int slowest_holder(struct pd_device *d, size_t slots, uint64_t *backlog)
{
	int worst = -1;
	*backlog = 0;
	for (int i = 0; i < d->nconsumers; i++) {
		struct pd_device_consumer *c = &d->consumers[i];
		if (!c->lossless)
			continue;
		uint64_t done = atomic_load(c->done);
		uint64_t b = d->written > done ? d->written - done : 0;
		if (c->let_go) {
			if (b > slots / 2)
				continue;
			c->let_go = false;
			pd_log(LOG_NOTICE, "%s: the %s has caught up; the reader waits for it again", d->id, c->name);
		}
		if (b > *backlog || worst < 0) {
			*backlog = b;
			worst = i;
		}
	}
	return worst;
}

size_t pd_reader_room(struct pd_device *d, size_t slots)
{
	uint64_t backlog;
	slowest_holder(d, slots, &backlog);
	return backlog >= slots ? 0 : slots - (size_t)backlog;
}

int pd_reader_wait_for_room(struct pd_device *d, size_t slots)
{
	int64_t since = 0;
	for (;;) {
		uint64_t backlog;
		int worst = slowest_holder(d, slots, &backlog);
		if (worst < 0 || backlog < slots) {
			atomic_store(&d->room_need, 0);
			return 0;
		}
		struct pd_device_consumer *c = &d->consumers[worst];
		int64_t now = pd_mono_ns();
		if (!since)
			since = now;
		int64_t budget_ns = c->stall_s > 0 ? (int64_t)(c->stall_s * 1e9) : -1;
		if (budget_ns >= 0 && now - since >= budget_ns) {
			c->let_go = true;
			pd_warn("%s: the %s held the reader back for %.1f s; going on without it (the frames it misses are "
				"counted)",
				d->id, c->name, (double)(now - since) / 1e9);
			since = 0;
			continue;
		}
		/* Wake when a quarter of the ring is free again, not at every
		 * frame: fewer wake-ups, and the reader reads in bursts. */
		uint64_t margin = slots / 4 ? slots / 4 : 1;
		uint64_t need = d->written - slots + margin;
		atomic_store(&d->room_need, need);
		/* Seen after publishing `need`, so a consumer that got there
		 * meanwhile is not missed (it saw need, or we see its done). */
		if (atomic_load(c->done) >= need)
			continue;
		int ms = WAIT_SLICE_MS;
		if (budget_ns >= 0) {
			int64_t left = (budget_ns - (now - since)) / 1000000 + 1;
			if (left < ms)
				ms = (int)left;
		}
		struct pollfd p[2] = { { .fd = d->room_fd, .events = POLLIN }, { .fd = d->stop_fd, .events = POLLIN } };
		int n = poll(p, 2, ms);
		if (n < 0 && errno != EINTR)
			pd_warn("%s: waiting for the consumers: %s", d->id, strerror(errno));
		if (n > 0 && p[1].revents) {
			atomic_store(&d->room_need, 0);
			return -1;
		}
		uint64_t v;
		if (n > 0 && p[0].revents && read(d->room_fd, &v, sizeof v) < 0 && errno != EAGAIN)
			pd_warn("%s: room: %s", d->id, strerror(errno));
	}
}

void pd_device_consumer_progress(struct pd_device *d, uint64_t before, uint64_t after)
{
	uint64_t need = atomic_load(&d->room_need);
	if (need && before < need && after >= need) {
		uint64_t one = 1;
		if (write(d->room_fd, &one, sizeof one) < 0) { /* a full counter wakes it too */
		}
	}
}
