/* Device URIs (daemon.md "Device URIs"): what to open and how to read it. */
#ifndef PD_URI_H
#define PD_URI_H

#include <stdint.h>

#include "protocol.h"

enum pd_uri_scheme {
	PD_URI_SERIAL, /* serial:/dev/ttyUSB0 or a plain path: libserialport, or termios for ptys */
	PD_URI_TCP,    /* tcp:HOST:PORT */
	PD_URI_SIM,    /* sim:mat, sim:roller */
	PD_URI_REPLAY, /* replay:FILE.h5 */
	PD_URI_AUTO,   /* slots for known devices, connected now or later */
};

struct pd_uri {
	enum pd_uri_scheme scheme;
	char text[512];     /* as given, for messages */
	char path[256];     /* device path, replay file, or sim kind ("mat"/"roller") */
	char host[256];     /* tcp */
	uint16_t port;      /* tcp */
	char protocol[16];  /* pmf, ascii, sensitronics, auto */
	char id[32];        /* "" = default from kind and index */
	int baud;           /* 0 = leave as is (ptys, USB CDC) */
	struct pd_stream_params params;
	/* sim: and replay: */
	char scenario[32];
	float rate_hz;
	uint8_t cell_bits;
	int speed_max; /* replay/sim: as fast as possible */
	int loop;      /* replay: start over at the end (else the device ends there) */
	int slots;     /* auto: at least this many devices, for mats plugged in later (0: 1) */
};

/* Parses `text` into u (query options included). 0, or -1 with a reason. */
int pd_uri_parse(const char *text, struct pd_uri *u, char *err, size_t errlen);

/* Applies one query option (`protocol`, `id`, `rows`, ...), as given in a
 * query string or a [device.<id>] config section. 0, or -1 with a reason. */
int pd_uri_set_option(struct pd_uri *u, const char *key, const char *value, char *err, size_t errlen);

/* True if `key` is an option pd_uri_set_option knows. */
int pd_uri_option_known(const char *key);

#endif
