/* A byte-stream device: a transport plus a protocol decoder. With
 * protocol=auto every decoder reads the first bytes side by side, as gpsd
 * probes GPS protocols; the first to recognise the stream, in the
 * protocols' probe_order (pmf, ascii, sensitronics), wins and is fed those
 * bytes again for real, so nothing read while probing is lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "source.h"
#include "transport/transport.h"

#define RX_CHUNK 65536
#define PROBE_MAX (1u << 20) /* bytes kept while probing; the oldest half goes past that */

struct probe {
	void *state;
	struct pd_decode_stats stats;
	unsigned hits;
};

struct stream {
	struct pd_transport tr;
	const struct pd_protocol *proto; /* NULL while probing */
	void *state;
	struct pd_source *src;
	unsigned frames_in_feed; /* frames delivered by the current feed() */
	struct pd_rx_time last_rx; /* when the last bytes came */
	struct probe *probes; /* one per pd_protocols entry while probing, else NULL */
	uint8_t *probe_buf;
	size_t probe_len;
	uint8_t rx[RX_CHUNK];
};

/* ---- the decoder's sink: forward, and note frames for polling sketches -- */

static void fwd_info(void *ctx, const struct pd_device_info *info)
{
	struct stream *s = ctx;
	if (s->src->sink.info)
		s->src->sink.info(s->src->sink.ctx, info);
}

static void fwd_frame(void *ctx, const struct pd_frame *f)
{
	struct stream *s = ctx;
	s->frames_in_feed++;
	if (s->src->sink.frame)
		s->src->sink.frame(s->src->sink.ctx, f);
}

static void fwd_log(void *ctx, int level, const char *text)
{
	struct stream *s = ctx;
	if (s->src->sink.log)
		s->src->sink.log(s->src->sink.ctx, level, text);
}

static void fwd_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	struct stream *s = ctx;
	if (s->src->sink.ack)
		s->src->sink.ack(s->src->sink.ctx, cmd, status);
}

/* ---- probing sinks only count ------------------------------------------ */

static void probe_hit(void *ctx, const struct pd_frame *f)
{
	(void)f;
	((struct probe *)ctx)->hits++;
}

static void probe_info(void *ctx, const struct pd_device_info *info)
{
	(void)info;
	((struct probe *)ctx)->hits++;
}

static void probe_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	(void)cmd, (void)status;
	((struct probe *)ctx)->hits++;
}

static void probe_log(void *ctx, int level, const char *text)
{
	(void)level, (void)text;
	((struct probe *)ctx)->hits++;
}

static int send_generated(struct stream *s, size_t (*gen)(void *, uint8_t *, size_t), void *state,
			  char *err, size_t errlen)
{
	uint8_t out[256];
	size_t n = gen && state ? gen(state, out, sizeof out) : 0;
	return n ? pd_transport_write(&s->tr, out, n, err, errlen) : 0;
}

static int send_bytes(struct stream *s, size_t (*gen)(void *, uint8_t *, size_t), char *err, size_t errlen)
{
	return send_generated(s, gen, s->state, err, errlen);
}

/* While probing: what every candidate says on open (pmf's GET_INFO and
 * START), so that a device waiting to be asked speaks up; the others take
 * those few bytes as noise. */
static int knock(struct stream *s, char *err, size_t errlen)
{
	for (size_t i = 0; s->probes && pd_protocols[i]; i++)
		if (send_generated(s, pd_protocols[i]->on_open, s->probes[i].state, err, errlen) != 0)
			return -1;
	return 0;
}

static int start_decoder(struct stream *s, const struct pd_protocol *p, char *err, size_t errlen)
{
	void *state = calloc(1, p->state_size);
	if (!state) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (p->init(state, &s->src->uri.params, &s->src->stats, err, errlen) != 0) {
		free(state);
		return -1;
	}
	s->proto = p;
	s->state = state;
	s->src->protocol = p->name;
	return 0;
}

static void stop_probes(struct stream *s)
{
	for (size_t i = 0; s->probes && pd_protocols[i]; i++) {
		if (s->probes[i].state) {
			pd_protocols[i]->fini(s->probes[i].state);
			free(s->probes[i].state);
		}
	}
	free(s->probes);
	s->probes = NULL;
	free(s->probe_buf);
	s->probe_buf = NULL;
	s->probe_len = 0;
}

static void feed(struct stream *s, const uint8_t *data, size_t len, const struct pd_rx_time *rx)
{
	const struct pd_decode_sink sink = { s, fwd_info, fwd_frame, fwd_log, fwd_ack };
	s->frames_in_feed = 0;
	s->proto->feed(s->state, data, len, rx, &sink);
}

/* Polling sketches send a frame per poll byte: one per frame received. */
static int poll_for_more(struct stream *s, unsigned frames, char *err, size_t errlen)
{
	for (unsigned i = 0; i < frames; i++)
		if (send_bytes(s, s->proto->after_frame, err, errlen) != 0)
			return -1;
	return 0;
}

