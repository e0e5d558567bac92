/* A consumer of the devices' frames (the analysis, the recorder, the
 * publisher, the frame trace) is a table of operations; one runner thread
 * per consumer (consumer_runner.c) owns everything they share: the cursor
 * on every device's ring, waking on new frames, the INFO of each frame's
 * own stream, counting what was lost, a periodic tick, extra fds or
 * sockets to poll, requests from other threads, and the last drain at
 * stop. A new output is one table and one pd_runner_start call.
 *
 * Lossless consumers hold a device's reader back while they are a ring's
 * length behind (device.c), so they see every frame; a lossless consumer
 * with a stall budget (the recorder, whose disk may freeze) is let go once
 * it has held the reader that long, misses frames (told through `lost`)
 * and rejoins when it has caught up. Lossy consumers (the publisher)
 * never hold the reader back: they lose the oldest frames instead. */
#ifndef PD_CONSUMER_H
#define PD_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "device.h"

enum pd_consumer_kind { PD_CONSUMER_LOSSY, PD_CONSUMER_LOSSLESS };

/* A frame as a consumer is handed it. */
struct pd_consumer_frame {
	const struct pd_frame *frame;
	/* What the device said about itself for this frame's stream (it may
	 * have changed since, while the consumer lagged); NULL when unknown. */
	const struct pd_device_info *info;
	uint32_t stream;
	bool new_stream; /* the first frame of a stream this consumer sees */
};

#define PD_CONSUMER_MAX_ITEMS 4

struct pd_consumer_ops {
	const char *name; /* "analysis", "recorder": for logs */
	enum pd_consumer_kind kind;
	/* Lossless only: how long it may hold a reader back before it is let
	 * go (seconds); 0: never let go. */
	double stall_s;
	int tick_ms; /* period of `tick`; 0: no tick */

	/* Lossy only, optional: asked with the frame's metadata (cells NULL)
	 * before its cells are copied out of the ring; false skips it. */
	bool (*wants)(void *ctx, int dev, const struct pd_frame *meta);
	void (*frame)(void *ctx, int dev, const struct pd_consumer_frame *cf);
	/* Optional: n frames of device dev were overwritten before this
	 * consumer could take them (a lossy one fell behind, or a lossless one
	 * was let go). Called before the frame that follows them. */
	void (*lost)(void *ctx, int dev, uint64_t n);
	/* Optional: the consumer has taken everything device dev had. */
	void (*caught_up)(void *ctx, int dev);
	void (*tick)(void *ctx, int64_t now_mono_ns);
	/* Optional: extra fds or ZeroMQ sockets to wait on, asked once at
	 * start (at most PD_CONSUMER_MAX_ITEMS); `ready` is called for each
	 * with revents set. */
	int (*poll_items)(void *ctx, zmq_pollitem_t *items, int max);
	void (*ready)(void *ctx, int item, short revents);
	/* Optional: at stop, after the last frame of every (stopped) reader. */
	void (*finish)(void *ctx);
};

#endif
