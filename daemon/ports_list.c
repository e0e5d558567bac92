#include "ports_list.h"

#include "transport/serial_ports.h"

static void print_port(void *ctx, const struct pd_serial_port_desc *p)
{
	FILE *out = ctx;
	const struct pd_known_device *k = pd_known_device_match(p);
	fprintf(out, "%s\t", p->path);
	if (p->usb_vid || p->usb_pid)
		fprintf(out, "%04x:%04x", p->usb_vid, p->usb_pid);
	else
		fputs("-", out);
	fprintf(out, "\tserial=%s\tproduct=%s\t%s", p->usb_serial ? p->usb_serial : "-",
		p->usb_product ? p->usb_product : "-", p->description ? p->description : "");
	if (k)
		fprintf(out, "\t[known: %s %s]", k->protocol, k->kind);
	fputc('\n', out);
}

int pd_ports_list_print(FILE *out)
{
	int n = pd_serial_ports_list(print_port, out);
	if (n == 0)
		fputs("no serial ports found\n", out);
	return n;
}
