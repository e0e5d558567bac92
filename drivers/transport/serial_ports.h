/* Enumerating serial ports with their USB identity, and the list of known
 * pressure devices `auto` opens. */
#ifndef PD_SERIAL_PORTS_H
#define PD_SERIAL_PORTS_H

struct pd_serial_port_desc {
	const char *path;
	const char *description;
	int usb_vid, usb_pid; /* 0 when not USB */
	const char *usb_serial, *usb_product, *usb_manufacturer; /* may be NULL */
};

typedef void (*pd_serial_port_fn)(void *ctx, const struct pd_serial_port_desc *port);

/* Calls fn for each port present; returns how many, or -1. */
int pd_serial_ports_list(pd_serial_port_fn fn, void *ctx);

/* Known pressure devices: USB id plus product string, never a bare
 * USB-serial converter id (which would claim every FTDI or CP210x cable). */
struct pd_known_device {
	int usb_vid, usb_pid;
	const char *product; /* must match the USB product string exactly */
	const char *protocol;
	const char *kind; /* "mat" or "roller" */
};

/* NULL-terminated by an entry with product NULL. */
extern const struct pd_known_device pd_known_devices[];

const struct pd_known_device *pd_known_device_match(const struct pd_serial_port_desc *port);

#endif
