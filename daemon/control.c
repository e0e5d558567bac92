#include "control.h"

#include <jansson.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "message_json.h"
#include "hotplug.h"
#include "log_limit.h"
#include "peer.h"
#include "recording.h"
#include "clock.h"
#include "log.h"

#define REQUEST_MAX (64u << 10)          /* larger requests are refused, with a reply */
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

/* What a handler says when its reply must wait. */
struct defer {
	bool deferred;
	int dev;
	uint64_t ticket;
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

static json_t *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *fail(const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	json_t *r = json_object();
	json_object_set_new(r, "ok", json_false());
	/* A long argument may have been cut inside a UTF-8 character, which
	 * jansson refuses: drop the partial character (at most 3 bytes). */
	size_t n = strlen(why);
	json_t *text = json_stringn(why, n);
	for (int k = 0; !text && k < 3 && n > 0; k++)
		text = json_stringn(why, --n);
	json_object_set_new(r, "error", text ? text : json_string("request refused (its reason is not valid UTF-8)"));
	return r;
}

static json_t *ok(void)
{
	json_t *r = json_object();
	json_object_set_new(r, "ok", json_true());
	return r;
}

/* The device a request names: its index, -1 for "every device" when the
 * argument is optional and absent, or -2 with *reply set. */
static int device_arg(const struct pd_control_target *t, json_t *req, int required, json_t **reply)
{
	json_t *d = json_object_get(req, "device");
	if (!d) {
		if (required)
			*reply = fail("'device' is required");
		return required ? -2 : -1;
	}
	if (!json_is_string(d)) {
		*reply = fail("'device' must be a string");
		return -2;
	}
	for (int i = 0; i < t->ndevs; i++)
		if (!strcmp(t->devs[i].id, json_string_value(d)))
			return i;
	char known[512] = "";
	size_t used = 0;
	for (int i = 0; i < t->ndevs && used < sizeof known; i++)
		used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", t->devs[i].id);
	*reply = fail("unknown device '%s' (devices: %s)", json_string_value(d), t->ndevs ? known : "none");
	return -2;
}

static json_t *cmd_status(const struct pd_control_target *t)
{
	json_t *r = ok(), *list = json_array();
	for (int i = 0; i < t->ndevs; i++) {
		struct pd_device_status st;
		pd_device_snapshot(&t->devs[i], &st);
		json_array_append_new(list, pd_json_status(t->devs[i].id, &st, 0, 0, true));
	}
	json_object_set_new(r, "devices", list);
	if (t->auth) { /* an addition to events.md: who was let in, who was not */
		struct pd_auth_counters ac;
		pd_auth_get_counters(t->auth, &ac);
		json_object_set_new(r, "remote_access",
				    json_pack("{sIsIsI}", "accepted", (json_int_t)ac.accepted, "refused_key",
					      (json_int_t)ac.refused_key, "refused_handshake",
					      (json_int_t)ac.refused_handshake));
	}
	return r;
}

static json_t *cmd_version(void)
{
	json_t *r = ok();
	json_object_set_new(r, "version", json_string(PRESSD_VERSION));
	json_object_set_new(r, "schema", json_integer(PD_SCHEMA_VERSION));
	return r;
}

static json_t *cmd_tare(const struct pd_control_target *t, json_t *req, struct defer *df)
{
	json_t *reply = NULL;
	int i = device_arg(t, req, 1, &reply);
	if (i < 0)
		return reply;
	struct pd_device_status st;
	pd_device_snapshot(&t->devs[i], &st);
	if (!st.have_frame)
		return fail("%s has sent no frames yet: nothing to take as the baseline", t->devs[i].id);
	uint64_t ticket = pd_analysis_worker_tare(t->analysis, i);
	pd_info("%s: tare requested", t->devs[i].id);
	if (df && ticket) { /* answered once the baseline is in force */
		*df = (struct defer){ .deferred = true, .dev = i, .ticket = ticket };
		return NULL;
	}
	return ok();
}

static json_t *cmd_mark(const struct pd_control_target *t, json_t *req)
{
	json_t *reply = NULL;
	int i = device_arg(t, req, 0, &reply);
	if (i == -2)
		return reply;
	json_t *label = json_object_get(req, "label");
	if (!json_is_string(label) || !json_string_value(label)[0])
		return fail("'label' is required: a non-empty string");
	/* The recording's marks table holds it whole (recording.md). */
	if (json_string_length(label) > PD_REC_LABEL_BYTES - 1)
		return fail("'label' is %zu bytes; at most %d", json_string_length(label), PD_REC_LABEL_BYTES - 1);
	int sent = 0;
	for (int k = 0; k < t->ndevs; k++)
		if ((i < 0 || i == k) && t->status && pd_status_pub_mark(t->status, &t->devs[k], k, json_string_value(label)) == 0)
			sent++;
	if (t->ndevs == 0)
		return fail("no devices to mark");
	if (sent == 0)
		return fail("the mark could not be published (event queue full)");
	return ok();
}

/* A value as the parameter parser reads it: numbers in full precision. */
static int value_text(json_t *v, char *out, size_t cap)
{
	if (json_is_string(v))
		return snprintf(out, cap, "%s", json_string_value(v)) < (int)cap ? 0 : -1;
	if (json_is_integer(v))
		return snprintf(out, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v)), 0;
	if (json_is_real(v))
		return snprintf(out, cap, "%.17g", json_real_value(v)), 0;
	if (json_is_boolean(v))
		return snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false"), 0;
	return -1;
}

