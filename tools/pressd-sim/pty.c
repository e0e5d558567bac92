/* Pseudo-terminal plumbing. Linux details this relies on (checked on 6.x):
 *  - the master polls POLLHUP while no slave fd is open, but only once a
 *    slave has been opened and closed: a fresh pty does not. So we open
 *    and close the slave once at creation.
 *  - a second, momentary slave fd (ours) does not disturb the reader, and
 *    closing it while the reader has the slave open does not hang it up.
 *  - bytes a reader left unread stay in the slave's buffer for the next
 *    reader; flushing from the master side does not clear them, a
 *    TCIFLUSH on a slave fd does. */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int sim_pty_open(struct sim_pty *p, char *err, size_t errlen)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (m < 0) {
		snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, p->path, sizeof p->path) != 0) {
		snprintf(err, errlen, "grantpt/unlockpt/ptsname: %s", strerror(errno));
		close(m);
		return -1;
	}
	/* Raw on the master's side is the slave's line discipline: the reader
	 * gets binary-clean bytes from the first one, whatever it sets. */
	struct termios tio;
	if (tcgetattr(m, &tio) != 0) {
		snprintf(err, errlen, "tcgetattr: %s", strerror(errno));
		close(m);
		return -1;
	}
	cfmakeraw(&tio);
	if (tcsetattr(m, TCSANOW, &tio) != 0) {
		snprintf(err, errlen, "tcsetattr: %s", strerror(errno));
		close(m);
		return -1;
	}
	int s = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		snprintf(err, errlen, "open %s: %s", p->path, strerror(errno));
		close(m);
		return -1;
	}
	close(s);
	p->master = m;
	return 0;
}

void sim_pty_close(struct sim_pty *p)
{
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
}

int sim_pty_link(const struct sim_pty *p, char *err, size_t errlen)
{
	if (!p->link)
		return 0;
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", p->link, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp) {
		snprintf(err, errlen, "--link %s: path too long", p->link);
		return -1;
	}
	unlink(tmp);
	if (symlink(p->path, tmp) != 0 || rename(tmp, p->link) != 0) {
		snprintf(err, errlen, "--link %s: %s", p->link, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void sim_pty_unlink(const struct sim_pty *p)
{
	if (!p->link)
		return;
	char target[sizeof p->path + 1];
	ssize_t n = readlink(p->link, target, sizeof target - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (!strcmp(target, p->path))
		unlink(p->link);
}

bool sim_pty_reader(const struct sim_pty *p)
{
	if (p->master < 0)
		return false;
	struct pollfd pfd = { p->master, POLLIN, 0 };
	if (poll(&pfd, 1, 0) < 0)
		return false;
	return !(pfd.revents & (POLLHUP | POLLERR | POLLNVAL));
}

int sim_pty_unread(const struct sim_pty *p)
{
	int s = open(p->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (s < 0)
		return -1;
	int n = -1;
	if (ioctl(s, FIONREAD, &n) != 0)
		n = -1;
	close(s);
	return n;
}

void sim_pty_discard(const struct sim_pty *p)
{
	int s = open(p->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (s < 0)
		return;
	tcflush(s, TCIFLUSH);
	close(s);
}
