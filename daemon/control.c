#include "control.h"

#include <jansson.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "control_commands.h"
#include "message_json.h"
#include "log_limit.h"
#include "peer.h"
#include "clock.h"
#include "log.h"

#define SOCKET_MAX_MSG (16LL << 20)      /* larger still, ZeroMQ drops the peer */
#define ENVELOPE_PARTS 4                 /* routing parts kept with a request (REQ sends 2) */
#define ENVELOPE_PART_MAX 256
#define PENDING_MAX 16                   /* tares waiting for their baseline */
#define TARE_WAIT_NS 5000000000LL        /* events.md: ok: false if none within 5 s */
#define PENDING_POLL_MS 20

/* Who asked: the ROUTER's routing parts, up to and with the empty
 * delimiter, sent back in front of the reply. */
struct envelope {
	int nparts;
	size_t len[ENVELOPE_PARTS];
	unsigned char part[ENVELOPE_PARTS][ENVELOPE_PART_MAX];
};

/* A request answered later (a tare, once its baseline is in force). */
struct pending {
	struct envelope env;
	int dev;
	uint64_t ticket;
	int64_t deadline_ns;
};

struct pd_control {
	/* ROUTER, not REP: REP must answer each request before it takes the
	 * next, and a tare's answer waits for frames while other requests
	 * are answered meanwhile (events.md). REQ clients see no difference. */
	void *sock;
	unsigned long long requests, refused;
	struct pd_log_limit requester_log; /* who changed what: at most 20 lines a minute */
	struct pending pending[PENDING_MAX];
	int npending;
};

struct pd_control *pd_control_open(void *zctx, const char *endpoint, struct pd_auth *auth, char *err,
				   size_t errlen)
{
	struct pd_control *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->requester_log = (struct pd_log_limit){ .what = "control: requests", .burst = 20 };
	c->sock = zmq_socket(zctx, ZMQ_ROUTER);
	int64_t maxmsg = SOCKET_MAX_MSG;
	int linger = 0;
	if (c->sock && pd_auth_prepare(auth, c->sock, endpoint, "control", err, errlen) != 0) {
		pd_control_close(c);
		return NULL;
	}
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 || zmq_bind(c->sock, endpoint) != 0) {
		snprintf(err, errlen, "cannot bind the control endpoint %s: %s", endpoint, zmq_strerror(zmq_errno()));
		pd_control_close(c);
		return NULL;
	}
	return c;
}

void pd_control_close(struct pd_control *c)
{
	if (!c)
		return;
	if (c->sock)
		zmq_close(c->sock);
	free(c);
}

void *pd_control_socket(struct pd_control *c)
{
	return c->sock;
}

#define PARTS_KEPT (ENVELOPE_PARTS + 2)

/* Takes one message off the ROUTER: its routing parts (the peer's
 * identity, and the empty delimiter REQ sends; a DEALER may send none)
 * into env, the request into *body. *reply is set instead when the
 * request is not one part. 0 when nothing was waiting. */
static int receive(struct pd_control *c, struct envelope *env, zmq_msg_t *body, json_t **reply)
{
	zmq_msg_t parts[PARTS_KEPT];
	int n = 0, total = 0;
	for (int more = 1; more; total++) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, c->sock, total ? 0 : ZMQ_DONTWAIT) < 0) { /* whole messages or none */
			zmq_msg_close(&m);
			if (total == 0)
				return 0;
			break;
		}
		more = zmq_msg_more(&m);
		if (n < PARTS_KEPT) {
			zmq_msg_init(&parts[n]);
			zmq_msg_move(&parts[n++], &m);
		}
		zmq_msg_close(&m);
	}
	int delim = -1;
	for (int i = 1; i < n && delim < 0; i++)
		if (zmq_msg_size(&parts[i]) == 0)
			delim = i;
	int env_end = delim >= 0 ? delim + 1 : 1; /* parts [0, env_end) route the reply */
	env->nparts = 0;
	for (int i = 0; i < env_end && i < n && env->nparts < ENVELOPE_PARTS; i++) {
		size_t len = zmq_msg_size(&parts[i]);
		if (len > ENVELOPE_PART_MAX)
			len = ENVELOPE_PART_MAX; /* ZeroMQ's identities are at most 255 bytes */
		memcpy(env->part[env->nparts], zmq_msg_data(&parts[i]), len);
		env->len[env->nparts++] = len;
	}
	int body_parts = total - env_end;
	*reply = NULL;
	if (body_parts == 1)
		zmq_msg_copy(body, &parts[env_end]);
	else
		*reply = body_parts > 1 ? pd_control_fail("a request is one message part, not %d", body_parts) : pd_control_fail("an empty request");
	for (int i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
	return 1;
}

