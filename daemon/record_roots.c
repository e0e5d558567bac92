#include "record_roots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_COMPONENTS 256

static int join(char *out, size_t cap, const char *base, const char *rel)
{
	int n = snprintf(out, cap, "%s%s%s", base, strcmp(base, "/") ? "/" : "", rel);
	return n >= 0 && (size_t)n < cap ? 0 : -1;
}

int pd_record_roots_parse(struct pd_record_roots *r, const char *list, const char *fallback,
			  const char *base, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	snprintf(r->base, sizeof r->base, "%s", base && base[0] ? base : "/");
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", list ? list : "");
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t len = strlen(tok);
		while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			tok[--len] = '\0';
		if (!len)
			continue;
		if (r->n == PD_RECORD_ROOTS_MAX) {
			snprintf(err, errlen, "daemon.record_roots: at most %d directories", PD_RECORD_ROOTS_MAX);
			return -1;
		}
		if (tok[0] == '/' ? snprintf(r->root[r->n], PATH_MAX, "%s", tok) >= PATH_MAX
				  : join(r->root[r->n], PATH_MAX, r->base, tok) != 0) {
			snprintf(err, errlen, "daemon.record_roots: %s: path too long", tok);
			return -1;
		}
		r->n++;
	}
	if (r->n == 0) { /* events.md: record_dir when that is set, else where pressd was started */
		const char *d = fallback && fallback[0] ? fallback : r->base;
		if (d[0] == '/' ? snprintf(r->root[0], PATH_MAX, "%s", d) >= PATH_MAX
				: join(r->root[0], PATH_MAX, r->base, d) != 0) {
			snprintf(err, errlen, "daemon.record_roots: %s: path too long", d);
			return -1;
		}
		r->n = 1;
	}
	return 0;
}

/* The components of an absolute path, "" and "." dropped; -1 on `..`
 * (refused outright: a dir that climbs is never what a client needs, and
 * what it climbs through may be a symlink). */
static int split(char *path, char **comp, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..") || n == max)
			return -1;
		comp[n++] = tok;
	}
	return n;
}

/* How many leading components of dir the root is, or -1 if dir is not
 * under it (compared by name, both as configured and as the real path). */
static int under(const char *root, char **dcomp, int dn)
{
	char copy[PATH_MAX], *rc[MAX_COMPONENTS];
	snprintf(copy, sizeof copy, "%s", root);
	int rn = split(copy, rc, MAX_COMPONENTS);
	if (rn < 0 || rn > dn)
		return -1;
	for (int i = 0; i < rn; i++)
		if (strcmp(rc[i], dcomp[i]))
			return -1;
	return rn;
}

static void make_root(const char *root)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", root);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0750) != 0 && errno != EEXIST)
				return; /* realpath() then says why */
			if (c == '\0')
				return;
			*p = c;
		}
	}
}

static void list_roots(const struct pd_record_roots *r, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < r->n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", r->root[i]);
}

/* One step down from fd: a real directory, never a symlink; created
 * when missing. The new fd, or -1 with why in err. */
static int step(int fd, const char *name, const char *so_far, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next >= 0)
			return next;
		if (errno == ENOENT && attempt == 0) {
			if (mkdirat(fd, name, 0750) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", so_far, strerror(errno));
				return -1;
			}
			continue;
		}
		struct stat st;
		if ((errno == ELOOP || errno == ENOTDIR) && fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			snprintf(err, errlen, S_ISLNK(st.st_mode)
					 ? "%s is a symlink: record_start does not follow symlinks inside daemon.record_roots"
					 : "%s is not a directory", so_far);
			return -1;
		}
		snprintf(err, errlen, "cannot open %s: %s", so_far, strerror(errno));
		return -1;
	}
	snprintf(err, errlen, "cannot open %s", so_far);
	return -1;
}

int pd_record_roots_resolve(const struct pd_record_roots *r, const char *dir, char *out, size_t cap,
			    char *err, size_t errlen)
{
	char path[PATH_MAX], roots[1024];
	list_roots(r, roots, sizeof roots);
	if (dir[0] == '/' ? snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path
			  : join(path, sizeof path, r->base, dir) != 0) {
		snprintf(err, errlen, "dir: path too long");
		return -1;
	}
	char *comp[MAX_COMPONENTS];
	int n = split(path, comp, MAX_COMPONENTS);
	if (n < 0) {
		snprintf(err, errlen, "dir %s: '..' is not allowed (record_start writes only inside daemon.record_roots: %s)",
			 dir, roots);
		return -1;
	}
	for (int i = 0; i < r->n; i++) {
		char real[PATH_MAX];
		int skip = under(r->root[i], comp, n);
		/* A root that went (rm -r of the recordings) is made again, as
		 * the recorder makes record_dir at start: its path is the
		 * admin's, not the client's. */
		if (skip >= 0 && realpath(r->root[i], real) == NULL && errno == ENOENT)
			make_root(r->root[i]);
		if (realpath(r->root[i], real) == NULL) {
			if (skip >= 0) {
				snprintf(err, errlen, "daemon.record_roots: %s: %s", r->root[i], strerror(errno));
				return -1;
			}
			continue;
		}
		if (skip < 0)
			skip = under(real, comp, n);
		if (skip < 0)
			continue;
		/* The root itself is the admin's, symlinks and all; below it we
		 * follow nothing. */
		int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "daemon.record_roots: %s: %s", real, strerror(errno));
			return -1;
		}
		size_t used = (size_t)snprintf(out, cap, "%s", real);
		for (int k = skip; k < n; k++) {
			used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s", strcmp(out, "/") ? "/" : "",
						 comp[k]);
			if (used >= cap) {
				close(fd);
				snprintf(err, errlen, "dir: path too long");
				return -1;
			}
			int next = step(fd, comp[k], out, err, errlen);
			close(fd);
			if (next < 0)
				return -1;
			fd = next;
		}
		close(fd);
		return 0;
	}
	snprintf(err, errlen, "dir %s is outside daemon.record_roots (%s): record_start writes only there", dir, roots);
	return -1;
}
