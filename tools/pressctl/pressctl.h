/* pressctl: what every part of the client shares. The wire contract it
 * speaks is ../shared/spec/events.md; nothing here knows pressd's insides. */
#ifndef PC_PRESSCTL_H
#define PC_PRESSCTL_H

#include <stdbool.h>

#include "curve_client.h"

#ifndef PRESSD_VERSION
#define PRESSD_VERSION "dev"
#endif

/* Default endpoints: common/endpoints.h (/run/pressd's sockets when that
 * directory exists, else loopback TCP). */
#include "endpoints.h"
#define PC_DEFAULT_TIMEOUT_S 3.0
#define PC_SCHEMA 1 /* the events.md schema version this client understands */

/* The options every command takes (before or after its name). */
struct pc_global {
	const char *control; /* -C: the REP endpoint */
	const char *pub;     /* -p: the PUB endpoint */
	double timeout_s;    /* -t: how long a control request may take */
	bool json;           /* --json: raw JSON out */
	/* -k/--server-key, -K/--key: CURVE certificates for remote access */
	const char *server_key_path, *key_path;
	struct pd_curve_client_keys keys; /* loaded by pc_keys_load */
};

#endif
