#include "commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "control.h"
#include "format.h"
#include "parse.h"

/* Sends req (stolen), prints the raw reply with --json or hands it to
 * show(); returns the exit status. */
static int call(const struct pc_global *g, json_t *req, void (*show)(json_t *reply, const void *ctx),
		const void *ctx)
{
	if (!req) {
		fputs("pressctl: out of memory\n", stderr);
		return EX_OSERR;
	}
	json_t *reply;
	char *raw;
	int rc = pc_control_call(g, req, &reply, &raw);
	json_decref(req);
	if (rc != 0)
		return rc;
	if (g->json)
		printf("%s\n", raw ? raw : "");
	else if (show)
		show(reply, ctx);
	json_decref(reply);
	free(raw);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("pressctl: stdout");
		return EX_IOERR;
	}
	return 0;
}

static void show_status(json_t *reply, const void *ctx)
{
	(void)ctx;
	pc_status_print(stdout, reply);
}

int pc_cmd_status(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos > 0)
		return pc_args_usage(a, "status takes no arguments ('%s')", a->pos[0]);
	return call(g, json_pack("{s:s}", "cmd", "status"), show_status, NULL);
}

static void show_recordings(json_t *reply, const void *ctx)
{
	bool stop = *(const bool *)ctx;
	json_t *list = json_object_get(reply, "recordings");
	size_t i;
	json_t *r;
	if (json_array_size(list) == 0) {
		puts(stop ? "no recording was running" : "no device is recording");
		return;
	}
	json_array_foreach(list, i, r) {
		json_t *dev = json_object_get(r, "device"), *path = json_object_get(r, "path");
		pc_put_value(stdout, dev ? dev : json_null());
		fputs(stop ? ": closed " : ": recording to ", stdout);
		pc_put_value(stdout, path ? path : json_null());
		json_t *frames = json_object_get(r, "frames");
		if (stop && frames) {
			fputs(" (", stdout);
			pc_put_value(stdout, frames);
			fputs(" frames)", stdout);
		}
		fputc('\n', stdout);
	}
}

/* A relative --dir is the user's, relative to where they typed it, not
 * to the daemon's working directory (/ under systemd). */
static json_t *dir_value(const char *dir)
{
	if (dir[0] == '/')
		return json_string(dir);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return json_string(dir);
	size_t n = strlen(cwd) + 1 + strlen(dir) + 1;
	char *abs = malloc(n);
	json_t *v = NULL;
	if (abs) {
		snprintf(abs, n, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", dir);
		v = json_string(abs);
	}
	free(abs);
	free(cwd);
	return v;
}

int pc_cmd_record(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos < 1)
		return pc_args_usage(a, "record needs 'start' or 'stop'");
	bool stop = strcmp(a->pos[0], "stop") == 0;
	if (!stop && strcmp(a->pos[0], "start") != 0)
		return pc_args_usage(a, "record: '%s' is neither 'start' nor 'stop'", a->pos[0]);
	if (a->npos > 1)
		return pc_args_usage(a, "record %s: unexpected argument '%s'", a->pos[0], a->pos[1]);
	if (stop && (pc_args_has(a, "dir") || pc_args_has(a, "meta")))
		return pc_args_usage(a, "record stop takes only --device");
	json_t *req = json_pack("{s:s}", "cmd", stop ? "record_stop" : "record_start");
	if (!req)
		return call(g, NULL, NULL, NULL);
	const char *device = pc_args_get(a, "device");
	if (device)
		json_object_set_new(req, "device", json_string(device));
	const char *dir = pc_args_get(a, "dir");
	if (dir) {
		if (!*dir) {
			json_decref(req);
			return pc_args_usage(a, "--dir is empty");
		}
		json_object_set_new(req, "dir", dir_value(dir));
	}
	int nmeta = pc_args_count(a, "meta");
	if (nmeta > 0) {
		json_t *meta = json_object();
		for (int i = 0; i < nmeta; i++) {
			const char *kvp = pc_args_nth(a, "meta", i);
			const char *eq = strchr(kvp, '=');
			if (!eq || eq == kvp) {
				json_decref(meta);
				json_decref(req);
				return pc_args_usage(a, "--meta '%s' is not KEY=VALUE", kvp);
			}
			char *key = strndup(kvp, (size_t)(eq - kvp));
			if (!key || json_object_get(meta, key)) {
				int rc = key ? pc_args_usage(a, "--meta %s given twice", key) : EX_OSERR;
				free(key);
				json_decref(meta);
				json_decref(req);
				return rc;
			}
			json_object_set_new(meta, key, json_string(eq + 1));
			free(key);
		}
		json_object_set_new(req, "meta", meta);
	}
	return call(g, req, show_recordings, &stop);
}

static void show_done(json_t *reply, const void *ctx)
{
	(void)reply;
	pc_put_safe(stdout, (const char *)ctx);
	fputc('\n', stdout);
}

static void show_tared(json_t *reply, const void *ctx)
{
	char line[400];
	snprintf(line, sizeof line, "%s: tared, the baseline of %lld frames in force from t=%.3f s (frame %lld)",
		 (const char *)ctx, (long long)json_integer_value(json_object_get(reply, "frames")),
		 json_number_value(json_object_get(reply, "t")),
		 (long long)json_integer_value(json_object_get(reply, "frame")));
	pc_put_safe(stdout, line);
	fputc('\n', stdout);
}

