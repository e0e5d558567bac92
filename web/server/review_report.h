/* The PDF report of a recording, for the review page's download link. */
#ifndef PRESSD_WEB_REVIEW_REPORT_H
#define PRESSD_WEB_REVIEW_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* Runs `pressctl report DIR/name -o TMP/report.pdf` (name already
 * checked). 200 with the PDF's path in out, to send and then hand to
 * review_report_done; else an HTTP status (422: pressctl refused the
 * file, with its message in err; 500, 504: it failed or took too long). */
int review_report_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen);
void review_report_done(const char *pdf);

/* At most report_jobs children at once, report_queue more waiting (503
 * past that), each within report_memory_mb of address space and
 * report_timeout_s; their directories removed whatever happens (and, at
 * start, those of a pressd-web that was killed). */
struct web_limits;
void review_report_limits(const struct web_limits *l);
json_t *review_report_stats(void);

#endif
