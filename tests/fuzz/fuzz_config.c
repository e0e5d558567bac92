/* libFuzzer target: the configuration, as pressd builds it (main.c's
 * build_config): defaults, the INI file (pd_config_load), -s overrides
 * (pd_config_override), -d devices (pd_config_add_device_uri), then
 * pd_config_finish.
 *
 * An input is the INI file, then optionally the byte 0x1e (ASCII RS) and
 * command-line lines, '\n'-separated: "-d URI" adds a device, anything
 * else is a -s section.key=value override. The file is handed to
 * pd_config_load through a memfd (/proc/self/fd/N), so the daemon's own
 * path (fopen, ini_parse_file) is what runs, with no change to config.c.
 *
 * Checks: a failure says why; after success every string is terminated
 * within its array, counts are in range, and after pd_config_finish the
 * analysis parameters pass their check and device ids are valid and
 * unique. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "source.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEPARATOR 0x1e

#define MAX_LINES 64

static int memfd = -1;
static char path[64];
static struct pd_config *cfg; /* large: on the heap, so ASan watches its ends */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("fuzz_config.ini", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
	cfg = malloc(sizeof *cfg);
	if (!cfg)
		abort();
	return 0;
}

static void need_terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void check_error(int rc, const char *err)
{
	if (rc != 0 && !err[0])
		abort(); /* a refusal must say why */
}

static void check_strings(const struct pd_config *c)
{
	need_terminated(c->pub, sizeof c->pub);
	need_terminated(c->control, sizeof c->control);
	need_terminated(c->record_dir, sizeof c->record_dir);
	if (c->ndevices < 0 || c->ndevices > PD_MAX_DEVICES)
		abort();
	for (int i = 0; i < c->ndevices; i++) {
		const struct pd_device_conf *d = &c->devices[i];
		need_terminated(d->id, sizeof d->id);
		need_terminated(d->uri_text, sizeof d->uri_text);
		if (d->nopts < 0 || d->nopts > PD_MAX_DEVICE_OPTS)
			abort();
		for (int k = 0; k < d->nopts; k++) {
			need_terminated(d->opt_key[k], sizeof d->opt_key[k]);
			need_terminated(d->opt_val[k], sizeof d->opt_val[k]);
		}
	}
}

static void check_finished(const struct pd_config *c)
{
	char err[256];
	if (pd_analysis_params_check(&c->analysis, err, sizeof err) != 0)
		abort();
	for (int i = 0; i < c->ndevices; i++) {
		const struct pd_uri *u = &c->devices[i].uri;
		/* devices[i].id stays "" for a -d URI that names itself (?id=):
		 * the URI's id is the one used. */
		if (!u->id[0] || (c->devices[i].id[0] && strcmp(u->id, c->devices[i].id) != 0))
			abort();
		for (int k = 0; k < i; k++)
			if (!strcmp(u->id, c->devices[k].uri.id))
				abort();
		/* The id must be one pd_uri_set_option accepts: it names topics
		 * and files (found by this fuzzer: regressions/config/section-id-*). */
		struct pd_uri copy = *u;
		if (pd_uri_set_option(&copy, "id", u->id, err, sizeof err) != 0)
			abort();
		/* What build_config does next; for sim: alone, which does no I/O. */
		if (u->scheme == PD_URI_SIM)
			check_error(pd_source_check_uri(u, err, sizeof err), err);
	}
}

/* pd_config_finish opens files for two things: a replay: device without
 * an id is named after its recording, and CURVE keys are read from
 * daemon.curve_key and every *.key of daemon.curve_clients. The fuzzer
 * would pick the paths (a FIFO would hang): such configurations stop
 * before finish. */
static bool finish_would_open_files(const struct pd_config *c)
{
	if (c->curve_key[0] && c->curve_clients[0])
		return true;
	for (int i = 0; i < c->ndevices; i++) {
		const struct pd_device_conf *d = &c->devices[i];
		struct pd_uri u;
		char err[256];
		if (!d->id[0] && pd_uri_parse(d->uri_text, &u, err, sizeof err) == 0 && u.scheme == PD_URI_REPLAY &&
		    !u.id[0])
			return true;
	}
	return false;
}

/* One command-line line; line is NUL-terminated (a copy). */
static int apply_line(struct pd_config *c, const char *line, char *err, size_t errlen)
{
	if (!strncmp(line, "-d ", 3))
		return pd_config_add_device_uri(c, line + 3, err, errlen);
	return pd_config_override(c, line, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, SEPARATOR, size);
	size_t ini_len = sep ? (size_t)(sep - data) : size;
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, ini_len, 0) != (ssize_t)ini_len)
		abort();

	char err[1024] = "";
	pd_config_default(cfg);
	int rc = pd_config_load(cfg, path, err, sizeof err);
	check_error(rc, err);
	if (rc != 0)
		return 0;
	check_strings(cfg);

	const uint8_t *p = sep ? sep + 1 : data + size, *end = data + size;
	for (int n = 0; p < end && n < MAX_LINES; n++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(len + 1); /* exactly the line: ASan sees overreads */
		if (!line)
			abort();
		memcpy(line, p, len);
		line[len] = '\0';
		err[0] = '\0';
		rc = apply_line(cfg, line, err, sizeof err);
		free(line);
		check_error(rc, err);
		if (rc != 0)
			return 0; /* pressd stops at the first bad option */
		check_strings(cfg);
		p += len + 1;
	}

	if (finish_would_open_files(cfg))
		return 0;
	err[0] = '\0';
	rc = pd_config_finish(cfg, err, sizeof err);
	check_error(rc, err);
	if (rc == 0) {
		check_strings(cfg);
		check_finished(cfg);
	}
	return 0;
}
