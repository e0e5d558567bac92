#include "analysis_worker.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "analysis.h"
#include "clock.h"
#include "event_log.h"
#include "log.h"
#include "ring_cursor.h"

#define IDLE_CHECK_MS 250

struct dev_analysis {
	struct pd_ring_cursor cur;
	struct pd_analysis *ctx;
	struct pd_analysis_ids ids; /* outlives contexts: ids never reused */
	struct pd_device_info info; /* what ctx was made for */
	uint32_t stream;
	bool open;                  /* fed since the last flush */
	uint64_t lost_logged;
	uint64_t mismatched;        /* frames whose geometry did not match the device's */
};

struct pd_analysis_worker {
	pthread_t thread;
	int stop_fd;
	struct pd_analysis_params params; /* worker thread's copy */

	pthread_mutex_t lock; /* guards pending */
	struct pd_analysis_params pending;
	_Atomic unsigned pending_gen;
	unsigned applied_gen;

	int n;
	struct dev_analysis dev[];
};

static void log_event(void *ctx, const struct pd_event *ev)
{
	const struct dev_analysis *d = ctx;
	if (pd_log_level() < LOG_DEBUG)
		return;
	char line[1024];
	pd_dbg("%s: %s", d->cur.dev->id, pd_event_format(line, sizeof line, ev));
}

