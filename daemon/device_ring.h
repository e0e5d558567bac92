/* The size of a device's frame ring (the reader thread's business). */
#ifndef PD_DEVICE_RING_H
#define PD_DEVICE_RING_H

#include <stdint.h>

#include "device.h"

/* A ring for frames of this geometry: at least daemon.ring_s seconds at
 * the rate the device announces, within a memory bound; a larger one
 * replaces the ring when the geometry outgrows it. 0, or -1 (said). */
int pd_device_ring_fit(struct pd_device *d, const struct pd_device_info *info);

/* A frame arrived (host time now_ns): the rate frames really come at,
 * which a link that bursts (a network serial bridge catching up, a pty
 * written as fast as it goes) makes far higher than the announced one. */
void pd_device_ring_arrival(struct pd_device *d, int64_t now_ns);

/* Before each frame is written. When frames come over a link (not made
 * by the simulator or a replay, which wait at no cost), the ring is full
 * for the recorder (a lossless consumer with a stall budget: a flush
 * pauses it) so that the reader would wait, and the ring holds less than
 * ring_s at the rate frames arrive, a larger one (within a byte budget
 * for bursts) replaces it: the burst is absorbed rather than waited out.
 * The ring to write (the same or the new one). */
struct pd_frame_ring *pd_device_ring_for_burst(struct pd_device *d, struct pd_frame_ring *r);

#endif
