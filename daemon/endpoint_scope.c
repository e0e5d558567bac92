#include "endpoint_scope.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool host_is_loopback(const char *host)
{
	if (!strcasecmp(host, "localhost") || !strcmp(host, "lo"))
		return true;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	struct in6_addr a6;
	if (inet_pton(AF_INET6, host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return false; /* a wildcard, another interface, a name that may resolve anywhere */
}

bool pd_endpoint_is_local(const char *endpoint)
{
	if (!strncmp(endpoint, "ipc://", 6) || !strncmp(endpoint, "inproc://", 9))
		return true;
	const char *rest;
	if (!strncmp(endpoint, "tcp://", 6))
		rest = endpoint + 6;
	else if (!strncmp(endpoint, "ws://", 5))
		rest = endpoint + 5;
	else
		return false;
	const char *semi = strchr(rest, ';'); /* "source;address" */
	if (semi)
		rest = semi + 1;
	char host[256];
	size_t len = strcspn(rest, "/"); /* ws:// may carry a path */
	if (len >= sizeof host)
		return false;
	memcpy(host, rest, len);
	host[len] = '\0';
	char *colon = strrchr(host, ':');
	if (colon)
		*colon = '\0'; /* the port */
	char *h = host;
	if (*h == '[') { /* [::1] */
		h++;
		char *end = strchr(h, ']');
		if (!end)
			return false;
		*end = '\0';
	}
	return host_is_loopback(h);
}

bool pd_endpoint_is_network(const char *endpoint)
{
	return strncmp(endpoint, "ipc://", 6) && strncmp(endpoint, "inproc://", 9);
}
