/* Real serial ports through libserialport: opening, line settings and
 * USB enumeration. Reads go through our own poll loop on the port's fd. */
#include <fcntl.h>
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serial_ports.h"
#include "transport.h"

static void sp_error(char *err, size_t errlen, const char *what, enum sp_return rc)
{
	if (rc == SP_ERR_FAIL) {
		char *msg = sp_last_error_message();
		snprintf(err, errlen, "%s: %s", what, msg ? msg : "failed");
		sp_free_error_message(msg);
	} else {
		snprintf(err, errlen, "%s: libserialport error %d", what, (int)rc);
	}
}

static int serial_open(struct pd_transport *t, const struct pd_uri *uri, char *err, size_t errlen)
{
	struct sp_port *port = NULL;
	enum sp_return rc = sp_get_port_by_name(uri->path, &port);
	if (rc != SP_OK) {
		sp_error(err, errlen, uri->path, rc);
		return -1;
	}
	rc = sp_open(port, SP_MODE_READ_WRITE);
	if (rc != SP_OK) {
		sp_error(err, errlen, uri->path, rc);
		sp_free_port(port);
		return -1;
	}
	/* 8N1, no flow control; USB CDC devices ignore the baud rate. */
	if ((uri->baud > 0 && (rc = sp_set_baudrate(port, uri->baud)) != SP_OK) ||
	    (rc = sp_set_bits(port, 8)) != SP_OK || (rc = sp_set_parity(port, SP_PARITY_NONE)) != SP_OK ||
	    (rc = sp_set_stopbits(port, 1)) != SP_OK ||
	    (rc = sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE)) != SP_OK) {
		sp_error(err, errlen, "line settings", rc);
		sp_close(port);
		sp_free_port(port);
		return -1;
	}
	int fd = -1;
	if (sp_get_port_handle(port, &fd) != SP_OK || fd < 0) {
		snprintf(err, errlen, "%s: no file descriptor", uri->path);
		sp_close(port);
		sp_free_port(port);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	t->fd = fd;
	t->priv = port;
	return 0;
}

static void serial_close(struct pd_transport *t)
{
	struct sp_port *port = t->priv;
	sp_close(port);
	sp_free_port(port);
	t->priv = NULL;
	t->fd = -1;
}

const struct pd_transport_ops pd_transport_serial = {
	.name = "serial",
	.open = serial_open,
	.close = serial_close,
};

int pd_serial_ports_list(pd_serial_port_fn fn, void *ctx)
{
	struct sp_port **ports = NULL;
	if (sp_list_ports(&ports) != SP_OK)
		return -1;
	int n = 0;
	for (struct sp_port **p = ports; *p; p++, n++) {
		struct pd_serial_port_desc d = { 0 };
		d.path = sp_get_port_name(*p);
		d.description = sp_get_port_description(*p);
		if (sp_get_port_transport(*p) == SP_TRANSPORT_USB) {
			int vid = 0, pid = 0;
			if (sp_get_port_usb_vid_pid(*p, &vid, &pid) == SP_OK) {
				d.usb_vid = vid;
				d.usb_pid = pid;
			}
			d.usb_serial = sp_get_port_usb_serial(*p);
			d.usb_product = sp_get_port_usb_product(*p);
			d.usb_manufacturer = sp_get_port_usb_manufacturer(*p);
		}
		fn(ctx, &d);
	}
	sp_free_port_list(ports);
	return n;
}
