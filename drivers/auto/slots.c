#include "slots.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/serial_ports.h"

#define MAX_SLOTS 64
#define MAX_RESERVED 64

struct slot {
	const struct pd_source *src;
	char held[PATH_MAX];    /* resolved; "" when none */
	char offered[PATH_MAX]; /* as given; "" when none */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[MAX_SLOTS];
static int nslots;
static char reserved[MAX_RESERVED][PATH_MAX];
static int nreserved;

void pd_port_resolve(const char *path, char *out)
{
	if (!realpath(path, out))
		snprintf(out, PATH_MAX, "%s", path);
}

static struct slot *slot_of(const struct pd_source *src)
{
	for (int i = 0; i < nslots; i++)
		if (slots[i].src == src)
			return &slots[i];
	if (nslots == MAX_SLOTS)
		return NULL;
	slots[nslots].src = src;
	return &slots[nslots++];
}

static bool taken(const char *resolved, const struct slot *by_other_than)
{
	for (int i = 0; i < nreserved; i++) {
		char r[PATH_MAX];
		pd_port_resolve(reserved[i], r); /* a link may point elsewhere by now */
		if (!strcmp(r, resolved))
			return true;
	}
	for (int i = 0; i < nslots; i++) {
		if (&slots[i] == by_other_than)
			continue;
		if (!strcmp(slots[i].held, resolved))
			return true;
		if (slots[i].offered[0]) {
			char o[PATH_MAX];
			pd_port_resolve(slots[i].offered, o);
			if (!strcmp(o, resolved))
				return true;
		}
	}
	return false;
}

void pd_auto_reserve(const char *path)
{
	pthread_mutex_lock(&lock);
	if (nreserved < MAX_RESERVED)
		snprintf(reserved[nreserved++], PATH_MAX, "%s", path);
	pthread_mutex_unlock(&lock);
}

int pd_auto_offer(const struct pd_source *src, const char *path)
{
	char r[PATH_MAX];
	pd_port_resolve(path, r);
	pthread_mutex_lock(&lock);
	struct slot *s = slot_of(src);
	int rc = -1;
	if (s && !s->held[0] && !s->offered[0] && !taken(r, s)) {
		snprintf(s->offered, sizeof s->offered, "%s", path);
		rc = 0;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

bool pd_auto_holds(const struct pd_source *src, const char *path)
{
	char r[PATH_MAX];
	pd_port_resolve(path, r);
	pthread_mutex_lock(&lock);
	struct slot *s = slot_of(src);
	bool held = s && s->held[0] && !strcmp(s->held, r);
	pthread_mutex_unlock(&lock);
	return held;
}

struct search {
	struct slot *slot;
	char path[PATH_MAX];
	const char *protocol;
	int known;
};

static void consider(void *ctx, const struct pd_serial_port_desc *port)
{
	struct search *q = ctx;
	const struct pd_known_device *k = pd_known_device_match(port);
	if (!k)
		return;
	q->known++;
	char r[PATH_MAX];
	pd_port_resolve(port->path, r);
	if (q->path[0] || taken(r, q->slot))
		return;
	snprintf(q->path, sizeof q->path, "%s", port->path);
	q->protocol = k->protocol;
}

int pd_auto_claim(const struct pd_source *src, char *path, size_t cap, const char **protocol, char *err,
		  size_t errlen)
{
	pthread_mutex_lock(&lock);
	struct slot *s = slot_of(src);
	struct search q = { .slot = s };
	int rc = -1;
	if (!s) {
		snprintf(err, errlen, "too many auto devices");
	} else if (s->offered[0]) {
		/* Offered by hotplug: udev vouched for it being a known device. */
		snprintf(q.path, sizeof q.path, "%s", s->offered);
		s->offered[0] = '\0';
		rc = 0;
	} else {
		pd_serial_ports_list(consider, &q); /* under the lock: two slots must not pick the same port */
		if (q.path[0])
			rc = 0;
		else if (q.known)
			snprintf(err, errlen, "every connected known device is in use (%d); waiting for another", q.known);
		else
			snprintf(err, errlen, "no known pressure device is connected; waiting for one to be plugged in");
	}
	if (rc == 0) {
		pd_port_resolve(q.path, s->held);
		snprintf(path, cap, "%s", q.path);
		*protocol = q.protocol;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void pd_auto_release(const struct pd_source *src)
{
	pthread_mutex_lock(&lock);
	struct slot *s = slot_of(src);
	if (s)
		s->held[0] = '\0';
	pthread_mutex_unlock(&lock);
}
