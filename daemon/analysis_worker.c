#include "analysis_worker.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "analysis.h"
#include "clock.h"
#include "event_json.h"
#include "event_log.h"
#include "log.h"
#include "outlet.h"
#include "ring_cursor.h"

#define IDLE_CHECK_MS 250
#define EVENT_JSON_MAX 8192

struct dev_analysis {
	struct pd_analysis_worker *w;
	struct pd_ring_cursor cur;
	struct pd_analysis *ctx;
	struct pd_analysis_ids ids; /* outlives contexts: ids never reused */
	struct pd_analysis_params params;
	struct pd_device_info info; /* what ctx was made for */
	uint32_t stream;
	bool open;                  /* fed since the last flush */
	uint64_t seq[PD_EV_ROLL + 1]; /* messages published, per type */
	double utc_minus_t;         /* maps device time to UTC, from the last frame */
	uint64_t lost_logged;
	uint64_t mismatched;        /* frames whose geometry did not match the device's */
	/* requests from other threads, under w->lock */
	bool want_params, want_tare;
	struct pd_analysis_params pending;
	/* the baseline, copied for other threads (the recorder), under w->lock */
	float *baseline;
	size_t baseline_n;
	int64_t baseline_copied_ns;
};

struct pd_analysis_worker {
	pthread_t thread;
	int stop_fd;
	struct pd_outlet out; /* to the event stream */
	struct pd_outlet rec; /* finished events, to the recorder */
	uint64_t rec_dropped;
	pthread_mutex_t lock;
	_Atomic unsigned requests; /* bumped whenever a dev_analysis has a request */
	unsigned seen_requests;
	int n;
	struct dev_analysis dev[];
};

static void publish_event(void *ctx, const struct pd_event *ev)
{
	struct dev_analysis *d = ctx;
	const char *id = d->cur.dev->id;
	if (pd_log_level() >= LOG_DEBUG) {
		char line[1024];
		pd_dbg("%s: %s", id, pd_event_format(line, sizeof line, ev));
	}
	if (!d->w->out.sock)
		return;
	json_t *j = pd_json_event(ev, id, d->seq[ev->type], ev->t + d->utc_minus_t);
	char json[EVENT_JSON_MAX], topic[64];
	size_t len = pd_json_dump(j, json, sizeof json);
	json_decref(j);
	snprintf(topic, sizeof topic, "%s/%s", pd_event_type_name(ev->type), id);
	/* seq counts every message meant for the stream, so a subscriber
	 * sees a gap for each one lost, here or in ZeroMQ. */
	d->seq[ev->type]++;
	if (len == 0 || pd_outlet_send(&d->w->out, topic, json, len) != 0)
		pd_device_count_publish_drops(d->cur.dev, 1);
	/* Finished events, exactly as published, for the recordings' /events. */
	bool finished = ev->type != PD_EV_CONTACT && (ev->type != PD_EV_HOLD || ev->phase == PD_PHASE_END);
	if (finished && len && pd_outlet_send(&d->w->rec, topic, json, len) != 0)
		d->w->rec_dropped++;
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
static int ensure_context(struct dev_analysis *d, uint32_t stream)
{
	if (d->ctx && stream == d->stream)
		return 0;
	/* The INFO of this frame's stream, not the present one: while we lag,
	 * the device may have changed its geometry again since. */
	struct pd_device_status st;
	if (!pd_device_stream_info(d->cur.dev, stream, &st.info)) {
		pd_device_snapshot(d->cur.dev, &st); /* long ago: the best we know */
		if (!st.have_info)
			return -1;
	}
	if (d->ctx && d->open) {
		pd_analysis_flush(d->ctx);
		d->open = false;
	}
	d->stream = stream;
	if (d->ctx && memcmp(&d->info, &st.info, sizeof st.info) == 0)
		return 0;
	log_analysis_stats(d);
	pd_analysis_free(d->ctx);
	d->info = st.info;
	d->ctx = pd_analysis_new(&d->info, &d->params, &d->ids, publish_event, d);
	if (!d->ctx) {
		pd_err("%s: cannot analyse a %u×%u device", d->cur.dev->id, d->info.rows, d->info.cols);
		return -1;
	}
	return 0;
}

/* Keeps a copy of the baseline others may ask for: a second old at most,
 * a memcpy of one frame's worth per second. */
static void share_baseline(struct dev_analysis *d)
{
	int64_t now = pd_mono_ns();
	if (!d->ctx || now - d->baseline_copied_ns < 1000000000LL)
		return;
	d->baseline_copied_ns = now;
	const float *b = pd_analysis_baseline(d->ctx);
	size_t n = (size_t)d->info.rows * d->info.cols;
	pthread_mutex_lock(&d->w->lock);
	if (b && n != d->baseline_n) {
		free(d->baseline);
		d->baseline = malloc(n * sizeof *d->baseline);
		d->baseline_n = d->baseline ? n : 0;
	}
	if (b && d->baseline)
		memcpy(d->baseline, b, n * sizeof *b);
	else if (!b)
		d->baseline_n = 0; /* none in force */
	pthread_mutex_unlock(&d->w->lock);
}

int pd_analysis_worker_baseline(struct pd_analysis_worker *w, int dev, float *out, size_t n)
{
	if (!w || dev < 0 || dev >= w->n)
		return 0;
	struct dev_analysis *d = &w->dev[dev];
	pthread_mutex_lock(&w->lock);
	int have = d->baseline && d->baseline_n == n;
	if (have)
		memcpy(out, d->baseline, n * sizeof *out);
	pthread_mutex_unlock(&w->lock);
	return have;
}

static void drain(struct dev_analysis *d)
{
	struct pd_frame f;
	uint32_t stream;
	while (pd_ring_cursor_next(&d->cur, &f, &stream)) {
		if (ensure_context(d, stream) != 0)
			continue;
		if (f.rows != d->info.rows || f.cols != d->info.cols || f.cell_bits != d->info.cell_bits) {
			d->mismatched++;
			continue;
		}
		d->utc_minus_t = (double)f.rx.utc_ns / 1e9 - (double)f.device_time_us / 1e6;
		pd_analysis_feed(d->ctx, &f);
		d->open = true;
	}
	share_baseline(d);
	if (d->cur.lost != d->lost_logged) {
		pd_warn("%s: analysis fell behind; %" PRIu64 " frames not analysed", d->cur.dev->id,
			d->cur.lost - d->lost_logged);
		d->lost_logged = d->cur.lost;
	}
}

static void flush(struct dev_analysis *d)
{
	if (d->open)
		pd_analysis_flush(d->ctx);
	d->open = false;
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
		drain(d);
		flush(d);
	}
}

