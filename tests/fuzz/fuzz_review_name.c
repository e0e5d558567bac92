/* libFuzzer target: the names the review page accepts and the walk that
 * opens them (web/server/review_dir.c), against a directory holding
 * recordings, a subdirectory, a symlink to a file outside it and a
 * symlink to its parent.
 *
 * An input is the name a page asked for (as civetweb decodes ?name=).
 * Checks: a name review_name_ok accepts is relative, ends in ".h5", and
 * has no empty, "."- or ".."-led component; review_open opens only names
 * it accepts, and whatever it opens is a regular file inside the
 * directory (the fd's /proc path starts with it), never through a link. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "review_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];

static void touch(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char base[] = "/tmp/pressd-fuzz-review-XXXXXX";
	if (!mkdtemp(base))
		abort();
	snprintf(dir, sizeof dir, "%s/recordings", base);
	char p[512];
	mkdir(dir, 0700);
	snprintf(p, sizeof p, "%s/sub", dir);
	mkdir(p, 0700);
	touch("a.h5");
	touch("sub/b.h5");
	snprintf(p, sizeof p, "%s/secret.h5", base);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
	char link[512];
	snprintf(link, sizeof link, "%s/link.h5", dir);
	if (symlink(p, link) != 0)
		abort();
	snprintf(link, sizeof link, "%s/up", dir);
	if (symlink(base, link) != 0)
		abort();
	return 0;
}

static void check_accepted(const char *name)
{
	size_t n = strlen(name);
	if (n < 4 || strcmp(name + n - 3, ".h5") != 0 || name[0] == '/')
		abort();
	for (const char *p = name;;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || p[0] == '.')
			abort();
		if (!p[len])
			break;
		p += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > REVIEW_NAME_MAX + 64)
		return 0;
	char name[REVIEW_NAME_MAX + 65];
	memcpy(name, data, size);
	name[size] = 0;
	bool ok = review_name_ok(name);
	if (ok)
		check_accepted(name);
	struct stat st;
	int fd = review_open(dir, name, &st);
	if (fd < 0)
		return 0;
	if (!ok || !S_ISREG(st.st_mode))
		abort();
	char proc[64], real[4096];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t len = readlink(proc, real, sizeof real - 1);
	close(fd);
	if (len < 0)
		abort();
	real[len] = 0;
	if (strncmp(real, dir, strlen(dir)) != 0 || real[strlen(dir)] != '/')
		abort(); /* opened something outside the directory */
	return 0;
}
