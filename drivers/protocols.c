/* The protocol registry: names to ops tables, in `auto` probing order. */
#include <string.h>

#include "protocol.h"

const struct pd_protocol *const pd_protocols[] = {
	&pd_protocol_pmf,
	&pd_protocol_ascii,
	&pd_protocol_sensitronics,
	NULL,
};

const struct pd_protocol *pd_protocol_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct pd_protocol *const *p = pd_protocols; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}
