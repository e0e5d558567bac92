/* pressd-web's command line and the [daemon]/[web] parts of pressd.conf. */
#ifndef PRESSD_WEB_OPTIONS_H
#define PRESSD_WEB_OPTIONS_H
#include <stdbool.h>
#include <stddef.h>

#include "curve_client.h"
#include "web_limits.h"

#define WEB_MAX_ENDPOINTS 8

struct web_options {
	const char *config;
	char *pub[WEB_MAX_ENDPOINTS];
	int n_pub;
	char *control[WEB_MAX_ENDPOINTS];
	int n_control;
	char *listen;        /* ADDR:PORT */
	char *recordings;    /* the review page's directory; NULL: none configured */
	char *page_dir;      /* where index.html lives */
	char *vendor_dir;    /* where uPlot's dist/ lives */
	char *server_key;    /* -k, [web] server_key: pressd's public certificate */
	char *key;           /* -K, [web] key: pressd-web's secret certificate */
	struct pd_curve_client_keys curve; /* loaded from the two above */
	char *token_file;    /* --token-file, [web] token_file: the secret (access.h) */
	char *password_hash; /* [web] password_hash: a password as well */
	struct web_limits limits;
	bool controls;
	bool hash_password;  /* --hash-password: print one and exit */
	bool foreground;
	int verbosity;
};

/* The directory pressd-web's executable is in (where an installed one
 * finds its page, and any one finds pressctl); false if unknown. */
bool web_exe_dir(char *out, size_t cap);

/* 0 to run, -1 when --help/--version were answered, else the exit status
 * (64 bad option, 78 bad config), after printing what was wrong. */
int web_options_parse(struct web_options *o, int argc, char **argv);
void web_options_free(struct web_options *o);
#endif
