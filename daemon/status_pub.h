/* The main thread's messages on the event stream: each device's `status`
 * every second and on every change of state, error or description, and
 * `mark` annotations from the control socket. */
#ifndef PD_STATUS_PUB_H
#define PD_STATUS_PUB_H

#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "outlet.h"

struct pd_status_pub_dev {
	uint64_t status_seq, mark_seq;
	bool published;
	struct pd_device_status last;
};

struct pd_status_pub {
	struct pd_outlet out; /* to the event stream */
	struct pd_outlet rec; /* marks, to the recordings */
	int64_t next_tick_ns;
	int n;
	struct pd_status_pub_dev *dev;
};

int pd_status_pub_init(struct pd_status_pub *sp, void *zctx, int ndevs, char *err, size_t errlen);
void pd_status_pub_fini(struct pd_status_pub *sp);

/* Publishes what is due: changes at once, everything once a second. */
void pd_status_pub_tick(struct pd_status_pub *sp, struct pd_device *devs, int64_t now_mono_ns);

/* A `mark` for device i. 0, or -1 if it could not be queued (counted). */
int pd_status_pub_mark(struct pd_status_pub *sp, struct pd_device *dev, int i, const char *label);

#endif