static json_t *cmd_set(const struct pd_control_target *t, json_t *req)
{
	json_t *reply = NULL;
	int i = device_arg(t, req, 0, &reply);
	if (i == -2)
		return reply;
	json_t *key = json_object_get(req, "key"), *value = json_object_get(req, "value");
	if (!json_is_string(key))
		return fail("'key' is required: an analysis parameter such as hold_min_s");
	char text[128], err[256];
	if (!value || value_text(value, text, sizeof text) != 0)
		return fail("'value' is required: a number, or a string such as \"4%%\"");
	/* Check on every device it applies to before changing any. */
	struct pd_analysis_params *fresh = calloc((size_t)t->ndevs + 1, sizeof *fresh);
	if (!fresh)
		return fail("out of memory");
	for (int k = 0; k < t->ndevs; k++) {
		fresh[k] = t->params[k];
		if ((i < 0 || i == k) &&
		    (pd_analysis_params_set(&fresh[k], json_string_value(key), text, err, sizeof err) != 0 ||
		     pd_analysis_params_check(&fresh[k], err, sizeof err) != 0)) {
			free(fresh);
			return fail("%s", err);
		}
	}
	for (int k = 0; k < t->ndevs; k++)
		if (i < 0 || i == k) {
			t->params[k] = fresh[k];
			pd_analysis_worker_set_params(t->analysis, k, &fresh[k]);
		}
	free(fresh);
	pd_info("set %s=%s on %s", json_string_value(key), text, i < 0 ? "every device" : t->devs[i].id);
	return ok();
}

static json_t *cmd_record_start(const struct pd_control_target *t, json_t *req)
{
	json_t *reply = NULL;
	int i = device_arg(t, req, 0, &reply);
	if (i == -2)
		return reply;
	json_t *dir = json_object_get(req, "dir"), *meta = json_object_get(req, "meta");
	if (dir && (!json_is_string(dir) || !json_string_value(dir)[0]))
		return fail("'dir' must be a directory path");
	if (meta && !json_is_object(meta))
		return fail("'meta' must be an object of names and values (subject, session, notes...)");
	if (json_object_size(meta) > PD_RECORD_META_MAX)
		return fail("meta has %zu keys; at most %d", json_object_size(meta), PD_RECORD_META_MAX);
	const char *key;
	json_t *value;
	json_object_foreach(meta, key, value)
		if (!json_is_string(value) && !json_is_number(value))
			return fail("meta '%s': values are text or numbers", key);
	char err[512], where[PATH_MAX];
	if (dir && !t->roots)
		return fail("'dir' is not accepted here (no daemon.record_roots)");
	if (dir && pd_record_roots_resolve(t->roots, json_string_value(dir), where, sizeof where, err, sizeof err) != 0)
		return fail("%s", err);
	json_t *list = pd_recorder_record_start(t->recorder, i, dir ? where : NULL, meta, err, sizeof err);
	if (!list)
		return fail("%s", err);
	reply = ok();
	json_object_set_new(reply, "recordings", list);
	return reply;
}

static json_t *cmd_record_stop(const struct pd_control_target *t, json_t *req)
{
	json_t *reply = NULL;
	int i = device_arg(t, req, 0, &reply);
	if (i == -2)
		return reply;
	char err[512];
	json_t *list = pd_recorder_record_stop(t->recorder, i, err, sizeof err);
	if (!list)
		return fail("%s", err);

	reply = ok();
	json_object_set_new(reply, "recordings", list);
	return reply;
}

/* An addition to events.md, for pressd-device@.service: a device node
 * appeared (add: the configured device on it, or an idle `auto` slot,
 * opens it now rather than at its next retry) or went (remove: logged;
 * the reader sees the hang-up itself). A node nobody takes is answered
 * ok, with a note, since udev starts the unit for every known mat. */
