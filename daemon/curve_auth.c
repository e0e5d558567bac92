#include "curve_auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zmq.h>

#include "clock.h"
#include "endpoint_scope.h"
#include "log.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01" /* fixed by RFC 27 */
#define ZAP_DOMAIN "pressd"
#define MAX_WATCHED 4
#define PEERS 64           /* accepted connections remembered by fd, for naming a refused one */
#define LOG_BURST 20       /* refusal lines per minute before they are summarised */

struct peer {
	int fd; /* -1: free */
	char addr[INET6_ADDRSTRLEN + 8];
};

struct watched {
	void *monitor; /* PAIR connected to the socket's monitor */
	char role[16];
	char endpoint[256];
	const char *pending; /* a handshake failed: reason, until its DISCONNECTED names the peer */
	struct peer peers[PEERS];
};

struct pd_auth {
	void *zctx;
	void *zap; /* REP */
	struct watched watched[MAX_WATCHED];
	int nwatched;
	pthread_t thread;
	bool running;
	atomic_bool stop;

	pthread_mutex_t lock; /* guards keys */
	struct pd_curve_keys keys;

	_Atomic uint64_t accepted, refused_key, refused_handshake;

	/* refusal log limiter (auth thread only) */
	int64_t window_start_ns;
	int logged, suppressed;
};

/* A client that keeps retrying with a bad key would otherwise fill the
 * journal; the counters stay exact. */
static bool may_log_refusal(struct pd_auth *a)
{
	int64_t now = pd_mono_ns();
	if (now - a->window_start_ns >= 60000000000LL) {
		if (a->suppressed)
			pd_warn("remote access: %d more refusals in the last minute were not logged", a->suppressed);
		a->window_start_ns = now;
		a->logged = a->suppressed = 0;
	}
	if (a->logged < LOG_BURST) {
		a->logged++;
		return true;
	}
	a->suppressed++;
	return false;
}

struct pd_auth *pd_auth_new(void *zctx, const struct pd_curve_keys *keys, char *err, size_t errlen)
{
	struct pd_auth *a = calloc(1, sizeof *a);
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->zctx = zctx;
	a->keys = *keys;
	pthread_mutex_init(&a->lock, NULL);
	int linger = 0;
	a->zap = zmq_socket(zctx, ZMQ_REP);
	if (!a->zap || zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_bind(a->zap, ZAP_ENDPOINT) != 0) {
		snprintf(err, errlen, "ZAP handler: %s", zmq_strerror(zmq_errno()));
		pd_auth_free(a);
		return NULL;
	}
	return a;
}

int pd_auth_prepare(struct pd_auth *a, void *sock, const char *endpoint, const char *role, char *err,
		    size_t errlen)
{
	if (!a || !pd_endpoint_is_network(endpoint))
		return 0;
	if (a->nwatched == MAX_WATCHED) {
		snprintf(err, errlen, "%s: too many CURVE sockets", role);
		return -1;
	}
	struct watched *w = &a->watched[a->nwatched];
	memset(w, 0, sizeof *w);
	for (int i = 0; i < PEERS; i++)
		w->peers[i].fd = -1;
	snprintf(w->role, sizeof w->role, "%s", role);
	snprintf(w->endpoint, sizeof w->endpoint, "%s", endpoint);
	char monitor_ep[64];
	snprintf(monitor_ep, sizeof monitor_ep, "inproc://pressd-auth-monitor-%d", a->nwatched);
	int server = 1, linger = 0;
	const int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
			   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &server, sizeof server) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, a->keys.server.secret_key, PD_Z85_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN)) != 0) {
		snprintf(err, errlen, "%s: cannot enable CURVE: %s (is libzmq built with libsodium?)", role,
			 zmq_strerror(zmq_errno()));
		return -1;
	}
	if (zmq_socket_monitor(sock, monitor_ep, events) != 0 || !(w->monitor = zmq_socket(a->zctx, ZMQ_PAIR)) ||
	    zmq_setsockopt(w->monitor, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_connect(w->monitor, monitor_ep) != 0) {
		snprintf(err, errlen, "%s: cannot watch its handshakes: %s", role, zmq_strerror(zmq_errno()));
		if (w->monitor)
			zmq_close(w->monitor);
		w->monitor = NULL;
		return -1;
	}
	a->nwatched++;
	pd_log(LOG_NOTICE, "%s: %s requires CURVE; %d client key%s allowed", role, endpoint, a->keys.nclients,
	       a->keys.nclients == 1 ? "" : "s");
	return 0;
}

