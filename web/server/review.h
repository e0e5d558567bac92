/* The review page (/review) and its API under /api/review/. */
#ifndef PRESSD_WEB_REVIEW_H
#define PRESSD_WEB_REVIEW_H

#include <jansson.h>
#include <civetweb.h>

/* dir: the recordings directory, or NULL when none is configured (the
 * page then says how to configure one). */
struct web_limits;
void review_register(struct mg_context *ctx, const char *dir, const char *page_dir, const struct web_limits *l);
/* For /api/stats: recordings refused past the limits, what the cache holds. */
json_t *review_stats_json(void);
/* After mg_stop: closes the recordings kept open. */
void review_unregister(void);

#endif
