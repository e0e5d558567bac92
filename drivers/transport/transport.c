#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

/* Linux gives Unix98 pty slaves majors 136..143. */
static int is_pty(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
		return 0;
	unsigned maj = major(st.st_rdev);
	return maj >= 136 && maj <= 143;
}

/* An opened port is ours alone, or not ours at all (claim.c). */
static int claimed(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen)
{
	if (pd_transport_claim(t->fd, uri->path, err, errlen) == 0)
		return 0;
	t->ops->close(t);
	t->fd = -1;
	return -1;
}

int pd_transport_open(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen)
{
	t->fd = -1;
	t->priv = NULL;
	if (uri->scheme == PD_URI_TCP) {
		t->ops = &pd_transport_tcp;
		return t->ops->open(t, uri, err, errlen);
	}
	if (uri->scheme != PD_URI_SERIAL) {
		snprintf(err, errlen, "%s is not a byte-stream device", uri->text);
		return -1;
	}
	if (access(uri->path, F_OK) != 0) { /* unplugged, or not there yet */
		snprintf(err, errlen, "%s: %s", uri->path, strerror(errno));
		return -1;
	}
	/* libserialport considers ptys out of scope; go straight to termios. */
	if (!is_pty(uri->path)) {
		t->ops = &pd_transport_serial;
		if (t->ops->open(t, uri, err, errlen) == 0)
			return claimed(t, uri, err, errlen);
		pd_dbg("%s: libserialport: %s; trying termios", uri->path, err);
	}
	t->ops = &pd_transport_tty;
	if (t->ops->open(t, uri, err, errlen) != 0)
		return -1;
	return claimed(t, uri, err, errlen);
}

void pd_transport_close(struct pd_transport *t)
{
	if (t->ops && t->fd >= 0)
		t->ops->close(t);
	t->fd = -1;
}

ssize_t pd_transport_read(struct pd_transport *t, void *buf, size_t len, char *err, size_t errlen)
{
	ssize_t n = read(t->fd, buf, len);
	if (n > 0)
		return n;
	if (n == 0) {
		snprintf(err, errlen, "end of file (device closed or unplugged)");
		return -1;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	/* EIO is how a tty reports that the other side hung up. */
	snprintf(err, errlen, "%s", errno == EIO ? "I/O error (device unplugged?)" : strerror(errno));
	return -1;
}

int pd_transport_write(struct pd_transport *t, const void *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	int waits = 0;
	while (len > 0) {
		ssize_t n = write(t->fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && waits++ < 10) {
			/* Host-to-device traffic is a few request bytes; a device
			 * that cannot take them in a second is as good as gone. */
			struct pollfd pfd = { .fd = t->fd, .events = POLLOUT };
			poll(&pfd, 1, 100);
			continue;
		}
		snprintf(err, errlen, "write: %s", n < 0 ? strerror(errno) : "device not accepting data");
		return -1;
	}
	return 0;
}
