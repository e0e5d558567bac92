/* Host clocks, in nanoseconds. Monotonic for intervals and pacing, realtime
 * (UTC) for the `time` of events and recordings. */
#ifndef PD_CLOCK_H
#define PD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t pd_clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static inline int64_t pd_mono_ns(void) { return pd_clock_ns(CLOCK_MONOTONIC); }
static inline int64_t pd_utc_ns(void) { return pd_clock_ns(CLOCK_REALTIME); }

#endif
