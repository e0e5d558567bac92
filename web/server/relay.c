/* See relay.h. Wire format to the browser: events as WebSocket text (the
 * JSON exactly as pressd published it), frames as one binary message: a
 * 4-byte little-endian length, the frame's JSON header, then the cells. */
#include "relay.h"

#include <civetweb.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "curve_client.h"
#include "log.h"
#include "upstream.h"

#define QUEUE_MAX 64          /* messages waiting for one browser */
#define STATE_MAX 256         /* (type, device) pairs remembered for late joiners */

struct msg {
	atomic_int refs;
	int opcode;
	size_t len;
	char data[];
};

struct client {
	struct client *next;
	struct mg_connection *conn;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct msg *q[QUEUE_MAX];
	int head, count;
	bool closing;
	unsigned long dropped;
};

struct state_entry {
	char key[96]; /* topic */
	struct msg *m;
	int source;
};

struct relay {
	void *zctx;
	void *subs[8];
	struct upstream up[8]; /* each sub's handshakes, under mu */
	int n_subs;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t mu; /* clients and state */
	struct client *clients;
	int n_clients;
	struct state_entry state[STATE_MAX];
	int n_state;
	unsigned long in, sent, dropped;
};

static struct msg *msg_new(int opcode, const void *a, size_t alen, const void *b, size_t blen)
{
	struct msg *m = malloc(sizeof *m + alen + blen);
	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	m->opcode = opcode;
	m->len = alen + blen;
	memcpy(m->data, a, alen);
	if (blen)
		memcpy(m->data + alen, b, blen);
	return m;
}

static void msg_ref(struct msg *m) { atomic_fetch_add(&m->refs, 1); }
static void msg_unref(struct msg *m)
{
	if (m && atomic_fetch_sub(&m->refs, 1) == 1)
		free(m);
}

/* Queue for one browser. A full queue drops the oldest frame first (the
 * newest frame makes it stale anyway); events are dropped only when the
 * queue holds nothing but events. Every drop is counted. */
static bool client_push(struct client *c, struct msg *m)
{
	bool dropped = false;
	pthread_mutex_lock(&c->mu);
	if (c->count == QUEUE_MAX) {
		int victim = -1;
		for (int i = 0; i < c->count; i++)
			if (c->q[(c->head + i) % QUEUE_MAX]->opcode == MG_WEBSOCKET_OPCODE_BINARY) {
				victim = i;
				break;
			}
		if (victim < 0)
			victim = 0;
		msg_unref(c->q[(c->head + victim) % QUEUE_MAX]);
		for (int i = victim; i < c->count - 1; i++)
			c->q[(c->head + i) % QUEUE_MAX] = c->q[(c->head + i + 1) % QUEUE_MAX];
		c->count--;
		c->dropped++;
		dropped = true;
	}
	msg_ref(m);
	c->q[(c->head + c->count) % QUEUE_MAX] = m;
	c->count++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return dropped;
}

static void *client_writer(void *arg)
{
	struct client *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->count == 0 && !c->closing)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->closing) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		struct msg *m = c->q[c->head];
		c->head = (c->head + 1) % QUEUE_MAX;
		c->count--;
		pthread_mutex_unlock(&c->mu);
		int rc = mg_websocket_write(c->conn, m->opcode, m->data, m->len);
		msg_unref(m);
		if (rc <= 0)
			break; /* the browser left; the close handler cleans up */
	}
	return NULL;
}

static void remember(struct relay *r, const char *topic, struct msg *m, int source)
{
	for (int i = 0; i < r->n_state; i++)
		if (strcmp(r->state[i].key, topic) == 0) {
			msg_unref(r->state[i].m);
			msg_ref(m);
			r->state[i].m = m;
			r->state[i].source = source;
			return;
		}
	if (r->n_state == STATE_MAX)
		return;
	struct state_entry *e = &r->state[r->n_state++];
	snprintf(e->key, sizeof e->key, "%s", topic);
	msg_ref(m);
	e->m = m;
	e->source = source;
}

/* What a late joiner needs: the latest of each type per device, except the
 * per-contact chatter that the next frame supersedes anyway. */
static bool worth_remembering(const char *topic)
{
	return strncmp(topic, "contact/", 8) != 0 && strncmp(topic, "press/", 6) != 0;
}

