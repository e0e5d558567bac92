#include "publisher.h"

#include <inttypes.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#include "event_json.h"
#include "log.h"
#include "outlet.h"
#include "ring_cursor.h"

#define FRAME_POOL 32      /* frames a device may have in flight inside ZeroMQ */
#define LINGER_MS 1000     /* at stop, time for the last events to reach subscribers */
#define HEADER_MAX 1024

/* A buffer of cells lent to ZeroMQ (zero-copy) until it has sent them. */
struct frame_buf {
	_Atomic int busy;
	unsigned char *cells;
};

struct dev_pub {
	struct pd_ring_cursor cur;
	uint64_t seq;        /* frame messages meant for the stream */
	uint64_t lost_counted; /* ring losses already counted as drops */
	double last_sent_t;  /* device time of the last frame published */
	bool sent_any;
	uint32_t stream; /* of the frames the header's units describe */
	bool have_stream;
	json_t *header;      /* the frame JSON, updated in place per frame */
	struct frame_buf pool[FRAME_POOL];
	size_t pool_cap;
	char topic[48];
	char status_topic[48];
	char *status_json;   /* last-value cache */
	size_t status_len;
};

struct pd_publisher {
	pthread_t thread;
	void *xpub, *pull;
	int stop_fd;
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
static void set_header_info(struct dev_pub *d, uint32_t stream)
{
	struct pd_device_status st;
	if (!pd_device_stream_info(d->cur.dev, stream, &st.info))
		pd_device_snapshot(d->cur.dev, &st); /* long ago: the best we know */
	bool calibrated = st.info.unit != PD_UNIT_COUNTS && st.info.units_per_count > 0;
	json_object_set_new(d->header, "units", json_string(calibrated ? pd_unit_name(st.info.unit) : "counts"));
	json_object_set_new(d->header, "units_per_count", json_real(calibrated ? st.info.units_per_count : 1.0));
}

static void publish_frame(struct pd_publisher *p, struct dev_pub *d, const struct pd_frame *f)
{
	double t = (double)f->device_time_us / 1e6;
	if (d->sent_any && p->min_interval > 0 && t >= d->last_sent_t &&
	    t - d->last_sent_t < p->min_interval - 1e-9)
		return; /* rate limit, in device time */
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
		pd_device_count_publish_drops(d->cur.dev, 1);
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
		pd_device_count_publish_drops(d->cur.dev, 1);
		return;
	}
	/* XPUB never blocks: a subscriber at its high-water mark just misses it. */
	if (zmq_send(p->xpub, d->topic, strlen(d->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(p->xpub, json, len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_msg_send(&cells, p->xpub, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&cells);
		pd_device_count_publish_drops(d->cur.dev, 1);
	}
}

static void drain_frames(struct pd_publisher *p, struct dev_pub *d)
{
	struct pd_frame f;
	uint32_t stream;
	while (pd_ring_cursor_next(&d->cur, &f, &stream)) {
		if (!d->have_stream || stream != d->stream) { /* units may have changed */
			set_header_info(d, stream);
			d->stream = stream;
			d->have_stream = true;
		}
		publish_frame(p, d, &f);
	}
	if (d->cur.lost != d->lost_counted) { /* the ring lapped us: those are drops too */
		pd_device_count_publish_drops(d->cur.dev, d->cur.lost - d->lost_counted);
		if (p->min_interval == 0) /* every frame was meant for the stream */
			d->seq += d->cur.lost - d->lost_counted;
		d->lost_counted = d->cur.lost;
	}
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

static void *publisher_main(void *arg)
{
	struct pd_publisher *p = arg;
	size_t np = (size_t)p->n + 3;
	zmq_pollitem_t *items = calloc(np, sizeof *items);
	if (!items)
		return NULL;
	items[0] = (zmq_pollitem_t){ .socket = p->pull, .events = ZMQ_POLLIN };
	items[1] = (zmq_pollitem_t){ .socket = p->xpub, .events = ZMQ_POLLIN };
	items[2] = (zmq_pollitem_t){ .fd = p->stop_fd, .events = ZMQ_POLLIN };
	for (int i = 0; i < p->n; i++)
		items[3 + i] = (zmq_pollitem_t){ .fd = p->dev[i].cur.efd, .events = ZMQ_POLLIN };
	for (;;) {
		if (zmq_poll(items, (int)np, -1) < 0)
			continue;
		if (items[1].revents)
			on_subscription(p);
		for (int i = 0; i < p->n; i++)
			if (items[3 + i].revents) {
				pd_ring_cursor_ack(&p->dev[i].cur);
				drain_frames(p, &p->dev[i]);
			}
		/* Bounded, so frames and subscriptions are served between bursts. */
		for (int k = 0; k < 256 && forward_one(p); k++) {
		}
		if (items[2].revents)
			break;
	}
	while (forward_one(p)) { /* the producers have stopped: send what they left */
	}
	free(items);
	return NULL;
}

static void free_devices(struct pd_publisher *p)
{
	for (int i = 0; i < p->n; i++) {
		struct dev_pub *d = &p->dev[i];
		pd_ring_cursor_fini(&d->cur);
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
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->min_interval = frame_rate_hz > 0 ? 1.0 / (double)frame_rate_hz : 0;
	p->xpub = zmq_socket(zctx, ZMQ_XPUB);
	p->pull = zmq_socket(zctx, ZMQ_PULL);
	int one = 1, linger = LINGER_MS, rcvhwm = 100000;
	if (p->stop_fd < 0 || !p->xpub || !p->pull ||
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
		if (pd_ring_cursor_init(&d->cur, &devs[i]) != 0) {
			snprintf(err, errlen, "%s: cannot follow its frames", devs[i].id);
			goto fail;
		}
		snprintf(d->topic, sizeof d->topic, "frame/%s", devs[i].id);
		snprintf(d->status_topic, sizeof d->status_topic, "status/%s", devs[i].id);
		d->header = pd_json_message("frame", devs[i].id, 0, 0, 0, 0);
		json_object_set_new(d->header, "rows", json_integer(0));
		json_object_set_new(d->header, "cols", json_integer(0));
	}
	if (pthread_create(&p->thread, NULL, publisher_main, p) != 0) {
		snprintf(err, errlen, "cannot start the publisher thread");
		goto fail;
	}
	return p;
fail:
	free_devices(p);
	if (p->xpub)
		zmq_close(p->xpub);
	if (p->pull)
		zmq_close(p->pull);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	free(p);
	return NULL;
}

void pd_publisher_stop(struct pd_publisher *p)
{
	if (!p)
		return;
	uint64_t one = 1;
	if (write(p->stop_fd, &one, sizeof one) < 0)
		pd_err("publisher: cannot stop: %m");
	pthread_join(p->thread, NULL);
	zmq_close(p->pull);
	zmq_close(p->xpub); /* lingers LINGER_MS for subscribers to get the last events */
	p->pull = p->xpub = NULL;
}

void pd_publisher_free(struct pd_publisher *p)
{
	if (!p)
		return;
	free_devices(p);
	close(p->stop_fd);
	free(p);
}
