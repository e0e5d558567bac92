/* A private temporary directory for fuzzers whose code under test writes
 * files (fuzz_control: record_start). Made once under $TMPDIR (or /tmp),
 * emptied between inputs, removed at a normal exit. A crash leaves it
 * behind on purpose: its contents may help explain the crash. */
#ifndef PD_FUZZ_SANDBOX_H
#define PD_FUZZ_SANDBOX_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw (the build defines it already) */
#endif
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_sandbox_root[PATH_MAX]; /* absolute, symlinks resolved */

static int fuzz_sandbox_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	if (ftw->level == 0) /* the root stays */
		return 0;
	if (remove(path) != 0) {
		perror(path);
		abort(); /* a file the harness cannot clean up would grow without bound */
	}
	return 0;
}

/* Removes everything inside the sandbox; FTW_PHYS: never follows a link out. */
static void fuzz_sandbox_empty(void)
{
	if (fuzz_sandbox_root[0] && nftw(fuzz_sandbox_root, fuzz_sandbox_rm, 16, FTW_DEPTH | FTW_PHYS) != 0)
		abort();
}

static void fuzz_sandbox_remove(void)
{
	fuzz_sandbox_empty();
	if (fuzz_sandbox_root[0])
		rmdir(fuzz_sandbox_root);
	fuzz_sandbox_root[0] = '\0';
}

/* Creates the sandbox (aborts if it cannot: nothing may be written
 * elsewhere) and returns its path. */
static const char *fuzz_sandbox_make(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char templ[PATH_MAX];
	snprintf(templ, sizeof templ, "%s/%s.XXXXXX", tmp && tmp[0] ? tmp : "/tmp", name);
	if (!mkdtemp(templ) || !realpath(templ, fuzz_sandbox_root)) {
		perror("fuzz sandbox");
		abort();
	}
	return fuzz_sandbox_root;
}

/* True if path is the sandbox or inside it. */
static int fuzz_sandbox_contains(const char *path)
{
	size_t n = strlen(fuzz_sandbox_root);
	return n && !strncmp(path, fuzz_sandbox_root, n) && (path[n] == '\0' || path[n] == '/');
}

#endif