/* Reads one frame into buf (NUL-terminated, truncated); its full size. */
static int recv_frame(void *sock, char *buf, size_t cap, int *more)
{
	int n = zmq_recv(sock, buf, cap - 1, 0);
	if (n < 0)
		return -1;
	buf[(size_t)n < cap - 1 ? (size_t)n : cap - 1] = '\0';
	*more = 0;
	size_t len = sizeof *more;
	zmq_getsockopt(sock, ZMQ_RCVMORE, more, &len);
	return n;
}

static void zap_reply(void *zap, const char *request_id, size_t id_len, const char *code, const char *text,
		      const char *user)
{
	zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(zap, request_id, id_len, ZMQ_SNDMORE);
	zmq_send(zap, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(zap, "", 0, 0);
}

/* One ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, then the mechanism's credentials. */
static void serve_zap(struct pd_auth *a)
{
	char part[7][256];
	int len[7] = { 0 }, more = 1, n = 0;
	uint8_t key[32];
	int key_len = -1;
	while (more) {
		if (n < 7) {
			len[n] = recv_frame(a->zap, part[n], sizeof part[n], &more);
			if (len[n] < 0)
				return;
			n++;
		} else {
			char skip[64];
			if (recv_frame(a->zap, skip, sizeof skip, &more) < 0)
				return;
		}
	}
	if (n >= 7 && len[6] == 32) {
		memcpy(key, part[6], 32);
		key_len = 32;
	}
	const char *request_id = n > 1 ? part[1] : "";
	size_t id_len = n > 1 ? (size_t)len[1] : 0;
	if (id_len > sizeof part[1])
		id_len = sizeof part[1];
	if (n < 6 || strcmp(part[0], "1.0")) {
		zap_reply(a->zap, request_id, id_len, "500", "malformed ZAP request", "");
		return;
	}
	const char *address = part[3], *mechanism = part[5];
	if (strcmp(mechanism, "CURVE") || key_len != 32) {
		atomic_fetch_add(&a->refused_handshake, 1);
		if (may_log_refusal(a))
			pd_warn("remote access: refused a %s client from %s: CURVE is required", mechanism, address);
		zap_reply(a->zap, request_id, id_len, "400", "CURVE required", "");
		return;
	}
	char name[64] = "";
	pthread_mutex_lock(&a->lock);
	const struct pd_curve_client *c = pd_curve_keys_find(&a->keys, key);
	if (c)
		snprintf(name, sizeof name, "%s", c->name);
	pthread_mutex_unlock(&a->lock);
	char z85[PD_Z85_KEY_LEN + 1];
	zmq_z85_encode(z85, key, 32);
	if (c) {
		atomic_fetch_add(&a->accepted, 1);
		pd_log(LOG_NOTICE, "remote access: client '%s' (%s) connected from %s", name, z85, address);
		zap_reply(a->zap, request_id, id_len, "200", "OK", name);
	} else {
		atomic_fetch_add(&a->refused_key, 1);
		if (may_log_refusal(a))
			pd_warn("remote access: refused client key %s from %s: not in daemon.curve_clients", z85,
				address);
		zap_reply(a->zap, request_id, id_len, "400", "key not allowed", "");
	}
}

static struct peer *peer_slot(struct watched *w, int fd)
{
	for (int i = 0; i < PEERS; i++)
		if (w->peers[i].fd == fd)
			return &w->peers[i];
	return NULL;
}

static void remember_peer(struct watched *w, int fd)
{
	struct peer *p = peer_slot(w, fd);
	if (!p)
		p = peer_slot(w, -1);
	if (!p)
		p = &w->peers[(unsigned)fd % PEERS]; /* table full: forget one */
	p->fd = fd;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "";
	int port = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
			port = ntohs(in->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
			port = ntohs(in6->sin6_port);
		}
	}
	/* Gone already (the monitor runs behind): no address to give. */
	if (port)
		snprintf(p->addr, sizeof p->addr, "%s:%d", host, port);
	else
		p->addr[0] = '\0';
}

