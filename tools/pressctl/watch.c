#include "watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "format.h"
#include "frame_message.h"
#include "map.h"
#include "parse.h"
#include "stream.h"

/* Last `seq` per type and device, to show a gap (lost messages). */
struct seq_entry {
	char key[200]; /* type (64) / device (128) */
	long long seq;
};

struct watch {
	const struct pc_global *g;
	const struct pc_args *a;
	int ntypes, ndevices;
	bool frames; /* --type frame: frames are printed */
	long count;  /* stop after this many lines (0: never) */
	long printed;
	struct seq_entry *seqs;
	size_t nseqs, capseqs;
	long warnings;
	bool warned_schema;
};

/* A problem with one message: said on stderr, not too often. */
static void warn(struct watch *w, const char *topic, const char *why)
{
	if (w->warnings++ < 10)
		fprintf(stderr, "pressctl: ignoring a message on '%s': %s\n", topic, why);
	else if (w->warnings == 11)
		fputs("pressctl: (no more warnings about bad messages)\n", stderr);
}

/* How many messages went missing before this one (0: none, or unknown). */
static long long seq_gap(struct watch *w, const char *type, const char *device, json_t *ev)
{
	json_t *js = json_object_get(ev, "seq");
	if (!json_is_integer(js))
		return 0;
	long long seq = json_integer_value(js);
	char key[200]; /* type (64) / device (128) */
	snprintf(key, sizeof key, "%s/%s", type, device);
	for (size_t i = 0; i < w->nseqs; i++) {
		if (strcmp(w->seqs[i].key, key) != 0)
			continue;
		long long gap = seq - w->seqs[i].seq - 1;
		w->seqs[i].seq = seq;
		return gap > 0 ? gap : 0; /* going back: the daemon restarted */
	}
	if (w->nseqs == w->capseqs) {
		size_t cap = w->capseqs ? 2 * w->capseqs : 16;
		struct seq_entry *s = realloc(w->seqs, cap * sizeof *s);
		if (!s)
			return 0;
		w->seqs = s;
		w->capseqs = cap;
	}
	snprintf(w->seqs[w->nseqs].key, sizeof w->seqs[w->nseqs].key, "%s", key);
	w->seqs[w->nseqs++].seq = seq;
	return 0;
}

static bool wanted_device(const struct watch *w, const char *device)
{
	if (w->ndevices == 0)
		return true;
	for (int i = 0; i < w->ndevices; i++)
		if (strcmp(pc_args_nth(w->a, "device", i), device) == 0)
			return true;
	return false;
}

static void handle(struct watch *w, struct pc_msg *m)
{
	if (!m->json) {
		warn(w, m->topic, m->why);
		return;
	}
	char type[64], device[128];
	pc_msg_type(m, type, sizeof type);
	pc_msg_device(m, device, sizeof device);
	if (!wanted_device(w, device))
		return;
	bool is_frame = strcmp(type, "frame") == 0;
	if (is_frame && !w->frames)
		return;
	json_t *v = json_object_get(m->json, "v");
	if (!w->warned_schema && json_is_integer(v) && json_integer_value(v) != PC_SCHEMA) {
		w->warned_schema = true;
		fprintf(stderr, "pressctl: pressd sends schema %" JSON_INTEGER_FORMAT ", this pressctl knows %d\n",
			json_integer_value(v), PC_SCHEMA);
	}
	if (w->g->json) {
		size_t len;
		const char *text = pc_msg_json_text(m, &len);
		fwrite(text, 1, len, stdout);
		fputc('\n', stdout);
	} else {
		struct pc_frame f, *fp = NULL;
		char why[160];
		if (is_frame) {
			const void *cells = m->nparts > 2 ? zmq_msg_data(&m->part[2]) : NULL;
			size_t len = m->nparts > 2 ? zmq_msg_size(&m->part[2]) : 0;
			if (pc_frame_parse(m->json, cells, len, &f, why, sizeof why))
				fp = &f;
			else
				warn(w, m->topic, why);
		}
		pc_format_event(stdout, type, device, m->json, fp, pd_utc_s());
		long long gap = seq_gap(w, type, device, m->json);
		if (gap > 0)
			printf("  [%lld lost]", gap);
		fputc('\n', stdout);
	}
	w->printed++;
}

