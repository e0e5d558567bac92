/* pressd-web's options: command line first, then the config file fills what
 * the command line left open, then the built-in defaults (dashboard.md). */
#include "web_options.h"

#include <getopt.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endpoints.h"
#include "parse.h"

#define DEFAULT_CONFIG "/etc/pressd/pressd.conf"
#define PACKAGED_TOKEN "/var/lib/pressd-web/token"
#define MAX_SETS 32

/* An installed pressd-web finds its page beside itself, in
 * <prefix>/share/pressd-web/<what>; a build tree falls back to the
 * source tree's (compiled in). */
bool web_exe_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	if (n <= 0)
		return false;
	out[n] = 0;
	char *slash = strrchr(out, '/');
	if (!slash)
		return false;
	*slash = 0;
	return true;
}

static char *installed_dir(const char *what, const char *fallback)
{
	char exe[4096];
	if (web_exe_dir(exe, sizeof exe)) {
		char dir[8192];
		snprintf(dir, sizeof dir, "%s/../share/pressd-web/%s", exe, what);
		if (access(dir, R_OK | X_OK) == 0)
			return strdup(dir);
	}
	return strdup(fallback);
}

/* The packaged directory when it is there (as pressctl finds
 * /run/pressd), else the user's own state directory. */
static char *default_token_file(void)
{
	if (access("/var/lib/pressd-web", F_OK) == 0)
		return strdup(PACKAGED_TOKEN);
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];
	if (state && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/pressd-web", state);
	else
		snprintf(dir, sizeof dir, "%s/.local/state/pressd-web", home && home[0] ? home : ".");
	/* Made for the user alone; an error shows when the token is made. */
	char *slash = dir;
	while ((slash = strchr(slash + 1, '/'))) {
		*slash = 0;
		mkdir(dir, 0700);
		*slash = '/';
	}
	mkdir(dir, 0700);
	char *out = malloc(strlen(dir) + 8);
	if (out)
		sprintf(out, "%s/token", dir);
	return out;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pressd-web [-c FILE] [-p ENDPOINT]... [-C ENDPOINT]... [-l ADDR:PORT]\n"
		"                  [-k KEY -K KEY] [--recordings DIR] [--page DIR] [--controls] [-f] [-v|-q]\n"
		"                  [--token-file FILE] [-s web.KEY=VALUE]... [--hash-password] [--version] [--help]\n"
		"  -c, --config FILE     pressd.conf to read ([daemon] pub/control, [web]); default "
		DEFAULT_CONFIG " when present\n"
		"  -p, --pub ENDPOINT    pressd's event endpoint (repeat for several daemons)\n"
		"  -C, --control ENDPOINT pressd's control endpoint, in the order of -p\n"
		"  -l, --listen ADDR:PORT where to serve the dashboard (default 127.0.0.1:8080)\n"
		"  -k, --server-key FILE pressd's public certificate (SERVER.key), and\n"
		"  -K, --key FILE        this client's secret one (NAME.key_secret): connect\n"
		"                        with CURVE, as pressctl -k/-K does ([web] server_key, key)\n"
		"      --recordings DIR  the recordings the review page (/review) lists (default: [web] recordings,\n"
		"                        else [daemon] record_dir)\n"
		"      --page DIR        the page's files (default: the installed ones)\n"
		"      --controls        offer Mark/Tare/Record on the page (tokened)\n"
		"      --token-file FILE the secret every page, API call and WebSocket needs, made there at first\n"
		"                        start ([web] token_file; default " PACKAGED_TOKEN " when its directory\n"
		"                        exists, else ~/.local/state/pressd-web/token)\n"
		"  -s, --set web.KEY=VALUE a [web] limit, over the config's (pressd-web(1), LIMITS)\n"
		"      --hash-password   read a password on stdin, print its hash for [web] password_hash\n"
		"  -f, --foreground      log to stderr\n"
		"  -v, -q                more, less logging\n");
}

struct cfg_ctx {
	struct web_options *o;
	bool have_pub, have_control, have_listen, have_controls, have_keys, have_recordings, have_token;
	char *record_dir; /* [daemon] record_dir: the review's fallback */
	char bad[160];
};

static int add_ep(char **arr, int *n, const char *v)
{
	if (*n >= WEB_MAX_ENDPOINTS)
		return 0;
	arr[(*n)++] = strdup(v);
	return 1;
}

