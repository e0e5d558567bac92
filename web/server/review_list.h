/* The review page's list of recordings, described and kept while unchanged. */
#ifndef PRESSD_WEB_REVIEW_LIST_H
#define PRESSD_WEB_REVIEW_LIST_H

#include <jansson.h>
#include <stddef.h>

/* The recordings under dir, newest first (at most max): name, bytes,
 * mtime, state ("complete", "recording", "unfinished", "unreadable" with
 * `error`), device, unit, calibrated, frames, duration_s, start, subject
 * and source_format when recorded. *out is always an array; 0, or -1 with
 * errno when dir cannot be read. */
int review_list_json(const char *dir, size_t max, json_t **out);
/* At exit: drops the kept descriptions. */
void review_list_forget(void);

#endif
