#include "outlet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "event.h"

/* Room for bursts (a flush ends many things at once) without letting a
 * stuck publisher hold more than a few MB. */
#define OUTLET_HWM 10000

int pd_outlet_open(struct pd_outlet *o, void *zctx, const char *endpoint, char *err, size_t errlen)
{
	o->sock = zmq_socket(zctx, ZMQ_PUSH);
	int hwm = OUTLET_HWM, linger = 0;
	if (!o->sock || zmq_setsockopt(o->sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
	    zmq_setsockopt(o->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
	    zmq_connect(o->sock, endpoint) != 0) {
		snprintf(err, errlen, "outlet to %s: %s", endpoint, zmq_strerror(zmq_errno()));
		pd_outlet_close(o);
		return -1;
	}
	return 0;
}

void pd_outlet_close(struct pd_outlet *o)
{
	if (o->sock)
		zmq_close(o->sock);
	o->sock = NULL;
}

int pd_outlet_send_with(struct pd_outlet *o, const char *topic, const char *json, size_t len, const void *data,
			size_t datalen)
{
	if (!o->sock)
		return -1;
	if (zmq_send(o->sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -1;
	/* Once the first part is queued the others always are: parts of one
	 * message are taken together. */
	if (zmq_send(o->sock, json, len, ZMQ_DONTWAIT | (data ? ZMQ_SNDMORE : 0)) < 0)
		return -1;
	return data && zmq_send(o->sock, data, datalen, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

int pd_outlet_send(struct pd_outlet *o, const char *topic, const char *json, size_t len)
{
	return pd_outlet_send_with(o, topic, json, len, NULL, 0);
}

int pd_outlet_send_event(struct pd_outlet *o, const char *device, const struct pd_event *ev, const void *data,
			 size_t datalen)
{
	char topic[128];
	snprintf(topic, sizeof topic, "%s/%s", pd_event_type_name(ev->type), device);
	return pd_outlet_send_with(o, topic, (const char *)ev, sizeof *ev, data, datalen);
}
