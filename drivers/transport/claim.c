/* One reader per serial device. Two programs reading one port each get
 * part of the stream (every other chunk of bytes), so both see garbage
 * and gaps and neither says why. A port pressd opens is claimed with a
 * POSIX write lock on the device node (which another pressd, or any
 * program that asks, sees, with the holder's pid) and TIOCEXCL (which
 * makes the kernel refuse further opens by unprivileged programs). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "transport.h"

/* The name of process pid, from /proc ("?" if it is gone). */
static void process_name(pid_t pid, char *out, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(out, (int)cap, f))
		snprintf(out, cap, "?");
	else
		out[strcspn(out, "\n")] = '\0';
	if (f)
		fclose(f);
}

int pd_transport_claim(int fd, const char *path, char *err, size_t errlen)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLK, &lk) != 0) {
		if (errno != EACCES && errno != EAGAIN) {
			/* A node that cannot be locked (some filesystems): TIOCEXCL still holds. */
		} else {
			struct flock who = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
			char name[64] = "?";
			if (fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK && who.l_pid > 0)
				process_name(who.l_pid, name, sizeof name);
			if (who.l_type != F_UNLCK && who.l_pid > 0)
				snprintf(err, errlen, "%s is in use by %s (pid %d): one reader per device", path, name,
					 (int)who.l_pid);
			else
				snprintf(err, errlen, "%s is in use by another program: one reader per device", path);
			return -1;
		}
	}
	if (ioctl(fd, TIOCEXCL) != 0 && errno != ENOTTY) {
		snprintf(err, errlen, "%s: TIOCEXCL: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *pd_transport_busy_hint(int open_errno)
{
	return open_errno == EBUSY ? " (another program has it open exclusively: one reader per device)" : "";
}
