/* A contact's path as a chain of vertices one step apart. Position noise
 * at rest is far below a step, so it never adds up to a path length, and
 * the time since the last vertex says whether the contact is moving. */
#include "internal.h"

void an_motion_reset(struct an_motion *m, double x, double y, double t)
{
	*m = (struct an_motion){ .vx = x, .vy = y, .vt = t, .near_t = t, .moved = false };
}

bool an_motion_update(struct an_motion *m, double x, double y, double t, double step)
{
	double d = an_dist(m->vx, m->vy, x, y);
	if (d < step) {
		/* when it sets off again, it left from here at the last moment it
		 * was still close: that is when a glide starts */
		if (d <= step / 4)
			m->near_t = t;
		return false;
	}
	m->vx = x;
	m->vy = y;
	m->vt = t;
	m->near_t = t;
	m->moved = true;
	return true;
}
