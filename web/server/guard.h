/* pressd-web's connections within its limits (web_limits.h): how many are
 * open from each client address and in all, how many live pages, and
 * the counts of what was refused, for /api/stats.
 *
 * civetweb gives each open connection a worker thread until it closes, so
 * these counts are what keeps a few dozen idle or slow clients from
 * holding every worker: a client past its share is answered 503 at its
 * first request (a slow one is let go after request_timeout_s: civetweb
 * tells its address only once a request came), and a
 * page past max_websockets is refused its WebSocket. */
#ifndef PRESSD_WEB_GUARD_H
#define PRESSD_WEB_GUARD_H
#include <civetweb.h>
#include <jansson.h>
#include <stdbool.h>

#include "access.h"
#include "web_limits.h"

/* What pressd-web keeps per connection (civetweb's conn_data). */
struct guard_conn {
	char addr[48];
	int port;
	unsigned long requests;
	bool counted;        /* in its address's count (from its first request) */
	bool over;           /* past max_client_connections */
	bool ws;             /* counted as a live page */
	bool oversized;      /* closed for a message past max_message_bytes */
	char session[ACCESS_SESSION_LEN + 1];
};

void guard_init(const struct web_limits *l);
void guard_fini(void);

/* civetweb's init_connection and connection_close callbacks. */
int guard_open(const struct mg_connection *conn, void **data);
void guard_close(const struct mg_connection *conn);

/* At each request: 0 to go on, else it was answered (503). */
int guard_request(struct mg_connection *conn);

/* A WebSocket asked for: 0 admitted (counted until guard_close), else
 * refused. */
int guard_ws_admit(const struct mg_connection *conn);

/* A message past max_message_bytes: counted and logged; the connection
 * is to be closed. */
void guard_ws_oversized(const struct mg_connection *conn, size_t len);

static inline struct guard_conn *guard_of(const struct mg_connection *conn)
{
	return (struct guard_conn *)mg_get_user_connection_data(conn);
}

/* The counts (a JSON object: open, websockets, refused_*, ...). */
json_t *guard_stats_json(void);
#endif
