/* libFuzzer target: the control socket's request handler,
 * pd_control_handle (events.md "Control"), against a real daemon core:
 * three devices (sim m0 has described itself and sent frames; sim r0 and
 * the port p0, /dev/null, were never started), the analysis worker, the
 * status publisher and the recorder, all on one ZeroMQ context, so every
 * command really runs. Remote access (auth) is off.
 *
 * An input is up to MAX_REQUESTS requests separated by the byte 0x1e
 * (ASCII RS, as in RFC 7464 JSON text sequences; a raw control character
 * is never valid inside JSON anyway), handled in order, so one input can
 * record_start, ask for status and record_stop.
 *
 * Every reply must be a JSON object with a boolean "ok", a refusal must
 * carry a non-empty "error" string, and the reply must serialise (the
 * socket sends json_dumps of it).
 *
 * Files: record_start writes HDF5 files wherever its "dir" says. The
 * harness pins that: before a request is handled, a string "dir" is
 * rewritten to lie inside a private temporary directory (fuzz_sandbox.h;
 * ".." components neutralised), and the recorder's default directory is
 * in there too. Every path a reply names must be inside it (checked), and
 * the directory is emptied after each input that could have written.
 *
 * Between inputs the state goes back to the start: recordings stopped,
 * analysis parameters reset, the event stream drained. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "analysis_worker.h"
#include "clock.h"
#include "control.h"
#include "device.h"
#include "message_json.h"
#include "fuzz_sandbox.h"
#include "log.h"
#include "outlet.h"
#include "recorder.h"
#include "status_pub.h"
#include "uri.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define NDEVS 3
#define MAX_REQUESTS 16
#define SEPARATOR 0x1e

static struct {
	void *zctx;
	void *events; /* PULL bound where the publisher would be: drained, not published */
	struct pd_device devs[NDEVS];
	struct pd_analysis_params params[NDEVS], defaults;
	struct pd_analysis_worker *analysis;
	struct pd_status_pub status;
	struct pd_recorder *recorder;
	struct pd_control_target target;
	struct pd_record_roots roots;
} g;

static void reset(bool wrote);

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_control: %s: %s\n", what, err);
	abort();
}

static void add_device(int i, const char *text)
{
	struct pd_uri u;
	char err[256];
	if (pd_uri_parse(text, &u, err, sizeof err) != 0 || pd_device_init(&g.devs[i], &u, 1.0, err, sizeof err) != 0)
		die(text, err);
}

/* m0 runs until it has described itself and sent a frame, then stops: its
 * status keeps both (so tare and record_start have something to act on)
 * and nothing runs behind the fuzzer's back afterwards. */
static void warm_up(struct pd_device *d)
{
	if (pd_device_start(d) != 0)
		die(d->id, "cannot start");
	struct pd_device_status st;
	int64_t until = pd_mono_ns() + 10000000000LL;
	do {
		usleep(10000);
		pd_device_snapshot(d, &st);
	} while (!(st.have_info && st.have_frame) && pd_mono_ns() < until);
	pd_device_stop(d);
	if (!st.have_info || !st.have_frame)
		die(d->id, "sent no frame within 10 s");
}

static void teardown(void)
{
	pd_analysis_worker_stop(g.analysis);
	pd_recorder_stop(g.recorder);
	pd_status_pub_fini(&g.status);
	zmq_close(g.events);
	zmq_ctx_term(g.zctx);
	for (int i = 0; i < NDEVS; i++)
		pd_device_free(&g.devs[i]);
	fuzz_sandbox_remove();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Quiet by default (every request would log a line); PD_FUZZ_LOG=7
	 * shows everything when replaying one input. */
	const char *lvl = getenv("PD_FUZZ_LOG");
	pd_log_init("fuzz_control", 0, lvl ? atoi(lvl) : -1);

	const char *root = fuzz_sandbox_make("fuzz_control");
	char defdir[PATH_MAX + 16], err[512];
	snprintf(defdir, sizeof defdir, "%s/default", root);

	add_device(0, "sim:mat?scenario=idle&rows=8&cols=8&rate=100&id=m0");
	add_device(1, "sim:roller?id=r0");
	/* A port, for hotplug to find; never started, so never opened. */
	add_device(2, "/dev/null?protocol=ascii&id=p0");
	pd_analysis_params_default(&g.defaults);
	for (int i = 0; i < NDEVS; i++)
		g.params[i] = g.defaults;

	g.zctx = zmq_ctx_new();
	g.events = g.zctx ? zmq_socket(g.zctx, ZMQ_PULL) : NULL;
	if (!g.events || zmq_bind(g.events, PD_PUBLISHER_INPROC) != 0)
		die("event sink", zmq_strerror(zmq_errno()));
	if (pd_status_pub_init(&g.status, g.zctx, NDEVS, err, sizeof err) != 0)
		die("status publisher", err);
	const struct pd_recorder_config rc = { .dir = defdir };
	if (!(g.recorder = pd_recorder_start(g.zctx, g.devs, NDEVS, &rc, err, sizeof err)))
		die("recorder", err);
	if (!(g.analysis = pd_analysis_worker_start(g.devs, NDEVS, &g.defaults, g.zctx, err, sizeof err)))
		die("analysis", err);
	warm_up(&g.devs[0]);

	/* The sandbox is the one record root: the pinned dirs lie in it. */
	if (pd_record_roots_parse(&g.roots, fuzz_sandbox_root, NULL, fuzz_sandbox_root, err, sizeof err) != 0)
		die("record roots", err);
	g.target = (struct pd_control_target){ .devs = g.devs, .ndevs = NDEVS, .params = g.params,
						.analysis = g.analysis, .status = &g.status, .recorder = g.recorder,
						.roots = &g.roots };
	reset(true); /* the warm-up's recording (the default dir arms every device) */
	atexit(teardown);
	return 0;
}

