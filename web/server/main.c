/* pressd-web: serves the live dashboard (web/page) and relays pressd's event
 * and frame stream to it over a WebSocket (dashboard.md). Only pages it
 * served itself may connect; controls are off unless configured, and then
 * every request carries this run's token. */
#include <civetweb.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "access.h"
#include "colour_map_js.h"
#include "guard.h"
#include "http_reply.h"
#include "log.h"
#include "relay.h"
#include "review.h"
#include "api_schema.h"
#include "web_options.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) { (void)sig; stop_requested = 1; }

struct web {
	struct web_options o;
	struct relay *relay;
	void *zctx;
	void *req[WEB_MAX_ENDPOINTS];
	pthread_mutex_t req_mu[WEB_MAX_ENDPOINTS];
	char token[33];
};

/* The page's own origin is http://<the Host it was asked for>; a request
 * that names another origin (a foreign page's fetch or WebSocket) is
 * refused. Requests without Origin come from the address bar or tools. */
static const char *listen_addr; /* the ADDR of -l ADDR:PORT */

/* DNS rebinding: a foreign name that resolves to 127.0.0.1 makes the
 * browser send Origin and Host both naming it, which look alike. Only the
 * names this server is reached by pass: loopback's and the listen address. */
static int host_ok(const char *host)
{
	static const char *loopback[] = {"127.0.0.1", "localhost", "[::1]", NULL};
	size_t n = strcspn(host, ":");
	if (host[0] == '[')
		n = strcspn(host, "]") + 1;
	for (int i = 0; loopback[i]; i++)
		if (strlen(loopback[i]) == n && strncmp(host, loopback[i], n) == 0)
			return 1;
	return strlen(listen_addr) == n && strncmp(host, listen_addr, n) == 0 && strcmp(listen_addr, "0.0.0.0") != 0;
}

static int origin_ok(const struct mg_connection *conn)
{
	const char *host = mg_get_header(conn, "Host");
	if (host && !host_ok(host))
		return 0;
	const char *origin = mg_get_header(conn, "Origin");
	if (!origin)
		return 1;
	if (!host || strncmp(origin, "http://", 7) != 0)
		return 0;
	return strcmp(origin + 7, host) == 0;
}

/* Every request: from a page of ours (or none), within the client's
 * share of connections, with the secret (access.h). */
static int begin_request(struct mg_connection *conn)
{
	if (origin_ok(conn)) {
		int rc = guard_request(conn);
		return rc ? rc : access_check(conn);
	}
	const struct mg_request_info *ri = mg_get_request_info(conn);
	pd_log(4, "refused %s %s from origin %s, host %s", ri->request_method, ri->local_uri,
	       mg_get_header(conn, "Origin") ? mg_get_header(conn, "Origin") : "-",
	       mg_get_header(conn, "Host") ? mg_get_header(conn, "Host") : "-");
	/* Written out rather than mg_send_http_error, which sends nothing
	 * usable on a WebSocket upgrade. */
	static const char body[] = "Forbidden: cross-origin request\n";
	mg_printf(conn,
		  "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
		  "Connection: close\r\n\r\n%s",
		  sizeof body - 1, body);
	return 403;
}

/* The page's settings; the token is in it only when controls are on. A
 * foreign page cannot read it: the browser withholds a cross-origin
 * response without CORS headers, and a request naming its origin is
 * refused before it gets here. */
static int handle_config(struct mg_connection *conn, void *cb)
{
	struct web *w = cb;
	json_t *j = json_pack("{s:b}", "controls", w->o.controls);
	if (w->o.controls)
		json_object_set_new(j, "token", json_string(w->token));
	int rc = http_send_json(conn, 200, j);
	json_decref(j);
	return rc;
}

static int handle_stats(struct mg_connection *conn, void *cb)
{
	struct web *w = cb;
	json_t *j = relay_stats_json(w->relay);
	json_object_set_new(j, "connections", guard_stats_json());
	json_object_set_new(j, "access", json_pack("{s:I,s:I}", "refused", (json_int_t)access_refused(), "sessions_started",
						   (json_int_t)access_logins()));
	json_object_set_new(j, "review", review_stats_json());
	int rc = http_send_json(conn, 200, j);
	json_decref(j);
	return rc;
}

