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
 * symlinks such as /dev/pressure/<serial>, so either name matches), or -1. */
int pd_hotplug_find(struct pd_device *devs, int ndevs, const char *path);

#endif
