/* The files a report becomes: OUT for the first page (a PDF: for all of
 * them), OUT's stem + "-2", "-3"... + its extension for the pages after
 * (SVG and PNG hold one page each). Each is written under its name +
 * ".partial" and renamed into place only once every page is complete, so
 * a failed run leaves no page behind, and no file that looks finished is
 * half a report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_doc.h"

int pc_report_page_path(const char *out, int page, char *buf, size_t len)
{
	int n;
	if (page <= 1) {
		n = snprintf(buf, len, "%s", out);
	} else {
		/* the extension: after the last dot of the last path component */
		const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
		size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - out) : strlen(out);
		n = snprintf(buf, len, "%.*s-%d%s", (int)stem, out, page, out + stem);
	}
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

static int partial_path(const char *out, int page, char *buf, size_t len)
{
	char name[4096];
	if (pc_report_page_path(out, page, name, sizeof name) != 0)
		return -1;
	int n = snprintf(buf, len, "%s.partial", name);
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

static void fail(struct pc_report_out *o, const char *why)
{
	if (!*o->err)
		snprintf(o->err, sizeof o->err, "%s", why);
}

FILE *pc_report_out_next(struct pc_report_out *o)
{
	char tmp[4200];
	if (pc_report_out_close(o) != 0)
		return NULL;
	if (partial_path(o->path, o->pages + 1, tmp, sizeof tmp) != 0) {
		fail(o, "name too long");
		return NULL;
	}
	if (!(o->fp = fopen(tmp, "wb"))) {
		fail(o, strerror(errno));
		return NULL;
	}
	o->pages++;
	return o->fp;
}

int pc_report_out_close(struct pc_report_out *o)
{
	if (!o->fp)
		return *o->err ? -1 : 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		fail(o, strerror(errno ? errno : EIO));
	if (fclose(o->fp) != 0)
		fail(o, strerror(errno));
	o->fp = NULL;
	return *o->err ? -1 : 0;
}

int pc_report_out_commit(struct pc_report_out *o)
{
	char tmp[4200], name[4096];
	if (pc_report_out_close(o) != 0)
		return -1;
	for (int k = 1; k <= o->pages; k++) {
		partial_path(o->path, k, tmp, sizeof tmp);
		pc_report_page_path(o->path, k, name, sizeof name);
		if (rename(tmp, name) != 0) {
			fail(o, strerror(errno));
			/* the pages renamed already stay: each one is complete */
			for (int j = k; j <= o->pages; j++)
				if (partial_path(o->path, j, tmp, sizeof tmp) == 0)
					unlink(tmp);
			return -1;
		}
	}
	/* A longer report made under the same name earlier left pages that
	 * would read as this one's: remove them, up to the first missing. */
	for (int k = o->pages + 1; o->fmt != PC_REPORT_PDF; k++)
		if (pc_report_page_path(o->path, k, name, sizeof name) != 0 || unlink(name) != 0)
			break;
	return 0;
}

void pc_report_out_abort(struct pc_report_out *o)
{
	char tmp[4200];
	if (o->fp) {
		fclose(o->fp);
		o->fp = NULL;
	}
	for (int k = 1; k <= o->pages; k++)
		if (partial_path(o->path, k, tmp, sizeof tmp) == 0)
			unlink(tmp);
}
