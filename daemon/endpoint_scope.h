/* Whether a ZeroMQ endpoint pressd binds can be reached from other
 * machines: "Binding beyond loopback is a deliberate act" (events.md). */
#ifndef PD_ENDPOINT_SCOPE_H
#define PD_ENDPOINT_SCOPE_H

#include <stdbool.h>

/* True for ipc:// and inproc:// (guarded by file permissions, or not on
 * the network at all) and for tcp:// or ws:// bound to a loopback address
 * or the `lo` interface; false for anything else, including `*`,
 * 0.0.0.0, a host name other than localhost, or another interface. */
bool pd_endpoint_is_local(const char *endpoint);

/* True for transports over the network stack (tcp://, ws://), which every
 * local user can reach even on loopback; false for ipc:// and inproc://. */
bool pd_endpoint_is_network(const char *endpoint);

#endif
