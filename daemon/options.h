/* pressd's command line (daemon.md "pressd command line"). */
#ifndef PD_OPTIONS_H
#define PD_OPTIONS_H

#include <stdbool.h>

#define PD_DEFAULT_CONFIG "/etc/pressd/pressd.conf"
#define PD_EXIT_USAGE 64  /* EX_USAGE: bad option or argument */
#define PD_EXIT_CONFIG 78 /* EX_CONFIG: bad config key or value */

struct pd_options {
	const char *config; /* NULL: the default file if present */
	const char *pub, *control, *record_dir;
	int ndevices;
	const char **devices; /* -d, in order (points into argv) */
	int noverrides;
	const char **overrides; /* -s, in order */
	bool foreground;
	int verbosity; /* +1 per -v, -1 per -q */
	bool list_ports;
};

/* Parses argv. Returns -1 to go on, or an exit status (0 after --help or
 * --version, PD_EXIT_USAGE after printing why). */
int pd_options_parse(struct pd_options *o, int argc, char **argv);
void pd_options_free(struct pd_options *o);

#endif
