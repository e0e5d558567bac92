/* See guard.h. */
#include "guard.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct per_addr {
	char addr[48];
	long open;
};

static struct {
	pthread_mutex_t mu;
	struct web_limits l;
	struct per_addr *addrs; /* max_connections of them at most: one per open connection */
	long n_addrs;
	long open, websockets;
	unsigned long accepted, refused_client, refused_websocket, no_request, oversized_messages;
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

void guard_init(const struct web_limits *l)
{
	g.l = *l;
	/* civetweb queues what its workers cannot take yet, so a few more
	 * than the workers can be open (accepted, not yet served). */
	g.addrs = calloc((size_t)l->max_connections + 64, sizeof *g.addrs);
}

void guard_fini(void)
{
	free(g.addrs);
	g.addrs = NULL;
}

static struct per_addr *find(const char *addr, bool add)
{
	for (long i = 0; i < g.n_addrs; i++)
		if (strcmp(g.addrs[i].addr, addr) == 0)
			return &g.addrs[i];
	if (!add || !g.addrs || g.n_addrs == g.l.max_connections + 64)
		return NULL;
	struct per_addr *a = &g.addrs[g.n_addrs++];
	snprintf(a->addr, sizeof a->addr, "%s", addr);
	a->open = 0;
	return a;
}

/* civetweb knows no address yet here (the connection is half made): the
 * client's share is counted at its first request. */
int guard_open(const struct mg_connection *conn, void **data)
{
	(void)conn;
	struct guard_conn *c = calloc(1, sizeof *c);
	pthread_mutex_lock(&g.mu);
	g.open++;
	g.accepted++;
	pthread_mutex_unlock(&g.mu);
	*data = c;
	return 0;
}

void guard_close(const struct mg_connection *conn)
{
	struct guard_conn *c = guard_of(conn);
	if (!c)
		return;
	bool trim = c->oversized;
	pthread_mutex_lock(&g.mu);
	struct per_addr *a = c->counted ? find(c->addr, false) : NULL;
	if (a && --a->open == 0)
		*a = g.addrs[--g.n_addrs];
	g.open--;
	if (c->ws)
		g.websockets--;
	if (c->requests == 0)
		g.no_request++;
	pthread_mutex_unlock(&g.mu);
	mg_set_user_connection_data(conn, NULL);
	free(c);
	/* civetweb held the whole message: give its pages back now. */
	if (trim)
		malloc_trim(0);
}

static int too_many(struct mg_connection *conn, const char *what, long limit, const char *key)
{
	char body[256];
	snprintf(body, sizeof body, "Too many %s (%ld, web.%s): try again later\n", what, limit, key);
	mg_printf(conn,
		  "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
		  "Retry-After: 5\r\nConnection: close\r\n\r\n%s",
		  strlen(body), body);
	return 503;
}

int guard_request(struct mg_connection *conn)
{
	struct guard_conn *c = guard_of(conn);
	if (!c)
		return 0;
	if (c->requests++ == 0) {
		const struct mg_request_info *ri = mg_get_request_info(conn);
		snprintf(c->addr, sizeof c->addr, "%s", ri->remote_addr);
		c->port = ri->remote_port;
		pthread_mutex_lock(&g.mu);
		struct per_addr *a = find(c->addr, true);
		if (a)
			a->open++;
		c->counted = a != NULL;
		c->over = !a || a->open > g.l.max_client_connections;
		pthread_mutex_unlock(&g.mu);
	}
	if (!c->over) {
		/* A page past max_websockets gets its answer here, where one
		 * can still be written (ws_connect can only drop it). */
		const struct mg_request_info *ri = mg_get_request_info(conn);
		if (strcmp(ri->local_uri, "/ws") != 0)
			return 0;
		pthread_mutex_lock(&g.mu);
		bool full = g.websockets >= g.l.max_websockets;
		if (full)
			g.refused_websocket++;
		pthread_mutex_unlock(&g.mu);
		if (!full)
			return 0;
		pd_log(5, "refused a live page's WebSocket from %s: %ld open (web.max_websockets)", c->addr,
		       g.l.max_websockets);
		return too_many(conn, "live pages", g.l.max_websockets, "max_websockets");
	}
	pthread_mutex_lock(&g.mu);
	g.refused_client++;
	pthread_mutex_unlock(&g.mu);
	pd_log(7, "refused a connection from %s: over web.max_client_connections", c->addr);
	return too_many(conn, "connections from your address", g.l.max_client_connections, "max_client_connections");
}

int guard_ws_admit(const struct mg_connection *conn)
{
	struct guard_conn *c = guard_of(conn);
	pthread_mutex_lock(&g.mu);
	bool ok = g.websockets < g.l.max_websockets;
	if (ok)
		g.websockets++;
	else
		g.refused_websocket++;
	pthread_mutex_unlock(&g.mu);
	if (!ok) {
		pd_log(5, "refused a live page's WebSocket from %s: %ld open (web.max_websockets)", c ? c->addr : "?",
		       g.l.max_websockets);
		return 1;
	}
	if (c)
		c->ws = true;
	return 0;
}

void guard_ws_oversized(const struct mg_connection *conn, size_t len)
{
	struct guard_conn *c = guard_of(conn);
	pthread_mutex_lock(&g.mu);
	g.oversized_messages++;
	pthread_mutex_unlock(&g.mu);
	if (c)
		c->oversized = true;
	pd_log(4, "closed the WebSocket of %s:%d: a message of %zu bytes (web.max_message_bytes is %ld)",
	       c ? c->addr : "?", c ? c->port : 0, len, g.l.max_message_bytes);
}

json_t *guard_stats_json(void)
{
	pthread_mutex_lock(&g.mu);
	json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "open", (json_int_t)g.open, "websockets",
			      (json_int_t)g.websockets, "accepted", (json_int_t)g.accepted, "refused_client",
			      (json_int_t)g.refused_client, "refused_websocket", (json_int_t)g.refused_websocket,
			      "no_request", (json_int_t)g.no_request, "oversized_messages",
			      (json_int_t)g.oversized_messages, "max_connections", (json_int_t)g.l.max_connections,
			      "max_client_connections", (json_int_t)g.l.max_client_connections, "max_websockets",
			      (json_int_t)g.l.max_websockets);
	pthread_mutex_unlock(&g.mu);
	return j;
}