static void send_reply(struct pd_control *c, const struct envelope *env, json_t *reply)
{
	c->requests++;
	if (json_is_false(json_object_get(reply, "ok"))) {
		c->refused++;
		pd_info("control: refused a request: %s", json_string_value(json_object_get(reply, "error")));
	}
	char *text = json_dumps(reply, PD_JSON_FLAGS);
	json_decref(reply);
	for (int i = 0; i < env->nparts; i++)
		zmq_send(c->sock, env->part[i], env->len[i], ZMQ_SNDMORE | ZMQ_DONTWAIT);
	if (!text || zmq_send(c->sock, text, strlen(text), ZMQ_DONTWAIT) < 0)
		zmq_send(c->sock, "{\"ok\":false,\"error\":\"internal error\"}", 37, ZMQ_DONTWAIT);
	free(text);
}

/* Tares whose baseline came into force, or that waited too long. */
static void answer_pending(struct pd_control *c, const struct pd_control_target *t)
{
	int64_t now = pd_mono_ns();
	for (int k = 0; k < c->npending;) {
		struct pending *p = &c->pending[k];
		struct pd_tare_result res;
		json_t *reply = NULL;
		if (pd_analysis_worker_tare_result(t->analysis, p->dev, p->ticket, &res)) {
			reply = pd_control_ok();
			json_object_set_new(reply, "t", json_real(res.t));
			json_object_set_new(reply, "frame", json_integer(res.frame));
			json_object_set_new(reply, "frames", json_integer(res.frames));
		} else if (now >= p->deadline_ns) {
			reply = pd_control_fail("%s: no baseline came within 5 s (the device stopped or sends no frames)",
				     t->devs[p->dev].id);
		}
		if (!reply) {
			k++;
			continue;
		}
		send_reply(c, &p->env, reply);
		*p = c->pending[--c->npending];
	}
}

/* The requests that change what pressd does (docs/security.md): their
 * requester is logged, the others (status, version) are not. */
static bool changes_something(const char *cmd)
{
	return pd_control_changes(cmd);
}

/* Who asked for what, and the answer (NULL: a tare answered later). The
 * requester is read off the message's connection now, while it is still
 * the one the message came on. */
static void log_requester(struct pd_control *c, zmq_msg_t *body, const char *cmd, json_t *reply)
{
	if (!pd_log_limit_allow(&c->requester_log))
		return;
	char who[192];
	pd_peer_describe(body, who, sizeof who);
	const char *error = reply ? json_string_value(json_object_get(reply, "error")) : NULL;
	pd_log(LOG_NOTICE, "control: %s from %s: %s%s", cmd, who,
	       !reply ? "taken (answered once in force)" : error ? "refused: " : "ok", error ? error : "");
}

void pd_control_serve(struct pd_control *c, const struct pd_control_target *t)
{
	answer_pending(c, t);
	for (;;) {
		struct envelope env;
		zmq_msg_t body;
		zmq_msg_init(&body);
		json_t *reply;
		if (!receive(c, &env, &body, &reply)) {
			zmq_msg_close(&body);
			break;
		}
		struct pd_control_defer df = { 0 };
		char cmd[32] = "";
		if (!reply)
			reply = pd_control_dispatch(t, zmq_msg_data(&body), zmq_msg_size(&body), &df, cmd, sizeof cmd);
		if (changes_something(cmd))
			log_requester(c, &body, cmd, df.deferred ? NULL : reply);
		zmq_msg_close(&body);
		if (df.deferred && c->npending == PENDING_MAX)
			reply = pd_control_fail("too many tares waiting for their baseline (at most %d); this one is taken, but "
				     "not answered", PENDING_MAX);
		else if (df.deferred) {
			c->pending[c->npending++] = (struct pending){
				.env = env, .dev = df.dev, .ticket = df.ticket, .deadline_ns = pd_mono_ns() + TARE_WAIT_NS,
			};
			continue;
		}
		send_reply(c, &env, reply);
	}
}

int pd_control_timeout_ms(const struct pd_control *c, int idle_ms)
{
	return c->npending ? PENDING_POLL_MS : idle_ms;
}
