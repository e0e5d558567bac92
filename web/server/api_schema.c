/* /api/schema: every event type and its fields as model/events.def
 * declares them, so the pages name fields from the one declaration. */
#include "api_schema.h"

#include "event_json.h"
#include "http_reply.h"

int handle_schema(struct mg_connection *conn, void *cb)
{
	(void)cb;
	json_t *j = pd_event_schema_json();
	int status = http_send_json(conn, 200, j);
	json_decref(j);
	return status;
}
