#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ZMQ_SRCFD is deprecated in libzmq 4.3 but still the only way to reach
 * the connection a message came on; it is read right away, on the thread
 * that received the message, so the fd is still that connection's. */
static int source_fd(zmq_msg_t *msg)
{
	return zmq_msg_get(msg, ZMQ_SRCFD);
}

static size_t describe_unix(int fd, char *out, size_t cap)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	struct passwd pw, *found = NULL;
	char buf[1024];
	if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &found) == 0 && found)
		return (size_t)snprintf(out, cap, "uid %u (%s) pid %d", (unsigned)cred.uid, found->pw_name, (int)cred.pid);
	return (size_t)snprintf(out, cap, "uid %u pid %d", (unsigned)cred.uid, (int)cred.pid);
}

static size_t describe_inet(int fd, zmq_msg_t *msg, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
			port = ntohs(a->sin6_port);
		}
	}
	if (host[0])
		return (size_t)snprintf(out, cap, "tcp %s:%u", host, port);
	const char *peer = zmq_msg_gets(msg, "Peer-Address"); /* what libzmq saw at accept */
	return peer ? (size_t)snprintf(out, cap, "tcp %s", peer) : 0;
}

void pd_peer_describe(zmq_msg_t *msg, char *out, size_t cap)
{
	out[0] = '\0';
	size_t used = 0;
	int fd = source_fd(msg);
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int family = fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0 ? ss.ss_family : AF_UNSPEC;
	if (family == AF_UNIX)
		used = describe_unix(fd, out, cap);
	else
		used = describe_inet(family == AF_INET || family == AF_INET6 ? fd : -1, msg, out, cap);
	const char *user = zmq_msg_gets(msg, "User-Id"); /* the allowed client's name (curve_auth.c) */
	if (user && user[0] && used < cap)
		used += (size_t)snprintf(out + used, cap - used, "%sclient '%s'", used ? " " : "", user);
	if (!out[0])
		snprintf(out, cap, "unknown peer");
}