/* "dir" inside the sandbox: the sandbox, then each component of the
 * fuzzer's path, absolute or relative alike. A component starting with
 * ".." gets a '_' in front, and only whole components are kept, within a
 * length nothing downstream truncates: no cut can make a "..". */
static json_t *pinned_dir(const char *dir)
{
	char out[PATH_MAX];
	size_t n = (size_t)snprintf(out, sizeof out, "%s/d", fuzz_sandbox_root);
	for (const char *p = dir; *p;) {
		size_t len = strcspn(p, "/");
		if (len > 0) {
			bool dots = len >= 2 && p[0] == '.' && p[1] == '.';
			if (n + 1 + dots + len >= sizeof out - 64)
				break;
			out[n++] = '/';
			if (dots)
				out[n++] = '_';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len + (p[len] == '/');
	}
	out[n] = '\0';
	return json_string(out); /* split at '/' only: still valid UTF-8 */
}

/* The request as the daemon gets it, or rewritten with a pinned dir. The
 * same parse the handler does decides: what does not parse here does not
 * parse there either, and goes through untouched. */
static char *prepare(const char *req, size_t len, size_t *outlen, bool *skip, bool *records)
{
	*skip = false;
	json_t *j = json_loadb(req, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	/* Commands that open devices (planned: add_device) could reach
	 * serial ports, the network or any file: not fuzzed until the
	 * harness can pin them as it pins dir. */
	const char *cmd = json_string_value(json_object_get(j, "cmd"));
	if (cmd && (!strcmp(cmd, "add_device") || !strcmp(cmd, "remove_device"))) {
		*skip = true;
		json_decref(j);
		return NULL;
	}
	if (cmd && !strcmp(cmd, "record_start"))
		*records = true; /* however it was spelt (escapes too) */
	const char *dir = json_string_value(json_object_get(j, "dir"));
	char *text = NULL;
	if (dir && dir[0]) {
		json_t *pinned = pinned_dir(dir);
		if (pinned)
			json_object_set_new(j, "dir", pinned);
		else
			json_object_del(j, "dir");
		text = json_dumps(j, JSON_COMPACT);
		if (!text)
			abort();
		*outlen = strlen(text);
	}
	json_decref(j);
	return text;
}

static void check_paths(const json_t *reply)
{
	const json_t *recs = json_object_get(reply, "recordings"), *r;
	size_t i;
	json_array_foreach(recs, i, r) {
		const char *path = json_string_value(json_object_get(r, "path"));
		if (path && !fuzz_sandbox_contains(path))
			die("a recording outside the sandbox", path);
	}
	const json_t *devs = json_object_get(reply, "devices"), *d;
	json_array_foreach(devs, i, d) {
		const char *path = json_string_value(json_object_get(d, "recording"));
		if (path && !fuzz_sandbox_contains(path))
			die("recording outside the sandbox", path);
	}
}

static void check_reply(json_t *reply, const char *req, size_t len)
{
	if (!json_is_object(reply) || !json_is_boolean(json_object_get(reply, "ok")))
		die("reply", "not an object with a boolean ok");
	const char *error = json_string_value(json_object_get(reply, "error"));
	/* Every refusal says why, even when a long non-ASCII argument cut its
	 * reason mid-character (found: regressions/control/error-cut-in-utf8). */
	if (json_is_false(json_object_get(reply, "ok")) && (!error || !error[0])) {
		fprintf(stderr, "request: %.*s\n", (int)(len < 300 ? len : 300), req);
		die("refusal", "without an error string");
	}
	char *text = json_dumps(reply, PD_JSON_FLAGS);
	if (!text)
		die("reply", "does not serialise");
	free(text);
	check_paths(reply);
}

static void handle(const char *req, size_t len, bool *records)
{
	size_t n = len;
	bool skip;
	char *rewritten = prepare(req, len, &n, &skip, records);
	if (skip)
		return;
	const char *text = rewritten ? rewritten : req;
	json_t *reply = pd_control_handle(&g.target, text, n);
	check_reply(reply, text, n);
	json_decref(reply);
	free(rewritten);
}

/* Back to the initial state, so an input means the same whenever it runs. */
static void reset(bool wrote)
{
	char err[512];
	json_t *stopped = pd_recorder_record_stop(g.recorder, -1, err, sizeof err);
	if (!stopped)
		die("record_stop", err);
	check_paths(stopped);
	json_decref(stopped);
	if (wrote)
		fuzz_sandbox_empty();
	for (int i = 0; i < NDEVS; i++)
		g.params[i] = g.defaults;
	pd_analysis_worker_set_params(g.analysis, -1, &g.defaults);
	zmq_msg_t m;
	zmq_msg_init(&m);
	while (zmq_msg_recv(&m, g.events, ZMQ_DONTWAIT) >= 0) {
	}
	zmq_msg_close(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	bool records = false;
	for (int k = 0; k < MAX_REQUESTS; k++) {
		const char *sep = memchr(p, SEPARATOR, (size_t)(end - p));
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);
		/* A copy of exactly the request's bytes, so ASan sees any overread. */
		char *req = malloc(len ? len : 1);
		if (!req)
			abort();
		memcpy(req, p, len);
		handle(req, len, &records);
		free(req);
		if (!sep)
			break;
		p = sep + 1;
	}
	reset(records);
	return 0;
}
