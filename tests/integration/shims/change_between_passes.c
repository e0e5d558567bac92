/* LD_PRELOAD shim for test_import_liberal: changes a file between
 * pressctl import's two passes, as a program still writing it would.
 * pressctl rewinds the file before each pass; at the rewind numbered
 * SHIM_AT (2: before the writing pass) this overwrites SHIM_FROM with
 * SHIM_TO (same length) in SHIM_FILE, and with SHIM_KEEP_TIMES puts the
 * size and modification time back as they were, so that only the bytes
 * tell. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void change(const char *path, const char *from, const char *to)
{
	struct stat st;
	if (stat(path, &st) != 0 || strlen(from) != strlen(to))
		abort();
	FILE *f = fopen(path, "r+b");
	if (!f)
		abort();
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		abort();
	buf[st.st_size] = '\0';
	char *at = strstr(buf, from);
	if (!at)
		abort();
	fseek(f, at - buf, SEEK_SET);
	fwrite(to, 1, strlen(to), f);
	fclose(f);
	free(buf);
	if (getenv("SHIM_KEEP_TIMES")) {
		struct timespec times[2] = { st.st_atim, st.st_mtim };
		utimensat(AT_FDCWD, path, times, 0);
	}
}

void rewind(FILE *stream)
{
	static int calls;
	static void (*real)(FILE *);
	if (!real)
		real = (void (*)(FILE *))dlsym(RTLD_NEXT, "rewind");
	const char *at = getenv("SHIM_AT");
	if (at && ++calls == atoi(at))
		change(getenv("SHIM_FILE"), getenv("SHIM_FROM"), getenv("SHIM_TO"));
	real(stream);
}
