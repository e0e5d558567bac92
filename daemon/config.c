#include "config.h"

#include <grp.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "endpoint_scope.h"
#include "parse.h"
#include "source.h"

void pd_config_default(struct pd_config *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->pub, "tcp://127.0.0.1:5555");
	strcpy(c->control, "tcp://127.0.0.1:5556");
	c->frame_rate_hz = 30;
	c->stats_interval_s = 60;
	c->ring_s = 4;
	c->archive_stall_s = 2;
	c->log_level = -1;
	c->socket_gid = -1;
	c->socket_mode = -1;
	pd_analysis_params_default(&c->analysis);
}

static int set_string(char *dst, size_t cap, const char *key, const char *v, char *err, size_t errlen)
{
	if (strlen(v) >= cap) {
		snprintf(err, errlen, "%s: value too long (at most %zu characters)", key, cap - 1);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

static int set_endpoint(char *dst, size_t cap, const char *key, const char *v, char *err, size_t errlen)
{
	static const char *const schemes[] = { "tcp://", "ipc://", "inproc://", "ws://", NULL };
	for (const char *const *s = schemes; *s; s++)
		if (!strncmp(v, *s, strlen(*s)) && v[strlen(*s)])
			return set_string(dst, cap, key, v, err, errlen);
	snprintf(err, errlen, "%s=%s: expected a ZeroMQ endpoint such as tcp://127.0.0.1:5555 or ipc:///run/pressd/events", key, v);
	return -1;
}

static int parse_log_level(const char *v)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug" };
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(v, names[i]))
			return i;
	return -1;
}

