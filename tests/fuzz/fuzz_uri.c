/* libFuzzer target: device URIs (daemon.md "Device URIs"): pd_uri_parse,
 * then pd_uri_set_option as a [device.<id>] section applies options, then
 * pd_source_check_uri as pressd does at start-up.
 *
 * An input is the URI, then optionally the byte 0x1e (ASCII RS) and
 * "key=value" lines, '\n'-separated, applied to the parsed URI in order.
 *
 * Checks: a refusal says why; every string of the result is terminated
 * within its array; the scheme, protocol and id are ones the daemon knows;
 * an option is accepted only if pd_uri_option_known knows it.
 *
 * pd_source_check_uri runs for sim:, serial and tcp: URIs: the simulator
 * builds its scenario in memory and the stream source has no check. It is
 * skipped for replay: (it opens the file the URI names: any path the
 * fuzzer likes, a FIFO would hang). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "source.h"
#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEPARATOR 0x1e
#define MAX_OPTIONS 32

static void need_terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void check_error(int rc, const char *err)
{
	if (rc != 0 && !err[0])
		abort();
}

static void check_uri(const struct pd_uri *u)
{
	need_terminated(u->text, sizeof u->text);
	need_terminated(u->path, sizeof u->path);
	need_terminated(u->host, sizeof u->host);
	need_terminated(u->protocol, sizeof u->protocol);
	need_terminated(u->id, sizeof u->id);
	need_terminated(u->scenario, sizeof u->scenario);
	if (u->scheme < PD_URI_SERIAL || u->scheme > PD_URI_AUTO)
		abort();
	if (strcmp(u->protocol, "auto") && !pd_protocol_find(u->protocol))
		abort();
	for (const char *c = u->id; *c; c++) /* ids name files and topics */
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= 'A' && *c <= 'Z') && !(*c >= '0' && *c <= '9') &&
		    *c != '_' && *c != '-')
			abort();
	if (u->scheme == PD_URI_TCP && (u->port == 0 || !u->host[0]))
		abort();
	if ((u->scheme == PD_URI_SERIAL || u->scheme == PD_URI_SIM || u->scheme == PD_URI_REPLAY) && !u->path[0])
		abort();
	if (u->cell_bits != 0 && u->cell_bits != 8 && u->cell_bits != 16)
		abort();
}

/* A NUL-terminated copy of exactly n bytes, so ASan sees any overread. */
static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void apply_options(struct pd_uri *u, const uint8_t *p, const uint8_t *end)
{
	char err[512];
	for (int n = 0; p < end && n < MAX_OPTIONS; n++) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = dup_bytes(p, len);
		p += len + 1;
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			err[0] = '\0';
			int rc = pd_uri_set_option(u, line, eq + 1, err, sizeof err);
			check_error(rc, err);
			if (rc == 0 && !pd_uri_option_known(line))
				abort();
			check_uri(u);
		}
		free(line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, SEPARATOR, size);
	char *text = dup_bytes(data, sep ? (size_t)(sep - data) : size);
	struct pd_uri u;
	char err[512] = "";
	int rc = pd_uri_parse(text, &u, err, sizeof err);
	check_error(rc, err);
	if (rc == 0) {
		check_uri(&u);
		if (strcmp(u.text, text) != 0) /* kept as given, for messages */
			abort();
		if (sep)
			apply_options(&u, sep + 1, data + size);
		if (u.scheme != PD_URI_REPLAY) {
			err[0] = '\0';
			check_error(pd_source_check_uri(&u, err, sizeof err), err);
		}
	}
	free(text);
	return 0;
}
