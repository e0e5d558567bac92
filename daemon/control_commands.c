/* The control socket's commands (events.md "Control"): a table of them
 * and their handlers, from a request's bytes to its reply. control.c owns
 * the socket, the envelopes and the tares that wait. */
#include "control_commands.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotplug.h"
#include "log.h"
#include "message_json.h"
#include "recording.h"

#define REQUEST_MAX (64u << 10) /* larger requests are refused, with a reply */
#define fail pd_control_fail
#define ok pd_control_ok

json_t *pd_control_fail(const char *fmt, ...)
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

json_t *pd_control_ok(void)
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

static json_t *cmd_status(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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

static json_t *cmd_version(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
{
	json_t *r = ok();
	json_object_set_new(r, "version", json_string(PRESSD_VERSION));
	json_object_set_new(r, "schema", json_integer(PD_SCHEMA_VERSION));
	return r;
}

static json_t *cmd_tare(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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
		*df = (struct pd_control_defer){ .deferred = true, .dev = i, .ticket = ticket };
		return NULL;
	}
	return ok();
}

static json_t *cmd_mark(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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

static json_t *cmd_set(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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

static json_t *cmd_record_start(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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

static json_t *cmd_record_stop(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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
static json_t *cmd_hotplug(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df)
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

/* Every command, one line each (redis' command table): its name, its
 * handler, and whether it changes what pressd does (then its requester is
 * logged: docs/security.md). */
struct command {
	const char *name;
	json_t *(*run)(const struct pd_control_target *t, json_t *req, struct pd_control_defer *df);
	bool changes;
};

static const struct command commands[] = {
	{ "status", cmd_status, false },
	{ "record_start", cmd_record_start, true },
	{ "record_stop", cmd_record_stop, true },
	{ "tare", cmd_tare, true },
	{ "mark", cmd_mark, true },
	{ "set", cmd_set, true },
	{ "version", cmd_version, false },
	{ "hotplug", cmd_hotplug, true },
};

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static const char *command_names(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof commands / sizeof commands[0] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", commands[i].name);
	return buf;
}

bool pd_control_changes(const char *cmd)
{
	const struct command *k = find(cmd);
	return k && k->changes;
}

json_t *pd_control_dispatch(const struct pd_control_target *t, const char *data, size_t len,
			    struct pd_control_defer *df, char *cmd_out, size_t cmd_cap)
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
		const struct command *k = find(c);
		if (k)
			reply = k->run(t, req, df);
		else {
			char known[256];
			reply = fail("unknown command '%s' (%s)", c, command_names(known, sizeof known));
		}
	}
	json_decref(req);
	return reply;
}

json_t *pd_control_handle(const struct pd_control_target *t, const char *data, size_t len)
{
	return pd_control_dispatch(t, data, len, NULL, NULL, 0);
}