static int on_ini(void *user, const char *sec, const char *key, const char *val)
{
	struct cfg_ctx *c = user;
	struct web_options *o = c->o;
	if (strcmp(sec, "daemon") == 0) {
		if (strcmp(key, "pub") == 0 && !c->have_pub)
			return add_ep(o->pub, &o->n_pub, val) || (snprintf(c->bad, sizeof c->bad, "daemon.pub: too many"), 0);
		if (strcmp(key, "control") == 0 && !c->have_control)
			return add_ep(o->control, &o->n_control, val);
		if (strcmp(key, "record_dir") == 0) {
			free(c->record_dir);
			c->record_dir = strdup(val);
		}
		return 1; /* pressd's own keys */
	}
	if (strcmp(sec, "web") == 0) {
		if (strcmp(key, "listen") == 0) {
			if (!c->have_listen) {
				free(o->listen);
				o->listen = strdup(val);
			}
			return 1;
		}
		if (strcmp(key, "controls") == 0) {
			bool b;
			if (!pd_parse_bool(val, &b)) {
				snprintf(c->bad, sizeof c->bad, "web.controls: '%s' is not a boolean", val);
				return 0;
			}
			if (!c->have_controls)
				o->controls = b;
			return 1;
		}
		if (strcmp(key, "server_key") == 0 || strcmp(key, "key") == 0) {
			char **dst = key[0] == 's' ? &o->server_key : &o->key;
			if (!c->have_keys) {
				free(*dst);
				*dst = strdup(val);
			}
			return 1;
		}
		if (strcmp(key, "recordings") == 0) {
			if (!val[0]) {
				snprintf(c->bad, sizeof c->bad, "web.recordings: empty (leave it out for [daemon] record_dir)");
				return 0;
			}
			if (!c->have_recordings) {
				free(o->recordings);
				o->recordings = strdup(val);
				c->have_recordings = true;
			}
			return 1;
		}
		if (strcmp(key, "token_file") == 0 || strcmp(key, "password_hash") == 0) {
			char **dst = key[0] == 't' ? &o->token_file : &o->password_hash;
			if (!val[0]) {
				snprintf(c->bad, sizeof c->bad, "web.%s: empty", key);
				return 0;
			}
			if (dst == &o->password_hash && strncmp(val, "$argon2", 7) != 0) {
				snprintf(c->bad, sizeof c->bad, "web.password_hash: not a hash of pressd-web --hash-password");
				return 0;
			}
			if (dst != &o->token_file || !c->have_token) {
				free(*dst);
				*dst = strdup(val);
			}
			return 1;
		}
		int lim = web_limits_set(&o->limits, key, val, c->bad, sizeof c->bad);
		if (lim >= 0)
			return lim;
		snprintf(c->bad, sizeof c->bad, "web.%s: unknown key", key);
		return 0;
	}
	return 1; /* [analysis], [device.*]: pressd's */
}

static bool valid_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	long port;
	return colon && colon != s && pd_parse_long(colon + 1, 1, 65535, &port);
}

