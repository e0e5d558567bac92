/* A page scrubbing through a recording makes a request per moment; a new
 * connection for each would cost more than the frame, so every answer
 * goes through civetweb's header calls (not raw text) and the connection
 * stays open. */
#include "http_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void http_start(struct mg_connection *conn, int status, const char *type, size_t len)
{
	char n[32];
	snprintf(n, sizeof n, "%zu", len);
	mg_response_header_start(conn, status);
	mg_response_header_add(conn, "Content-Type", type, -1);
	mg_response_header_add(conn, "Cache-Control", "no-store", -1);
	mg_response_header_add(conn, "Content-Length", n, -1);
	mg_response_header_send(conn);
}

void http_send(struct mg_connection *conn, int status, const char *type, const void *body, size_t len)
{
	http_start(conn, status, type, len);
	mg_write(conn, body, len);
}

int http_send_json(struct mg_connection *conn, int status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
	if (!s) {
		http_send(conn, 500, "text/plain", "out of memory\n", 14);
		return 500;
	}
	http_send(conn, status, "application/json", s, strlen(s));
	free(s);
	return status;
}

int http_send_error(struct mg_connection *conn, int status, const char *why)
{
	json_t *j = json_pack("{s:s}", "error", why);
	http_send_json(conn, status, j);
	json_decref(j);
	return status;
}
