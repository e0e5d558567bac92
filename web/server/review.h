/* The review page (/review) and its API under /api/review/. */
#ifndef PRESSD_WEB_REVIEW_H
#define PRESSD_WEB_REVIEW_H

#include <civetweb.h>

/* dir: the recordings directory, or NULL when none is configured (the
 * page then says how to configure one). */
void review_register(struct mg_context *ctx, const char *dir, const char *page_dir);
/* After mg_stop: closes the recordings kept open. */
void review_unregister(void);

#endif