static int subscribe(struct watch *w, void *sub)
{
	if (w->ntypes == 0)
		return pc_sub_subscribe(sub, ""); /* everything; --device filters here */
	for (int i = 0; i < w->ntypes; i++) {
		const char *t = pc_args_nth(w->a, "type", i);
		for (int j = 0; j < (w->ndevices ? w->ndevices : 1); j++) {
			char prefix[256];
			snprintf(prefix, sizeof prefix, "%s/%s", t, w->ndevices ? pc_args_nth(w->a, "device", j) : "");
			if (pc_sub_subscribe(sub, prefix) != 0)
				return -1;
		}
	}
	return 0;
}

static int run(struct watch *w)
{
	void *ctx = zmq_ctx_new();
	if (!ctx) {
		fprintf(stderr, "pressctl: cannot start ZeroMQ: %s\n", zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	int rc = 0;
	void *sub = pc_sub_open(ctx, w->g);
	if (!sub) {
		rc = errno == EINVAL || errno == EPROTONOSUPPORT ? EX_USAGE : EX_SOFTWARE;
		goto out_ctx;
	}
	if (subscribe(w, sub) != 0 || pc_stop_signals_install() != 0) {
		fprintf(stderr, "pressctl: cannot subscribe: %s\n", strerror(errno));
		rc = EX_SOFTWARE;
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it comes, also into a pipe */
	while (!pc_stopped() && (w->count == 0 || w->printed < w->count)) {
		zmq_pollitem_t item = { .socket = sub, .events = ZMQ_POLLIN };
		/* bounded, so a signal between the check and the wait is seen */
		if (zmq_poll(&item, 1, 250) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			fprintf(stderr, "pressctl: waiting for events: %s\n", zmq_strerror(zmq_errno()));
			rc = EX_SOFTWARE;
			break;
		}
		struct pc_msg m;
		while ((w->count == 0 || w->printed < w->count) && pc_msg_recv(sub, &m) == 0) {
			handle(w, &m);
			pc_msg_close(&m);
		}
		if (ferror(stdout)) {
			perror("pressctl: stdout");
			rc = EX_IOERR;
			break;
		}
	}
out:
	zmq_close(sub);
out_ctx:
	zmq_ctx_term(ctx);
	return rc;
}

static bool valid_name(const char *s)
{
	return *s && !strchr(s, '/');
}

int pc_cmd_watch(const struct pc_global *g, const struct pc_args *a)
{
	if (a->npos > 0)
		return pc_args_usage(a, "watch: unexpected argument '%s'", a->pos[0]);
	struct watch w = { .g = g, .a = a };
	w.ntypes = pc_args_count(a, "type");
	w.ndevices = pc_args_count(a, "device");
	for (int i = 0; i < w.ntypes; i++) {
		const char *t = pc_args_nth(a, "type", i);
		if (!valid_name(t))
			return pc_args_usage(a, "--type '%s': a type is a word such as hold or contact", t);
		w.frames |= strcmp(t, "frame") == 0;
	}
	for (int i = 0; i < w.ndevices; i++)
		if (!valid_name(pc_args_nth(a, "device", i)))
			return pc_args_usage(a, "--device '%s' is not a device id", pc_args_nth(a, "device", i));
	const char *count = pc_args_get(a, "count"), *frames = pc_args_get(a, "frames");
	if (count && !pd_parse_long(count, 1, 1000000000, &w.count))
		return pc_args_usage(a, "--count '%s' is not a positive number", count);
	long nframes = 0;
	if (frames && !pd_parse_long(frames, 1, 1000000000, &nframes))
		return pc_args_usage(a, "--frames '%s' is not a positive number", frames);
	if (pc_args_has(a, "map")) {
		if (w.ntypes)
			return pc_args_usage(a, "--map shows frames, contacts and holds: no --type");
		if (w.ndevices > 1)
			return pc_args_usage(a, "--map shows one device");
		if (count)
			return pc_args_usage(a, "--map stops after --frames N, not --count");
		return pc_map_run(g, pc_args_get(a, "device"), nframes);
	}
	if (frames)
		return pc_args_usage(a, "--frames N goes with --map");
	int rc = run(&w);
	free(w.seqs);
	return rc;
}