static void apply_requests(struct pd_analysis_worker *w)
{
	unsigned gen = atomic_load(&w->requests);
	if (gen == w->seen_requests)
		return;
	w->seen_requests = gen;
	char err[256];
	for (int i = 0; i < w->n; i++) {
		struct dev_analysis *d = &w->dev[i];
		pthread_mutex_lock(&w->lock);
		bool set = d->want_params, tare = d->want_tare;
		if (set)
			d->params = d->pending;
		d->want_params = d->want_tare = false;
		pthread_mutex_unlock(&w->lock);
		if (set && d->ctx && pd_analysis_set_params(d->ctx, &d->params, err, sizeof err) != 0)
			pd_err("%s: %s", d->cur.dev->id, err);
		if (tare && d->ctx)
			pd_analysis_tare(d->ctx);
	}
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
		apply_requests(w);
		for (int i = 0; rc > 0 && i < w->n; i++)
			if (p[i].revents) {
				pd_ring_cursor_ack(&w->dev[i].cur);
				drain(&w->dev[i]);
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
		drain(&w->dev[i]);
		flush(&w->dev[i]);
	}
	free(p);
	return NULL;
}

struct pd_analysis_worker *pd_analysis_worker_start(struct pd_device *devs, int ndevs,
						    const struct pd_analysis_params *params, void *zctx,
						    char *err, size_t errlen)
{
	struct pd_analysis_worker *w = calloc(1, sizeof *w + (size_t)ndevs * sizeof w->dev[0]);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->n = ndevs;
	pthread_mutex_init(&w->lock, NULL);
	w->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int ok = w->stop_fd >= 0 &&
		 (!zctx || (pd_outlet_open(&w->out, zctx, PD_PUBLISHER_INPROC, err, errlen) == 0 &&
			    pd_outlet_open(&w->rec, zctx, PD_RECORDER_INPROC, err, errlen) == 0));
	for (int i = 0; ok && i < ndevs; i++) {
		w->dev[i].w = w;
		w->dev[i].params = *params;
		ok = pd_ring_cursor_init(&w->dev[i].cur, &devs[i]) == 0;
	}
	if (ok && pthread_create(&w->thread, NULL, worker_main, w) == 0)
		return w;
	snprintf(err, errlen, "cannot start the analysis thread");
	for (int i = 0; i < ndevs; i++)
		pd_ring_cursor_fini(&w->dev[i].cur);
	pd_outlet_close(&w->out);
	pd_outlet_close(&w->rec);
	if (w->stop_fd >= 0)
		close(w->stop_fd);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

void pd_analysis_worker_set_params(struct pd_analysis_worker *w, int dev, const struct pd_analysis_params *params)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < w->n; i++)
		if (dev < 0 || dev == i) {
			w->dev[i].pending = *params;
			w->dev[i].want_params = true;
		}
	pthread_mutex_unlock(&w->lock);
	atomic_fetch_add(&w->requests, 1);
}

void pd_analysis_worker_tare(struct pd_analysis_worker *w, int dev)
{
	if (!w || dev < 0 || dev >= w->n)
		return;
	pthread_mutex_lock(&w->lock);
	w->dev[dev].want_tare = true;
	pthread_mutex_unlock(&w->lock);
	atomic_fetch_add(&w->requests, 1);
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
		free(w->dev[i].baseline);
	}
	if (w->rec_dropped)
		pd_warn("analysis: %" PRIu64 " finished events could not be handed to the recorder", w->rec_dropped);
	pd_outlet_close(&w->out);
	pd_outlet_close(&w->rec);
	close(w->stop_fd);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
