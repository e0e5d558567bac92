#include "stream.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int pc_stop_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked zmq_poll returns EINTR */
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
		return -1;
	return 0;
}

bool pc_stopped(void)
{
	return stop_flag != 0;
}

void *pc_sub_open(void *ctx, const struct pc_global *g)
{
	return pc_connect(ctx, g, ZMQ_SUB, g->pub, "event");
}

int pc_sub_subscribe(void *sock, const char *prefix)
{
	return zmq_setsockopt(sock, ZMQ_SUBSCRIBE, prefix, strlen(prefix));
}

int pc_msg_recv(void *sock, struct pc_msg *m)
{
	memset(m, 0, sizeof *m);
	bool more = true;
	for (int i = 0; more; i++) {
		zmq_msg_t part;
		zmq_msg_init(&part);
		/* The first part may be absent (EAGAIN); once it has come, ZeroMQ
		 * delivers a multipart message atomically, so the rest is there. */
		if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0) {
			int err = zmq_errno();
			zmq_msg_close(&part);
			pc_msg_close(m);
			errno = err;
			return -1;
		}
		more = zmq_msg_more(&part);
		if (i < 3) {
			zmq_msg_init(&m->part[i]);
			zmq_msg_move(&m->part[i], &part);
			m->nparts = i + 1;
		}
		zmq_msg_close(&part);
	}
	size_t tlen = zmq_msg_size(&m->part[0]);
	if (tlen >= sizeof m->topic)
		tlen = sizeof m->topic - 1;
	memcpy(m->topic, zmq_msg_data(&m->part[0]), tlen);
	m->topic[tlen] = '\0';
	const char *slash = strchr(m->topic, '/');
	m->type_len = slash ? (int)(slash - m->topic) : -1;
	if (m->nparts < 2) {
		snprintf(m->why, sizeof m->why, "no JSON part");
		return 0;
	}
	json_error_t jerr;
	m->json = json_loadb(zmq_msg_data(&m->part[1]), zmq_msg_size(&m->part[1]), 0, &jerr);
	if (!m->json) {
		snprintf(m->why, sizeof m->why, "bad JSON: %.140s", jerr.text);
	} else if (!json_is_object(m->json)) {
		json_decref(m->json);
		m->json = NULL;
		snprintf(m->why, sizeof m->why, "JSON part is not an object");
	}
	return 0;
}

void pc_msg_close(struct pc_msg *m)
{
	for (int i = 0; i < m->nparts; i++)
		zmq_msg_close(&m->part[i]);
	m->nparts = 0;
	json_decref(m->json);
	m->json = NULL;
}

void pc_msg_move(struct pc_msg *dst, struct pc_msg *src)
{
	memset(dst, 0, sizeof *dst);
	for (int i = 0; i < src->nparts; i++) {
		zmq_msg_init(&dst->part[i]);
		zmq_msg_move(&dst->part[i], &src->part[i]);
		zmq_msg_close(&src->part[i]);
	}
	dst->nparts = src->nparts;
	memcpy(dst->topic, src->topic, sizeof dst->topic);
	dst->type_len = src->type_len;
	dst->json = src->json;
	memcpy(dst->why, src->why, sizeof dst->why);
	src->nparts = 0;
	src->json = NULL;
}

static const char *copy(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

const char *pc_msg_device(const struct pc_msg *m, char *buf, size_t len)
{
	const char *d = json_string_value(json_object_get(m->json, "device"));
	if (d)
		return copy(buf, len, d, strlen(d));
	const char *s = m->type_len >= 0 ? m->topic + m->type_len + 1 : "";
	return copy(buf, len, s, strlen(s));
}

const char *pc_msg_type(const struct pc_msg *m, char *buf, size_t len)
{
	const char *t = json_string_value(json_object_get(m->json, "type"));
	if (t)
		return copy(buf, len, t, strlen(t));
	return copy(buf, len, m->topic, m->type_len >= 0 ? (size_t)m->type_len : strlen(m->topic));
}
