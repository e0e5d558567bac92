#include "consumer_runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "ring_cursor.h"

/* Frames taken from one device before the others, the requests and the
 * extra sockets get their turn. */
#define DRAIN_BURST 256

enum request_state { REQ_PENDING, REQ_DONE, REQ_ABANDONED };

struct request {
	struct request *next;
	pd_runner_fn fn, discard;
	bool waited_for; /* a caller waits for the answer (until it gives up) */
	enum request_state state;
	size_t size;
	unsigned char data[];
};

struct runner_dev {
	struct pd_runner *runner;
	int index;
	struct pd_ring_cursor cur;
	uint64_t lost_told;
	bool have_stream, have_info;
	uint32_t stream;
	struct pd_device_info info;
	bool more; /* a burst ended with frames left */
};

struct pd_runner {
	const struct pd_consumer_ops *ops;
	void *ctx;
	pthread_t thread;
	int stop_fd, req_fd;
	pthread_mutex_t lock; /* the request queue */
	pthread_cond_t answered;
	struct request *head, *tail;
	bool stopping;
	zmq_pollitem_t extra[PD_CONSUMER_MAX_ITEMS];
	int nextra;
	int n;
	struct runner_dev dev[];
};

static bool filter(void *ctx, const struct pd_frame *meta)
{
	struct runner_dev *d = ctx;
	return d->runner->ops->wants(d->runner->ctx, d->index, meta);
}

/* The INFO the frames of `stream` were sent under. */
static void learn_stream(struct runner_dev *d, uint32_t stream)
{
	d->stream = stream;
	d->have_stream = true;
	d->have_info = pd_device_stream_info(d->cur.dev, stream, &d->info);
	if (!d->have_info) { /* too long ago to be kept: the best we know */
		struct pd_device_status st;
		pd_device_snapshot(d->cur.dev, &st);
		d->have_info = st.have_info;
		d->info = st.info;
	}
}

static void tell_lost(struct pd_runner *r, int i)
{
	struct runner_dev *d = &r->dev[i];
	if (d->cur.lost == d->lost_told)
		return;
	if (r->ops->lost)
		r->ops->lost(r->ctx, i, d->cur.lost - d->lost_told);
	d->lost_told = d->cur.lost;
}

/* Takes up to `max` frames of device i (0: all there are). */
static void drain_dev(struct pd_runner *r, int i, unsigned max)
{
	struct runner_dev *d = &r->dev[i];
	struct pd_frame f;
	uint32_t stream;
	unsigned taken = 0;
	d->more = false;
	while (pd_ring_cursor_next(&d->cur, &f, &stream)) {
		tell_lost(r, i); /* those came before this frame */
		bool new_stream = !d->have_stream || stream != d->stream;
		if (new_stream)
			learn_stream(d, stream);
		const struct pd_consumer_frame cf = {
			.frame = &f, .info = d->have_info ? &d->info : NULL, .stream = stream, .new_stream = new_stream,
		};
		r->ops->frame(r->ctx, i, &cf);
		if (max && ++taken == max) {
			d->more = true;
			return;
		}
	}
	tell_lost(r, i);
	if (r->ops->caught_up)
		r->ops->caught_up(r->ctx, i);
}

void pd_runner_drain(struct pd_runner *r, int dev)
{
	if (dev >= 0 && dev < r->n)
		drain_dev(r, dev, 0);
}

uint64_t pd_runner_backlog(const struct pd_runner *r, int dev)
{
	const struct pd_ring_cursor *c = &r->dev[dev].cur;
	return c->ring ? pd_frame_ring_head(c->ring) - c->next : 0;
}

/* ---- requests from other threads ------------------------------------------- */

static void serve_requests(struct pd_runner *r)
{
	uint64_t n;
	if (read(r->req_fd, &n, sizeof n) < 0 && errno != EAGAIN)
		pd_warn("%s: requests: %s", r->ops->name, strerror(errno));
	pthread_mutex_lock(&r->lock);
	struct request *q = r->head;
	r->head = r->tail = NULL;
	pthread_mutex_unlock(&r->lock);
	while (q) {
		struct request *next = q->next;
		q->fn(r->ctx, q->data);
		pthread_mutex_lock(&r->lock);
		bool answer = q->waited_for && q->state == REQ_PENDING;
		if (answer) {
			q->state = REQ_DONE; /* the caller frees it */
			pthread_cond_broadcast(&r->answered);
		}
		pthread_mutex_unlock(&r->lock);
		if (!answer) {
			if (q->discard)
				q->discard(r->ctx, q->data);
			free(q);
		}
		q = next;
	}
}

int pd_runner_call(struct pd_runner *r, pd_runner_fn fn, void *data, size_t size, pd_runner_fn discard,
		   int timeout_ms)
{
	if (!r)
		return -1;
	struct request *q = malloc(sizeof *q + size);
	if (!q)
		return -1;
	*q = (struct request){ .fn = fn, .discard = discard, .waited_for = timeout_ms > 0, .size = size };
	memcpy(q->data, data, size);
	pthread_mutex_lock(&r->lock);
	if (r->stopping) {
		pthread_mutex_unlock(&r->lock);
		free(q);
		return -1;
	}
	if (r->tail)
		r->tail->next = q;
	else
		r->head = q;
	r->tail = q;
	pthread_mutex_unlock(&r->lock);
	uint64_t one = 1;
	if (write(r->req_fd, &one, sizeof one) < 0)
		pd_err("%s: cannot wake: %s", r->ops->name, strerror(errno));
	if (timeout_ms == 0)
		return 0;
	/* Monotonic (the cond's clock): a host clock step neither cuts nor
	 * stretches the wait. */
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (q->state == REQ_PENDING)
		if (pthread_cond_timedwait(&r->answered, &r->lock, &until) != 0)
			break;
	bool done = q->state == REQ_DONE;
	if (!done)
		q->state = REQ_ABANDONED; /* the runner frees it once it has run */
	pthread_mutex_unlock(&r->lock);
	if (!done)
		return -1;
	memcpy(data, q->data, size);
	free(q);
	return 0;
}

