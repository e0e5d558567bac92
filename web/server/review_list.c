/* The review page's list of recordings. A clinic's directory holds
 * hundreds of sessions: each is described once (opened for its device,
 * length and subject, without reading its frames or their times) and the
 * description kept until the file changes, so listing costs a directory
 * walk, not hundreds of HDF5 opens. */
#include "review_list.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "review_session.h"

struct described {
	char *name;
	struct stat st;
	json_t *j;
	unsigned seen; /* the listing it was last seen in */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct described *known;
static size_t nknown, capknown;
static unsigned listing;

static void set_duration(json_t *j, struct pd_rec_reader *rd, const struct pd_rec_file_info *fi)
{
	double t0 = 0, t1 = 0;
	if (fi->frames && pd_rec_reader_times(rd, 0, 1, &t0, NULL) == 0 &&
	    pd_rec_reader_times(rd, fi->frames - 1, 1, &t1, NULL) == 0)
		json_object_set_new(j, "duration_s",
				    json_real(t1 - t0 + (fi->device.rate_hz > 0 ? 1.0 / fi->device.rate_hz : 0)));
	else
		json_object_set_new(j, "duration_s", json_real(0));
}

static json_t *describe(const char *dir, const char *name, const struct stat *st)
{
	json_t *j = json_pack("{s:s,s:I,s:I}", "name", name, "bytes", (json_int_t)st->st_size, "mtime",
			      (json_int_t)st->st_mtim.tv_sec);
	char err[512];
	struct stat now;
	int fd = review_open(dir, name, &now);
	struct pd_rec_reader *rd = NULL;
	int state = -1, status = fd < 0 ? 404 : review_reader_open(fd, name, &state, &rd, err, sizeof err);
	if (fd < 0)
		snprintf(err, sizeof err, "%s: gone", name);
	if (status) {
		json_object_set_new(j, "state", json_string(status == 409 ? "unfinished" : "unreadable"));
		json_object_set_new(j, "error", json_string(err));
	} else {
		const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
		json_object_set_new(j, "state", json_string(review_state_name(state)));
		json_object_set_new(j, "device", review_device_json(fi));
		review_set_calibration(j, fi);
		json_object_set_new(j, "frames", json_integer((json_int_t)fi->frames));
		json_object_set_new(j, "start", json_string(fi->session_start_time));
		set_duration(j, rd, fi);
		for (size_t i = 0; i < pd_rec_reader_meta_count(rd); i++) {
			const struct pd_rec_meta *m = pd_rec_reader_meta(rd, i);
			if (!strcmp(m->key, "subject") || !strcmp(m->key, "source_format"))
				json_object_set_new(j, m->key, json_string(m->value));
		}
		pd_rec_reader_close(rd);
	}
	if (fd >= 0)
		close(fd);
	return j;
}

/* The kept description, if the file is as it was then. One being
 * recorded is described again every time: it grows, and when its
 * recorder is killed it does not change at all but is unfinished now. */
static json_t *kept(const char *name, const struct stat *st)
{
	for (size_t i = 0; i < nknown; i++)
		if (!strcmp(known[i].name, name)) {
			known[i].seen = listing;
			const char *state = json_string_value(json_object_get(known[i].j, "state"));
			bool live = state && !strcmp(state, "recording");
			return review_same_file(&known[i].st, st) && !live ? json_incref(known[i].j) : NULL;
		}
	return NULL;
}

static void keep(const char *name, const struct stat *st, json_t *j)
{
	for (size_t i = 0; i < nknown; i++)
		if (!strcmp(known[i].name, name)) {
			json_decref(known[i].j);
			known[i].st = *st;
			known[i].j = json_incref(j);
			return;
		}
	if (nknown == capknown) {
		size_t cap = capknown ? 2 * capknown : 64;
		struct described *v = realloc(known, cap * sizeof *v);
		if (!v)
			return;
		known = v;
		capknown = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return;
	known[nknown++] = (struct described){ copy, *st, json_incref(j), listing };
}

/* Descriptions of files no longer listed go. */
static void forget_unseen(void)
{
	size_t k = 0;
	for (size_t i = 0; i < nknown; i++) {
		if (known[i].seen == listing) {
			known[k++] = known[i];
		} else {
			free(known[i].name);
			json_decref(known[i].j);
		}
	}
	nknown = k;
}

struct walk_ctx {
	const char *dir;
	json_t *a;
};

static void add(void *user, const char *name, const struct stat *st)
{
	struct walk_ctx *c = user;
	json_t *j = kept(name, st);
	if (!j) {
		j = describe(c->dir, name, st);
		keep(name, st, j);
	}
	json_array_append_new(c->a, j);
}

int review_list_json(const char *dir, size_t max, json_t **out)
{
	pthread_mutex_lock(&mu);
	listing++;
	struct walk_ctx c = { dir, json_array() };
	int rc = review_list(dir, max, add, &c);
	if (rc == 0)
		forget_unseen();
	pthread_mutex_unlock(&mu);
	*out = c.a;
	return rc;
}

void review_list_forget(void)
{
	pthread_mutex_lock(&mu);
	listing++;
	forget_unseen();
	free(known);
	known = NULL;
	nknown = capknown = 0;
	pthread_mutex_unlock(&mu);
}
