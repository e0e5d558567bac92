/* The event stream (events.md, "Event stream"): a SUB socket, multipart
 * messages [topic][JSON][cells], and the signals that end a watch. */
#ifndef PC_STREAM_H
#define PC_STREAM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <zmq.h>

#include "pressctl.h"

/* A SUB socket connected to g->pub, with g's CURVE keys if any (NULL
 * after printing why; errno says EINVAL for a malformed endpoint). */
void *pc_sub_open(void *ctx, const struct pc_global *g);
int pc_sub_subscribe(void *sock, const char *prefix);

/* One received message. Parts past the third are dropped. */
struct pc_msg {
	zmq_msg_t part[3];
	int nparts;
	char topic[256]; /* part 1, NUL-terminated (cut at 255 bytes) */
	int type_len;   /* bytes of topic before its '/' (-1: no '/') */
	json_t *json;         /* part 2 parsed, NULL when it is not a JSON object */
	char why[160];        /* why json is NULL */
};

/* Receives one whole message without waiting: 0, or -1 with errno
 * (EAGAIN when none is queued, EINTR). */
int pc_msg_recv(void *sock, struct pc_msg *m);
void pc_msg_close(struct pc_msg *m);
/* Moves a received message into dst (uninitialised or closed). */
void pc_msg_move(struct pc_msg *dst, struct pc_msg *src);

static inline const char *pc_msg_json_text(const struct pc_msg *m, size_t *len)
{
	*len = m->nparts > 1 ? zmq_msg_size((zmq_msg_t *)&m->part[1]) : 0;
	return m->nparts > 1 ? zmq_msg_data((zmq_msg_t *)&m->part[1]) : "";
}

/* The device of a message: its "device" field, else the topic's second
 * half; the type: "type", else the topic's first half. Written to buf. */
const char *pc_msg_device(const struct pc_msg *m, char *buf, size_t len);
const char *pc_msg_type(const struct pc_msg *m, char *buf, size_t len);

/* SIGINT/SIGTERM end a watch cleanly: install the handlers, then poll
 * pc_stopped() (zmq_poll returns EINTR, or at the latest after the
 * bounded wait the loop uses). */
int pc_stop_signals_install(void);
bool pc_stopped(void);

#endif
