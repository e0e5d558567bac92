#include "publisher.h"
#include "units.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "consumer_runner.h"
#include "message_json.h"
#include "log.h"
#include "outlet.h"

#define FRAME_POOL 32      /* frames a device may have in flight inside ZeroMQ */
#define LINGER_MS 1000     /* at stop, time for the last events to reach subscribers */
#define HEADER_MAX 1024

/* A buffer of cells lent to ZeroMQ (zero-copy) until it has sent them. */
struct frame_buf {
	_Atomic int busy;
	unsigned char *cells;
};

struct dev_pub {
	struct pd_device *dev;
	uint64_t seq;        /* frame messages meant for the stream */
	double last_sent_t;  /* device time of the last frame published */
	bool sent_any;
	json_t *header;      /* the frame JSON, updated in place per frame */
	struct frame_buf pool[FRAME_POOL];
	size_t pool_cap;
	char topic[48];
	char status_topic[48];
	char *status_json;   /* last-value cache */
	size_t status_len;
};

struct pd_publisher {
	struct pd_runner *runner;
	void *xpub, *pull;
	double min_interval; /* seconds of device time between frames; 0: all */
	int n;
	struct dev_pub dev[];
};

static void give_back(void *data, void *hint)
{
	(void)data;
	atomic_store_explicit(&((struct frame_buf *)hint)->busy, 0, memory_order_release);
}

static struct frame_buf *borrow(struct dev_pub *d, size_t need)
{
	if (need > d->pool_cap) {
		/* The geometry grew: only buffers ZeroMQ is not holding can go. */
		for (int i = 0; i < FRAME_POOL; i++)
			if (atomic_load(&d->pool[i].busy))
				return NULL;
		for (int i = 0; i < FRAME_POOL; i++) {
			free(d->pool[i].cells);
			d->pool[i].cells = malloc(need);
			if (!d->pool[i].cells) {
				d->pool_cap = 0;
				return NULL;
			}
		}
		d->pool_cap = need;
	}
	for (int i = 0; i < FRAME_POOL; i++) {
		int expected = 0;
		if (atomic_compare_exchange_strong(&d->pool[i].busy, &expected, 1))
			return &d->pool[i];
	}
	return NULL;
}

/* The units of the frame's own stream: while we lag, the device may have
 * described itself differently since. */
static void set_header_info(struct dev_pub *d, const struct pd_device_info *info)
{
	bool calibrated = pd_info_calibrated(info);
	json_object_set_new(d->header, "units", json_string(pd_info_units(info)));
	json_object_set_new(d->header, "units_per_count", json_real(calibrated ? info->units_per_count : 1.0));
}

/* The rate limit, in device time, decided before the cells are copied. */
static bool wants_frame(void *ctx, int dev, const struct pd_frame *meta)
{
	struct pd_publisher *p = ctx;
	const struct dev_pub *d = &p->dev[dev];
	double t = (double)meta->device_time_us / 1e6;
	return !(d->sent_any && p->min_interval > 0 && t >= d->last_sent_t &&
		 t - d->last_sent_t < p->min_interval - 1e-9);
}