static int stream_open(struct pd_source *src, char *err, size_t errlen)
{
	struct stream *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->src = src;
	src->priv = s;
	src->protocol = NULL;
	if (pd_transport_open(&s->tr, &src->uri, err, errlen) != 0)
		goto fail;

	const struct pd_protocol *fixed = pd_protocol_find(src->uri.protocol);
	if (fixed) {
		if (start_decoder(s, fixed, err, errlen) != 0)
			goto fail;
		if (send_bytes(s, s->proto->on_open, err, errlen) != 0 ||
		    poll_for_more(s, s->proto->after_frame ? 1 : 0, err, errlen) != 0)
			goto fail;
		return 0;
	}

	/* auto: every decoder that can run with what we know (sensitronics
	 * needs the geometry from the URI) listens in. */
	int candidates = 0;
	char why[160];
	s->probes = calloc(pd_protocol_count(), sizeof *s->probes);
	if (!s->probes) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; pd_protocols[i]; i++) {
		const struct pd_protocol *p = pd_protocols[i];
		struct probe *pr = &s->probes[i];
		pr->state = calloc(1, p->state_size);
		if (pr->state && p->init(pr->state, &src->uri.params, &pr->stats, why, sizeof why) == 0) {
			candidates++;
		} else {
			pd_dbg("%s: not probing for %s: %s", src->uri.text, p->name, pr->state ? why : "out of memory");
			free(pr->state);
			pr->state = NULL;
		}
	}
	s->probe_buf = malloc(PROBE_MAX);
	if (!candidates || !s->probe_buf) {
		snprintf(err, errlen, "no protocol can be probed");
		goto fail;
	}
	if (knock(s, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	src->ops->close(src);
	return -1;
}

/* Feeds the new bytes to every candidate; returns the winner's index or -1. */
static int probe(struct stream *s, const uint8_t *data, size_t len, const struct pd_rx_time *rx)
{
	if (s->probe_len + len > PROBE_MAX) {
		/* Still nothing recognised: keep the newer half. */
		size_t keep = PROBE_MAX / 2 > len ? PROBE_MAX / 2 : 0;
		memmove(s->probe_buf, s->probe_buf + s->probe_len - keep, keep);
		s->probe_len = keep;
		len = len > PROBE_MAX ? PROBE_MAX : len;
	}
	memcpy(s->probe_buf + s->probe_len, data, len);
	s->probe_len += len;
	for (size_t i = 0; pd_protocols[i]; i++) {
		struct probe *pr = &s->probes[i];
		if (!pr->state)
			continue;
		const struct pd_decode_sink sink = { pr, probe_info, probe_hit, probe_log, probe_ack };
		pd_protocols[i]->feed(pr->state, data, len, rx, &sink);
	}
	for (size_t i = 0; pd_protocols[i]; i++)
		if (s->probes[i].state && s->probes[i].hits >= pd_protocols[i]->probe_evidence)
			return (int)i;
	return -1;
}

static int stream_service(struct pd_source *src, char *err, size_t errlen)
{
	struct stream *s = src->priv;
	for (int reads = 0; reads < 16; reads++) {
		ssize_t n = pd_transport_read(&s->tr, s->rx, sizeof s->rx, err, errlen);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		struct pd_rx_time rx = { pd_utc_ns(), pd_mono_ns() };
		s->last_rx = rx;
		if (s->proto) {
			feed(s, s->rx, (size_t)n, &rx);
			if (s->proto->after_frame && poll_for_more(s, s->frames_in_feed, err, errlen) != 0)
				return -1;
			continue;
		}
		/* Bytes not yet recognised count as garbage, so junk shows in the
		 * stats as such, not as a dead link; the winner takes back
		 * what it is fed again below and counts it its own way. */
		src->stats.bytes += (uint64_t)n;
		src->stats.garbage_bytes += (uint64_t)n;
		int win = probe(s, s->rx, (size_t)n, &rx);
		if (win < 0)
			continue;
		const struct pd_protocol *p = pd_protocols[win];
		uint8_t *replay = s->probe_buf;
		size_t replay_len = s->probe_len;
		src->stats.bytes -= replay_len;
		src->stats.garbage_bytes -= replay_len;
		s->probe_buf = NULL;
		stop_probes(s);
		pd_info("%s: protocol %s recognised", src->uri.text, p->name);
		if (start_decoder(s, p, err, errlen) != 0) {
			free(replay);
			return -1;
		}
		feed(s, replay, replay_len, &rx);
		free(replay);
		if (s->proto->after_frame && poll_for_more(s, s->frames_in_feed, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* A device that missed our requests (or a polled sketch whose frame was
 * dropped, so no poll byte went out) would otherwise wait forever. */
static int stream_idle(struct pd_source *src, char *err, size_t errlen)
{
	struct stream *s = src->priv;
	if (!s->proto) /* still probing: knock again */
		return knock(s, err, errlen);
	if (s->proto->after_frame)
		return poll_for_more(s, 1, err, errlen);
	return send_bytes(s, s->proto->on_open, err, errlen);
}

static int stream_fd(const struct pd_source *src)
{
	const struct stream *s = src->priv;
	return s->tr.fd;
}

static void stream_close(struct pd_source *src)
{
	struct stream *s = src->priv;
	if (!s)
		return;
	stop_probes(s);
	if (s->proto) {
		if (s->proto->finish) { /* frames a lying header still holds back */
			const struct pd_decode_sink sink = { s, fwd_info, fwd_frame, fwd_log, fwd_ack };
			s->proto->finish(s->state, &s->last_rx, &sink);
		}
		s->proto->fini(s->state);
		free(s->state);
	}
	pd_transport_close(&s->tr);
	free(s);
	src->priv = NULL;
}

const struct pd_source_ops pd_source_stream = {
	.name = "stream",
	.open = stream_open,
	.fd = stream_fd,
	.service = stream_service,
	.close = stream_close,
	.idle = stream_idle,
};
