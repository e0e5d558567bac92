#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int max_level = LOG_NOTICE;
static int to_syslog;

void pd_log_init(const char *ident, int use_syslog, int level)
{
	to_syslog = use_syslog;
	atomic_store(&max_level, level);
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void pd_log_set_level(int level) { atomic_store(&max_level, level); }
int pd_log_level(void) { return atomic_load(&max_level); }

void pd_log(int level, const char *fmt, ...)
{
	if (level > atomic_load(&max_level))
		return;
	va_list ap;
	va_start(ap, fmt);
	if (to_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		/* One fprintf per line so lines from several threads never interleave. */
		static const char *const names[] = { "emerg", "alert", "crit", "error",
						     "warning", "notice", "info", "debug" };
		char msg[1024];
		vsnprintf(msg, sizeof msg, fmt, ap);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, names[level & 7], msg);
	}
	va_end(ap);
}
