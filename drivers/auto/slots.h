/* `auto` devices are slots: each takes (claims) the first known pressure
 * device on a USB serial port that no configured device and no other slot
 * has, when it opens, and lets it go when it closes. So a mat plugged in
 * after pressd started is picked up by a free slot at its next retry, or
 * at once when hotplug offers the port to it (pressctl hotplug add). This
 * file is the shared ledger of who has which port, under one lock, since
 * every slot opens on its own reader thread. */
#ifndef PD_AUTO_SLOTS_H
#define PD_AUTO_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

struct pd_source;

/* The node a port path names (realpath), so that a link such as
 * /dev/pressure/<serial> and its node /dev/ttyACM0 compare equal; the
 * path itself when it cannot be resolved (a node already gone, a link not
 * yet made). out holds PATH_MAX bytes. */
void pd_port_resolve(const char *path, char *out);

/* A port a configured device names (/dev/pressure/..., /dev/ttyACM0):
 * slots never take it. Call before the readers start. */
void pd_auto_reserve(const char *path);

/* Hotplug: offers `path` to slot. 0 when the slot was idle (holding no
 * port, no offer pending) and takes it at its next open, -1 otherwise. */
int pd_auto_offer(const struct pd_source *slot, const char *path);

/* True when slot holds `path` (either name of it) now. */
bool pd_auto_holds(const struct pd_source *slot, const char *path);

/* The slot's reader, opening: the port offered to it, else the first
 * free known one (path, and the protocol the known-device list gives, or
 * NULL). 0, or -1 with the reason: nothing to take. */
int pd_auto_claim(const struct pd_source *slot, char *path, size_t cap, const char **protocol, char *err,
		  size_t errlen);

/* The slot's reader, closing: its port is free again. */
void pd_auto_release(const struct pd_source *slot);

#endif
