/* Looking the registered protocols up. The list itself, pd_protocols, is
 * generated from the protocols' own directories (drivers/CMakeLists.txt). */
#include <stdio.h>
#include <string.h>

#include "protocol.h"

const struct pd_protocol *pd_protocol_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct pd_protocol *const *p = pd_protocols; *p; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}

size_t pd_protocol_count(void)
{
	size_t n = 0;
	while (pd_protocols[n])
		n++;
	return n;
}

char *pd_protocol_names(char *buf, size_t len, const char *sep, const char *last)
{
	size_t n = pd_protocol_count(), used = 0;
	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : i + 1 == n ? last : sep,
				 pd_protocols[i]->name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}
