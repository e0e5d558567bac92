#include "socket_access.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int pd_socket_access_apply(const char *key, const char *endpoint, long gid, long mode, char *err, size_t errlen)
{
	if (strncmp(endpoint, "ipc://", 6) != 0)
		return 0;
	const char *path = endpoint + 6;
	/* "@name" is Linux's abstract namespace and "*" a name libzmq picks:
	 * neither has a file whose permissions could guard it. */
	if (path[0] == '@' || !strcmp(path, "*")) {
		if (gid >= 0 || mode >= 0)
			pd_warn("daemon.%s=%s has no socket file: daemon.socket_group/socket_mode do not apply, any local "
				"user can connect", key, endpoint);
		return 0;
	}
	/* The file was made with the umask's mode (0777 & ~umask): until
	 * this runs only pressd's own user can connect at the packaged umask
	 * (0027) or any umask that takes the group's and others' write bit,
	 * so the moment between bind and here grants nobody more. */
	if (gid >= 0 && lchown(path, (uid_t)-1, (gid_t)gid) != 0) {
		snprintf(err, errlen, "daemon.socket_group: cannot give %s (daemon.%s) group %ld: %s", path, key, gid,
			 strerror(errno));
		return -1;
	}
	if (mode >= 0 && chmod(path, (mode_t)mode) != 0) {
		snprintf(err, errlen, "daemon.socket_mode: cannot set %s (daemon.%s) to %04lo: %s", path, key, mode,
			 strerror(errno));
		return -1;
	}
	if (mode >= 0 && (mode & 0002))
		pd_warn("daemon.socket_mode=%04lo: every local user can connect to %s", mode, path);
	return 0;
}
