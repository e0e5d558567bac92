#include "analysis_worker.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "clock.h"
#include "consumer_runner.h"
#include "message_json.h"
#include "event.h"
#include "log.h"
#include "outlet.h"

#define IDLE_CHECK_MS 250
#define EVENT_JSON_MAX 8192

struct dev_analysis {
	struct pd_analysis_worker *w;
	struct pd_device *dev;
	struct pd_analysis *ctx;
	struct pd_analysis_ids ids; /* outlives contexts: ids never reused */
	struct pd_analysis_params params;
	struct pd_device_info info; /* what ctx was made for */
	bool open;                  /* fed since the last flush */
	uint64_t seq[PD_EV_COUNT]; /* messages published, per type */
	double utc_minus_t;         /* maps device time to UTC, from the last frame */
	uint64_t mismatched;        /* frames whose geometry did not match the device's */
	/* tares: asked (any thread), applied and in force (the analysis thread) */
	_Atomic uint64_t tares_asked;
	uint64_t tare_applied;      /* the latest ticket handed to the context */
	uint64_t tare_in_force;     /* under w->lock, with: */
	struct pd_tare_result tare_result;
	/* parameters changed, told to the recorder with the next frame (the
	 * first analysed with them): bit k for pd_analysis_param_name(k) */
	uint32_t changed;
};

struct pd_analysis_worker {
	struct pd_runner *runner;
	struct pd_outlet out; /* to the event stream */
	struct pd_outlet rec; /* finished events, to the recorder */
	uint64_t rec_dropped;
	pthread_mutex_t lock; /* the tare results */
	int n;
	struct dev_analysis dev[];
};

/* A baseline came into force: it answers every tare asked up to now. */
static void tare_in_force(struct dev_analysis *d, double t, uint32_t frame, unsigned frames)
{
	pthread_mutex_lock(&d->w->lock);
	d->tare_in_force = d->tare_applied;
	d->tare_result = (struct pd_tare_result){ t, frame, frames };
	pthread_mutex_unlock(&d->w->lock);
}

static void publish_event(void *ctx, const struct pd_event *ev)
{
	struct dev_analysis *d = ctx;
	const char *id = d->dev->id;
	if (ev->type == PD_EV_TARE)
		tare_in_force(d, ev->t, ev->frame, ev->u.tare.frames);
	if (pd_log_level() >= LOG_DEBUG) {
		char line[1024];
		pd_dbg("%s: %s", id, pd_event_format(line, sizeof line, ev));
	}
	if (!d->w->out.sock)
		return;
	/* The event as published: its seq (+1 per message meant for the
	 * stream, so a subscriber sees a gap for each one lost, here or in
	 * ZeroMQ) and the UTC instant its t maps to. */
	struct pd_event e = *ev;
	pd_event_stamp(&e, d->seq[ev->type]++, ev->t + d->utc_minus_t); /* the file holds what the wire carries */
	json_t *j = pd_event_to_json(&e, id);
	char json[EVENT_JSON_MAX], topic[64];
	size_t len = pd_json_dump(j, json, sizeof json);
	json_decref(j);
	snprintf(topic, sizeof topic, "%s/%s", pd_event_type_name(ev->type), id);
	if (len == 0 || pd_outlet_send(&d->w->out, topic, json, len) != 0)
		pd_device_count_publish_drops(d->dev, 1);
	/* Finished events, as the structs published, for the recordings'
	 * /events, and each baseline, with its cells, for their /tare. */
	bool finished = ev->type == PD_EV_TARE || pd_event_recorded(ev);
	const float *baseline = ev->type == PD_EV_TARE ? pd_analysis_baseline(d->ctx) : NULL;
	size_t cells = (size_t)d->info.rows * d->info.cols;
	if (finished && d->w->rec.sock &&
	    pd_outlet_send_event(&d->w->rec, id, &e, baseline, baseline ? cells * sizeof *baseline : 0) != 0)
		d->w->rec_dropped++;
}

/* Parameters changed since the last frame: a `setting` message each, for
 * the recordings' /events/settings, stamped with the frame they apply
 * from. */
static void tell_settings(struct dev_analysis *d, const struct pd_frame *f)
{
	for (size_t k = 0; d->changed && pd_analysis_param_name(k); k++) {
		if (!(d->changed & (1u << k)))
			continue;
		struct pd_event e;
		pd_event_init(&e, PD_EV_SETTING);
		e.t = (double)f->device_time_us / 1e6;
		e.frame = f->seq;
		const char *key = pd_analysis_param_name(k);
		snprintf(e.u.setting.key, sizeof e.u.setting.key, "%s", key);
		pd_analysis_params_get(&d->params, key, e.u.setting.value, sizeof e.u.setting.value);
		pd_event_round(&e); /* a setting has no seq or time */
		if (pd_outlet_send_event(&d->w->rec, d->dev->id, &e, NULL, 0) != 0)
			d->w->rec_dropped++;
	}
	d->changed = 0;
}

