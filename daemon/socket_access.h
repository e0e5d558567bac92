/* Local access by file permissions (events.md "Local access"): an ipc://
 * endpoint's socket file takes daemon.socket_group and daemon.socket_mode
 * once bound, so only that group's members can connect (connecting to a
 * Unix socket needs write permission on its file). */
#ifndef PD_SOCKET_ACCESS_H
#define PD_SOCKET_ACCESS_H

#include <stddef.h>

/* For an ipc:// endpoint with a path: chown to gid (-1: unchanged), chmod
 * to mode (-1: unchanged). Other endpoints: nothing. key names the
 * endpoint's setting in err. 0, or -1 with why in err. */
int pd_socket_access_apply(const char *key, const char *endpoint, long gid, long mode, char *err, size_t errlen);

#endif