static int set_daemon(struct pd_config *c, const char *key, const char *v, char *err, size_t errlen)
{
	if (!strcmp(key, "pub"))
		return set_endpoint(c->pub, sizeof c->pub, key, v, err, errlen);
	if (!strcmp(key, "control"))
		return set_endpoint(c->control, sizeof c->control, key, v, err, errlen);
	if (!strcmp(key, "record_dir"))
		return set_string(c->record_dir, sizeof c->record_dir, key, v, err, errlen);
	if (!strcmp(key, "frame_rate_hz")) {
		if (!pd_parse_long(v, 0, 100000, &c->frame_rate_hz))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "stats_interval_s")) {
		if (!pd_parse_long(v, 0, 86400, &c->stats_interval_s))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "record_max_mb")) {
		if (!pd_parse_double(v, 0, 1e9, &c->record_max_mb))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "record_max_s")) {
		if (!pd_parse_double(v, 0, 1e9, &c->record_max_s))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "archive_stall_s")) {
		if (!pd_parse_double(v, 0.1, 3600, &c->archive_stall_s))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "ring_s")) {
		if (!pd_parse_double(v, 0.1, 600, &c->ring_s))
			goto bad_number;
		return 0;
	}
	if (!strcmp(key, "trace_frames")) {
		if (!pd_parse_bool(v, &c->trace_frames)) {
			snprintf(err, errlen, "daemon.trace_frames=%s: expected true or false", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "curve_key"))
		return set_string(c->curve_key, sizeof c->curve_key, key, v, err, errlen);
	if (!strcmp(key, "curve_clients"))
		return set_string(c->curve_clients, sizeof c->curve_clients, key, v, err, errlen);
	if (!strcmp(key, "allow_insecure_remote")) {
		if (!pd_parse_bool(v, &c->allow_insecure_remote)) {
			snprintf(err, errlen, "daemon.allow_insecure_remote=%s: expected true or false", v);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "socket_group"))
		return set_string(c->socket_group, sizeof c->socket_group, key, v, err, errlen);
	if (!strcmp(key, "socket_mode")) {
		if (!v[0]) {
			c->socket_mode = -1;
			return 0;
		}
		char *end;
		long m = strtol(v, &end, 8);
		if (*end || m < 0 || m > 0777 || v[0] == '-') {
			snprintf(err, errlen, "daemon.socket_mode=%s: expected an octal file mode such as 0660", v);
			return -1;
		}
		c->socket_mode = m;
		return 0;
	}
	if (!strcmp(key, "record_roots"))
		return set_string(c->record_roots, sizeof c->record_roots, key, v, err, errlen);
	if (!strcmp(key, "log_level")) {
		if ((c->log_level = parse_log_level(v)) < 0) {
			snprintf(err, errlen, "log_level=%s: expected error, warning, notice, info or debug", v);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown key 'daemon.%s'", key);
	return -1;
bad_number:
	snprintf(err, errlen, "daemon.%s=%s: not a number in the allowed range", key, v);
	return -1;
}

static struct pd_device_conf *device_named(struct pd_config *c, const char *id, char *err, size_t errlen)
{
	for (int i = 0; i < c->ndevices; i++)
		if (!strcmp(c->devices[i].id, id))
			return &c->devices[i];
	if (c->ndevices == PD_MAX_DEVICES) {
		snprintf(err, errlen, "too many devices (at most %d)", PD_MAX_DEVICES);
		return NULL;
	}
	/* The id names topics and files: the rule of ?id= (uri.c). */
	struct pd_uri probe = { 0 };
	char why[128];
	if (pd_uri_set_option(&probe, "id", id, why, sizeof why) != 0) {
		snprintf(err, errlen, "[device.%s]: %s", id, why);
		return NULL;
	}
	struct pd_device_conf *d = &c->devices[c->ndevices];
	memset(d, 0, sizeof *d);
	if (set_string(d->id, sizeof d->id, "device id", id, err, errlen))
		return NULL;
	c->ndevices++;
	return d;
}

static int set_device(struct pd_config *c, const char *id, const char *key, const char *v,
		      char *err, size_t errlen)
{
	struct pd_device_conf *d = device_named(c, id, err, errlen);
	if (!d)
		return -1;
	if (!strcmp(key, "uri")) {
		d->have_uri = true;
		return set_string(d->uri_text, sizeof d->uri_text, "uri", v, err, errlen);
	}
	if (!pd_uri_option_known(key) || !strcmp(key, "id")) {
		snprintf(err, errlen, "unknown key 'device.%s.%s'", id, key);
		return -1;
	}
	if (d->nopts == PD_MAX_DEVICE_OPTS) {
		snprintf(err, errlen, "device.%s: too many options", id);
		return -1;
	}
	if (set_string(d->opt_key[d->nopts], sizeof d->opt_key[0], key, key, err, errlen) ||
	    set_string(d->opt_val[d->nopts], sizeof d->opt_val[0], key, v, err, errlen))
		return -1;
	d->nopts++;
	return 0;
}

int pd_config_set(struct pd_config *c, const char *section, const char *key, const char *value,
		  char *err, size_t errlen)
{
	if (!strcmp(section, "daemon"))
		return set_daemon(c, key, value, err, errlen);
	if (!strcmp(section, "analysis"))
		return pd_analysis_params_set(&c->analysis, key, value, err, errlen);
	if (!strncmp(section, "device.", 7) && section[7])
		return set_device(c, section + 7, key, value, err, errlen);
	snprintf(err, errlen, "unknown section [%s] (expected [daemon], [analysis] or [device.<id>])", section);
	return -1;
}

struct ini_ctx {
	struct pd_config *c;
	char *err;
	size_t errlen;
	int failed;
};

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	if (x->failed)
		return 0;
	/* [web] is pressd-web's, in the same file (dashboard.md). */
	if (!strcmp(section, "web"))
		return 1;
	if (pd_config_set(x->c, section, name, value, x->err, x->errlen) != 0) {
		x->failed = 1;
		return 0;
	}
	return 1;
}

int pd_config_load(struct pd_config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return -1;
	}
	char why[256] = "";
	struct ini_ctx x = { c, why, sizeof why, 0 };
	int line = ini_parse_file(f, on_ini_line, &x);
	fclose(f);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line, why[0] ? why : "syntax error");
		return -1;
	}
	return 0;
}

