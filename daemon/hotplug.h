/* Hotplug (daemon.md "Installed files"): udev starts
 * pressd-device@<node>.service for a known mat, and that unit tells the
 * running daemon through the control socket (`hotplug`, pressctl hotplug
 * add|remove PATH), as gpsd's gpsdctl@.service does. Here: which
 * configured device a device node is. */
#ifndef PD_HOTPLUG_H
#define PD_HOTPLUG_H

#include <stddef.h>

#include "device.h"

/* The index of the device whose port is `path` (compared after resolving
 * symlinks such as /dev/pressure/<serial>, so either name matches): a
 * configured one, or an `auto` slot holding it now. -1: none. */
int pd_hotplug_find(struct pd_device *devs, int ndevs, const char *path);

/* A port no device has: offered to the first idle `auto` slot, whose
 * index is returned (the caller kicks it), or -1 when there is none. */
int pd_hotplug_offer(struct pd_device *devs, int ndevs, const char *path);

#endif
