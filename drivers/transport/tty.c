/* Plain POSIX terminals: pseudo-terminals (emulators, tests) and any tty
 * libserialport will not open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "transport.h"

static speed_t baud_to_speed(int baud)
{
	switch (baud) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	case 230400: return B230400;
	case 460800: return B460800;
	case 500000: return B500000;
	case 921600: return B921600;
	case 1000000: return B1000000;
	case 2000000: return B2000000;
	case 3000000: return B3000000;
	case 4000000: return B4000000;
	default: return 0;
	}
}

int pd_tty_set_raw(int fd, int baud, char *err, size_t errlen)
{
	struct termios tio;
	if (tcgetattr(fd, &tio) != 0) {
		snprintf(err, errlen, "not a terminal: %s", strerror(errno));
		return -1;
	}
	cfmakeraw(&tio); /* 8 data bits, no parity, no echo, no line editing */
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | CRTSCTS);
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (baud > 0) {
		speed_t sp = baud_to_speed(baud);
		if (sp == 0) {
			snprintf(err, errlen, "unsupported baud rate %d", baud);
			return -1;
		}
		cfsetispeed(&tio, sp);
		cfsetospeed(&tio, sp);
	}
	/* TCSANOW, not TCSAFLUSH: bytes already waiting are the device's data. */
	if (tcsetattr(fd, TCSANOW, &tio) != 0) {
		snprintf(err, errlen, "tcsetattr: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int tty_open(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen)
{
	int fd = open(uri->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s%s", uri->path, strerror(errno), pd_transport_busy_hint(errno));
		return -1;
	}
	if (pd_tty_set_raw(fd, uri->baud, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	t->fd = fd;
	return 0;
}

static void tty_close(struct pd_transport *t)
{
	close(t->fd);
	t->fd = -1;
}

const struct pd_transport_ops pd_transport_tty = {
	.name = "tty",
	.open = tty_open,
	.close = tty_close,
};
