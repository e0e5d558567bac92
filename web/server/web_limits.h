/* pressd-web's limits (dashboard.md, "Safety": bounded in everything),
 * each a [web] key of pressd.conf and in pressd-web(1). One table here
 * holds every key's name, range and default. */
#ifndef PRESSD_WEB_LIMITS_H
#define PRESSD_WEB_LIMITS_H
#include <stdbool.h>
#include <stddef.h>

struct web_limits {
	long max_connections;        /* open at once (civetweb's workers) */
	long max_client_connections; /* from one client address */
	long max_websockets;         /* live pages at once */
	long request_timeout_s;      /* to send a request, or to take an answer */
	long max_message_bytes;      /* one WebSocket message from a page */
	long max_cells;              /* rows × cols of a recording the review opens */
	long max_frames;             /* frames of a recording the review opens */
	long max_events;             /* events of a recording the review describes */
	long max_table_mb;           /* any other dataset of a recording, as declared */
	long review_cache_mb;        /* recordings kept open, their times and descriptions */
	long report_jobs;            /* reports made at once; more wait */
	long report_queue;           /* reports waiting; more are refused */
	long report_memory_mb;       /* each report's address space */
	long report_timeout_s;       /* each report's time */
};

void web_limits_default(struct web_limits *l);

/* `key` of [web] set from `val`: 1 done, 0 a bad value (why in bad),
 * -1 not a limit. */
int web_limits_set(struct web_limits *l, const char *key, const char *val, char *bad, size_t badlen);
#endif
