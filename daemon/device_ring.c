/* How large a device's frame ring is (device_ring.h). Two measures: the
 * device's own time (daemon.ring_s seconds at the announced rate, the
 * lower bound), and, once a burst fills it, the rate frames really
 * arrive at, within a byte budget. A pty written as fast as it goes
 * delivers a 100 Hz capture at 12 kHz: 4 s of device time is then 33 ms,
 * less than the recorder's flush takes, and the reader would wait on
 * every flush. Only a consumer that pauses (one with a stall budget: the
 * recorder) grows it; one that is simply slower holds the reader back as
 * before. Frames that arrive in real time never grow the ring, so a
 * frozen disk still fills it and is let go after daemon.archive_stall_s. */
#include "device_ring.h"

#include <math.h>
#include <string.h>

#include "log.h"
#include "reader_room.h"

#define RING_MIN_SLOTS 64
#define RING_MAX_BYTES (256u << 20)
#define RING_BURST_BYTES (8u << 20)  /* what a burst may grow the ring to: a commit's pause, not a second */
#define RING_SLOT_OVERHEAD 64        /* about a slot's own words (seq, times, geometry) */
#define RING_RETIRED_FOR_BURSTS 8    /* no burst growth past this many retired rings: the rest are for
                                        geometry changes */
#define ARRIVALS_WINDOW 256          /* frames per measure of the arrival rate */

static size_t retired_cap(const struct pd_device *d)
{
	return sizeof d->retired / sizeof d->retired[0];
}

/* Puts a ring of slots × cells in place of the current one, which
 * consumers drain before they follow. */
static struct pd_frame_ring *replace(struct pd_device *d, size_t slots, size_t cells)
{
	struct pd_frame_ring *cur = atomic_load(&d->ring);
	struct pd_frame_ring *r = pd_frame_ring_new(slots, cells);
	if (!r) {
		pd_err("%s: out of memory for a ring of %zu × %zu bytes", d->id, slots, cells);
		return NULL;
	}
	if (cur)
		d->retired[d->nretired++] = cur;
	atomic_store(&d->ring, r);
	pd_dbg("%s: ring of %zu frames of up to %zu bytes", d->id, slots, cells);
	return r;
}

int pd_device_ring_fit(struct pd_device *d, const struct pd_device_info *info)
{
	size_t cells = pd_frame_cells_bytes(info->rows, info->cols, info->cell_bits);
	struct pd_frame_ring *cur = atomic_load(&d->ring);
	if (cur && pd_frame_ring_cells_cap(cur) >= cells)
		return 0;
	if (cur && (size_t)d->nretired == retired_cap(d)) {
		pd_err("%s: geometry changed too often; frames of %zu bytes dropped", d->id, cells);
		return -1;
	}
	/* Grow geometrically so a device that keeps changing shape retires few rings. */
	if (cur && cells < 2 * pd_frame_ring_cells_cap(cur))
		cells = 2 * pd_frame_ring_cells_cap(cur);
	double rate = info->rate_hz > 0 && isfinite(info->rate_hz) ? info->rate_hz : 100;
	size_t slots = (size_t)(d->ring_s * rate);
	if (cur && slots < pd_frame_ring_slots(cur)) /* what a burst made it */
		slots = pd_frame_ring_slots(cur);
	if (slots < RING_MIN_SLOTS)
		slots = RING_MIN_SLOTS;
	size_t slot_bytes = cells + RING_SLOT_OVERHEAD;
	if (slots * slot_bytes > RING_MAX_BYTES)
		slots = RING_MAX_BYTES / slot_bytes > RING_MIN_SLOTS ? RING_MAX_BYTES / slot_bytes : RING_MIN_SLOTS;
	return replace(d, slots, cells) ? 0 : -1;
}

void pd_device_ring_arrival(struct pd_device *d, int64_t now_ns)
{
	if (d->arrivals++ == 0) {
		d->arrivals_t0_ns = now_ns;
		return;
	}
	if (d->arrivals <= ARRIVALS_WINDOW)
		return;
	int64_t dt = now_ns - d->arrivals_t0_ns;
	d->arrival_hz = dt > 0 ? (double)(d->arrivals - 1) * 1e9 / (double)dt : 0;
	d->arrivals = 1;
	d->arrivals_t0_ns = now_ns;
}

/* Whether the consumers the reader would wait for all pause rather than
 * plod: those with a stall budget (the recorder, whose flush may take a
 * while) do; a consumer simply slower than the frames come (no budget)
 * should hold the reader back, as backpressure means, not grow the ring. */
static bool only_pausers_hold(const struct pd_device *d, size_t slots)
{
	for (int i = 0; i < d->nconsumers; i++) {
		const struct pd_device_consumer *c = &d->consumers[i];
		uint64_t done = atomic_load(c->done);
		if (c->lossless && !c->let_go && d->written - done >= slots && c->stall_s <= 0)
			return false;
	}
	return true;
}

/* Frames that come over a link, whose bytes pile up in a buffer of
 * the kernel's or the device's while the reader waits. The simulator and
 * a replay make their frames: they wait at no cost, and a larger ring
 * would only let every consumer lag further (a record_stop then waits
 * longer for the analysis to catch up). */
static bool from_a_link(const struct pd_device *d)
{
	const char *p = d->src.protocol;
	return p && strcmp(p, "sim") != 0 && strcmp(p, "replay") != 0;
}

struct pd_frame_ring *pd_device_ring_for_burst(struct pd_device *d, struct pd_frame_ring *r)
{
	size_t slots = pd_frame_ring_slots(r), cells = pd_frame_ring_cells_cap(r);
	size_t budget = RING_BURST_BYTES / (cells + RING_SLOT_OVERHEAD);
	double want = d->ring_s * d->arrival_hz;
	/* The cheap tests first: this runs for every frame. */
	if (want <= (double)slots || slots >= budget || !from_a_link(d) ||
	    (size_t)d->nretired >= RING_RETIRED_FOR_BURSTS || pd_reader_room(d, slots) > 0 ||
	    !only_pausers_hold(d, slots))
		return r;
	/* At least double: few rings retired on the way to the budget. */
	size_t to = want < 2.0 * (double)slots ? 2 * slots : (size_t)want;
	if (to > budget)
		to = budget;
	pd_info("%s: frames arrive at %.0f/s, faster than a ring of %zu holds %g s of: %zu frames now", d->id,
		d->arrival_hz, slots, d->ring_s, to);
	struct pd_frame_ring *bigger = replace(d, to, cells);
	return bigger ? bigger : r;
}