int pd_config_override(struct pd_config *c, const char *a, char *err, size_t errlen)
{
	const char *eq = strchr(a, '=');
	const char *dot = strchr(a, '.');
	if (!eq || !dot || dot > eq) {
		snprintf(err, errlen, "-s %s: expected section.key=value, e.g. analysis.hold_min_s=2", a);
		return -1;
	}
	char section[128];
	const char *key = dot + 1;
	/* device.<id>.<key>: the section itself holds a dot. */
	if (!strncmp(a, "device.", 7)) {
		const char *dot2 = strchr(a + 7, '.');
		if (!dot2 || dot2 > eq) {
			snprintf(err, errlen, "-s %s: expected device.<id>.<key>=value", a);
			return -1;
		}
		dot = dot2;
		key = dot2 + 1;
	}
	size_t slen = (size_t)(dot - a), klen = (size_t)(eq - key);
	char keybuf[128];
	if (slen >= sizeof section || klen >= sizeof keybuf || klen == 0) {
		snprintf(err, errlen, "-s %s: key too long or empty", a);
		return -1;
	}
	memcpy(section, a, slen);
	section[slen] = '\0';
	memcpy(keybuf, key, klen);
	keybuf[klen] = '\0';
	char why[256];
	if (pd_config_set(c, section, keybuf, eq + 1, why, sizeof why) != 0) {
		snprintf(err, errlen, "-s %s: %s", a, why);
		return -1;
	}
	return 0;
}

int pd_config_add_device_uri(struct pd_config *c, const char *uri, char *err, size_t errlen)
{
	if (c->ndevices == PD_MAX_DEVICES) {
		snprintf(err, errlen, "too many devices (at most %d)", PD_MAX_DEVICES);
		return -1;
	}
	struct pd_device_conf *d = &c->devices[c->ndevices];
	memset(d, 0, sizeof *d);
	d->have_uri = true;
	if (set_string(d->uri_text, sizeof d->uri_text, "device URI", uri, err, errlen))
		return -1;
	c->ndevices++;
	return 0;
}

static int id_taken(const struct pd_config *c, int upto, const char *id)
{
	for (int i = 0; i < upto; i++)
		if (!strcmp(c->devices[i].uri.id, id))
			return 1;
	return 0;
}

/* events.md "Remote subscribers": an endpoint other machines can reach
 * carries health data, so it needs CURVE, or an explicit opt-out. */
static int check_remote_access(struct pd_config *c, char *err, size_t errlen)
{
	if (!c->curve_key[0] != !c->curve_clients[0]) {
		snprintf(err, errlen, "daemon.%s is needed with daemon.%s: without an allow-list any client "
			 "that knows the server's public key would be let in",
			 c->curve_key[0] ? "curve_clients" : "curve_key", c->curve_key[0] ? "curve_key" : "curve_clients");
		return -1;
	}
	if (c->curve_key[0])
		return pd_curve_keys_load(&c->curve, c->curve_key, c->curve_clients, err, errlen);
	memset(&c->curve, 0, sizeof c->curve);
	if (c->allow_insecure_remote)
		return 0;
	const char *names[] = { "pub", "control" }, *eps[] = { c->pub, c->control };
	for (int i = 0; i < 2; i++)
		if (!pd_endpoint_is_local(eps[i])) {
			snprintf(err, errlen, "daemon.%s=%s can be reached from other machines: set daemon.curve_key "
				 "and daemon.curve_clients (pressd.conf(5), \"Remote access\"), or "
				 "daemon.allow_insecure_remote=true to serve it unencrypted to anyone",
				 names[i], eps[i]);
			return -1;
		}
	return 0;
}

/* events.md "Local access": the group must exist at start-up, not
 * at the first bind, so a typo is a config error naming the key. Checked
 * once every source has had its say: -s may replace the file's group
 * with one that exists here. */
