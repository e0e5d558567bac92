/* How a thread hands messages to the publisher (or the recorder): an
 * inproc PUSH socket per producing thread (ZeroMQ sockets belong to one
 * thread), never blocking. When the other side cannot take more, the send
 * fails and the producer counts the drop. */
#ifndef PD_OUTLET_H
#define PD_OUTLET_H

#include <stddef.h>

#define PD_PUBLISHER_INPROC "inproc://pressd-publisher" /* to the event stream */
#define PD_RECORDER_INPROC "inproc://pressd-recorder"   /* finished events, to the recordings */

struct pd_outlet {
	void *sock;
};

/* Connects to `endpoint` (one of the above). 0, or -1 with why. */
int pd_outlet_open(struct pd_outlet *o, void *zctx, const char *endpoint, char *err, size_t errlen);
void pd_outlet_close(struct pd_outlet *o);

/* [topic][json], without waiting. 0, or -1 when it could not be queued. */
int pd_outlet_send(struct pd_outlet *o, const char *topic, const char *json, size_t len);
/* [topic][json][data] (data NULL: as pd_outlet_send). */
int pd_outlet_send_with(struct pd_outlet *o, const char *topic, const char *json, size_t len, const void *data,
			size_t datalen);

/* To the recorder: [type/device][struct pd_event][data] (data NULL: no
 * third part; a baseline's cells for a tare). The struct goes as its
 * bytes (one process: its `units` points at a static string). */
struct pd_event;
int pd_outlet_send_event(struct pd_outlet *o, const char *device, const struct pd_event *ev, const void *data,
			 size_t datalen);

#endif
