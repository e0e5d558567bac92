/* The devices `auto` claims. Each entry names the USB product string as well
 * as the id, so a generic USB-serial cable is never mistaken for a mat.
 * Sites add their own mats here or, without rebuilding, by naming them
 * explicitly with -d or a [device.<id>] section (see udev/ for stable names). */
#include <string.h>

#include "serial_ports.h"

const struct pd_known_device pd_known_devices[] = {
	/* pressd reference firmware (pid.codes test VID; pmf speaks for itself) */
	{ 0x1209, 0x7d01, "pressd pressure mat", "pmf", "mat" },
	{ 0x1209, 0x7d02, "pressd foam roller", "pmf", "roller" },
	/* Kitronyx Snowboard (ascii rows) on its native USB */
	{ 0x1d50, 0x60a1, "Snowboard", "ascii", "mat" },
	{ 0, 0, NULL, NULL, NULL },
};

const struct pd_known_device *pd_known_device_match(const struct pd_serial_port_desc *port)
{
	for (const struct pd_known_device *k = pd_known_devices; k->product; k++)
		if (port->usb_vid == k->usb_vid && port->usb_pid == k->usb_pid && port->usb_product &&
		    strcmp(port->usb_product, k->product) == 0)
			return k;
	return NULL;
}
