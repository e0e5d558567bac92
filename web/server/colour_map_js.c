/* The pressure map's colours (model/colour_map.h) as an ES module,
 * `export const COLOUR_MAP` (r, g, b per step), so that the pages
 * (web/page/colour.js) and the report draw maps with the one table. */
#include "colour_map_js.h"

#include <stdio.h>
#include <string.h>

#include "colour_map.h"
#include "http_reply.h"

int colour_map_js(struct mg_connection *conn, void *cb)
{
	(void)cb;
	static const char head[] = "// model/colour_map.h, served by pressd-web\nexport const COLOUR_MAP = new Uint8Array([";
	char body[sizeof head + PD_COLOUR_MAP_STEPS * 12 + 8];
	size_t n = sizeof head - 1;
	memcpy(body, head, n);
	const uint8_t(*map)[3] = pd_colour_map();
	for (int i = 0; i < PD_COLOUR_MAP_STEPS; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "%u,%u,%u%s", map[i][0], map[i][1], map[i][2],
				      i + 1 < PD_COLOUR_MAP_STEPS ? "," : "]);\n");
	http_send(conn, 200, "text/javascript", body, n);
	return 200;
}
