/* The open recordings of the review page, and opening one. */
#include "review_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEEP_OPEN 8 /* recordings kept open at once */
/* What one event, one baseline cell, one frame's times cost in memory
 * (jansson objects and the JSON text), for the cache's accounting. */
#define EVENT_BYTES 1024
#define TARE_CELL_BYTES 64
#define FRAME_BYTES 16

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct review_rec *cache[KEEP_OPEN];
static uint64_t use_clock;
static struct pd_rec_bounds bounds = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
static uint64_t cache_limit = UINT64_MAX, events_limit = UINT64_MAX, cached_bytes;
static unsigned long refused;

void review_session_limits(const struct pd_rec_bounds *b, uint64_t cache_bytes, uint64_t max_events)
{
	bounds = *b;
	cache_limit = cache_bytes;
	events_limit = max_events;
}

json_t *review_session_stats(void)
{
	pthread_mutex_lock(&cache_mu);
	json_t *j = json_pack("{s:I,s:I,s:I}", "refused_files", (json_int_t)refused, "cache_bytes",
			      (json_int_t)cached_bytes, "cache_limit", (json_int_t)cache_limit);
	pthread_mutex_unlock(&cache_mu);
	return j;
}

static void rec_free(struct review_rec *r)
{
	if (!r)
		return;
	if (r->rd)
		pd_rec_reader_close(r->rd);
	free(r->t);
	free(r->time);
	json_decref(r->info);
	json_decref(r->maps);
	if (r->fd >= 0)
		close(r->fd);
	pthread_mutex_destroy(&r->mu);
	pthread_mutex_destroy(&r->maps_mu);
	free(r);
}

/* The library's messages name the path it was given: the fd's, which
 * means nothing to the page. */
static void name_path(char *err, size_t errlen, const char *fdpath, const char *name)
{
	char *p = strstr(err, fdpath);
	if (!p)
		return;
	char rest[1024];
	snprintf(rest, sizeof rest, "%s", p + strlen(fdpath));
	*p = 0;
	size_t used = strlen(err);
	snprintf(err + used, errlen - used, "%s%s", name, rest);
}

void review_name_error(const struct review_rec *r, char *err, size_t errlen)
{
	char path[64];
	review_fd_path(r->fd, path, sizeof path);
	name_path(err, errlen, path, r->name);
}

int review_reader_open(int fd, const char *name, int *state, struct pd_rec_reader **rd, char *err, size_t errlen)
{
	char path[64];
	review_fd_path(fd, path, sizeof path);
	int status = 0;
	*rd = NULL;
	char why[512];
	*state = pd_rec_is_unfinished(path, err, errlen);
	if (*state >= 0 && pd_rec_check_bounds(path, &bounds, why, sizeof why) != 0) {
		/* Before the reader believes what the file declares. */
		snprintf(err, errlen, "%s: %s: refused (pressd-web(1), LIMITS)", name, why);
		return 422;
	}
	if (*state < 0) {
		status = 422;
	} else if (*state == PD_REC_UNFINISHED) {
		status = 409;
		snprintf(err, errlen, "%s was left unfinished (its recorder crashed or was killed): "
			 "run 'pressctl recover' on it first", name);
	} else if (pd_rec_reader_open(rd, path, err, errlen) != 0) {
		*rd = NULL;
		status = 422;
	}
	if (status)
		name_path(err, errlen, path, name);
	return status;
}

static bool too_big(struct review_rec *r, char *err, size_t errlen);

