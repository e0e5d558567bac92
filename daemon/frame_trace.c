#include "frame_trace.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "ring_cursor.h"

struct pd_frame_trace {
	pthread_t thread;
	int stop_fd;
	int n;
	struct pd_ring_cursor cur[];
};

static void drain(struct pd_ring_cursor *c)
{
	struct pd_frame f;
	uint32_t stream;
	uint64_t lost_before = c->lost;
	while (pd_ring_cursor_next(c, &f, &stream)) {
		size_t bytes = pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits);
		uLong crc = crc32(0L, f.cells, (uInt)bytes);
		if (f.has_encoder)
			pd_info("%s: frame seq=%" PRIu32 " t_us=%" PRIu64 " crc=%08lx encoder=%" PRId32, c->dev->id,
			       f.seq, f.device_time_us, crc, f.encoder);
		else
			pd_info("%s: frame seq=%" PRIu32 " t_us=%" PRIu64 " crc=%08lx", c->dev->id, f.seq,
			       f.device_time_us, crc);
	}
	if (c->lost != lost_before)
		pd_warn("%s: trace fell behind, %" PRIu64 " frames not traced", c->dev->id, c->lost - lost_before);
}

static void *trace_main(void *arg)
{
	struct pd_frame_trace *t = arg;
	struct pollfd *p = calloc((size_t)t->n + 1, sizeof *p);
	if (!p)
		return NULL;
	for (int i = 0; i < t->n; i++)
		p[i] = (struct pollfd){ .fd = t->cur[i].efd, .events = POLLIN };
	p[t->n] = (struct pollfd){ .fd = t->stop_fd, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)t->n + 1, -1) < 0)
			continue;
		for (int i = 0; i < t->n; i++)
			if (p[i].revents) {
				pd_ring_cursor_ack(&t->cur[i]);
				drain(&t->cur[i]);
			}
		if (p[t->n].revents)
			break;
	}
	for (int i = 0; i < t->n; i++) /* the readers have stopped: take what is left */
		drain(&t->cur[i]);
	free(p);
	return NULL;
}

struct pd_frame_trace *pd_frame_trace_start(struct pd_device *devs, int ndevs)
{
	struct pd_frame_trace *t = calloc(1, sizeof *t + (size_t)ndevs * sizeof t->cur[0]);
	if (!t)
		return NULL;
	t->n = ndevs;
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (int i = 0; i < ndevs; i++)
		if (pd_ring_cursor_init(&t->cur[i], &devs[i]) != 0)
			goto fail;
	if (t->stop_fd < 0 || pthread_create(&t->thread, NULL, trace_main, t) != 0)
		goto fail;
	return t;
fail:
	for (int i = 0; i < ndevs; i++)
		pd_ring_cursor_fini(&t->cur[i]);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	free(t);
	return NULL;
}

void pd_frame_trace_stop(struct pd_frame_trace *t)
{
	if (!t)
		return;
	uint64_t one = 1;
	if (write(t->stop_fd, &one, sizeof one) < 0)
		pd_err("frame trace: cannot stop: %m");
	pthread_join(t->thread, NULL);
	for (int i = 0; i < t->n; i++)
		pd_ring_cursor_fini(&t->cur[i]);
	close(t->stop_fd);
	free(t);
}
