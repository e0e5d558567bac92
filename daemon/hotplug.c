#include "hotplug.h"

#include "auto/slots.h"

#include <limits.h>
#include <string.h>

int pd_hotplug_find(struct pd_device *devs, int ndevs, const char *path)
{
	char want[PATH_MAX], have[PATH_MAX];
	pd_port_resolve(path, want);
	for (int i = 0; i < ndevs; i++) {
		const struct pd_uri *u = &devs[i].src.uri;
		if (u->scheme == PD_URI_AUTO && pd_auto_holds(&devs[i].src, path))
			return i;
		if (u->scheme != PD_URI_SERIAL) /* tcp:, sim:, replay: have no node */
			continue;
		if (!strcmp(u->path, path))
			return i;
		pd_port_resolve(u->path, have);
		if (!strcmp(have, want))
			return i;
	}
	return -1;
}

int pd_hotplug_offer(struct pd_device *devs, int ndevs, const char *path)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].src.uri.scheme == PD_URI_AUTO && pd_auto_offer(&devs[i].src, path) == 0)
			return i;
	return -1;
}