static bool same_info(const struct pd_device_info *a, const struct pd_device_info *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* What the context had to leave out, said once when it goes. */
static void log_analysis_stats(const struct dev_analysis *d)
{
	if (!d->ctx)
		return;
	const struct pd_analysis_stats *s = pd_analysis_stats(d->ctx);
	int level = s->peaks_capped || s->contacts_dropped || s->pulse_sets_evicted ? LOG_WARNING : LOG_INFO;
	pd_log(level,
	       "%s: analysis: frames=%" PRIu64 " rejected=%" PRIu64 " restarts=%" PRIu64 " peaks_capped=%" PRIu64
	       " contacts_dropped=%" PRIu64 " pulse_sets_evicted=%" PRIu64 " strokes_forgotten=%" PRIu64
	       " map_outside=%" PRIu64,
	       d->cur.dev->id, s->frames, s->frames_rejected, s->restarts, s->peaks_capped, s->contacts_dropped,
	       s->pulse_sets_evicted, s->strokes_forgotten, s->map_outside);
}

/* The context for the frames of `stream`: the same one while the device
 * says the same about itself, a fresh one (same id counters) otherwise. */
static int ensure_context(struct pd_analysis_worker *w, struct dev_analysis *d, uint32_t stream)
{
	if (d->ctx && stream == d->stream)
		return 0;
	struct pd_device_status st;
	pd_device_snapshot(d->cur.dev, &st);
	if (!st.have_info)
		return -1;
	if (d->ctx && d->open) {
		pd_analysis_flush(d->ctx);
		d->open = false;
	}
	d->stream = stream;
	if (d->ctx && same_info(&d->info, &st.info))
		return 0;
	log_analysis_stats(d);
	pd_analysis_free(d->ctx);
	d->info = st.info;
	d->ctx = pd_analysis_new(&d->info, &w->params, &d->ids, log_event, d);
	if (!d->ctx) {
		pd_err("%s: cannot analyse a %u×%u device", d->cur.dev->id, d->info.rows, d->info.cols);
		return -1;
	}
	return 0;
}

static void drain(struct pd_analysis_worker *w, struct dev_analysis *d)
{
	struct pd_frame f;
	uint32_t stream;
	while (pd_ring_cursor_next(&d->cur, &f, &stream)) {
		if (ensure_context(w, d, stream) != 0)
			continue;
		if (f.rows != d->info.rows || f.cols != d->info.cols || f.cell_bits != d->info.cell_bits) {
			d->mismatched++;
			continue;
		}
		pd_analysis_feed(d->ctx, &f);
		d->open = true;
	}
	if (d->cur.lost != d->lost_logged) {
		pd_warn("%s: analysis fell behind; %" PRIu64 " frames not analysed", d->cur.dev->id,
			d->cur.lost - d->lost_logged);
		d->lost_logged = d->cur.lost;
	}
}

/* A device that went away ends what was open on it, as analysis.md's
 * "the stream ended" would. */
static void end_idle_streams(struct pd_analysis_worker *w)
{
	for (int i = 0; i < w->n; i++) {
		struct dev_analysis *d = &w->dev[i];
		if (!d->open)
			continue;
		struct pd_device_status st;
		pd_device_snapshot(d->cur.dev, &st);
		if (st.state == PD_DEV_STREAMING)
			continue;
		drain(w, d);
		pd_analysis_flush(d->ctx);
		d->open = false;
	}
}

static void apply_pending(struct pd_analysis_worker *w)
{
	unsigned gen = atomic_load(&w->pending_gen);
	if (gen == w->applied_gen)
		return;
	pthread_mutex_lock(&w->lock);
	w->params = w->pending;
	pthread_mutex_unlock(&w->lock);
	w->applied_gen = gen;
	char err[256];
	for (int i = 0; i < w->n; i++)
		if (w->dev[i].ctx && pd_analysis_set_params(w->dev[i].ctx, &w->params, err, sizeof err) != 0)
			pd_err("%s: %s", w->dev[i].cur.dev->id, err);
}

static void *worker_main(void *arg)
{
	struct pd_analysis_worker *w = arg;
	struct pollfd *p = calloc((size_t)w->n + 1, sizeof *p);
	if (!p)
		return NULL;
	for (int i = 0; i < w->n; i++)
		p[i] = (struct pollfd){ .fd = w->dev[i].cur.efd, .events = POLLIN };
	p[w->n] = (struct pollfd){ .fd = w->stop_fd, .events = POLLIN };
	int64_t next_idle_check = pd_mono_ns();
	for (;;) {
		int rc = poll(p, (nfds_t)w->n + 1, IDLE_CHECK_MS);
		apply_pending(w);
		for (int i = 0; rc > 0 && i < w->n; i++)
			if (p[i].revents) {
				pd_ring_cursor_ack(&w->dev[i].cur);
				drain(w, &w->dev[i]);
			}
		if (rc > 0 && p[w->n].revents)
			break;
		/* On a clock, not on quiet: other devices may never be quiet. */
		int64_t now = pd_mono_ns();
		if (now >= next_idle_check) {
			end_idle_streams(w);
			next_idle_check = now + IDLE_CHECK_MS * 1000000LL;
		}
	}
	for (int i = 0; i < w->n; i++) { /* readers have stopped: finish their frames */
		drain(w, &w->dev[i]);
		if (w->dev[i].open)
			pd_analysis_flush(w->dev[i].ctx);
	}
	free(p);
	return NULL;
}

struct pd_analysis_worker *pd_analysis_worker_start(struct pd_device *devs, int ndevs,
						    const struct pd_analysis_params *params)
{
	struct pd_analysis_worker *w = calloc(1, sizeof *w + (size_t)ndevs * sizeof w->dev[0]);
	if (!w)
		return NULL;
	w->n = ndevs;
	w->params = *params;
	pthread_mutex_init(&w->lock, NULL);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ok = w->stop_fd >= 0;
	for (int i = 0; ok && i < ndevs; i++)
		ok = pd_ring_cursor_init(&w->dev[i].cur, &devs[i]) == 0;
	if (ok && pthread_create(&w->thread, NULL, worker_main, w) == 0)
		return w;
	for (int i = 0; i < ndevs; i++)
		pd_ring_cursor_fini(&w->dev[i].cur);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

void pd_analysis_worker_set_params(struct pd_analysis_worker *w, const struct pd_analysis_params *params)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->pending = *params;
	pthread_mutex_unlock(&w->lock);
	atomic_fetch_add(&w->pending_gen, 1);
}

void pd_analysis_worker_stop(struct pd_analysis_worker *w)
{
	if (!w)
		return;
	uint64_t one = 1;
	if (write(w->stop_fd, &one, sizeof one) < 0)
		pd_err("analysis: cannot stop: %m");
	pthread_join(w->thread, NULL);
	for (int i = 0; i < w->n; i++) {
		if (w->dev[i].mismatched)
			pd_warn("%s: %" PRIu64 " frames did not match the device's geometry and were not analysed",
				w->dev[i].cur.dev->id, w->dev[i].mismatched);
		log_analysis_stats(&w->dev[i]);
		pd_analysis_free(w->dev[i].ctx);
		pd_ring_cursor_fini(&w->dev[i].cur);
	}
	close(w->stop_fd);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