int web_options_parse(struct web_options *o, int argc, char **argv)
{
	static const struct option longs[] = {
		{"config", required_argument, 0, 'c'}, {"pub", required_argument, 0, 'p'},
		{"control", required_argument, 0, 'C'}, {"listen", required_argument, 0, 'l'},
		{"server-key", required_argument, 0, 'k'}, {"key", required_argument, 0, 'K'},
		{"page", required_argument, 0, 'P'}, {"controls", no_argument, 0, 'X'},
		{"recordings", required_argument, 0, 'R'},
		{"foreground", no_argument, 0, 'f'}, {"verbose", no_argument, 0, 'v'},
		{"quiet", no_argument, 0, 'q'}, {"version", no_argument, 0, 'V'},
		{"help", no_argument, 0, 'h'}, {"token-file", required_argument, 0, 'T'},
		{"set", required_argument, 0, 's'}, {"hash-password", no_argument, 0, 'H'}, {0, 0, 0, 0}};
	struct cfg_ctx c = {.o = o};
	memset(o, 0, sizeof *o);
	web_limits_default(&o->limits);
	const char *sets[MAX_SETS];
	int n_sets = 0;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:p:C:l:k:K:s:fvq", longs, NULL)) != -1) {
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'p':
			if (!add_ep(o->pub, &o->n_pub, optarg)) {
				fprintf(stderr, "pressd-web: -p: at most %d endpoints\n", WEB_MAX_ENDPOINTS);
				return 64;
			}
			c.have_pub = true;
			break;
		case 'C':
			if (!add_ep(o->control, &o->n_control, optarg)) {
				fprintf(stderr, "pressd-web: -C: at most %d endpoints\n", WEB_MAX_ENDPOINTS);
				return 64;
			}
			c.have_control = true;
			break;
		case 'l':
			if (!valid_listen(optarg)) {
				fprintf(stderr, "pressd-web: -l '%s': expected ADDR:PORT\n", optarg);
				return 64;
			}
			free(o->listen);
			o->listen = strdup(optarg);
			c.have_listen = true;
			break;
		case 'k':
		case 'K': {
			char **dst = opt == 'k' ? &o->server_key : &o->key;
			free(*dst);
			*dst = strdup(optarg);
			c.have_keys = true;
			break;
		}
		case 'P': free(o->page_dir); o->page_dir = strdup(optarg); break;
		case 'R':
			if (!optarg[0]) {
				fprintf(stderr, "pressd-web: --recordings: empty directory name\n");
				return 64;
			}
			free(o->recordings);
			o->recordings = strdup(optarg);
			c.have_recordings = true;
			break;
		case 'X': o->controls = true; c.have_controls = true; break;
		case 'T': free(o->token_file); o->token_file = strdup(optarg); c.have_token = true; break;
		case 'H': o->hash_password = true; return 0;
		case 's':
			if (n_sets == MAX_SETS || strncmp(optarg, "web.", 4) != 0 || !strchr(optarg, '=')) {
				fprintf(stderr, "pressd-web: -s '%s': expected web.KEY=VALUE (at most %d)\n", optarg, MAX_SETS);
				return 64;
			}
			sets[n_sets++] = optarg;
			break;
		case 'f': o->foreground = true; break;
		case 'v': o->verbosity++; break;
		case 'q': o->verbosity--; break;
		case 'V': printf("pressd-web %s\n", PRESSD_VERSION); return -1;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return 64;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pressd-web: unexpected argument '%s'\n", argv[optind]);
		return 64;
	}
	const char *cfg = o->config;
	if (!cfg && access(DEFAULT_CONFIG, R_OK) == 0)
		cfg = DEFAULT_CONFIG;
	if (cfg) {
		int r = ini_parse(cfg, on_ini, &c);
		/* [daemon] record_dir when neither --recordings nor [web]
		 * recordings named the review's directory. */
		if (!o->recordings && c.record_dir && c.record_dir[0]) {
			o->recordings = c.record_dir;
			c.record_dir = NULL;
		}
		free(c.record_dir);
		if (r < 0) {
			fprintf(stderr, "pressd-web: %s: cannot read\n", cfg);
			return 78;
		}
		if (r > 0) {
			fprintf(stderr, "pressd-web: %s:%d: %s\n", cfg, r, c.bad[0] ? c.bad : "syntax error");
			return 78;
		}
		if (o->listen && !valid_listen(o->listen)) {
			fprintf(stderr, "pressd-web: %s: web.listen '%s': expected ADDR:PORT\n", cfg, o->listen);
			return 78;
		}
	}
	/* -s after the config: the command line wins. */
	for (int i = 0; i < n_sets; i++) {
		char key[64];
		const char *eq = strchr(sets[i], '=');
		snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i] - 4), sets[i] + 4);
		if (web_limits_set(&o->limits, key, eq + 1, c.bad, sizeof c.bad) != 1) {
			fprintf(stderr, "pressd-web: -s: %s\n", c.bad[0] ? c.bad : "not a [web] limit");
			return 64;
		}
	}
	if (!o->token_file)
		o->token_file = default_token_file();
	/* The keys as a pair from one place: -k/-K replace [web]'s both. */
	char why[4400];
	bool missing;
	if (pd_curve_client_load(&o->curve, o->server_key, o->key, c.have_keys ? "-k" : "web.server_key",
				 c.have_keys ? "-K" : "web.key", &missing, why, sizeof why) != 0) {
		if (c.have_keys)
			fprintf(stderr, "pressd-web: %s\n", why);
		else
			fprintf(stderr, "pressd-web: %s: %s\n", cfg, why);
		return c.have_keys ? 64 : 78;
	}
	if (o->n_pub == 0)
		add_ep(o->pub, &o->n_pub, pd_default_pub());
	if (o->n_control == 0 && !c.have_pub)
		add_ep(o->control, &o->n_control, pd_default_control());
	if (!o->listen)
		o->listen = strdup("127.0.0.1:8080");
	if (!o->page_dir)
		o->page_dir = installed_dir("page", PRESSD_WEB_PAGE_DIR);
	if (!o->vendor_dir)
		o->vendor_dir = installed_dir("vendor", PRESSD_WEB_VENDOR_DIR);
	return 0;
}

void web_options_free(struct web_options *o)
{
	for (int i = 0; i < o->n_pub; i++)
		free(o->pub[i]);
	for (int i = 0; i < o->n_control; i++)
		free(o->control[i]);
	free(o->listen);
	free(o->recordings);
	free(o->server_key);
	free(o->key);
	free(o->page_dir);
	free(o->vendor_dir);
	free(o->token_file);
	free(o->password_hash);
}
