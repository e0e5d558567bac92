#include "status_pub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "message_json.h"

#define STATUS_JSON_MAX 4096

int pd_status_pub_init(struct pd_status_pub *sp, void *zctx, int ndevs, char *err, size_t errlen)
{
	memset(sp, 0, sizeof *sp);
	sp->n = ndevs;
	sp->dev = calloc((size_t)ndevs + 1, sizeof *sp->dev);
	if (!sp->dev) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pd_outlet_open(&sp->out, zctx, PD_PUBLISHER_INPROC, err, errlen) != 0)
		return -1;
	return pd_outlet_open(&sp->rec, zctx, PD_RECORDER_INPROC, err, errlen);
}

void pd_status_pub_fini(struct pd_status_pub *sp)
{
	pd_outlet_close(&sp->out);
	pd_outlet_close(&sp->rec);
	free(sp->dev);
	sp->dev = NULL;
}

static bool changed(const struct pd_device_status *a, const struct pd_device_status *b)
{
	return a->state != b->state || strcmp(a->error, b->error) != 0 || a->have_info != b->have_info ||
	       strcmp(a->archive_error, b->archive_error) != 0 || strcmp(a->recording, b->recording) != 0 ||
	       memcmp(&a->info, &b->info, sizeof a->info) != 0;
}

static int send(struct pd_status_pub *sp, struct pd_device *dev, const char *type, json_t *j, uint64_t *seq)
{
	char json[STATUS_JSON_MAX], topic[64];
	size_t len = pd_json_dump(j, json, sizeof json);
	json_decref(j);
	snprintf(topic, sizeof topic, "%s/%s", type, dev->id);
	(*seq)++; /* a lost message is a gap in seq */
	if (len == 0 || pd_outlet_send(&sp->out, topic, json, len) != 0) {
		pd_device_count_publish_drops(dev, 1);
		return -1;
	}
	return 0;
}

void pd_status_pub_tick(struct pd_status_pub *sp, struct pd_device *devs, int64_t now)
{
	bool tick = now >= sp->next_tick_ns;
	if (tick)
		sp->next_tick_ns = now + 1000000000LL;
	for (int i = 0; i < sp->n; i++) {
		struct pd_status_pub_dev *d = &sp->dev[i];
		struct pd_device_status st;
		struct pd_device_transition tr[PD_DEVICE_TRANSITIONS];
		int ntr = pd_device_take_transitions(&devs[i], tr, PD_DEVICE_TRANSITIONS);
		pd_device_snapshot(&devs[i], &st);
		/* Every change the reader made, even one already superseded,
		 * then the present state if that differs from the last sent. */
		for (int k = 0; k < ntr; k++) {
			struct pd_device_status was = st;
			was.state = tr[k].state;
			snprintf(was.error, sizeof was.error, "%s", tr[k].error);
			if (d->published && !changed(&was, &d->last))
				continue;
			json_t *j = pd_json_status(devs[i].id, &was, d->status_seq, (double)pd_utc_ns() / 1e9, false);
			send(sp, &devs[i], "status", j, &d->status_seq);
			d->last = was;
			d->published = true;
		}
		if (!tick && d->published && !changed(&st, &d->last))
			continue;
		json_t *j = pd_json_status(devs[i].id, &st, d->status_seq, (double)pd_utc_ns() / 1e9, false);
		send(sp, &devs[i], "status", j, &d->status_seq);
		d->last = st;
		d->published = true;
	}
}

int pd_status_pub_mark(struct pd_status_pub *sp, struct pd_device *dev, int i, const char *label)
{
	struct pd_status_pub_dev *d = &sp->dev[i];
	/* The recordings keep it too, as the struct published. */
	struct pd_event e;
	pd_event_init(&e, PD_EV_MARK);
	pd_event_stamp(&e, d->mark_seq, (double)pd_utc_ns() / 1e9);
	pd_text_copy(e.u.mark.label, sizeof e.u.mark.label, label);
	pd_outlet_send_event(&sp->rec, dev->id, &e, NULL, 0);
	json_t *j = pd_json_message("mark", dev->id, d->mark_seq, -1, 0, e.time);
	json_object_set_new(j, "label", json_string(label));
	return send(sp, dev, "mark", j, &d->mark_seq);
}