static struct review_rec *open_rec(int fd, const char *name, const struct stat *st, int *status, char *err,
				   size_t errlen)
{
	struct review_rec *r = calloc(1, sizeof *r);
	if (!r) {
		*status = 500;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->fd = fd;
	pthread_mutex_init(&r->mu, NULL);
	pthread_mutex_init(&r->maps_mu, NULL);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->st = *st;
	*status = review_reader_open(fd, name, &r->state, &r->rd, err, errlen);
	if (!*status && too_big(r, err, errlen))
		*status = 422;
	if (!*status) {
		r->n = pd_rec_reader_info(r->rd)->frames;
		r->t = malloc((r->n ? r->n : 1) * sizeof *r->t);
		r->time = malloc((r->n ? r->n : 1) * sizeof *r->time);
		if (!r->t || !r->time) {
			*status = 500;
			snprintf(err, errlen, "out of memory for %llu frame times", (unsigned long long)r->n);
		} else if (pd_rec_reader_times(r->rd, 0, r->n, r->t, r->time) != 0) {
			*status = 422;
			snprintf(err, errlen, "%s", pd_rec_reader_error(r->rd));
			review_name_error(r, err, errlen);
		} else {
			return r;
		}
	}
	r->fd = -1; /* the caller's */
	rec_free(r);
	return NULL;
}

/* Past max_events, or more than the whole cache may hold. */
static bool too_big(struct review_rec *r, char *err, size_t errlen)
{
	const struct pd_rec_file_info *fi = pd_rec_reader_info(r->rd);
	uint64_t events = 0;
	for (size_t k = 0; pd_rec_event_type(k); k++)
		events += pd_rec_reader_event_count(r->rd, pd_rec_event_type_id(k));
	uint64_t tare = (uint64_t)pd_rec_reader_tare_count(r->rd) * fi->device.rows * fi->device.cols;
	r->bytes = fi->frames * FRAME_BYTES + events * EVENT_BYTES + tare * TARE_CELL_BYTES;
	if (events > events_limit)
		snprintf(err, errlen, "%s: %llu events: over web.max_events (%llu): refused (pressd-web(1), LIMITS)", r->name,
			 (unsigned long long)events, (unsigned long long)events_limit);
	else if (r->bytes > cache_limit)
		snprintf(err, errlen, "%s: would take %llu MiB to describe: over web.review_cache_mb (%llu): refused "
			 "(pressd-web(1), LIMITS)", r->name, (unsigned long long)(r->bytes >> 20),
			 (unsigned long long)(cache_limit >> 20));
	else
		return false;
	return true;
}

static bool recorder_gone(const struct review_rec *c, int fd)
{
	if (c->state != PD_REC_IN_USE)
		return false;
	char path[64], err[256];
	review_fd_path(fd, path, sizeof path);
	return pd_rec_is_unfinished(path, err, sizeof err) != PD_REC_IN_USE;
}

struct review_rec *review_acquire(const char *dir, const char *name, int *status, char *err, size_t errlen)
{
	if (!review_name_ok(name)) {
		*status = 400;
		snprintf(err, errlen, "not a recording's name: expected a relative path ending in .h5");
		return NULL;
	}
	struct stat st;
	int fd = review_open(dir, name, &st);
	if (fd < 0) {
		*status = 404;
		snprintf(err, errlen, "no recording %s in the recordings directory", name);
		return NULL;
	}
	pthread_mutex_lock(&cache_mu);
	for (int i = 0; i < KEEP_OPEN; i++) {
		struct review_rec *c = cache[i];
		if (!c || strcmp(c->name, name) != 0)
			continue;
		/* A file that grew or was replaced is reopened, once no
		 * request is reading the old one; so is one whose recorder
		 * has gone (stopped, or killed: then the file is unchanged). */
		if ((review_same_file(&c->st, &st) && !recorder_gone(c, fd)) || c->refs > 0) {
			c->refs++;
			c->used = ++use_clock;
			pthread_mutex_unlock(&cache_mu);
			close(fd);
			return c;
		}
		cached_bytes -= c->bytes;
		rec_free(c);
		cache[i] = NULL;
	}
	pthread_mutex_unlock(&cache_mu);

	struct review_rec *r = open_rec(fd, name, &st, status, err, errlen);
	if (!r) {
		close(fd);
		if (*status == 422 && strstr(err, "LIMITS")) {
			pthread_mutex_lock(&cache_mu);
			refused++;
			pthread_mutex_unlock(&cache_mu);
		}
		return NULL;
	}
	r->refs = 1;
	pthread_mutex_lock(&cache_mu);
	r->used = ++use_clock;
	int victim = -1;
	for (int i = 0; i < KEEP_OPEN; i++) {
		if (!cache[i]) {
			victim = i;
			break;
		}
		if (cache[i]->refs == 0 && (victim < 0 || cache[i]->used < cache[victim]->used))
			victim = i;
	}
	if (victim >= 0) {
		if (cache[victim])
			cached_bytes -= cache[victim]->bytes;
		rec_free(cache[victim]);
		cache[victim] = r;
		cached_bytes += r->bytes;
		/* Within the bytes too: the least recently used go first. */
		while (cached_bytes > cache_limit) {
			int lru = -1;
			for (int i = 0; i < KEEP_OPEN; i++)
				if (cache[i] && cache[i] != r && cache[i]->refs == 0 &&
				    (lru < 0 || cache[i]->used < cache[lru]->used))
					lru = i;
			if (lru < 0)
				break; /* the rest are being read: freed as they finish */
			cached_bytes -= cache[lru]->bytes;
			rec_free(cache[lru]);
			cache[lru] = NULL;
		}
	} else {
		r->refs = -1; /* every slot busy: this one lives for one request */
	}
	pthread_mutex_unlock(&cache_mu);
	return r;
}

void review_release(struct review_rec *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&cache_mu);
	bool uncached = r->refs < 0;
	if (!uncached)
		r->refs--;
	pthread_mutex_unlock(&cache_mu);
	if (uncached)
		rec_free(r);
}

void review_close_all(void)
{
	pthread_mutex_lock(&cache_mu);
	for (int i = 0; i < KEEP_OPEN; i++) {
		rec_free(cache[i]);
		cache[i] = NULL;
	}
	cached_bytes = 0;
	pthread_mutex_unlock(&cache_mu);
}