static void dispatch(struct relay *r, const char *topic, struct msg *m, int source)
{
	pthread_mutex_lock(&r->mu);
	r->in++;
	if (worth_remembering(topic))
		remember(r, topic, m, source);
	for (struct client *c = r->clients; c; c = c->next) {
		if (client_push(c, m))
			r->dropped++;
		else
			r->sent++;
	}
	pthread_mutex_unlock(&r->mu);
}

static void read_one(struct relay *r, void *sub, int source)
{
	zmq_msg_t parts[3];
	int n = 0;
	int more = 1;
	while (more) {
		zmq_msg_t p;
		zmq_msg_init(&p);
		if (zmq_msg_recv(&p, sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&p);
			break;
		}
		more = zmq_msg_more(&p);
		if (n < 3)
			parts[n++] = p;
		else
			zmq_msg_close(&p);
	}
	if (n >= 2) {
		char topic[96];
		size_t tl = zmq_msg_size(&parts[0]);
		if (tl >= sizeof topic)
			tl = sizeof topic - 1;
		memcpy(topic, zmq_msg_data(&parts[0]), tl);
		topic[tl] = 0;
		struct msg *m;
		size_t jl = zmq_msg_size(&parts[1]);
		if (n == 3) {
			uint8_t hdr[4] = {jl & 0xff, (jl >> 8) & 0xff, (jl >> 16) & 0xff, (jl >> 24) & 0xff};
			size_t cl = zmq_msg_size(&parts[2]);
			m = malloc(sizeof *m + 4 + jl + cl);
			if (m) {
				atomic_init(&m->refs, 1);
				m->opcode = MG_WEBSOCKET_OPCODE_BINARY;
				m->len = 4 + jl + cl;
				memcpy(m->data, hdr, 4);
				memcpy(m->data + 4, zmq_msg_data(&parts[1]), jl);
				memcpy(m->data + 4 + jl, zmq_msg_data(&parts[2]), cl);
			}
		} else {
			m = msg_new(MG_WEBSOCKET_OPCODE_TEXT, zmq_msg_data(&parts[1]), jl, NULL, 0);
		}
		if (m) {
			dispatch(r, topic, m, source);
			msg_unref(m);
		}
	}
	for (int i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
}

static void *reader(void *arg)
{
	struct relay *r = arg;
	/* subs first, then their monitors (a NULL socket is never ready) */
	zmq_pollitem_t items[16];
	for (int i = 0; i < r->n_subs; i++) {
		items[i] = (zmq_pollitem_t){.socket = r->subs[i], .events = ZMQ_POLLIN};
		items[r->n_subs + i] = (zmq_pollitem_t){.socket = r->up[i].monitor, .fd = -1,
							.events = r->up[i].monitor ? ZMQ_POLLIN : 0};
	}
	while (!atomic_load(&r->stop)) {
		int rc = zmq_poll(items, 2 * r->n_subs, 200);
		if (rc <= 0)
			continue;
		for (int i = 0; i < r->n_subs; i++)
			if (items[r->n_subs + i].revents & ZMQ_POLLIN) {
				pthread_mutex_lock(&r->mu);
				upstream_on_event(&r->up[i]);
				pthread_mutex_unlock(&r->mu);
			}
		for (int i = 0; i < r->n_subs; i++)
			if (items[i].revents & ZMQ_POLLIN)
				for (int k = 0; k < 256; k++) { /* bounded: let the others speak */
					int ev = 0;
					size_t sz = sizeof ev;
					zmq_getsockopt(r->subs[i], ZMQ_EVENTS, &ev, &sz);
					if (!(ev & ZMQ_POLLIN))
						break;
					read_one(r, r->subs[i], i);
				}
	}
	return NULL;
}

static void close_subs(struct relay *r)
{
	for (int k = 0; k < r->n_subs; k++) {
		zmq_close(r->subs[k]);
		upstream_close(&r->up[k]);
	}
}

struct relay *relay_start(void *zctx, char **pub, int n_pub, const struct pd_curve_client_keys *keys)
{
	struct relay *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->zctx = zctx;
	pthread_mutex_init(&r->mu, NULL);
	for (int i = 0; i < n_pub && i < 8; i++) {
		void *s = zmq_socket(zctx, ZMQ_SUB);
		int hwm = 10000;
		zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
		if (pd_curve_client_apply(keys, s) != 0) {
			pd_log(3, "%s: cannot use CURVE: %s", pub[i], zmq_strerror(zmq_errno()));
			goto fail;
		}
		if (upstream_watch(&r->up[i], zctx, s, pub[i], i) != 0)
			pd_log(4, "%s: cannot watch its handshakes: %s", pub[i], zmq_strerror(zmq_errno()));
		if (zmq_connect(s, pub[i]) != 0) {
			pd_log(3, "cannot connect to %s: %s", pub[i], zmq_strerror(zmq_errno()));
			goto fail;
		}
		r->subs[r->n_subs++] = s;
		continue;
	fail:
		zmq_close(s);
		upstream_close(&r->up[i]);
		close_subs(r);
		free(r);
		return NULL;
	}
	if (pthread_create(&r->thread, NULL, reader, r) != 0) {
		close_subs(r);
		free(r);
		return NULL;
	}
	return r;
}

static void client_free(struct client *c)
{
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	for (int i = 0; i < c->count; i++)
		msg_unref(c->q[(c->head + i) % QUEUE_MAX]);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

void relay_stop(struct relay *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	close_subs(r);
	while (r->clients) {
		struct client *c = r->clients;
		r->clients = c->next;
		client_free(c);
	}
	for (int i = 0; i < r->n_state; i++)
		msg_unref(r->state[i].m);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

void relay_add_client(struct relay *r, struct mg_connection *conn)
{
	struct client *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->conn = conn;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_mutex_lock(&r->mu);
	/* Status first so the page knows each device's geometry and unit
	 * before its frame arrives. */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < r->n_state; i++) {
			bool is_status = strncmp(r->state[i].key, "status/", 7) == 0;
			if (is_status == (pass == 0))
				client_push(c, r->state[i].m);
		}
	if (pthread_create(&c->thread, NULL, client_writer, c) != 0) {
		pthread_mutex_unlock(&r->mu);
		for (int i = 0; i < c->count; i++)
			msg_unref(c->q[(c->head + i) % QUEUE_MAX]);
		free(c);
		return;
	}
	c->next = r->clients;
	r->clients = c;
	r->n_clients++;
	pthread_mutex_unlock(&r->mu);
}

void relay_remove_client(struct relay *r, struct mg_connection *conn)
{
	pthread_mutex_lock(&r->mu);
	struct client **pp = &r->clients, *c = NULL;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->conn == conn) {
			c = *pp;
			*pp = c->next;
			r->n_clients--;
			break;
		}
	pthread_mutex_unlock(&r->mu);
	if (c)
		client_free(c);
}

void relay_send_one(struct relay *r, struct mg_connection *conn, const char *text)
{
	struct msg *m = msg_new(MG_WEBSOCKET_OPCODE_TEXT, text, strlen(text), NULL, 0);
	if (!m)
		return;
	pthread_mutex_lock(&r->mu);
	for (struct client *c = r->clients; c; c = c->next)
		if (c->conn == conn)
			client_push(c, m);
	pthread_mutex_unlock(&r->mu);
	msg_unref(m);
}

int relay_device_source(struct relay *r, const char *device)
{
	char key[96];
	snprintf(key, sizeof key, "status/%s", device);
	int src = -1;
	pthread_mutex_lock(&r->mu);
	for (int i = 0; i < r->n_state; i++)
		if (strcmp(r->state[i].key, key) == 0)
			src = r->state[i].source;
	pthread_mutex_unlock(&r->mu);
	return src;
}

json_t *relay_stats_json(struct relay *r)
{
	pthread_mutex_lock(&r->mu);
	json_t *per = json_array();
	for (struct client *c = r->clients; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		json_array_append_new(per, json_pack("{s:I,s:i}", "dropped", (json_int_t)c->dropped,
						     "queued", c->count));
		pthread_mutex_unlock(&c->mu);
	}
	json_t *up = json_array();
	for (int i = 0; i < r->n_subs; i++)
		json_array_append_new(up, json_pack("{s:s,s:s,s:I}", "endpoint", r->up[i].endpoint, "state",
						    r->up[i].state, "refused", (json_int_t)r->up[i].refused));
	json_t *j = json_pack("{s:i,s:I,s:I,s:I,s:o,s:o}", "clients", r->n_clients, "received",
			      (json_int_t)r->in, "sent", (json_int_t)r->sent, "dropped",
			      (json_int_t)r->dropped, "per_client", per, "upstream", up);
	pthread_mutex_unlock(&r->mu);
	return j;
}
