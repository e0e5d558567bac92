#include "upstream.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

int upstream_watch(struct upstream *u, void *zctx, void *sock, const char *endpoint, int idx)
{
	memset(u, 0, sizeof *u);
	u->endpoint = endpoint;
	snprintf(u->state, sizeof u->state, "connecting");
	char ep[64];
	snprintf(ep, sizeof ep, "inproc://pressd-web-upstream-%d", idx);
	int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
		     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED;
	if (zmq_socket_monitor(sock, ep, events) != 0 || !(u->monitor = zmq_socket(zctx, ZMQ_PAIR)))
		return -1;
	if (zmq_connect(u->monitor, ep) != 0) {
		zmq_close(u->monitor);
		u->monitor = NULL;
		return -1;
	}
	return 0;
}

/* Why a handshake failed, in the words of someone setting up keys. */
static void describe(char *out, size_t n, uint16_t event, uint32_t value)
{
	if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
		snprintf(out, n, "refused by pressd (ZAP status %u): is this key in its daemon.curve_clients?", value);
	else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
		snprintf(out, n, "refused: pressd and pressd-web disagree on CURVE (pressd needs -k/-K keys, "
				 "or does not use them)");
	else if (value == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
		snprintf(out, n, "refused: the CURVE handshake failed (is -k pressd's public key?)");
	else
		snprintf(out, n, "refused: handshake failed (protocol error 0x%x)", value);
}

void upstream_on_event(struct upstream *u)
{
	zmq_msg_t head, addr;
	zmq_msg_init(&head);
	zmq_msg_init(&addr);
	if (zmq_msg_recv(&head, u->monitor, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(&head) ||
	    zmq_msg_recv(&addr, u->monitor, 0) < 0 || zmq_msg_size(&head) < 6)
		goto out;
	uint16_t event;
	uint32_t value;
	memcpy(&event, zmq_msg_data(&head), 2);
	memcpy(&value, (char *)zmq_msg_data(&head) + 2, 4);
	char now[sizeof u->state];
	if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
		snprintf(now, sizeof now, "connected");
	else if (event == ZMQ_EVENT_DISCONNECTED)
		snprintf(now, sizeof now, "%s", strncmp(u->state, "refused", 7) == 0 ? u->state : "disconnected");
	else {
		describe(now, sizeof now, event, value);
		u->refused++;
	}
	if (strcmp(now, u->state) != 0) {
		pd_log(strncmp(now, "refused", 7) == 0 ? 4 : 6, "%s: %s", u->endpoint, now);
		snprintf(u->state, sizeof u->state, "%s", now);
	}
out:
	zmq_msg_close(&head);
	zmq_msg_close(&addr);
}

void upstream_close(struct upstream *u)
{
	if (u->monitor)
		zmq_close(u->monitor);
	u->monitor = NULL;
}
