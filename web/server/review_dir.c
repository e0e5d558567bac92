/* The review page reads patients' recordings on request of a page: the
 * names it accepts are narrow, and the walk to a file never follows a
 * symlink, so neither a crafted name nor a link planted in the directory
 * reaches a file outside it. */
#include "review_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool component_ok(const char *s, size_t n)
{
	if (n == 0 || n > 255 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

static bool h5_name(const char *s, size_t n)
{
	return n > 3 && memcmp(s + n - 3, ".h5", 3) == 0;
}

bool review_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > REVIEW_NAME_MAX || !h5_name(name, len))
		return false;
	int depth = 0;
	for (const char *p = name;; depth++) {
		size_t n = strcspn(p, "/");
		if (depth == REVIEW_DEPTH_MAX || !component_ok(p, n))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

int review_open(const char *dir, const char *name, struct stat *st)
{
	if (!review_name_ok(name)) {
		errno = EINVAL;
		return -1;
	}
	/* The directory itself may be a link (the administrator's choice). */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (const char *p = name; fd >= 0;) {
		char comp[256];
		size_t n = strcspn(p, "/");
		memcpy(comp, p, n);
		comp[n] = 0;
		bool last = !p[n];
		int next = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY));
		int saved = errno;
		close(fd);
		errno = saved;
		fd = next;
		if (last)
			break;
		p += n + 1;
	}
	if (fd < 0)
		return -1;
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

void review_fd_path(int fd, char *out, size_t cap)
{
	snprintf(out, cap, "/proc/self/fd/%d", fd);
}

bool review_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

struct found {
	char *name;
	struct stat st;
};

struct walk {
	struct found *v;
	size_t n, cap;
};

static void walk_dir(int fd, const char *prefix, int depth, struct walk *w)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (!component_ok(e->d_name, n))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		char name[REVIEW_NAME_MAX + 1];
		if ((size_t)snprintf(name, sizeof name, "%s%s", prefix, e->d_name) >= sizeof name)
			continue;
		if (S_ISDIR(st.st_mode) && depth + 1 < REVIEW_DEPTH_MAX) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				strcat(name, "/");
				walk_dir(sub, name, depth + 1, w);
			}
		} else if (S_ISREG(st.st_mode) && h5_name(e->d_name, n)) {
			if (w->n == w->cap) {
				size_t cap = w->cap ? 2 * w->cap : 64;
				struct found *v = realloc(w->v, cap * sizeof *v);
				if (!v)
					continue;
				w->v = v;
				w->cap = cap;
			}
			char *copy = strdup(name);
			if (copy)
				w->v[w->n++] = (struct found){ copy, st };
		}
	}
	closedir(d);
}

static int newest_first(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->st.st_mtim.tv_sec != y->st.st_mtim.tv_sec)
		return x->st.st_mtim.tv_sec < y->st.st_mtim.tv_sec ? 1 : -1;
	return strcmp(x->name, y->name);
}

int review_list(const char *dir, size_t max, review_each_fn each, void *user)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct walk w = { 0 };
	walk_dir(fd, "", 0, &w);
	if (w.n)
		qsort(w.v, w.n, sizeof *w.v, newest_first);
	for (size_t i = 0; i < w.n; i++) {
		if (i < max)
			each(user, w.v[i].name, &w.v[i].st);
		free(w.v[i].name);
	}
	free(w.v);
	return 0;
}