/* What the context had to leave out, said once when it goes. */
static void log_analysis_stats(const struct dev_analysis *d)
{
	if (!d->ctx)
		return;
	const struct pd_analysis_stats *s = pd_analysis_stats(d->ctx);
	int level = s->peaks_capped || s->contacts_dropped || s->pulse_sets_evicted || s->sites_evicted ||
			    s->marks_dropped
		    ? LOG_WARNING
		    : LOG_INFO;
	pd_log(level,
	       "%s: analysis: frames=%" PRIu64 " rejected=%" PRIu64 " restarts=%" PRIu64 " peaks_capped=%" PRIu64
	       " contacts_dropped=%" PRIu64 " pulse_sets_evicted=%" PRIu64 " map_outside=%" PRIu64 " taps=%" PRIu64
	       " sites_evicted=%" PRIu64 " passes_unlisted=%" PRIu64 " marks_dropped=%" PRIu64 " marks_ignored=%" PRIu64,
	       d->dev->id, s->frames, s->frames_rejected, s->restarts, s->peaks_capped, s->contacts_dropped,
	       s->pulse_sets_evicted, s->map_outside, s->taps, s->sites_evicted, s->passes_unlisted, s->marks_dropped,
	       s->marks_ignored);
}

/* The context for the frames of a new stream: the same one while the
 * device says the same about itself, a fresh one (same id counters)
 * otherwise. What was open ends with the stream it belonged to. */
static int ensure_context(struct dev_analysis *d, const struct pd_device_info *info)
{
	if (d->ctx && d->open) {
		pd_analysis_flush(d->ctx);
		d->open = false;
	}
	if (!info)
		return -1;
	if (d->ctx && memcmp(&d->info, info, sizeof *info) == 0)
		return 0;
	log_analysis_stats(d);
	if (d->ctx && d->w->rec.sock) {
		/* A fresh context has no baseline: the recorder forgets it
		 * (a tare without cells). */
		struct pd_event e;
		pd_event_init(&e, PD_EV_TARE);
		if (pd_outlet_send_event(&d->w->rec, d->dev->id, &e, NULL, 0) != 0)
			d->w->rec_dropped++;
	}
	pd_analysis_free(d->ctx);
	d->info = *info;
	d->ctx = pd_analysis_new(&d->info, &d->params, &d->ids, publish_event, d);
	if (!d->ctx) {
		pd_err("%s: cannot analyse a %u×%u device of pitch %g × %g mm (the URI option pitch_mm gives one)",
		       d->dev->id, d->info.rows, d->info.cols, (double)d->info.pitch_x_mm, (double)d->info.pitch_y_mm);
		return -1;
	}
	return 0;
}

static void analyse_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	struct dev_analysis *d = &((struct pd_analysis_worker *)ctx)->dev[dev];
	if (cf->new_stream && ensure_context(d, cf->info) != 0)
		return;
	const struct pd_frame *f = cf->frame;
	if (!d->ctx || f->rows != d->info.rows || f->cols != d->info.cols || f->cell_bits != d->info.cell_bits) {
		d->mismatched++;
		return;
	}
	d->utc_minus_t = (double)f->rx.utc_ns / 1e9 - (double)f->device_time_us / 1e6;
	if (d->changed && d->w->rec.sock)
		tell_settings(d, f);
	pd_analysis_feed(d->ctx, f);
	d->open = true;
}

/* The reader waits for the analysis, so this means something broke. */
static void analysis_lost(void *ctx, int dev, uint64_t n)
{
	struct dev_analysis *d = &((struct pd_analysis_worker *)ctx)->dev[dev];
	pd_err("%s: %" PRIu64 " frames were not analysed", d->dev->id, n);
	pd_device_count_analysis_lost(d->dev, n);
}

static void flush(struct dev_analysis *d)
{
	if (d->open)
		pd_analysis_flush(d->ctx);
	d->open = false;
}

/* A device that went away ends what was open on it, as analysis.md's
 * "the stream ended" would. */
static void end_idle_streams(void *ctx, int64_t now)
{
	(void)now;
	struct pd_analysis_worker *w = ctx;
	for (int i = 0; i < w->n; i++) {
		struct dev_analysis *d = &w->dev[i];
		if (!d->open)
			continue;
		struct pd_device_status st;
		pd_device_snapshot(d->dev, &st);
		if (st.state == PD_DEV_STREAMING)
			continue;
		pd_runner_drain(w->runner, i);
		flush(d);
	}
}

static void finish(void *ctx)
{
	struct pd_analysis_worker *w = ctx;
	for (int i = 0; i < w->n; i++)
		flush(&w->dev[i]);
}

static const struct pd_consumer_ops analysis_ops = {
	.name = "analysis",
	.kind = PD_CONSUMER_LOSSLESS,
	.tick_ms = IDLE_CHECK_MS,
	.frame = analyse_frame,
	.lost = analysis_lost,
	.tick = end_idle_streams,
	.finish = finish,
};

