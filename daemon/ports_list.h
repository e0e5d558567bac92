/* pressd --list-ports: the serial ports present, with their USB identity and
 * whether `auto` would claim them. */
#ifndef PD_PORTS_LIST_H
#define PD_PORTS_LIST_H

#include <stdio.h>

/* Returns the number of ports printed, or -1. */
int pd_ports_list_print(FILE *out);

#endif