/* pressd answers once the baseline is in force, or after 5 s without one. */
#define TARE_WAIT_S 6.0

int pc_cmd_tare(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos != 1)
		return pc_args_usage(a, a->npos ? "tare takes one DEVICE" : "tare needs a DEVICE");
	struct pc_global wait = *g;
	if (wait.timeout_s < TARE_WAIT_S)
		wait.timeout_s = TARE_WAIT_S;
	return call(&wait, json_pack("{s:s, s:s}", "cmd", "tare", "device", a->pos[0]), show_tared, a->pos[0]);
}

int pc_cmd_mark(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos < 1)
		return pc_args_usage(a, "mark needs a LABEL");
	/* `pressctl mark set 2 starts` is one label, as echo would have it */
	size_t n = 1;
	for (int i = 0; i < a->npos; i++)
		n += strlen(a->pos[i]) + 1;
	char *label = malloc(n);
	if (!label)
		return call(g, NULL, NULL, NULL);
	label[0] = '\0';
	for (int i = 0; i < a->npos; i++) {
		if (i)
			strcat(label, " ");
		strcat(label, a->pos[i]);
	}
	if (!*label) {
		free(label);
		return pc_args_usage(a, "mark: the LABEL is empty");
	}
	json_t *req = json_pack("{s:s, s:s}", "cmd", "mark", "label", label);
	const char *device = pc_args_get(a, "device");
	if (req && device)
		json_object_set_new(req, "device", json_string(device));
	char *done = NULL;
	if (asprintf(&done, "marked \"%s\"%s%s", label, device ? " on " : "", device ? device : "") < 0)
		done = NULL;
	free(label);
	int rc = call(g, req, show_done, done ? done : "marked");
	free(done);
	return rc;
}

json_t *pc_set_value(const char *text)
{
	size_t len = strlen(text);
	if (len > 0 && !isspace((unsigned char)text[0]) && !isspace((unsigned char)text[len - 1])) {
		json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
		if (json_is_number(v))
			return v;
		json_decref(v);
		/* "1.", ".5", "+3", "1e400": numbers to a person, not to JSON */
		double d;
		if (strspn(text, "0123456789+-.eE") == len && pd_parse_double(text, -1e308, 1e308, &d))
			return json_real(d);
	}
	return json_string(text);
}

static void show_set(json_t *reply, const void *ctx)
{
	(void)reply;
	const struct pc_args *a = ctx;
	const char *device = pc_args_get(a, "device");
	printf("%s = %s", a->pos[0], a->pos[1]);
	if (device)
		printf(" on %s", device);
	fputc('\n', stdout);
}

int pc_cmd_set(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos != 2)
		return pc_args_usage(a, "set needs KEY and VALUE");
	if (!*a->pos[0])
		return pc_args_usage(a, "set: the KEY is empty");
	json_t *req = json_pack("{s:s, s:s, s:o}", "cmd", "set", "key", a->pos[0], "value", pc_set_value(a->pos[1]));
	const char *device = pc_args_get(a, "device");
	if (req && device)
		json_object_set_new(req, "device", json_string(device));
	return call(g, req, show_set, a);
}

static void show_version(json_t *reply, const void *ctx)
{
	(void)ctx;
	json_t *v = json_object_get(reply, "version"), *schema = json_object_get(reply, "schema");
	fputs("pressd ", stdout);
	pc_put_value(stdout, v ? v : json_null());
	if (schema) {
		fputs(" (schema ", stdout);
		pc_put_value(stdout, schema);
		fputc(')', stdout);
	}
	fputc('\n', stdout);
	if (json_is_integer(schema) && json_integer_value(schema) != PC_SCHEMA)
		fprintf(stderr, "pressctl: pressd speaks schema %" JSON_INTEGER_FORMAT ", this pressctl schema %d\n",
			json_integer_value(schema), PC_SCHEMA);
}

int pc_cmd_version(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos > 0)
		return pc_args_usage(a, "version takes no arguments ('%s')", a->pos[0]);
	if (!g->json) {
		printf("pressctl %s (schema %d)\n", PRESSD_VERSION, PC_SCHEMA);
		fflush(stdout);
	}
	return call(g, json_pack("{s:s}", "cmd", "version"), show_version, NULL);
}

static void show_hotplug(json_t *reply, const void *ctx)
{
	const char *const *req = ctx; /* action, path */
	const char *dev = json_string_value(json_object_get(reply, "device"));
	if (dev)
		printf("%s: %s\n", dev, !strcmp(req[0], "add") ? "opening it now" : "gone, waiting for it");
	else
		printf("%s: %s\n", req[1], json_string_value(json_object_get(reply, "note")));
}

int pc_cmd_hotplug(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos != 2 || (strcmp(a->pos[0], "add") && strcmp(a->pos[0], "remove")))
		return pc_args_usage(a, "hotplug takes add or remove, and a device PATH");
	const char *req[2] = { a->pos[0], a->pos[1] };
	return call(g, json_pack("{s:s, s:s, s:s}", "cmd", "hotplug", "action", req[0], "path", req[1]),
		    show_hotplug, req);
}
