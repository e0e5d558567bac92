/* Where record_start may write (events.md, record_start's `dir`): only
 * inside one of daemon.record_roots, never reached through `..` or a
 * symlink out of them. Anyone who may control pressd may name a dir, and
 * pressd may run with more rights than they have, so a dir is walked one
 * component at a time with openat(O_NOFOLLOW) from the root's own fd,
 * creating what is missing the same way. */
#ifndef PD_RECORD_ROOTS_H
#define PD_RECORD_ROOTS_H

#include <limits.h>
#include <stddef.h>

#define PD_RECORD_ROOTS_MAX 8

struct pd_record_roots {
	int n;
	char root[PD_RECORD_ROOTS_MAX][PATH_MAX]; /* absolute, as configured */
	char base[PATH_MAX];                      /* relative dirs are relative to this */
};

/* list: daemon.record_roots (comma-separated; relative entries are taken
 * from base); empty: fallback alone (record_dir, else base). 0, or -1
 * with a reason naming daemon.record_roots. */
int pd_record_roots_parse(struct pd_record_roots *r, const char *list, const char *fallback,
			  const char *base, char *err, size_t errlen);

/* The directory `dir` (absolute, or relative to base) names inside a
 * root, created if missing (mode 0750), as an absolute path free of
 * symlinks and `..` in out. 0, or -1 with why in err (naming
 * daemon.record_roots when the dir is outside them). */
int pd_record_roots_resolve(const struct pd_record_roots *r, const char *dir, char *out, size_t cap,
			    char *err, size_t errlen);

#endif