/* uPlot, served from node_modules so nothing comes from the network. */
static int handle_vendor(struct mg_connection *conn, void *cb)
{
	struct web *w = cb;
	const char *uri = mg_get_request_info(conn)->local_uri + strlen("/vendor/");
	if (strstr(uri, "..") || strchr(uri, '/')) {
		mg_send_http_error(conn, 404, "Not found");
		return 404;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", w->o.vendor_dir, uri);
	mg_send_file(conn, path);
	return 200;
}

static int ws_connect(const struct mg_connection *conn, void *cb)
{
	(void)cb;
	if (!origin_ok(conn)) {
		pd_log(4, "refused WebSocket from origin %s", mg_get_header(conn, "Origin") ? mg_get_header(conn, "Origin") : "-");
		return 1; /* civetweb answers 403-ish and closes */
	}
	if (guard_ws_admit(conn) != 0)
		return 1;
	struct guard_conn *g = guard_of(conn);
	if (g)
		access_session(conn, g->session); /* who sends its control requests */
	return 0;
}

static void ws_ready(struct mg_connection *conn, void *cb)
{
	struct web *w = cb;
	relay_add_client(w->relay, conn);
}

static void ws_close(const struct mg_connection *conn, void *cb)
{
	struct web *w = cb;
	relay_remove_client(w->relay, (struct mg_connection *)conn);
}

static void reply(struct web *w, struct mg_connection *conn, json_t *id, const char *cmd, json_t *ans)
{
	json_t *j = json_pack("{s:s,s:s,s:O}", "type", "reply", "cmd", cmd, "reply", ans);
	if (id)
		json_object_set(j, "id", id);
	char *s = json_dumps(j, JSON_COMPACT);
	relay_send_one(w->relay, conn, s);
	free(s);
	json_decref(j);
}

static json_t *control_request(struct web *w, int src, json_t *req)
{
	if (src < 0 || src >= w->o.n_control || !w->req[src])
		return json_pack("{s:b,s:s}", "ok", 0, "error", "no control endpoint for this device");
	char *s = json_dumps(req, JSON_COMPACT);
	json_t *ans = NULL;
	pthread_mutex_lock(&w->req_mu[src]);
	if (zmq_send(w->req[src], s, strlen(s), 0) >= 0) {
		char buf[65536];
		int n = zmq_recv(w->req[src], buf, sizeof buf - 1, 0);
		if (n >= 0) {
			buf[n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 1] = 0;
			ans = json_loads(buf, 0, NULL);
		}
	}
	pthread_mutex_unlock(&w->req_mu[src]);
	free(s);
	return ans ? ans : json_pack("{s:b,s:s}", "ok", 0, "error", "pressd did not answer");
}

/* Messages from the page: only control requests, and only with the token. */
static int ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cb)
{
	struct web *w = cb;
	if (len > (size_t)w->o.limits.max_message_bytes) {
		guard_ws_oversized(conn, len);
		return 0; /* civetweb closes the connection */
	}
	if ((bits & 0x0f) != MG_WEBSOCKET_OPCODE_TEXT)
		return 1;
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!j)
		return 1;
	const char *cmd = json_string_value(json_object_get(j, "cmd"));
	const char *token = json_string_value(json_object_get(j, "token"));
	const char *device = json_string_value(json_object_get(j, "device"));
	json_t *id = json_object_get(j, "id");
	static const char *allowed[] = {"mark", "tare", "record_start", "record_stop", NULL};
	bool known = false;
	for (int i = 0; cmd && allowed[i]; i++)
		known |= strcmp(cmd, allowed[i]) == 0;
	json_t *ans;
	if (!w->o.controls)
		ans = json_pack("{s:b,s:s}", "ok", 0, "error", "controls are off ([web] controls = true)");
	else if (!token || strcmp(token, w->token) != 0)
		ans = json_pack("{s:b,s:s}", "ok", 0, "error", "bad token");
	else if (!known || !device)
		ans = json_pack("{s:b,s:s}", "ok", 0, "error", "expected cmd mark/tare/record_start/record_stop and device");
	else {
		json_t *req = json_pack("{s:s,s:s}", "cmd", cmd, "device", device);
		json_t *label = json_object_get(j, "label");
		if (strcmp(cmd, "mark") == 0)
			json_object_set_new(req, "label", json_string(json_is_string(label) ? json_string_value(label) : "mark"));
		ans = control_request(w, relay_device_source(w->relay, device), req);
		json_decref(req);
		const struct guard_conn *g = guard_of(conn);
		const char *err = json_string_value(json_object_get(ans, "error"));
		pd_log(5, "control: %s %s from %s:%d session %s: %s%s", cmd, device, g ? g->addr : "?", g ? g->port : 0,
		       g ? g->session : "?", json_is_true(json_object_get(ans, "ok")) ? "ok" : "refused: ",
		       json_is_true(json_object_get(ans, "ok")) ? "" : err ? err : "?");
	}
	reply(w, conn, id, cmd ? cmd : "", ans);
	json_decref(ans);
	json_decref(j);
	return 1;
}

/* civetweb's own errors (a bad option, a port in use) in our log. */
static int civetweb_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	pd_log(4, "civetweb: %s", message);
	return 1;
}

