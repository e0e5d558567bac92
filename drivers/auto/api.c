/* The `auto` source: a slot that opens whichever free known device it can
 * claim (slots.h), then reads it exactly as the stream source reads a
 * configured port, by delegating to it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "slots.h"
#include "source.h"

/* The stream source reading the claimed port. Its stats carry on across
 * ports, so the slot's counters are the device's. */
struct auto_priv {
	struct pd_source inner;
};

static void sync_out(struct pd_source *src)
{
	struct auto_priv *a = src->priv;
	src->stats = a->inner.stats;
	src->protocol = a->inner.protocol;
}

/* The inner source delivers to these, which pass everything on to the
 * slot's own sink after bringing out what the inner source knows (the
 * protocol it recognised, its counters), for the device to see. */
static void fwd_info(void *ctx, const struct pd_device_info *info)
{
	struct pd_source *src = ctx;
	sync_out(src);
	src->sink.info(src->sink.ctx, info);
}

static void fwd_frame(void *ctx, const struct pd_frame *f)
{
	struct pd_source *src = ctx;
	if (src->sink.frame)
		src->sink.frame(src->sink.ctx, f);
}

static void fwd_log(void *ctx, int level, const char *text)
{
	struct pd_source *src = ctx;
	if (src->sink.log)
		src->sink.log(src->sink.ctx, level, text);
}

static void fwd_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	struct pd_source *src = ctx;
	if (src->sink.ack)
		src->sink.ack(src->sink.ctx, cmd, status);
}

static size_t auto_room(void *ctx)
{
	struct pd_source *src = ctx;
	return src->room(src->sink.ctx);
}

static int auto_open(struct pd_source *src, char *err, size_t errlen)
{
	char path[sizeof src->uri.path];
	const char *protocol = NULL;
	if (pd_auto_claim(src, path, sizeof path, &protocol, err, errlen) != 0)
		return -1;
	struct auto_priv *a = calloc(1, sizeof *a);
	if (!a) {
		pd_auto_release(src);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->inner.ops = &pd_source_stream;
	a->inner.uri = src->uri;
	a->inner.uri.scheme = PD_URI_SERIAL;
	snprintf(a->inner.uri.path, sizeof a->inner.uri.path, "%s", path);
	snprintf(a->inner.uri.text, sizeof a->inner.uri.text, "%s", path);
	if (protocol && !strcmp(src->uri.protocol, "auto"))
		snprintf(a->inner.uri.protocol, sizeof a->inner.uri.protocol, "%s", protocol);
	a->inner.sink = (struct pd_decode_sink){ src, fwd_info, fwd_frame, fwd_log, fwd_ack };
	a->inner.room = src->room ? auto_room : NULL;
	a->inner.stats = src->stats;
	src->priv = a;
	char why[200];
	if (a->inner.ops->open(&a->inner, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		src->priv = NULL;
		free(a);
		pd_auto_release(src);
		return -1;
	}
	pd_log(LOG_NOTICE, "auto: took %s", path);
	return 0;
}

static int auto_fd(const struct pd_source *src)
{
	const struct auto_priv *a = src->priv;
	return a->inner.ops->fd(&a->inner);
}

static int auto_service(struct pd_source *src, char *err, size_t errlen)
{
	struct auto_priv *a = src->priv;
	int rc = a->inner.ops->service(&a->inner, err, errlen);
	sync_out(src);
	return rc;
}

static int auto_idle(struct pd_source *src, char *err, size_t errlen)
{
	struct auto_priv *a = src->priv;
	int rc = a->inner.ops->idle ? a->inner.ops->idle(&a->inner, err, errlen) : 0;
	sync_out(src);
	return rc;
}

static void auto_close(struct pd_source *src)
{
	struct auto_priv *a = src->priv;
	if (!a)
		return;
	a->inner.ops->close(&a->inner);
	sync_out(src);
	src->priv = NULL;
	free(a);
	pd_auto_release(src);
}

const struct pd_source_ops pd_source_auto = {
	.name = "auto",
	.open = auto_open,
	.fd = auto_fd,
	.service = auto_service,
	.close = auto_close,
	.idle = auto_idle,
};