static int resolve_socket_group(struct pd_config *c, char *err, size_t errlen)
{
	c->socket_gid = -1;
	if (!c->socket_group[0])
		return 0;
	long gid;
	if (pd_parse_long(c->socket_group, 0, 0x7fffffffL, &gid)) {
		c->socket_gid = gid;
		return 0;
	}
	struct group g, *found = NULL;
	char buf[4096];
	if (getgrnam_r(c->socket_group, &g, buf, sizeof buf, &found) != 0 || !found) {
		snprintf(err, errlen, "daemon.socket_group=%s: no such group", c->socket_group);
		return -1;
	}
	c->socket_gid = (long)found->gr_gid;
	return 0;
}

int pd_config_finish(struct pd_config *c, char *err, size_t errlen)
{
	char why[256];
	if (check_remote_access(c, err, errlen) != 0)
		return -1;
	if (resolve_socket_group(c, err, errlen) != 0)
		return -1;
	/* record_roots' default and relative record_start dirs need it: the
	 * first call's, before pressd daemonises (and moves to /); a SIGHUP
	 * reload keeps it. */
	static char started_in[PATH_MAX];
	if (!started_in[0] && !getcwd(started_in, sizeof started_in))
		snprintf(started_in, sizeof started_in, "/");
	snprintf(c->start_dir, sizeof c->start_dir, "%s", started_in);
	if (pd_record_roots_parse(&c->roots, c->record_roots, c->record_dir, c->start_dir, err, errlen) != 0)
		return -1;
	if (pd_analysis_params_check(&c->analysis, why, sizeof why) != 0) {
		snprintf(err, errlen, "analysis: %s", why);
		return -1;
	}
	for (int i = 0; i < c->ndevices; i++) {
		struct pd_device_conf *d = &c->devices[i];
		const char *where = d->id[0] ? d->id : d->uri_text;
		if (!d->have_uri) {
			snprintf(err, errlen, "device.%s: no uri", d->id);
			return -1;
		}
		if (pd_uri_parse(d->uri_text, &d->uri, why, sizeof why) != 0) {
			snprintf(err, errlen, "device %s: %s", where, why);
			return -1;
		}
		for (int k = 0; k < d->nopts; k++)
			if (pd_uri_set_option(&d->uri, d->opt_key[k], d->opt_val[k], why, sizeof why) != 0) {
				snprintf(err, errlen, "device.%s.%s: %s", d->id, d->opt_key[k], why);
				return -1;
			}
		if (d->id[0] && d->uri.id[0] && strcmp(d->id, d->uri.id)) {
			snprintf(err, errlen, "device.%s: uri says id=%s", d->id, d->uri.id);
			return -1;
		}
		if (d->id[0])
			strcpy(d->uri.id, d->id);
		else if (d->uri.id[0]) /* -d URI?id=x: messages name it too */
			strcpy(d->id, d->uri.id);
		if (d->uri.id[0] && id_taken(c, i, d->uri.id)) {
			snprintf(err, errlen, "device id '%s' is used twice", d->uri.id);
			return -1;
		}
	}
	/* Default ids, from the kind the URI implies and an index per kind. */
	for (int i = 0; i < c->ndevices; i++) {
		struct pd_uri *u = &c->devices[i].uri;
		if (u->id[0])
			continue;
		char id[sizeof u->id];
		/* A device that names itself (a replay: its recording's id) keeps
		 * that name unless another device has it already. */
		if (pd_source_default_id(u, id, sizeof id) == 0 && !id_taken(c, c->ndevices, id) &&
		    pd_uri_set_option(u, "id", id, why, sizeof why) == 0) { /* set_option: only a valid id */
			strcpy(c->devices[i].id, id);
			continue;
		}
		const char *kind = (u->scheme == PD_URI_SIM && !strcmp(u->path, "roller")) ? "roller" : "mat";
		for (int n = 0;; n++) {
			snprintf(id, sizeof id, "%s%d", kind, n);
			if (!id_taken(c, c->ndevices, id))
				break;
		}
		strcpy(u->id, id);
		strcpy(c->devices[i].id, id);
	}
	return 0;
}
