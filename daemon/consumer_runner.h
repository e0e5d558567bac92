/* Runs one consumer (consumer.h) on a thread of its own over every
 * device's frames. */
#ifndef PD_CONSUMER_RUNNER_H
#define PD_CONSUMER_RUNNER_H

#include <stddef.h>

#include "consumer.h"

struct pd_runner;

/* Registers a cursor with every device (before they start) and starts the
 * thread, with *out set before it runs (the ops may use it). ops and ctx
 * must outlive the runner. 0, or -1 with err and *out NULL. */
int pd_runner_start(struct pd_runner **out, const struct pd_consumer_ops *ops, void *ctx, struct pd_device *devs,
		    int ndevs, char *err, size_t errlen);

/* Once the readers have stopped: takes every frame they left, calls
 * `finish`, runs what was still asked of it, and joins the thread. */
void pd_runner_stop(struct pd_runner *r);

/* A request from another thread, run on the runner's thread between two
 * frames: fn(ctx, data) on a copy of the `size` bytes at data.
 * timeout_ms > 0: waits that long for it, copies the bytes back into data
 * and returns 0; -1 if it did not run in time (it still will, later, and
 * then `discard` frees what fn made, since nobody is left to read it).
 * timeout_ms == 0: returns at once; fn then discard run later.
 * discard may be NULL. -1 also when out of memory or stopping. */
typedef void (*pd_runner_fn)(void *ctx, void *data);
int pd_runner_call(struct pd_runner *r, pd_runner_fn fn, void *data, size_t size, pd_runner_fn discard,
		   int timeout_ms);

/* The cursor's device index `dev` follows (for frames taken outside `frame`,
 * e.g. a recorder draining before it answers record_stop): takes every frame
 * there is now, through the ops, on the runner's thread. */
void pd_runner_drain(struct pd_runner *r, int dev);

/* Frames of device `dev` waiting for this consumer. Runner thread. */
uint64_t pd_runner_backlog(const struct pd_runner *r, int dev);

#endif