static int make_token(char out[33])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static struct web w;
	int rc = web_options_parse(&w.o, argc, argv);
	if (rc != 0) {
		web_options_free(&w.o);
		return rc < 0 ? 0 : rc;
	}
	if (w.o.hash_password) {
		web_options_free(&w.o);
		return access_hash_password();
	}
	pd_log_init("pressd-web", !w.o.foreground, 6 + w.o.verbosity);
	if (make_token(w.token) != 0) {
		pd_log(3, "cannot read /dev/urandom");
		return 1;
	}
	char why[4400];
	if (access_init(w.o.token_file, w.o.password_hash, why, sizeof why) != 0) {
		pd_log(3, "%s", why);
		web_options_free(&w.o);
		return 1;
	}
	guard_init(&w.o.limits);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	w.zctx = zmq_ctx_new();
	w.relay = relay_start(w.zctx, w.o.pub, w.o.n_pub, &w.o.curve);
	if (!w.relay)
		return 1;
	for (int i = 0; i < w.o.n_control; i++) {
		pthread_mutex_init(&w.req_mu[i], NULL);
		w.req[i] = zmq_socket(w.zctx, ZMQ_REQ);
		int one = 1, tmo = 7000, zero = 0;
		/* A pressd that never answers (restarting) must not wedge the
		 * socket: relaxed, correlated REQ may send again. */
		zmq_setsockopt(w.req[i], ZMQ_REQ_RELAXED, &one, sizeof one);
		zmq_setsockopt(w.req[i], ZMQ_REQ_CORRELATE, &one, sizeof one);
		zmq_setsockopt(w.req[i], ZMQ_RCVTIMEO, &tmo, sizeof tmo);
		zmq_setsockopt(w.req[i], ZMQ_SNDTIMEO, &tmo, sizeof tmo);
		zmq_setsockopt(w.req[i], ZMQ_LINGER, &zero, sizeof zero);
		if (pd_curve_client_apply(&w.o.curve, w.req[i]) != 0) {
			pd_log(3, "%s: cannot use CURVE: %s", w.o.control[i], zmq_strerror(zmq_errno()));
			return 1;
		}
		if (zmq_connect(w.req[i], w.o.control[i]) != 0) {
			pd_log(3, "cannot connect to %s: %s", w.o.control[i], zmq_strerror(zmq_errno()));
			return 1;
		}
	}

	static char addr[256];
	snprintf(addr, sizeof addr, "%s", w.o.listen);
	char *colon = strrchr(addr, ':');
	if (colon)
		*colon = 0;
	listen_addr = addr;

	mg_init_library(0);
	char threads[24], request_ms[24];
	snprintf(threads, sizeof threads, "%ld", w.o.limits.max_connections);
	snprintf(request_ms, sizeof request_ms, "%ld", w.o.limits.request_timeout_s * 1000);
	const char *opts[] = {"listening_ports", w.o.listen, "document_root", w.o.page_dir,
			      /* A connection holds a worker while open: the limits
			       * (guard.h) keep slow ones and pages from taking them all. */
			      "num_threads", threads, "request_timeout_ms", request_ms,
			      "enable_directory_listing", "no",
			      /* The review page asks for a frame per moment: one
			       * connection for them all; an idle one is let go soon,
			       * as each holds a worker thread meanwhile. */
			      "enable_keep_alive", "yes", "keep_alive_timeout_ms", "2000",
			      /* Header and body go out in separate writes: without
			       * this, Nagle holds the body for the delayed ACK
			       * (40 ms a moment on a kept-alive connection). */
			      "tcp_nodelay", "1",
			      "additional_header", "X-Content-Type-Options: nosniff", NULL};
	struct mg_callbacks cbs = {.begin_request = begin_request, .log_message = civetweb_message,
				   .init_connection = guard_open, .connection_close = guard_close};
	struct mg_context *ctx = mg_start(&cbs, &w, opts);
	if (!ctx) {
		pd_log(3, "cannot listen on %s", w.o.listen);
		relay_stop(w.relay);
		return 1;
	}
	mg_set_request_handler(ctx, "/api/config$", handle_config, &w);
	mg_set_request_handler(ctx, "/api/stats$", handle_stats, &w);
	mg_set_request_handler(ctx, "/api/schema$", handle_schema, &w);
	mg_set_request_handler(ctx, "/vendor/", handle_vendor, &w);
	mg_set_request_handler(ctx, "/colour_map.js$", colour_map_js, NULL);
	mg_set_websocket_handler(ctx, "/ws$", ws_connect, ws_ready, ws_data, ws_close, &w);
	review_register(ctx, w.o.recordings, w.o.page_dir, &w.o.limits);
	pd_log(6, "dashboard at http://%s/ (controls %s%s)", w.o.listen, w.o.controls ? "on" : "off",
	       w.o.curve.enabled ? ", CURVE client of pressd" : "");

	while (!stop_requested)
		pause();

	mg_stop(ctx);
	review_unregister();
	relay_stop(w.relay);
	for (int i = 0; i < w.o.n_control; i++) {
		zmq_close(w.req[i]);
		pthread_mutex_destroy(&w.req_mu[i]);
	}
	zmq_ctx_term(w.zctx);
	mg_exit_library();
	guard_fini();
	access_fini();
	web_options_free(&w.o);
	return 0;
}
