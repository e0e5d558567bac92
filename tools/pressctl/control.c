#include "control.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <zmq.h>

#include "clock.h"
#include "keys.h"

void *pc_control_open(void *ctx, const struct pc_global *g)
{
	return pc_connect(ctx, g, ZMQ_REQ, g->control, "control");
}

int pc_control_send(void *sock, const json_t *req)
{
	char *text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return -1;
	/* Without ZMQ_IMMEDIATE the request is queued on the pipe connect()
	 * made, so this does not wait for the daemon: the deadline is on the
	 * reply. DONTWAIT anyway, so nothing here can block. */
	int rc = zmq_send(sock, text, strlen(text), ZMQ_DONTWAIT);
	free(text);
	return rc < 0 ? -1 : 0;
}

int pc_control_take_reply(void *sock, json_t **reply, char **raw, char *why, size_t whylen)
{
	*reply = NULL;
	if (raw)
		*raw = NULL;
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
		snprintf(why, whylen, "receive failed: %s", zmq_strerror(zmq_errno()));
		zmq_msg_close(&msg);
		return EX_SOFTWARE;
	}
	bool more = zmq_msg_more(&msg);
	json_error_t jerr;
	json_t *j = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, &jerr);
	if (j && raw) {
		*raw = malloc(zmq_msg_size(&msg) + 1);
		if (*raw) {
			memcpy(*raw, zmq_msg_data(&msg), zmq_msg_size(&msg));
			(*raw)[zmq_msg_size(&msg)] = '\0';
		}
	}
	zmq_msg_close(&msg);
	while (more) { /* a reply is one part; drop any others */
		zmq_msg_init(&msg);
		more = zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&msg);
		zmq_msg_close(&msg);
	}
	int rc = 0;
	if (!j) {
		snprintf(why, whylen, "the reply is not JSON: %s", jerr.text);
		rc = EX_PROTOCOL;
	} else if (!json_is_object(j)) {
		snprintf(why, whylen, "the reply is not a JSON object");
		rc = EX_PROTOCOL;
	} else if (!json_is_boolean(json_object_get(j, "ok"))) {
		snprintf(why, whylen, "the reply has no boolean \"ok\"");
		rc = EX_PROTOCOL;
	} else if (!json_is_true(json_object_get(j, "ok"))) {
		const char *e = json_string_value(json_object_get(j, "error"));
		snprintf(why, whylen, "%s", e && *e ? e : "refused (the daemon gave no reason)");
		rc = 1;
	}
	if (rc != 0) {
		json_decref(j);
		if (raw) {
			free(*raw);
			*raw = NULL;
		}
		return rc;
	}
	*reply = j;
	return 0;
}

int pc_control_call(const struct pc_global *g, const json_t *req, json_t **reply, char **raw)
{
	*reply = NULL;
	if (raw)
		*raw = NULL;
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	void *ctx = zmq_ctx_new();
	if (!ctx) {
		fprintf(stderr, "pressctl: cannot start ZeroMQ: %s\n", zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	int rc;
	void *sock = pc_control_open(ctx, g);
	if (!sock) {
		rc = zmq_errno() == EINVAL || zmq_errno() == EPROTONOSUPPORT ? EX_USAGE : EX_SOFTWARE;
		goto out_ctx;
	}
	if (pc_control_send(sock, req) != 0) {
		fprintf(stderr, "pressctl: cannot send to %s: %s\n", g->control, zmq_strerror(zmq_errno()));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	double deadline = pd_mono_s() + g->timeout_s;
	for (;;) {
		double left = deadline - pd_mono_s();
		if (left <= 0) {
			/* An ipc:// socket that refuses us looks like silence to
			 * ZeroMQ (it retries): say what the file system says. */
			if (!strncmp(g->control, "ipc://", 6) && access(g->control + 6, W_OK) != 0 && errno == EACCES)
				fprintf(stderr, "pressctl: cannot connect to %s: permission denied (only members of the "
					"socket's group may, pressd in the packaged install: see docs/security.md)\n",
					g->control + 6);
			else
				fprintf(stderr, "pressctl: no answer from %s within %g s: is pressd running?\n", g->control,
					g->timeout_s);
			rc = EX_UNAVAILABLE;
			goto out;
		}
		zmq_pollitem_t item = { .socket = sock, .events = ZMQ_POLLIN };
		int n = zmq_poll(&item, 1, (long)ceil(left * 1000));
		if (n < 0 && zmq_errno() != EINTR) {
			fprintf(stderr, "pressctl: waiting for %s: %s\n", g->control, zmq_strerror(zmq_errno()));
			rc = EX_SOFTWARE;
			goto out;
		}
		if (n > 0)
			break;
	}
	char why[512];
	rc = pc_control_take_reply(sock, reply, raw, why, sizeof why);
	if (rc == 1)
		fprintf(stderr, "pressctl: %s: %s\n", cmd ? cmd : "request", why);
	else if (rc != 0)
		fprintf(stderr, "pressctl: bad reply from %s: %s\n", g->control, why);
out:
	zmq_close(sock);
out_ctx:
	zmq_ctx_term(ctx);
	return rc;
}
