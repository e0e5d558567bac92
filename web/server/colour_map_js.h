/* /colour_map.js: the pressure map's colours for the pages. */
#ifndef PW_COLOUR_MAP_JS_H
#define PW_COLOUR_MAP_JS_H

#include <civetweb.h>

/* A civetweb request handler (cb unused). */
int colour_map_js(struct mg_connection *conn, void *cb);

#endif
