/* /api/schema: the event contract's declaration, for the pages. */
#ifndef PRESSD_WEB_API_SCHEMA_H
#define PRESSD_WEB_API_SCHEMA_H

#include <civetweb.h>

int handle_schema(struct mg_connection *conn, void *cb);

#endif