static void publish_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	struct pd_publisher *p = ctx;
	struct dev_pub *d = &p->dev[dev];
	const struct pd_frame *f = cf->frame;
	if (cf->new_stream) /* units may have changed */
		set_header_info(d, cf->info);
	double t = (double)f->device_time_us / 1e6;
	/* From here on the frame is meant for the stream: if it is lost, the
	 * subscriber sees the gap in seq. */
	uint64_t seq = d->seq++;
	d->sent_any = true;
	d->last_sent_t = t;
	size_t bytes = pd_frame_cells_bytes(f->rows, f->cols, f->cell_bits);
	/* Cells go to ZeroMQ in a pooled buffer it gives back once sent. A
	 * subscriber at its high-water mark holds the buffers queued for it,
	 * so when the pool runs dry the frame goes in a message of ZeroMQ's
	 * own rather than being lost for every subscriber. */
	zmq_msg_t cells;
	struct frame_buf *b = borrow(d, bytes);
	int rc = b ? zmq_msg_init_data(&cells, b->cells, bytes, give_back, b) : zmq_msg_init_size(&cells, bytes);
	if (rc != 0) {
		if (b)
			atomic_store(&b->busy, 0);
		pd_device_count_publish_drops(d->dev, 1);
		return;
	}
	memcpy(zmq_msg_data(&cells), f->cells, bytes);

	json_t *h = d->header;
	json_integer_set(json_object_get(h, "seq"), (json_int_t)seq);
	json_real_set(json_object_get(h, "t"), t);
	json_integer_set(json_object_get(h, "frame"), f->seq);
	json_real_set(json_object_get(h, "time"), (double)f->rx.utc_ns / 1e9);
	json_integer_set(json_object_get(h, "rows"), f->rows);
	json_integer_set(json_object_get(h, "cols"), f->cols);
	json_object_set_new(h, "dtype", json_string(f->cell_bits == 16 ? "uint16" : "uint8"));
	char json[HEADER_MAX];
	size_t len = pd_json_dump(h, json, sizeof json);

	if (len == 0) {
		zmq_msg_close(&cells);
		pd_device_count_publish_drops(d->dev, 1);
		return;
	}
	/* XPUB never blocks: a subscriber at its high-water mark just misses it. */
	if (zmq_send(p->xpub, d->topic, strlen(d->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(p->xpub, json, len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_msg_send(&cells, p->xpub, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&cells);
		pd_device_count_publish_drops(d->dev, 1);
	}
}

/* The ring lapped us: those are drops too. */
static void frames_lost(void *ctx, int dev, uint64_t n)
{
	struct pd_publisher *p = ctx;
	struct dev_pub *d = &p->dev[dev];
	pd_device_count_publish_drops(d->dev, n);
	if (p->min_interval == 0) /* every frame was meant for the stream */
		d->seq += n;
}

static struct dev_pub *device_of_topic(struct pd_publisher *p, const char *topic, size_t len)
{
	for (int i = 0; i < p->n; i++)
		if (strlen(p->dev[i].status_topic) == len && !memcmp(p->dev[i].status_topic, topic, len))
			return &p->dev[i];
	return NULL;
}

static void cache_status(struct dev_pub *d, const void *json, size_t len)
{
	char *copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, json, len);
	free(d->status_json);
	d->status_json = copy;
	d->status_len = len;
}

/* Moves one queued [topic][json] from the outlets to the subscribers. */
static int forward_one(struct pd_publisher *p)
{
	zmq_msg_t topic, body;
	zmq_msg_init(&topic);
	if (zmq_msg_recv(&topic, p->pull, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&topic);
		return 0;
	}
	zmq_msg_init(&body);
	if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, p->pull, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
		return 1;
	}
	const char *t = zmq_msg_data(&topic);
	size_t tl = zmq_msg_size(&topic);
	if (tl > 7 && !memcmp(t, "status/", 7)) {
		struct dev_pub *d = device_of_topic(p, t, tl);
		if (d)
			cache_status(d, zmq_msg_data(&body), zmq_msg_size(&body));
	}
	/* Once the first part is taken the second always is; if the first is
	 * not, the second must not go out alone. */
	if (zmq_msg_send(&topic, p->xpub, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
		return 1;
	}
	if (zmq_msg_send(&body, p->xpub, ZMQ_DONTWAIT) < 0)
		zmq_msg_close(&body);
	return 1;
}

/* A new subscription: send the cached status of every device it covers,
 * so a dashboard knows each device's state at once. Everyone subscribed
 * to those topics gets the repeat too; it is the same message again. */
static void on_subscription(struct pd_publisher *p)
{
	unsigned char buf[256];
	int n = zmq_recv(p->xpub, buf, sizeof buf, ZMQ_DONTWAIT);
	if (n < 1 || buf[0] != 1)
		return;
	size_t plen = (size_t)n - 1 < sizeof buf - 1 ? (size_t)n - 1 : sizeof buf - 1;
	const char *prefix = (const char *)buf + 1;
	for (int i = 0; i < p->n; i++) {
		struct dev_pub *d = &p->dev[i];
		size_t tl = strlen(d->status_topic);
		if (!d->status_json || plen > tl || memcmp(d->status_topic, prefix, plen) != 0)
			continue;
		zmq_send(p->xpub, d->status_topic, tl, ZMQ_SNDMORE | ZMQ_DONTWAIT);
		zmq_send(p->xpub, d->status_json, d->status_len, ZMQ_DONTWAIT);
	}
}

enum { ITEM_QUEUE, ITEM_SUBSCRIPTIONS };

static int poll_items(void *ctx, zmq_pollitem_t *items, int max)
{
	struct pd_publisher *p = ctx;
	(void)max;
	items[ITEM_QUEUE] = (zmq_pollitem_t){ .socket = p->pull, .events = ZMQ_POLLIN };
	items[ITEM_SUBSCRIPTIONS] = (zmq_pollitem_t){ .socket = p->xpub, .events = ZMQ_POLLIN };
	return 2;
}

static void ready(void *ctx, int item, short revents)
{
	(void)revents;
	struct pd_publisher *p = ctx;
	if (item == ITEM_SUBSCRIPTIONS)
		on_subscription(p);
	else /* bounded, so frames and subscriptions are served between bursts */
		for (int k = 0; k < 256 && forward_one(p); k++) {
		}
}

static void finish(void *ctx)
{
	while (forward_one(ctx)) { /* the producers have stopped: send what they left */
	}
}

/* Lossy: a subscriber too slow for the frames must never slow the device. */
static const struct pd_consumer_ops publisher_ops = {
	.name = "publisher",
	.kind = PD_CONSUMER_LOSSY,
	.wants = wants_frame,
	.frame = publish_frame,
	.lost = frames_lost,
	.poll_items = poll_items,
	.ready = ready,
	.finish = finish,
};

static void free_devices(struct pd_publisher *p)
{
	for (int i = 0; i < p->n; i++) {
		struct dev_pub *d = &p->dev[i];
		if (d->header)
			json_decref(d->header);
		for (int k = 0; k < FRAME_POOL; k++)
			free(d->pool[k].cells);
		free(d->status_json);
	}
}

struct pd_publisher *pd_publisher_start(void *zctx, const char *endpoint, struct pd_auth *auth,
					struct pd_device *devs, int ndevs, long frame_rate_hz, char *err,
					size_t errlen)
{
	struct pd_publisher *p = calloc(1, sizeof *p + (size_t)ndevs * sizeof p->dev[0]);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->n = ndevs;
	p->min_interval = frame_rate_hz > 0 ? 1.0 / (double)frame_rate_hz : 0;
	p->xpub = zmq_socket(zctx, ZMQ_XPUB);
	p->pull = zmq_socket(zctx, ZMQ_PULL);
	int one = 1, linger = LINGER_MS, rcvhwm = 100000;
	if (!p->xpub || !p->pull ||
	    zmq_setsockopt(p->xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one) != 0 ||
	    zmq_setsockopt(p->xpub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_setsockopt(p->pull, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0) {
		snprintf(err, errlen, "event socket: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (pd_auth_prepare(auth, p->xpub, endpoint, "pub", err, errlen) != 0)
		goto fail;
	if (zmq_bind(p->xpub, endpoint) != 0) {
		snprintf(err, errlen, "cannot bind the event endpoint %s: %s", endpoint, zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (zmq_bind(p->pull, PD_PUBLISHER_INPROC) != 0) {
		snprintf(err, errlen, "publisher queue: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	for (int i = 0; i < ndevs; i++) {
		struct dev_pub *d = &p->dev[i];
		d->dev = &devs[i];
		snprintf(d->topic, sizeof d->topic, "frame/%s", devs[i].id);
		snprintf(d->status_topic, sizeof d->status_topic, "status/%s", devs[i].id);
		d->header = pd_json_message("frame", devs[i].id, 0, 0, 0, 0);
		json_object_set_new(d->header, "rows", json_integer(0));
		json_object_set_new(d->header, "cols", json_integer(0));
	}
	if (pd_runner_start(&p->runner, &publisher_ops, p, devs, ndevs, err, errlen) != 0)
		goto fail;
	return p;
fail:
	free_devices(p);
	if (p->xpub)
		zmq_close(p->xpub);
	if (p->pull)
		zmq_close(p->pull);
	free(p);
	return NULL;
}

void pd_publisher_stop(struct pd_publisher *p)
{
	if (!p)
		return;
	pd_runner_stop(p->runner);
	p->runner = NULL;
	zmq_close(p->pull);
	zmq_close(p->xpub); /* lingers LINGER_MS for subscribers to get the last events */
	p->pull = p->xpub = NULL;
}

void pd_publisher_free(struct pd_publisher *p)
{
	if (!p)
		return;
	free_devices(p);
	free(p);
}
