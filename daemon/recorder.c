/* The recorder as a consumer (recorder.h): its start and stop, and the
 * table of operations its runner thread calls. The work is done in
 * record_frames.c, record_files.c, record_requests.c and
 * recorder_events.c (recorder_internal.h says which does what). */
#include "recorder.h"

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "consumer_runner.h"
#include "log.h"
#include "recorder_events.h"
#include "recorder_internal.h"

#define TICK_MS 200

void pd_recorder_use_analysis(struct pd_recorder *r, struct pd_analysis_worker *w)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->analysis = w;
	pthread_mutex_unlock(&r->lock);
}

static int poll_items(void *ctx, zmq_pollitem_t *items, int max)
{
	(void)max;
	items[0] = (zmq_pollitem_t){ .socket = ((struct pd_recorder *)ctx)->sub, .events = ZMQ_POLLIN };
	return 1;
}

static void events_ready(void *ctx, int item, short revents)
{
	(void)item;
	(void)revents;
	/* Bounded, so frames are served between bursts of events. */
	for (int k = 0; k < 256 && rec_events_take(ctx); k++) {
	}
}

static void tick(void *ctx, int64_t now)
{
	rec_flush_due(ctx, now);
}

/* The readers have stopped and the analysis has said its last: take
 * every event, then close the files properly. */
static void finish(void *ctx)
{
	struct pd_recorder *r = ctx;
	while (rec_events_take(r)) {
	}
	for (int i = 0; i < r->n; i++)
		rec_close_file(&r->dev[i], "stop");
}

/* Lossless, but a disk that stops may hold the reader back only so long
 * (stall_s is set from daemon.archive_stall_s). */
static const struct pd_consumer_ops recorder_ops = {
	.name = "recorder",
	.kind = PD_CONSUMER_LOSSLESS,
	.tick_ms = TICK_MS,
	.frame = rec_archive_frame,
	.lost = rec_archive_missed,
	.tick = tick,
	.poll_items = poll_items,
	.ready = events_ready,
	.finish = finish,
};

static void say_recovered(void *ctx, int priority, const char *msg)
{
	(void)ctx;
	pd_log(priority, "%s", msg);
}

static void free_recorder(struct pd_recorder *r)
{
	for (int i = 0; i < r->n; i++) {
		json_decref(r->dev[i].meta);
		free(r->dev[i].baseline);
	}
	rec_events_close(r);
	pd_outlet_close(&r->out);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct pd_recorder *pd_recorder_start(void *zctx, struct pd_device *devs, int ndevs,
				      const struct pd_recorder_config *cfg, char *err, size_t errlen)
{
	struct pd_recorder *r = calloc(1, sizeof *r + (size_t)ndevs * sizeof r->dev[0]);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->n = ndevs;
	r->cfg = *cfg;
	r->cfg.dir = NULL;
	r->ops = recorder_ops;
	r->ops.stall_s = cfg->stall_s;
	pthread_mutex_init(&r->lock, NULL);
	for (int i = 0; i < ndevs; i++) {
		struct dev_rec *d = &r->dev[i];
		d->r = r;
		d->dev = &devs[i];
		d->meta = json_object();
		if (cfg->analysis)
			d->params = *cfg->analysis;
		else
			pd_analysis_params_default(&d->params);
	}
	if (cfg->dir && cfg->dir[0]) {
		if (rec_mkdirs(cfg->dir, err, errlen) != 0)
			goto fail;
		if (!realpath(cfg->dir, r->default_dir))
			snprintf(r->default_dir, sizeof r->default_dir, "%s", cfg->dir);
		pd_rec_recover_dir(r->default_dir, say_recovered, NULL);
	}
	if (rec_events_open(r, zctx, err, errlen) != 0)
		goto fail;
	if (pd_outlet_open(&r->out, zctx, PD_PUBLISHER_INPROC, err, errlen) != 0) {
		snprintf(err, errlen, "recorder: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	for (int i = 0; i < ndevs && r->default_dir[0]; i++) { /* -r: every device from the start */
		snprintf(r->dev[i].dir, sizeof r->dev[i].dir, "%s", r->default_dir);
		r->dev[i].armed = true;
	}
	if (pd_runner_start(&r->runner, &r->ops, r, devs, ndevs, err, errlen) != 0)
		goto fail;
	return r;
fail:
	free_recorder(r);
	return NULL;
}

void pd_recorder_stop(struct pd_recorder *r)
{
	if (!r)
		return;
	pd_runner_stop(r->runner);
	free_recorder(r);
	pd_rec_shutdown();
}
