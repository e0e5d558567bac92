/* A byte pipe to a device, chosen by the URI: libserialport for real
 * serial ports, plain termios for pseudo-terminals and other ttys
 * libserialport cannot open, a TCP client for network serial servers.
 * Every backend hands back a non-blocking fd for the reader's poll loop:
 * libserialport's own reads cannot tell "no data" from "unplugged". */
#ifndef PD_TRANSPORT_H
#define PD_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>

#include "uri.h"

struct pd_transport;

struct pd_transport_ops {
	const char *name;
	int (*open)(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen);
	void (*close)(struct pd_transport *t);
};

struct pd_transport {
	const struct pd_transport_ops *ops;
	int fd;     /* non-blocking; -1 when closed */
	void *priv; /* backend's own (libserialport's port handle) */
};

extern const struct pd_transport_ops pd_transport_serial;
extern const struct pd_transport_ops pd_transport_tty;
extern const struct pd_transport_ops pd_transport_tcp;

/* Opens the transport the URI calls for (falling back from libserialport
 * to termios for ttys it will not open). 0, or -1 with a reason. */
int pd_transport_open(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen);
void pd_transport_close(struct pd_transport *t);

/* read() that folds the ways a device can vanish into one answer:
 * >0 bytes, 0 no data right now, -1 gone (reason in err). */
ssize_t pd_transport_read(struct pd_transport *t, void *buf, size_t len, char *err, size_t errlen);
/* Writes all of buf, waiting briefly (bounded) if the device is slow to
 * take it. 0, or -1 with a reason. */
int pd_transport_write(struct pd_transport *t, const void *buf, size_t len, char *err, size_t errlen);

/* Helpers the backends share. */
int pd_tty_set_raw(int fd, int baud, char *err, size_t errlen);
/* Claims an opened port for this process alone (claim.c): 0, or -1 with
 * who has it in err. */
int pd_transport_claim(int fd, const char *path, char *err, size_t errlen);
/* What to add to an open() failure's reason for errno (EBUSY: TIOCEXCL). */
const char *pd_transport_busy_hint(int open_errno);

#endif