static const char *handshake_failure(uint16_t event, uint32_t value)
{
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
		/* Whichever side sees a mechanism mismatch first closes: when it
		 * is the client, this is all the server learns. */
		return "it hung up during the handshake (no CURVE, or not ZeroMQ)";
	switch (value) {
	case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
		return "it does not use CURVE";
	case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
		return "CURVE handshake failed (wrong server public key?)";
	default:
		return "handshake protocol error";
	}
}

/* Monitor events: [u16 event, u32 value][endpoint]. A failed handshake is
 * followed at once, on the same I/O thread, by that connection's
 * DISCONNECTED with its fd, which names the peer. */
static void serve_monitor(struct pd_auth *a, struct watched *w)
{
	uint8_t head[6];
	char addr[256];
	int more = 0, n = zmq_recv(w->monitor, head, sizeof head, 0);
	size_t len = sizeof more;
	zmq_getsockopt(w->monitor, ZMQ_RCVMORE, &more, &len);
	while (more) {
		zmq_recv(w->monitor, addr, sizeof addr, 0);
		zmq_getsockopt(w->monitor, ZMQ_RCVMORE, &more, &len);
	}
	if (n != (int)sizeof head)
		return;
	uint16_t event;
	uint32_t value;
	memcpy(&event, head, 2);
	memcpy(&value, head + 2, 4);
	switch (event) {
	case ZMQ_EVENT_ACCEPTED:
		remember_peer(w, (int)value);
		break;
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		break; /* refused by serve_zap, which logged it */
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		atomic_fetch_add(&a->refused_handshake, 1);
		w->pending = handshake_failure(event, value);
		break;
	case ZMQ_EVENT_DISCONNECTED: {
		struct peer *p = peer_slot(w, (int)value);
		if (w->pending && may_log_refusal(a))
			pd_warn("remote access: refused %s on %s (%s): %s", p && p->addr[0] ? p->addr : "a client", w->role,
				w->endpoint, w->pending);
		w->pending = NULL;
		if (p)
			p->fd = -1;
		break;
	}
	default:
		break;
	}
}

static void *auth_main(void *arg)
{
	struct pd_auth *a = arg;
	zmq_pollitem_t items[1 + MAX_WATCHED];
	items[0] = (zmq_pollitem_t){ .socket = a->zap, .events = ZMQ_POLLIN };
	for (int i = 0; i < a->nwatched; i++)
		items[1 + i] = (zmq_pollitem_t){ .socket = a->watched[i].monitor, .events = ZMQ_POLLIN };
	while (!atomic_load(&a->stop)) {
		/* A short timeout rather than a stop socket: stopping is rare. */
		if (zmq_poll(items, 1 + a->nwatched, 100) <= 0)
			continue;
		if (items[0].revents & ZMQ_POLLIN)
			serve_zap(a);
		for (int i = 0; i < a->nwatched; i++)
			if (items[1 + i].revents & ZMQ_POLLIN)
				serve_monitor(a, &a->watched[i]);
	}
	return NULL;
}

int pd_auth_run(struct pd_auth *a)
{
	if (pthread_create(&a->thread, NULL, auth_main, a) != 0)
		return -1;
	a->running = true;
	return 0;
}

void pd_auth_update(struct pd_auth *a, const struct pd_curve_keys *keys)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	/* The server key pair is fixed once sockets are bound. */
	struct pd_cert server = a->keys.server;
	a->keys = *keys;
	a->keys.server = server;
	pthread_mutex_unlock(&a->lock);
	pd_log(LOG_NOTICE, "remote access: %d client key%s allowed", keys->nclients, keys->nclients == 1 ? "" : "s");
}

void pd_auth_get_counters(struct pd_auth *a, struct pd_auth_counters *out)
{
	memset(out, 0, sizeof *out);
	if (!a)
		return;
	out->accepted = atomic_load(&a->accepted);
	out->refused_key = atomic_load(&a->refused_key);
	out->refused_handshake = atomic_load(&a->refused_handshake);
}

void pd_auth_free(struct pd_auth *a)
{
	if (!a)
		return;
	if (a->running) {
		atomic_store(&a->stop, true);
		pthread_join(a->thread, NULL);
	}
	for (int i = 0; i < a->nwatched; i++)
		if (a->watched[i].monitor)
			zmq_close(a->watched[i].monitor);
	if (a->zap)
		zmq_close(a->zap);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
