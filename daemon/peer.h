/* Who sent a control request, as far as its transport tells: over ipc://
 * the uid and pid of the connected process (SO_PEERCRED of the connection
 * the message came on), over tcp:// the peer's address, with the CURVE
 * client's name when the ZAP handler gave one. For the log of requests
 * that change something (docs/security.md). */
#ifndef PD_PEER_H
#define PD_PEER_H

#include <stddef.h>
#include <zmq.h>

/* A description such as "uid 1000 (alice) pid 4242" or "tcp 10.0.4.7:38026
 * client 'ward3'"; "unknown peer" when the transport says nothing. */
void pd_peer_describe(zmq_msg_t *msg, char *out, size_t cap);

#endif
