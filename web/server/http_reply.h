/* pressd-web's HTTP answers, for every handler (the page's settings and
 * stats, the review API): through civetweb's header calls, so it knows
 * each response's length and can keep the connection open. */
#ifndef PRESSD_WEB_HTTP_REPLY_H
#define PRESSD_WEB_HTTP_REPLY_H

#include <civetweb.h>
#include <jansson.h>
#include <stddef.h>

/* Status line, Content-Type, Cache-Control: no-store, Content-Length: the
 * body follows with mg_write. */
void http_start(struct mg_connection *conn, int status, const char *type, size_t len);
void http_send(struct mg_connection *conn, int status, const char *type, const void *body, size_t len);
/* j as JSON (reals to 9 significant digits: a float32 reads back exactly).
 * Returns status (500 when it could not be serialised). */
int http_send_json(struct mg_connection *conn, int status, json_t *j);
/* {"error": why}. Returns status. */
int http_send_error(struct mg_connection *conn, int status, const char *why);

#endif