static json_t *cmd_hotplug(const struct pd_control_target *t, json_t *req)
{
	const char *action = json_string_value(json_object_get(req, "action"));
	const char *path = json_string_value(json_object_get(req, "path"));
	if (!action || (strcmp(action, "add") && strcmp(action, "remove")))
		return fail("'action' must be \"add\" or \"remove\"");
	if (!path || path[0] != '/' || strlen(path) >= 1024)
		return fail("'path' must be an absolute device path");
	bool add = !strcmp(action, "add");
	int i = pd_hotplug_find(t->devs, t->ndevs, path);
	if (i < 0 && add)
		i = pd_hotplug_offer(t->devs, t->ndevs, path);
	json_t *r = ok();
	if (i < 0) {
		if (add)
			pd_log(LOG_NOTICE, "hotplug: %s appeared, but no device is configured for it and no auto "
			       "slot is free (add a [device.<id>] with uri = %s, or auto with more slots)", path, path);
		json_object_set_new(r, "device", json_null());
		json_object_set_new(r, "note", json_string(add ? "no configured device or free auto slot takes this port"
							       : "no device uses this port"));
		return r;
	}
	if (add) {
		pd_log(LOG_NOTICE, "hotplug: %s appeared: %s opens it now", path, t->devs[i].id);
		pd_device_kick(&t->devs[i]);
	} else {
		pd_log(LOG_NOTICE, "hotplug: %s went: %s waits for it", path, t->devs[i].id);
	}
	json_object_set_new(r, "device", json_string(t->devs[i].id));
	return r;
}

static json_t *handle(const struct pd_control_target *t, const char *data, size_t len, struct defer *df,
		      char *cmd_out, size_t cmd_cap)
{
	if (cmd_cap)
		cmd_out[0] = '\0';
	if (len > REQUEST_MAX)
		return fail("request too large (%zu bytes; at most %u)", len, REQUEST_MAX);
	json_error_t jerr;
	json_t *req = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req)
		return fail("not JSON: %s (at byte %d)", jerr.text, jerr.position);
	json_t *reply;
	json_t *cmd = json_object_get(req, "cmd");
	if (!json_is_object(req))
		reply = fail("a request is a JSON object with \"cmd\"");
	else if (!cmd)
		reply = fail("missing \"cmd\"");
	else if (!json_is_string(cmd))
		reply = fail("\"cmd\" must be a string");
	else {
		const char *c = json_string_value(cmd);
		if (cmd_cap)
			snprintf(cmd_out, cmd_cap, "%s", c);
		if (!strcmp(c, "status"))
			reply = cmd_status(t);
		else if (!strcmp(c, "version"))
			reply = cmd_version();
		else if (!strcmp(c, "tare"))
			reply = cmd_tare(t, req, df);
		else if (!strcmp(c, "mark"))
			reply = cmd_mark(t, req);
		else if (!strcmp(c, "set"))
			reply = cmd_set(t, req);
		else if (!strcmp(c, "record_start"))
			reply = cmd_record_start(t, req);
		else if (!strcmp(c, "record_stop"))
			reply = cmd_record_stop(t, req);
		else if (!strcmp(c, "hotplug"))
			reply = cmd_hotplug(t, req);
		else
			reply = fail("unknown command '%s' (status, record_start, record_stop, tare, mark, set, version, "
				     "hotplug)",
				     c);
	}
	json_decref(req);
	return reply;
}

json_t *pd_control_handle(const struct pd_control_target *t, const char *data, size_t len)
{
	return handle(t, data, len, NULL, NULL, 0);
}

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
		*reply = body_parts > 1 ? fail("a request is one message part, not %d", body_parts) : fail("an empty request");
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
			reply = ok();
			json_object_set_new(reply, "t", json_real(res.t));
			json_object_set_new(reply, "frame", json_integer(res.frame));
			json_object_set_new(reply, "frames", json_integer(res.frames));
		} else if (now >= p->deadline_ns) {
			reply = fail("%s: no baseline came within 5 s (the device stopped or sends no frames)",
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
	static const char *const which[] = { "record_start", "record_stop", "tare", "mark", "set", "hotplug", NULL };
	for (const char *const *w = which; *w; w++)
		if (!strcmp(cmd, *w))
			return true;
	return false;
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
		struct defer df = { 0 };
		char cmd[32] = "";
		if (!reply)
			reply = handle(t, zmq_msg_data(&body), zmq_msg_size(&body), &df, cmd, sizeof cmd);
		if (changes_something(cmd))
			log_requester(c, &body, cmd, df.deferred ? NULL : reply);
		zmq_msg_close(&body);
		if (df.deferred && c->npending == PENDING_MAX)
			reply = fail("too many tares waiting for their baseline (at most %d); this one is taken, but "
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
