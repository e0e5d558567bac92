/* The recorder's event intake (recorder_events.h). */
#include "recorder_events.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "consumer_runner.h"
#include "event.h"
#include "log.h"
#include "recorder_internal.h"

#define HELD_MAX 1024 /* events kept for frames the recorder has yet to take */

struct rec_held {
	struct pd_event ev[HELD_MAX];
	unsigned n;
};

int rec_events_open(struct pd_recorder *r, void *zctx, char *err, size_t errlen)
{
	for (int i = 0; i < r->n; i++) {
		r->dev[i].held = calloc(1, sizeof *r->dev[i].held);
		if (!r->dev[i].held) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	r->sub = zmq_socket(zctx, ZMQ_PULL);
	int hwm = 100000;
	if (!r->sub || zmq_setsockopt(r->sub, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
	    zmq_bind(r->sub, PD_RECORDER_INPROC) != 0) {
		snprintf(err, errlen, "recorder: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

void rec_events_close(struct pd_recorder *r)
{
	for (int i = 0; i < r->n; i++) {
		if (r->dev[i].held)
			rec_events_forget(&r->dev[i]);
		free(r->dev[i].held);
		r->dev[i].held = NULL;
	}
	if (r->sub)
		zmq_close(r->sub);
	r->sub = NULL;
}

/* Produced by a frame: has the device time it belongs at (a mark, from
 * a control command, has none). */
static bool has_t(const struct pd_event *ev)
{
	return ev->t >= 0;
}

/* Drops the first n held events. */
static void drop_held(struct rec_held *h, unsigned n)
{
	if (n) {
		memmove(h->ev, h->ev + n, (h->n - n) * sizeof *h->ev);
		h->n -= n;
	}
}

void rec_events_forget(struct dev_rec *d)
{
	drop_held(d->held, d->held->n);
}

void rec_events_frame_passed(struct dev_rec *d, double t)
{
	unsigned old = 0;
	while (old < d->held->n && d->held->ev[old].t < t)
		old++;
	drop_held(d->held, old);
}

/* Held events come in frame order: those up to the frame just written go
 * in, those of frames before the file's first nowhere. */
void rec_events_frame_written(struct dev_rec *d, double upto)
{
	struct rec_held *h = d->held;
	unsigned n = 0;
	for (; n < h->n; n++) {
		double t = h->ev[n].t;
		if (t > upto)
			break;
		if (d->rec && t >= d->file_t0 && pd_rec_append_event(d->rec, &h->ev[n]) == PD_REC_FAILED)
			rec_fail(d);
	}
	drop_held(h, n);
}

/* An event that came before the frame it belongs to was in a file: kept
 * (the latest HELD_MAX) until that frame is. */
static void hold_event(struct dev_rec *d, const struct pd_event *ev)
{
	struct rec_held *h = d->held;
	if (h->n == HELD_MAX) {
		pd_warn("%s: recorder: more than %d events ahead of the frames; the oldest is not recorded",
			d->dev->id, HELD_MAX);
		drop_held(h, 1);
	}
	h->ev[h->n++] = *ev;
}

/* An event with a device time (t) whose frame the file being written
 * already holds: it can go in now. */
static bool frame_taken(const struct dev_rec *d, const struct pd_event *ev)
{
	return has_t(ev) && d->rec && d->file_started && ev->t <= d->last_t;
}

/* A baseline came into force (cells: rows × cols floats), or the analysis
 * started afresh without one (no cells). */
static void take_baseline(struct dev_rec *d, const struct pd_event *ev, const zmq_msg_t *cells)
{
	size_t n = cells ? zmq_msg_size((zmq_msg_t *)cells) / sizeof(float) : 0;
	if (n != d->baseline_n) {
		free(d->baseline);
		d->baseline = n ? malloc(n * sizeof *d->baseline) : NULL;
		d->baseline_n = d->baseline ? n : 0;
	}
	if (!d->baseline)
		return;
	memcpy(d->baseline, zmq_msg_data((zmq_msg_t *)cells), n * sizeof *d->baseline);
	d->baseline_t = ev->t;
	if (d->rec && pd_rec_append_tare(d->rec, d->baseline_t, d->baseline) == PD_REC_FAILED)
		rec_fail(d);
}

static void take_setting(struct dev_rec *d, const struct pd_event *ev)
{
	char err[256];
	const char *key = ev->u.setting.key, *value = ev->u.setting.value;
	if (pd_analysis_params_set(&d->params, key, value, err, sizeof err) != 0)
		pd_warn("%s: recorder: setting %s=%s: %s", d->dev->id, key, value, err);
	if (d->rec && pd_rec_append_event(d->rec, ev) == PD_REC_FAILED)
		rec_fail(d);
}

/* A finished event (or a mark): into the file its frame is in. The
 * analysis and the recorder each go at their own pace. An event of a
 * frame the recorder has yet to take is held and goes in with that frame,
 * in whichever file it lands (taking the frames now may rotate the file);
 * one of frames before the file's first goes nowhere; a mark (no t) goes
 * to the file being written. */
static void take_finished(struct dev_rec *d, const struct pd_event *ev)
{
	struct pd_recorder *r = d->r;
	bool timed = has_t(ev), taken = frame_taken(d, ev);
	if (timed && !taken)
		hold_event(d, ev);
	if (!taken && d->armed && !r->in_frame)
		pd_runner_drain(r->runner, rec_index(d)); /* a mark: so the file exists */
	if (timed && !taken)
		return;
	if (timed && ev->t < d->file_t0)
		return;
	if (d->rec && pd_rec_append_event(d->rec, ev) == PD_REC_FAILED)
		rec_fail(d);
}

/* One message of the PULL socket: [type/device][struct pd_event], and for
 * a baseline its cells (pd_outlet_send_event). 0 when none was waiting. */
int rec_events_take(struct pd_recorder *r)
{
	char topic[128];
	int tl = zmq_recv(r->sub, topic, sizeof topic - 1, ZMQ_DONTWAIT);
	if (tl < 0)
		return 0;
	topic[tl < (int)sizeof topic - 1 ? tl : (int)sizeof topic - 1] = '\0';
	zmq_msg_t part[2];
	int nparts = 0;
	for (int more = 1; more && nparts < 2;) {
		size_t ml = sizeof more;
		zmq_getsockopt(r->sub, ZMQ_RCVMORE, &more, &ml);
		if (!more)
			break;
		zmq_msg_init(&part[nparts]);
		if (zmq_msg_recv(&part[nparts], r->sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[nparts]);
			break;
		}
		nparts++;
	}
	const char *device = strchr(topic, '/');
	struct pd_event ev;
	bool whole = nparts && zmq_msg_size(&part[0]) == sizeof ev;
	if (whole)
		memcpy(&ev, zmq_msg_data(&part[0]), sizeof ev);
	for (int i = 0; whole && device && i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (strcmp(device + 1, d->dev->id) != 0)
			continue;
		bool tare = ev.type == PD_EV_TARE, setting = ev.type == PD_EV_SETTING;
		if (!tare && !setting) {
			take_finished(d, &ev);
		} else {
			/* The analysis may be ahead of us: the frames it came from
			 * are in the ring; take them first, so the file they go to
			 * exists (one that holds them already must not wait: taking
			 * more could close it). */
			if (d->armed && !r->in_frame && !frame_taken(d, &ev))
				pd_runner_drain(r->runner, i);
			if (tare)
				take_baseline(d, &ev, nparts > 1 ? &part[1] : NULL);
			else
				take_setting(d, &ev);
		}
	}
	for (int k = 0; k < nparts; k++)
		zmq_msg_close(&part[k]);
	return 1;
}
