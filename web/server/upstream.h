/* How pressd-web's link to each pressd is doing, from the SUB socket's
 * monitor: a pressd that wants CURVE keys (or other ones) sends nothing and
 * says nothing, so without this the dashboard would just stay empty. Each
 * change is logged once (ZeroMQ retries every few hundred ms; one line per
 * retry would drown the log) and shown in /api/stats. */
#ifndef PRESSD_WEB_UPSTREAM_H
#define PRESSD_WEB_UPSTREAM_H

struct upstream {
	const char *endpoint;
	void *monitor; /* PAIR fed by zmq_socket_monitor, NULL if unavailable */
	char state[160];
	unsigned long refused; /* handshakes that failed */
};

/* Watches sock (not connected yet). The monitor socket is u->monitor, for
 * the caller's zmq_poll; idx names its inproc endpoint. 0, or -1 (then the
 * link works but goes unwatched). */
int upstream_watch(struct upstream *u, void *zctx, void *sock, const char *endpoint, int idx);
/* Reads one monitor event, updating and logging u's state. */
void upstream_on_event(struct upstream *u);
void upstream_close(struct upstream *u);
#endif