/* ---- requests, run on the analysis thread between frames -------------------- */

struct params_request {
	int dev; /* -1: every device */
	struct pd_analysis_params params;
};

static void apply_params(void *ctx, void *data)
{
	struct pd_analysis_worker *w = ctx;
	const struct params_request *q = data;
	char err[256];
	for (int i = 0; i < w->n; i++) {
		struct dev_analysis *d = &w->dev[i];
		if (q->dev >= 0 && q->dev != i)
			continue;
		for (size_t k = 0; pd_analysis_param_name(k) && k < 32; k++) {
			char was[64], now[64];
			const char *key = pd_analysis_param_name(k);
			if (pd_analysis_params_get(&d->params, key, was, sizeof was) == 0 &&
			    pd_analysis_params_get(&q->params, key, now, sizeof now) == 0 && strcmp(was, now))
				d->changed |= 1u << k;
		}
		d->params = q->params;
		if (d->ctx && pd_analysis_set_params(d->ctx, &d->params, err, sizeof err) != 0)
			pd_err("%s: %s", d->dev->id, err);
	}
}

struct tare_request {
	int dev;
	uint64_t ticket;
};

static void apply_tare(void *ctx, void *data)
{
	struct pd_analysis_worker *w = ctx;
	const struct tare_request *q = data;
	struct dev_analysis *d = &w->dev[q->dev];
	if (!d->ctx)
		return; /* no frames yet: the control socket says so, or times out */
	pd_analysis_tare(d->ctx);
	d->tare_applied = q->ticket;
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
	for (int i = 0; i < ndevs; i++) {
		w->dev[i].w = w;
		w->dev[i].dev = &devs[i];
		w->dev[i].params = *params;
	}
	if ((!zctx || (pd_outlet_open(&w->out, zctx, PD_PUBLISHER_INPROC, err, errlen) == 0 &&
		       pd_outlet_open(&w->rec, zctx, PD_RECORDER_INPROC, err, errlen) == 0)) &&
	    pd_runner_start(&w->runner, &analysis_ops, w, devs, ndevs, err, errlen) == 0)
		return w;
	pd_outlet_close(&w->out);
	pd_outlet_close(&w->rec);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return NULL;
}

static void sync_dev(void *ctx, void *data)
{
	struct pd_analysis_worker *w = ctx;
	int dev = *(const int *)data;
	for (int i = 0; i < w->n; i++)
		if (dev < 0 || dev == i)
			pd_runner_drain(w->runner, i);
}

void pd_analysis_worker_sync(struct pd_analysis_worker *w, int dev)
{
	if (w && pd_runner_call(w->runner, sync_dev, &dev, sizeof dev, NULL, 5000) != 0)
		pd_warn("analysis: did not catch up within 5 s");
}

void pd_analysis_worker_set_params(struct pd_analysis_worker *w, int dev, const struct pd_analysis_params *params)
{
	struct params_request q = { dev, *params };
	if (w && pd_runner_call(w->runner, apply_params, &q, sizeof q, NULL, 0) != 0)
		pd_err("analysis: cannot pass on the new parameters");
}

uint64_t pd_analysis_worker_tare(struct pd_analysis_worker *w, int dev)
{
	if (!w || dev < 0 || dev >= w->n)
		return 0;
	struct tare_request q = { dev, atomic_fetch_add(&w->dev[dev].tares_asked, 1) + 1 };
	if (pd_runner_call(w->runner, apply_tare, &q, sizeof q, NULL, 0) != 0) {
		pd_err("analysis: cannot pass on the tare");
		return 0;
	}
	return q.ticket;
}

int pd_analysis_worker_tare_result(struct pd_analysis_worker *w, int dev, uint64_t ticket,
				   struct pd_tare_result *out)
{
	if (!w || dev < 0 || dev >= w->n)
		return 0;
	struct dev_analysis *d = &w->dev[dev];
	pthread_mutex_lock(&w->lock);
	int done = d->tare_in_force >= ticket;
	if (done)
		*out = d->tare_result;
	pthread_mutex_unlock(&w->lock);
	return done;
}

void pd_analysis_worker_stop(struct pd_analysis_worker *w)
{
	if (!w)
		return;
	pd_runner_stop(w->runner);
	for (int i = 0; i < w->n; i++) {
		if (w->dev[i].mismatched)
			pd_warn("%s: %" PRIu64 " frames did not match the device's geometry and were not analysed",
				w->dev[i].dev->id, w->dev[i].mismatched);
		log_analysis_stats(&w->dev[i]);
		pd_analysis_free(w->dev[i].ctx);
	}
	if (w->rec_dropped)
		pd_warn("analysis: %" PRIu64 " finished events could not be handed to the recorder", w->rec_dropped);
	pd_outlet_close(&w->out);
	pd_outlet_close(&w->rec);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
