/* The review page's recordings directory: which names may be asked for,
 * opening one without following a link out of the directory, and listing
 * the recordings in it. */
#ifndef PRESSD_WEB_REVIEW_DIR_H
#define PRESSD_WEB_REVIEW_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define REVIEW_NAME_MAX 1024
#define REVIEW_DEPTH_MAX 4 /* components of a name: a/b/c/file.h5 */

/* A name the page may ask for: a relative path of at most
 * REVIEW_DEPTH_MAX components of [A-Za-z0-9._+-] (none starting with a
 * dot, so no "..", no hidden files), ending in ".h5". */
bool review_name_ok(const char *name);

/* Opens DIR/name read-only, each component with O_NOFOLLOW, and checks it
 * is a regular file: an fd, or -1 with errno (ELOOP: a symlink on the
 * way, EINVAL: a bad name, ENOENT...). */
int review_open(const char *dir, const char *name, struct stat *st);

/* The path that opens fd's file again by name (HDF5 opens paths, not
 * fds): /proc/self/fd/<fd>, so the walk review_open checked is the one
 * used. cap ≥ 32. */
void review_fd_path(int fd, char *out, size_t cap);

/* The same file, unchanged since `was` was taken (a recording being
 * written changes size and mtime with every flush). */
bool review_same_file(const struct stat *was, const struct stat *now);

/* The recordings under dir (REVIEW_DEPTH_MAX deep, symlinks not
 * followed), newest first. The callback gets each one's name and stat;
 * returns 0, or -1 with errno when dir itself cannot be read. At most
 * `max` are reported (the newest). */
typedef void (*review_each_fn)(void *user, const char *name, const struct stat *st);
int review_list(const char *dir, size_t max, review_each_fn each, void *user);

#endif
