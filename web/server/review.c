/* The review page's HTTP side (dashboard.md's /review, docs/dashboard.md):
 *
 *   GET /review                          the page
 *   GET /api/review/list                 the recordings of the directory
 *   GET /api/review/info?name=N          one recording, events with frame spans
 *   GET /api/review/frames?name=N&from=I&count=C&step=S
 *                                        frames I, I+S, ... (C of them) as
 *                                        binary: u32 LE header length, JSON
 *                                        header, the cells as recorded
 *   GET /api/review/maps?name=N          the session maps and force curve
 *   GET /api/review/report?name=N        the PDF report (pressctl report)
 *
 * Frames come in ranges, so an hour opens at once and a moment costs the
 * decoding of one chunk. Nothing here writes to the directory. */
#include "review.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_reply.h"
#include "log.h"
#include "review_list.h"
#include "review_report.h"
#include "review_session.h"
#include "web_limits.h"

#define LIST_MAX 1000            /* recordings listed, newest first */
#define FRAMES_MAX 1000          /* frames per request */
#define FRAMES_BYTES (8u << 20)  /* cells per request: 1000 frames of 64 × 64 */

struct review {
	char dir[4096];
	bool have_dir;
	char page[4096];
};

static struct review rv;

static const char no_dir[] = "no recordings directory: start pressd-web with --recordings DIR "
			     "(or [web] recordings in the config)";

static bool query_var(const struct mg_connection *conn, const char *key, char *out, size_t cap)
{
	const char *q = mg_get_request_info(conn)->query_string;
	return q && mg_get_var(q, strlen(q), key, out, cap) > 0;
}

