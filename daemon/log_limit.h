/* At most `burst` log lines a minute of one kind, then one line saying
 * how many were left out: a client that repeats a request in a loop
 * must not fill the journal (the same rule as the remote-access refusals,
 * docs/remote-access.md). One thread per limiter. */
#ifndef PD_LOG_LIMIT_H
#define PD_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct pd_log_limit {
	const char *what; /* "control requests": names the summary line */
	int burst;
	int64_t window_start_ns;
	int logged, suppressed;
};

/* true: log this one. */
bool pd_log_limit_allow(struct pd_log_limit *l);

#endif