/* ---- the thread ------------------------------------------------------------- */

static void *runner_main(void *arg)
{
	struct pd_runner *r = arg;
	const struct pd_consumer_ops *ops = r->ops;
	int base = 2 + r->n, np = base + r->nextra;
	zmq_pollitem_t *items = calloc((size_t)np, sizeof *items);
	if (!items) {
		pd_err("%s: out of memory; not running", ops->name);
		return NULL;
	}
	items[0] = (zmq_pollitem_t){ .fd = r->stop_fd, .events = ZMQ_POLLIN };
	items[1] = (zmq_pollitem_t){ .fd = r->req_fd, .events = ZMQ_POLLIN };
	for (int i = 0; i < r->n; i++)
		items[2 + i] = (zmq_pollitem_t){ .fd = r->dev[i].cur.efd, .events = ZMQ_POLLIN };
	memcpy(items + base, r->extra, sizeof r->extra[0] * (size_t)r->nextra);
	int64_t next_tick = pd_mono_ns() + (int64_t)ops->tick_ms * 1000000LL;
	for (;;) {
		bool more = false;
		for (int i = 0; i < r->n; i++)
			more |= r->dev[i].more;
		long timeout = -1;
		if (more)
			timeout = 0;
		else if (ops->tick_ms > 0) {
			int64_t left = (next_tick - pd_mono_ns()) / 1000000LL;
			timeout = left < 0 ? 0 : left;
		}
		if (zmq_poll(items, np, timeout) < 0 && zmq_errno() != EINTR)
			pd_warn("%s: poll: %s", ops->name, zmq_strerror(zmq_errno()));
		if (items[1].revents)
			serve_requests(r);
		for (int i = 0; i < r->n; i++)
			if (items[2 + i].revents || r->dev[i].more) {
				if (items[2 + i].revents)
					pd_ring_cursor_ack(&r->dev[i].cur);
				drain_dev(r, i, DRAIN_BURST);
			}
		for (int k = 0; k < r->nextra; k++)
			if (items[base + k].revents && ops->ready)
				ops->ready(r->ctx, k, items[base + k].revents);
		/* On a clock, not on quiet: some device may never be quiet. */
		int64_t now = pd_mono_ns();
		if (ops->tick_ms > 0 && now >= next_tick) {
			ops->tick(r->ctx, now);
			next_tick = now + (int64_t)ops->tick_ms * 1000000LL;
		}
		if (items[0].revents)
			break;
	}
	/* The readers have stopped: take what they left, in order. */
	serve_requests(r);
	for (int i = 0; i < r->n; i++)
		drain_dev(r, i, 0);
	if (ops->finish)
		ops->finish(r->ctx);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_mutex_unlock(&r->lock);
	serve_requests(r); /* nobody is left waiting for these */
	free(items);
	return NULL;
}

int pd_runner_start(struct pd_runner **out, const struct pd_consumer_ops *ops, void *ctx, struct pd_device *devs,
		    int ndevs, char *err, size_t errlen)
{
	*out = NULL;
	struct pd_runner *r = calloc(1, sizeof *r + (size_t)ndevs * sizeof r->dev[0]);
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", ops->name);
		return -1;
	}
	r->ops = ops;
	r->ctx = ctx;
	r->n = ndevs;
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->answered, &ca);
	pthread_condattr_destroy(&ca);
	int inited = 0;
	if (r->stop_fd < 0 || r->req_fd < 0) {
		snprintf(err, errlen, "%s: eventfd: %s", ops->name, strerror(errno));
		goto fail;
	}
	bool lossless = ops->kind == PD_CONSUMER_LOSSLESS;
	for (; inited < ndevs; inited++) {
		struct runner_dev *d = &r->dev[inited];
		d->runner = r;
		d->index = inited;
		if (pd_ring_cursor_init(&d->cur, &devs[inited], ops->name, lossless, lossless ? ops->stall_s : 0) != 0) {
			snprintf(err, errlen, "%s: cannot follow %s's frames", ops->name, devs[inited].id);
			goto fail;
		}
	}
	for (int i = 0; ops->wants && i < ndevs; i++) {
		r->dev[i].cur.wants = filter;
		r->dev[i].cur.wants_ctx = &r->dev[i];
	}
	if (ops->poll_items)
		r->nextra = ops->poll_items(ctx, r->extra, PD_CONSUMER_MAX_ITEMS);
	*out = r;
	if (pthread_create(&r->thread, NULL, runner_main, r) != 0) {
		*out = NULL;
		snprintf(err, errlen, "cannot start the %s thread", ops->name);
		goto fail;
	}
	return 0;
fail:
	for (int i = 0; i < inited; i++)
		pd_ring_cursor_fini(&r->dev[i].cur);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	if (r->req_fd >= 0)
		close(r->req_fd);
	pthread_cond_destroy(&r->answered);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return -1;
}

void pd_runner_stop(struct pd_runner *r)
{
	if (!r)
		return;
	uint64_t one = 1;
	if (write(r->stop_fd, &one, sizeof one) < 0)
		pd_err("%s: cannot stop: %s", r->ops->name, strerror(errno));
	pthread_join(r->thread, NULL);
	for (int i = 0; i < r->n; i++)
		pd_ring_cursor_fini(&r->dev[i].cur);
	close(r->stop_fd);
	close(r->req_fd);
	pthread_cond_destroy(&r->answered);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
