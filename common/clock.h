/* Host clocks, in nanoseconds or seconds. Monotonic for intervals, pacing
 * and timeouts, realtime (UTC) for the `time` of events and recordings. */
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

/* In seconds, for deadlines and durations: whole seconds plus the
 * fraction, so that the UTC time keeps its microseconds in a double. */
static inline double pd_clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static inline double pd_mono_s(void) { return pd_clock_s(CLOCK_MONOTONIC); }
static inline double pd_utc_s(void) { return pd_clock_s(CLOCK_REALTIME); }

#endif
