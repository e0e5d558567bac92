/* Network serial servers (ser2net, ESP32 bridges): a TCP client. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

#define CONNECT_TIMEOUT_MS 3000

static int connect_one(const struct addrinfo *ai, char *err, size_t errlen)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Bounded, so a dead bridge cannot hold the reader forever. */
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int rc = poll(&pfd, 1, CONNECT_TIMEOUT_MS);
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (rc <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
		snprintf(err, errlen, "connect: %s", rc == 0 ? "timed out" : strerror(soerr ? soerr : errno));
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	return fd;
}

static int tcp_open(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen)
{
	char port[8];
	snprintf(port, sizeof port, "%u", uri->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(uri->host, port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", uri->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, err, errlen);
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	t->fd = fd;
	return 0;
}

static void tcp_close(struct pd_transport *t)
{
	close(t->fd);
	t->fd = -1;
}

const struct pd_transport_ops pd_transport_tcp = {
	.name = "tcp",
	.open = tcp_open,
	.close = tcp_close,
};