static bool query_u64(const struct mg_connection *conn, const char *key, uint64_t dflt, uint64_t *out)
{
	char buf[32];
	if (!query_var(conn, key, buf, sizeof buf)) {
		*out = dflt;
		return true;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	*out = v;
	return !errno && end != buf && !*end && buf[0] != '-';
}

/* The recording a request names, or NULL with the answer sent. */
static struct review_rec *requested(struct mg_connection *conn)
{
	if (!rv.have_dir) {
		http_send_error(conn, 404, no_dir);
		return NULL;
	}
	char name[REVIEW_NAME_MAX + 1];
	if (!query_var(conn, "name", name, sizeof name)) {
		http_send_error(conn, 400, "expected ?name=RECORDING");
		return NULL;
	}
	int status;
	char err[1024];
	struct review_rec *r = review_acquire(rv.dir, name, &status, err, sizeof err);
	if (!r)
		http_send_error(conn, status, err);
	return r;
}

static int handle_page(struct mg_connection *conn, void *cb)
{
	(void)cb;
	char path[4200];
	snprintf(path, sizeof path, "%s/review.html", rv.page);
	mg_send_mime_file(conn, path, "text/html; charset=utf-8");
	return 200;
}

static int handle_list(struct mg_connection *conn, void *cb)
{
	(void)cb;
	json_t *j = json_object(), *list = NULL;
	if (!rv.have_dir) {
		json_object_set_new(j, "dir", json_null());
		json_object_set_new(j, "error", json_string(no_dir));
		list = json_array();
	} else {
		json_object_set_new(j, "dir", json_string(rv.dir));
		if (review_list_json(rv.dir, LIST_MAX, &list) != 0) {
			char why[4400];
			snprintf(why, sizeof why, "cannot read %s: %s", rv.dir, strerror(errno));
			json_object_set_new(j, "error", json_string(why));
		}
	}
	json_object_set_new(j, "recordings", list);
	int rc = http_send_json(conn, 200, j);
	json_decref(j);
	return rc;
}

static int handle_info(struct mg_connection *conn, void *cb)
{
	(void)cb;
	struct review_rec *r = requested(conn);
	if (!r)
		return 400;
	char err[1024];
	pthread_mutex_lock(&r->mu);
	json_t *j = review_info(r, err, sizeof err);
	int rc = j ? http_send_json(conn, 200, j) : http_send_error(conn, 422, err);
	pthread_mutex_unlock(&r->mu);
	review_release(r);
	return rc;
}

static int handle_maps(struct mg_connection *conn, void *cb)
{
	(void)cb;
	struct review_rec *r = requested(conn);
	if (!r)
		return 400;
	int status = 500;
	char err[1024] = "";
	json_t *j = review_maps(r, &status, err, sizeof err);
	int rc = j ? http_send_json(conn, 200, j) : http_send_error(conn, status, err);
	review_release(r);
	return rc;
}

/* The frames from, from + step, ...: the header names each one's index,
 * device time t and sequence number; the cells follow in that order. */
static int send_frames(struct mg_connection *conn, struct review_rec *r, uint64_t from, uint64_t count, uint64_t step)
{
	const struct pd_rec_file_info *fi = pd_rec_reader_info(r->rd);
	size_t fbytes = pd_frame_cells_bytes(fi->device.rows, fi->device.cols, fi->device.cell_bits);
	if (fbytes && count > FRAMES_BYTES / fbytes)
		count = FRAMES_BYTES / fbytes;
	uint64_t avail = from < r->n ? (r->n - from + step - 1) / step : 0;
	if (count > avail)
		count = avail;
	uint8_t *cells = malloc(count * fbytes + 1);
	if (!cells)
		return http_send_error(conn, 500, "out of memory");
	json_t *idx = json_array(), *t = json_array(), *seq = json_array(), *enc = json_array();
	for (uint64_t k = 0; k < count; k++) {
		uint64_t i = from + k * step;
		struct pd_frame f;
		double ft;
		if (pd_rec_reader_frame(r->rd, i, &f, &ft, NULL) != 0) {
			char err[600];
			snprintf(err, sizeof err, "%s", pd_rec_reader_error(r->rd));
			review_name_error(r, err, sizeof err);
			free(cells);
			json_decref(idx);
			json_decref(t);
			json_decref(seq);
			json_decref(enc);
			return http_send_error(conn, 422, err);
		}
		memcpy(cells + k * fbytes, f.cells, fbytes);
		json_array_append_new(idx, json_integer((json_int_t)i));
		json_array_append_new(t, json_real(ft));
		json_array_append_new(seq, json_integer(f.seq));
		if (f.has_encoder)
			json_array_append_new(enc, json_integer(f.encoder));
	}
	json_t *h = json_pack("{s:I,s:I,s:I,s:i,s:i,s:i,s:o,s:o,s:o}", "from", (json_int_t)from, "step",
			      (json_int_t)step, "count", (json_int_t)count, "rows", fi->device.rows, "cols",
			      fi->device.cols, "cell_bits", fi->device.cell_bits, "index", idx, "t", t, "seq", seq);
	if (json_array_size(enc))
		json_object_set_new(h, "encoder", enc);
	else
		json_decref(enc);
	char *hs = json_dumps(h, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(h);
	if (!hs) {
		free(cells);
		return http_send_error(conn, 500, "out of memory");
	}
	size_t hl = strlen(hs), cl = count * fbytes;
	uint8_t le[4] = { (uint8_t)hl, (uint8_t)(hl >> 8), (uint8_t)(hl >> 16), (uint8_t)(hl >> 24) };
	http_start(conn, 200, "application/octet-stream", sizeof le + hl + cl);
	mg_write(conn, le, sizeof le);
	mg_write(conn, hs, hl);
	mg_write(conn, cells, cl);
	free(hs);
	free(cells);
	return 200;
}

static int handle_frames(struct mg_connection *conn, void *cb)
{
	(void)cb;
	uint64_t from, count, step;
	if (!query_u64(conn, "from", 0, &from) || !query_u64(conn, "count", 1, &count) ||
	    !query_u64(conn, "step", 1, &step) || step == 0 || count == 0 || count > FRAMES_MAX)
		return http_send_error(conn, 400, "expected from=I (≥ 0), count=C (1..1000), step=S (≥ 1)");
	struct review_rec *r = requested(conn);
	if (!r)
		return 400;
	pthread_mutex_lock(&r->mu);
	int rc;
	if (from >= r->n) {
		char why[160];
		snprintf(why, sizeof why, "frame %llu: the recording has %llu", (unsigned long long)from,
			 (unsigned long long)r->n);
		rc = http_send_error(conn, 400, why);
	} else {
		rc = send_frames(conn, r, from, count, step);
	}
	pthread_mutex_unlock(&r->mu);
	review_release(r);
	return rc;
}

static int handle_report(struct mg_connection *conn, void *cb)
{
	(void)cb;
	struct review_rec *r = requested(conn);
	if (!r)
		return 400;
	char name[REVIEW_NAME_MAX + 1];
	snprintf(name, sizeof name, "%s", r->name);
	review_release(r);
	char pdf[4300], err[2048];
	int status = review_report_pdf(rv.dir, name, pdf, sizeof pdf, err, sizeof err);
	if (status != 200)
		return http_send_error(conn, status, err);
	/* The download is named after the recording: mat0-…Z.pdf. */
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char headers[1400];
	snprintf(headers, sizeof headers, "Content-Disposition: attachment; filename=\"%.*s.pdf\"",
		 (int)(strlen(base) - 3), base);
	mg_send_mime_file2(conn, pdf, "application/pdf", headers);
	review_report_done(pdf);
	return 200;
}

void review_register(struct mg_context *ctx, const char *dir, const char *page_dir, const struct web_limits *l)
{
	struct pd_rec_bounds b = { .max_frames = (uint64_t)l->max_frames, .max_cells = (uint64_t)l->max_cells,
				   .max_table_bytes = (uint64_t)l->max_table_mb << 20,
				   .max_chunk_bytes = 64ull << 20 };
	review_session_limits(&b, (uint64_t)l->review_cache_mb << 20, (uint64_t)l->max_events);
	review_report_limits(l);
	rv.have_dir = dir && dir[0];
	snprintf(rv.dir, sizeof rv.dir, "%s", rv.have_dir ? dir : "");
	snprintf(rv.page, sizeof rv.page, "%s", page_dir);
	mg_set_request_handler(ctx, "/review$", handle_page, NULL);
	mg_set_request_handler(ctx, "/api/review/list$", handle_list, NULL);
	mg_set_request_handler(ctx, "/api/review/info$", handle_info, NULL);
	mg_set_request_handler(ctx, "/api/review/frames$", handle_frames, NULL);
	mg_set_request_handler(ctx, "/api/review/maps$", handle_maps, NULL);
	mg_set_request_handler(ctx, "/api/review/report$", handle_report, NULL);
	if (rv.have_dir)
		pd_log(6, "review page at /review, recordings in %s", rv.dir);
}

json_t *review_stats_json(void)
{
	json_t *j = review_session_stats();
	json_object_set_new(j, "reports", review_report_stats());
	return j;
}

void review_unregister(void)
{
	review_close_all();
	review_list_forget();
}
