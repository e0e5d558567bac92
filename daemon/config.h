/* pressd's configuration: the INI file, then -s overrides, then -d devices
 * (daemon.md "Configuration file"). Everything is validated here, before
 * anything is opened, so a mistake is reported with the key that made it. */
#ifndef PD_CONFIG_H
#define PD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "curve_keys.h"
#include "params.h"
#include "record_roots.h"
#include "uri.h"

#define PD_MAX_DEVICES 32
#define PD_MAX_DEVICE_OPTS 24

struct pd_device_conf {
	char id[32];
	bool have_uri;
	char uri_text[512];
	/* [device.<id>] options other than uri, applied after it, in order */
	int nopts;
	char opt_key[PD_MAX_DEVICE_OPTS][24];
	char opt_val[PD_MAX_DEVICE_OPTS][128];
	struct pd_uri uri; /* the result, once pd_config_finish has run */
};

struct pd_config {
	char pub[256];     /* event endpoint */
	char control[256]; /* control endpoint */
	char record_dir[PATH_MAX];
	double record_max_mb; /* rotate recordings past this size (0: never) */
	double record_max_s;  /* ... or this long (0: never) */
	long frame_rate_hz;
	long stats_interval_s;
	double ring_s;  /* seconds of frames each device's ring holds */
	double archive_stall_s; /* how long a stalled recorder may hold a reader back */
	int log_level;  /* syslog level; -1: from -v/-q */
	bool trace_frames; /* log every frame (debug) */
	/* Remote access: endpoints beyond loopback need CURVE keys, or this. */
	char curve_key[PATH_MAX];     /* server's secret certificate */
	char curve_clients[PATH_MAX]; /* directory of allowed clients' NAME.key */
	bool allow_insecure_remote;
	/* Local access (events.md): ipc:// socket files get this group and
	 * mode after bind. Empty / -1: as bind left them (the umask's). */
	char socket_group[64];
	long socket_gid;  /* resolved by pd_config_finish; -1: unchanged */
	long socket_mode; /* -1: unchanged */
	/* record_start's dir must lie inside one of these (comma-separated);
	 * empty: record_dir, else the directory pressd was started in. */
	char record_roots[4096];
	char start_dir[PATH_MAX]; /* where pressd was started (pd_config_finish) */
	struct pd_record_roots roots; /* parsed by pd_config_finish */
	struct pd_curve_keys curve; /* loaded by pd_config_finish */
	struct pd_analysis_params analysis;
	int ndevices;
	struct pd_device_conf devices[PD_MAX_DEVICES];
};

void pd_config_default(struct pd_config *c);

/* Reads an INI file into c. 0, or -1 with "FILE:LINE: reason" in err. */
int pd_config_load(struct pd_config *c, const char *path, char *err, size_t errlen);

/* Applies one "section.key=value" override (-s). 0, or -1 with a reason. */
int pd_config_override(struct pd_config *c, const char *assignment, char *err, size_t errlen);

/* Sets one key of one section, as the INI file or -s would. */
int pd_config_set(struct pd_config *c, const char *section, const char *key, const char *value,
		  char *err, size_t errlen);

/* Adds a -d device. 0, or -1 with a reason. */
int pd_config_add_device_uri(struct pd_config *c, const char *uri, char *err, size_t errlen);

/* Parses every device's URI and options and gives each an id (mat0,
 * roller0, ... unless set), checks cross-key rules. 0, or -1 with a reason
 * naming the device section or URI. */
int pd_config_finish(struct pd_config *c, char *err, size_t errlen);

#endif
