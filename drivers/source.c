#include "source.h"

#include <stdio.h>

int pd_source_bind(struct pd_source *src, char *err, size_t errlen)
{
	switch (src->uri.scheme) {
	case PD_URI_SERIAL:
	case PD_URI_TCP:
		src->ops = &pd_source_stream;
		return 0;
	case PD_URI_SIM:
		src->ops = &pd_source_sim;
		return 0;
	case PD_URI_REPLAY:
		src->ops = &pd_source_replay;
		return 0;
	case PD_URI_AUTO:
		src->ops = &pd_source_auto;
		return 0;
	}
	snprintf(err, errlen, "%s: unknown device kind", src->uri.text);
	return -1;
}

int pd_source_check_uri(const struct pd_uri *uri, char *err, size_t errlen)
{
	static const struct pd_source zero;
	struct pd_source src = zero;
	src.uri = *uri;
	if (uri->scheme == PD_URI_AUTO)
		return 0;
	if (pd_source_bind(&src, err, errlen) != 0)
		return -1;
	return src.ops->check ? src.ops->check(uri, err, errlen) : 0;
}

int pd_source_default_id(const struct pd_uri *uri, char *id, size_t idlen)
{
	static const struct pd_source zero;
	struct pd_source src = zero;
	char err[sizeof uri->text + 64]; /* unused: there is no id when binding fails */
	src.uri = *uri;
	if (uri->scheme == PD_URI_AUTO || pd_source_bind(&src, err, sizeof err) != 0)
		return -1;
	return src.ops->default_id ? src.ops->default_id(uri, id, idlen) : -1;
}
