/* The PDF report of a recording, for the review page's download link. */
#ifndef PRESSD_WEB_REVIEW_REPORT_H
#define PRESSD_WEB_REVIEW_REPORT_H

#include <stddef.h>

/* Runs `pressctl report DIR/name -o TMP/report.pdf` (name already
 * checked). 200 with the PDF's path in out, to send and then hand to
 * review_report_done; else an HTTP status (422: pressctl refused the
 * file, with its message in err; 500, 504: it failed or took too long). */
int review_report_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen);
void review_report_done(const char *pdf);

#endif
