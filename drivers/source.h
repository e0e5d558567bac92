/* A device source is where a device's frames come from. Serial-like devices
 * are a transport (bytes) plus a protocol decoder; the simulator and replay
 * make frames directly. The daemon's reader polls the source's fd and calls
 * service() when it is readable, whatever the source. */
#ifndef PD_SOURCE_H
#define PD_SOURCE_H

#include <stddef.h>

#include "protocol.h"
#include "uri.h"

struct pd_source;

struct pd_source_ops {
	const char *name;
	/* Would this URI ever open? Catches configuration mistakes at start-up
	 * rather than as endless retries. NULL: nothing to check. */
	int (*check)(const struct pd_uri *uri, char *err, size_t errlen);
	/* Open the device. 0, or -1 with the reason in err (the caller retries). */
	int (*open)(struct pd_source *src, char *err, size_t errlen);
	/* The fd to poll for input; valid between open and close. */
	int (*fd)(const struct pd_source *src);
	/* The fd polled readable: take what there is, deliver it to src->sink.
	 * 0, or -1 when the device went away (reason in err). */
	int (*service)(struct pd_source *src, char *err, size_t errlen);
	void (*close)(struct pd_source *src);
	/* No frame came for a while (about a second, whether bytes came or
	 * not; called again each second it lasts): a chance to ask again
	 * (pmf GET_INFO/START, an ascii poll byte). 0, or -1 when the device
	 * is gone. NULL: nothing to do. */
	int (*idle)(struct pd_source *src, char *err, size_t errlen);
	/* The id the device names itself by, for a URI without id= (a replay
	 * keeps its recording's). 0 with the id, or -1: none (the daemon's
	 * default from kind and index then). NULL: never. */
	int (*default_id)(const struct pd_uri *uri, char *id, size_t idlen);
};

struct pd_source {
	const struct pd_source_ops *ops;
	struct pd_uri uri;
	struct pd_decode_sink sink;
	struct pd_decode_stats stats; /* owned by the reader thread */
	const char *protocol;         /* protocol in use once known, else NULL */
	/* Set by the owner: how many frames it can take now (called with
	 * sink.ctx) without a consumer losing one. Only a source that can
	 * wait asks (a replay at speed=max); a live device cannot. NULL: no
	 * limit. */
	size_t (*room)(void *ctx);
	void *priv;
};

/* Picks the ops for src->uri (serial port, tty, tcp, sim, ...). Returns 0,
 * or -1 with the reason in err when the URI names nothing we can open. */
int pd_source_bind(struct pd_source *src, char *err, size_t errlen);

/* Binds a scratch source to uri and runs its check. 0, or -1 with a reason. */
int pd_source_check_uri(const struct pd_uri *uri, char *err, size_t errlen);

/* The id uri's device names itself by (ops default_id). 0, or -1: none. */
int pd_source_default_id(const struct pd_uri *uri, char *id, size_t idlen);

extern const struct pd_source_ops pd_source_stream; /* transport + protocol decoder */
extern const struct pd_source_ops pd_source_sim;    /* built-in simulator */
extern const struct pd_source_ops pd_source_replay; /* a recording fed back (replay:FILE.h5) */
extern const struct pd_source_ops pd_source_auto;   /* a slot for any free known device (auto) */

#endif
