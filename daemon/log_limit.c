#include "log_limit.h"

#include "clock.h"
#include "log.h"

bool pd_log_limit_allow(struct pd_log_limit *l)
{
	int64_t now = pd_mono_ns();
	if (now - l->window_start_ns >= 60000000000LL) {
		if (l->suppressed)
			pd_log(LOG_NOTICE, "%s: %d more in the last minute were not logged", l->what, l->suppressed);
		l->window_start_ns = now;
		l->logged = l->suppressed = 0;
	}
	if (l->logged < l->burst) {
		l->logged++;
		return true;
	}
	l->suppressed++;
	return false;
}
