/* record_start / record_stop: asked on the control thread, served on the
 * recorder's (pd_runner_call), answered with the files opened or closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer_runner.h"
#include "recorder_events.h"
#include "recorder_internal.h"

#define REQUEST_WAIT_MS 10000

enum request_kind { REQ_START, REQ_STOP };

struct request {
	enum request_kind kind;
	int dev;
	bool has_dir;
	char dir[PATH_MAX];
	json_t *meta;
	json_t *result;
	char err[320];
};

static void add_result(json_t *list, struct dev_rec *d, const char *path, bool with_frames, uint64_t frames)
{
	json_t *o = json_object();
	json_object_set_new(o, "device", json_string(d->dev->id));
	if (path)
		json_object_set_new(o, "path", json_string(path));
	if (with_frames)
		json_object_set_new(o, "frames", json_integer((json_int_t)frames));
	json_array_append_new(list, o);
}

static void serve_start(struct pd_recorder *r, struct request *q)
{
	const char *dir = q->has_dir ? q->dir : r->default_dir;
	if (!dir[0]) {
		snprintf(q->err, sizeof q->err, "no directory: give \"dir\", or set daemon.record_dir or -r");
		return;
	}
	if (rec_mkdirs(dir, q->err, sizeof q->err) != 0)
		return;
	char real[PATH_MAX];
	if (!realpath(dir, real))
		snprintf(real, sizeof real, "%s", dir);
	q->result = json_array();
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (q->dev >= 0 && q->dev != i)
			continue;
		if (!d->rec) {
			snprintf(d->dir, sizeof d->dir, "%s", real);
			json_decref(d->meta);
			d->meta = q->meta ? json_deep_copy(q->meta) : json_object();
			d->armed = true;
			d->error[0] = '\0';
			/* What the last recording lost stays pending: the first
			 * file of this one lists it in /gaps. */
			d->lost_why[0] = '\0';
			char err[256];
			struct pd_device_status st;
			pd_device_snapshot(d->dev, &st);
			/* A device that has described itself gets its file now; one
			 * that has not, at its first frame. */
			if (st.have_info && rec_open_file(d, NULL, err, sizeof err) != 0) {
				rec_give_up(d, err);
				snprintf(q->err, sizeof q->err, "%s: %s", d->dev->id, err);
				json_decref(q->result);
				q->result = NULL;
				return;
			}
		}
		add_result(q->result, d, d->rec ? pd_rec_path(d->rec) : NULL, false, 0);
	}
}

static void serve_stop(struct pd_recorder *r, struct request *q)
{
	q->result = json_array();
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if ((q->dev >= 0 && q->dev != i) || (!d->armed && !d->rec))
			continue;
		pd_runner_drain(r->runner, i); /* what arrived before the request goes in the file */
		char path[PATH_MAX] = "";
		if (d->rec)
			snprintf(path, sizeof path, "%s", pd_rec_path(d->rec));
		d->armed = false;
		uint64_t frames = rec_finish_file(d, "stop"); /* what the file holds */
		rec_events_forget(d);
		add_result(q->result, d, path[0] ? path : NULL, true, frames);
	}
}

static void rec_serve(void *ctx, void *data)
{
	struct request *q = data;
	if (q->kind == REQ_START)
		serve_start(ctx, q);
	else
		serve_stop(ctx, q);
	json_decref(q->meta);
	q->meta = NULL;
}

/* The caller gave up waiting: nobody reads the result. */
static void rec_discard(void *ctx, void *data)
{
	(void)ctx;
	json_decref(((struct request *)data)->result);
}

static json_t *ask(struct pd_recorder *r, enum request_kind kind, int dev, const char *dir, const json_t *meta,
		   char *err, size_t errlen)
{
	if (!r) {
		snprintf(err, errlen, "recording is not available");
		return NULL;
	}
	struct request *q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->kind = kind;
	q->dev = dev;
	q->has_dir = dir != NULL;
	snprintf(q->dir, sizeof q->dir, "%s", dir ? dir : "");
	q->meta = meta ? json_deep_copy(meta) : NULL;
	json_t *result = NULL;
	if (pd_runner_call(r->runner, rec_serve, q, sizeof *q, rec_discard, REQUEST_WAIT_MS) != 0) {
		snprintf(err, errlen, "the recorder did not answer within %d s (a slow disk?)", REQUEST_WAIT_MS / 1000);
	} else {
		result = q->result;
		if (!result)
			snprintf(err, errlen, "%s", q->err);
	}
	free(q);
	return result;
}

json_t *pd_recorder_record_start(struct pd_recorder *r, int dev, const char *dir, const json_t *meta,
				 char *err, size_t errlen)
{
	return ask(r, REQ_START, dev, dir, meta, err, errlen);
}

json_t *pd_recorder_record_stop(struct pd_recorder *r, int dev, char *err, size_t errlen)
{
	return ask(r, REQ_STOP, dev, NULL, NULL, err, errlen);
}
