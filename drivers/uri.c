#include "uri.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static int copy_str(char *dst, size_t cap, const char *src, size_t n, const char *what,
		    char *err, size_t errlen)
{
	if (n >= cap) {
		snprintf(err, errlen, "%s too long (at most %zu characters)", what, cap - 1);
		return -1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int parse_unit(const char *v)
{
	if (!strcmp(v, "0") || !strcasecmp(v, "counts"))
		return 0;
	if (!strcmp(v, "1") || !strcasecmp(v, "kPa"))
		return 1;
	if (!strcmp(v, "2") || !strcasecmp(v, "N") || !strcasecmp(v, "newtons"))
		return 2;
	return -1;
}

static const char *const option_names[] = {
	"protocol", "id", "rows", "cols", "pitch_mm", "units_per_count", "unit", "full_scale",
	"baud", "poll", "scenario", "rate", "cell_bits", "speed", "loop", "slots", NULL,
};

int pd_uri_option_known(const char *key)
{
	for (const char *const *k = option_names; *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

int pd_uri_set_option(struct pd_uri *u, const char *key, const char *v, char *err, size_t errlen)
{
	long l;
	double d;
	struct pd_stream_params *p = &u->params;

	if (!strcmp(key, "protocol")) {
		if (strcmp(v, "auto") && !pd_protocol_find(v)) {
			char names[128];
			snprintf(err, errlen, "protocol=%s: expected %s or auto", v,
				 pd_protocol_names(names, sizeof names, ", ", ", "));
			return -1;
		}
		return copy_str(u->protocol, sizeof u->protocol, v, strlen(v), "protocol", err, errlen);
	}
	if (!strcmp(key, "id")) {
		if (!valid_id(v) || strlen(v) >= sizeof u->id) {
			snprintf(err, errlen, "id=%s: use 1 to %zu letters, digits, '_' or '-'", v,
				 sizeof u->id - 1);
			return -1;
		}
		strcpy(u->id, v);
		return 0;
	}
	if (!strcmp(key, "rows") || !strcmp(key, "cols")) {
		if (!pd_parse_long(v, 1, 4096, &l))
			goto bad_range;
		*(strcmp(key, "rows") ? &p->cols : &p->rows) = (uint16_t)l;
		return 0;
	}
	if (!strcmp(key, "pitch_mm")) {
		if (!pd_parse_double(v, 0.01, 10000, &d))
			goto bad_range;
		p->pitch_mm = (float)d;
		return 0;
	}
	if (!strcmp(key, "units_per_count")) {
		if (!pd_parse_double(v, 0, 1e9, &d))
			goto bad_range;
		p->units_per_count = (float)d;
		return 0;
	}
	if (!strcmp(key, "unit")) {
		if ((p->unit = parse_unit(v)) < 0) {
			snprintf(err, errlen, "unit=%s: expected counts, kPa or N", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "full_scale")) {
		if (!pd_parse_long(v, 1, 0xffffffffL, &l))
			goto bad_range;
		p->full_scale = (uint32_t)l;
		return 0;
	}
	if (!strcmp(key, "baud")) {
		if (!pd_parse_long(v, 50, 20000000, &l))
			goto bad_range;
		u->baud = (int)l;
		return 0;
	}
	if (!strcmp(key, "poll")) {
		/* One character, or a byte as 0xNN for sketches that poll on a control byte. */
		if (strlen(v) == 1)
			p->poll_char = (unsigned char)v[0];
		else if (pd_parse_long(v, 0, 255, &l))
			p->poll_char = (int)l;
		else {
			snprintf(err, errlen, "poll=%s: expected one character or a byte value", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "scenario"))
		return copy_str(u->scenario, sizeof u->scenario, v, strlen(v), "scenario", err, errlen);
	if (!strcmp(key, "rate")) {
		if (!pd_parse_double(v, 0.1, 100000, &d))
			goto bad_range;
		u->rate_hz = (float)d;
		return 0;
	}
	if (!strcmp(key, "cell_bits")) {
		if (!pd_parse_long(v, 8, 16, &l) || (l != 8 && l != 16)) {
			snprintf(err, errlen, "cell_bits=%s: expected 8 or 16", v);
			return -1;
		}
		u->cell_bits = (uint8_t)l;
		return 0;
	}
	if (!strcmp(key, "speed")) {
		if (!strcmp(v, "max"))
			u->speed_max = 1;
		else if (!strcmp(v, "1") || !strcmp(v, "realtime"))
			u->speed_max = 0;
		else {
			snprintf(err, errlen, "speed=%s: expected 1 or max", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "slots")) {
		if (!pd_parse_long(v, 1, 32, &l))
			goto bad_range;
		u->slots = (int)l;
		return 0;
	}
	if (!strcmp(key, "loop")) {
		if (!strcmp(v, "1") || !strcmp(v, "true"))
			u->loop = 1;
		else if (!strcmp(v, "0") || !strcmp(v, "false"))
			u->loop = 0;
		else {
			snprintf(err, errlen, "loop=%s: expected 0 or 1", v);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s'", key);
	return -1;

bad_range:
	snprintf(err, errlen, "%s=%s: not a number in the allowed range", key, v);
	return -1;
}

static int parse_query(struct pd_uri *u, const char *q, char *err, size_t errlen)
{
	char buf[sizeof u->text];
	snprintf(buf, sizeof buf, "%s", q);
	char *save = NULL;
	for (char *kv = strtok_r(buf, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			snprintf(err, errlen, "option '%s' has no value (use key=value)", kv);
			return -1;
		}
		*eq = '\0';
		if (pd_uri_set_option(u, kv, eq + 1, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int parse_host_port(struct pd_uri *u, const char *s, size_t n, char *err, size_t errlen)
{
	const char *colon;
	const char *host = s;
	size_t hostlen;
	if (n && s[0] == '[') { /* [v6addr]:port */
		const char *rb = memchr(s, ']', n);
		if (!rb || rb + 1 >= s + n || rb[1] != ':')
			goto bad;
		host = s + 1;
		hostlen = (size_t)(rb - host);
		colon = rb + 1;
	} else {
		colon = NULL;
		for (const char *c = s; c < s + n; c++)
			if (*c == ':')
				colon = c;
		if (!colon)
			goto bad;
		hostlen = (size_t)(colon - s);
	}
	char port[8];
	size_t plen = (size_t)(s + n - colon - 1);
	long l;
	if (hostlen == 0 || plen == 0 || plen >= sizeof port)
		goto bad;
	memcpy(port, colon + 1, plen);
	port[plen] = '\0';
	if (!pd_parse_long(port, 1, 65535, &l))
		goto bad;
	u->port = (uint16_t)l;
	return copy_str(u->host, sizeof u->host, host, hostlen, "host", err, errlen);
bad:
	snprintf(err, errlen, "expected tcp:HOST:PORT");
	return -1;
}

/* The part after `prefix` in text[0..n), or NULL when text does not start with it. */
static const char *after_prefix(const char *text, size_t n, const char *prefix, size_t *rlen)
{
	size_t pl = strlen(prefix);
	if (n < pl || strncmp(text, prefix, pl) != 0)
		return NULL;
	*rlen = n - pl;
	return text + pl;
}

static int take_path(struct pd_uri *u, const char *rest, size_t rlen, const char *what,
		     char *err, size_t errlen)
{
	if (rlen == 0) {
		snprintf(err, errlen, "%s: needs a %s", u->text, what);
		return -1;
	}
	return copy_str(u->path, sizeof u->path, rest, rlen, what, err, errlen);
}

int pd_uri_parse(const char *text, struct pd_uri *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof *u);
	u->params.unit = -1;
	u->params.poll_char = -1;
	strcpy(u->protocol, "auto");
	if (copy_str(u->text, sizeof u->text, text, strlen(text), "device URI", err, errlen))
		return -1;

	const char *q = strchr(text, '?');
	size_t n = q ? (size_t)(q - text) : strlen(text);
	const char *rest;
	size_t rlen = 0;
	int rc = 0;

	if (n == 4 && !strncmp(text, "auto", 4)) {
		u->scheme = PD_URI_AUTO;
	} else if ((rest = after_prefix(text, n, "serial:", &rlen))) {
		u->scheme = PD_URI_SERIAL;
		rc = take_path(u, rest, rlen, "path", err, errlen);
	} else if ((rest = after_prefix(text, n, "tcp:", &rlen))) {
		u->scheme = PD_URI_TCP;
		rc = parse_host_port(u, rest, rlen, err, errlen);
	} else if ((rest = after_prefix(text, n, "sim:", &rlen))) {
		u->scheme = PD_URI_SIM;
		if (!(rlen == 3 && !strncmp(rest, "mat", 3)) && !(rlen == 6 && !strncmp(rest, "roller", 6))) {
			snprintf(err, errlen, "expected sim:mat or sim:roller");
			return -1;
		}
		rc = take_path(u, rest, rlen, "kind", err, errlen);
	} else if ((rest = after_prefix(text, n, "replay:", &rlen))) {
		u->scheme = PD_URI_REPLAY;
		rc = take_path(u, rest, rlen, "file", err, errlen);
	} else if (n > 0 && text[0] == '/') {
		u->scheme = PD_URI_SERIAL;
		rc = take_path(u, text, n, "path", err, errlen);
	} else {
		snprintf(err, errlen, "not a device URI (expected a /dev path, serial:, tcp:, sim:, replay: or auto)");
		return -1;
	}
	if (rc != 0)
		return -1;
	return q ? parse_query(u, q + 1, err, errlen) : 0;
}
