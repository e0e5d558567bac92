/* The pseudo-terminal the emulated device talks on, and its symlink. */
#ifndef PDSIM_PTY_H
#define PDSIM_PTY_H

#include <stdbool.h>
#include <stddef.h>

struct sim_pty {
	int master;      /* -1 while unplugged */
	char path[128];  /* the slave side */
	const char *link; /* NULL: none */
};

/* A new raw pty whose master reports POLLHUP until a reader opens it. */
int sim_pty_open(struct sim_pty *p, char *err, size_t errlen);
void sim_pty_close(struct sim_pty *p);

/* Points the link at the current slave, atomically. */
int sim_pty_link(const struct sim_pty *p, char *err, size_t errlen);
/* Removes the link if it still points at our slave. */
void sim_pty_unlink(const struct sim_pty *p);

/* Someone has the slave side open. */
bool sim_pty_reader(const struct sim_pty *p);
/* Bytes sent that the reader has not read yet; -1 if unknown. */
int sim_pty_unread(const struct sim_pty *p);
/* Throws away what the last reader left unread, so the next one starts clean. */
void sim_pty_discard(const struct sim_pty *p);

#endif
