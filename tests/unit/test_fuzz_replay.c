/* Replays the fuzzers' seeds and regressions (tests/fuzz/) in the normal
 * build: each fuzz_<name>.c harness is linked with this main instead of
 * libFuzzer, and every file of the directories given runs once through
 * LLVMFuzzerTestOneInput. The harnesses abort on any broken invariant, so
 * a crash found once stays fixed in every build CI makes (gcc, and the
 * --sanitize one under ASan + UBSan), not only in the clang fuzz build.
 *
 *   test_fuzz_<name> DIR...   fails if a harness aborts or no file ran */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file's bytes in a buffer of exactly their size (ASan sees an
 * overread), or NULL. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	long n = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc(n ? (size_t)n : 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static int only_files(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	int ran = 0;
	for (int a = 1; a < argc; a++) {
		struct dirent **names;
		int n = scandir(argv[a], &names, only_files, alphasort);
		if (n < 0) {
			perror(argv[a]);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			char path[4096];
			size_t size;
			snprintf(path, sizeof path, "%s/%s", argv[a], names[i]->d_name);
			uint8_t *data = slurp(path, &size);
			if (!data) {
				perror(path);
				return 1;
			}
			/* Named first: if it aborts, the log says which file. */
			fprintf(stderr, "%s (%zu bytes)\n", path, size);
			LLVMFuzzerTestOneInput(data, size);
			free(data);
			free(names[i]);
			ran++;
		}
		free(names);
	}
	printf("%d inputs replayed\n", ran);
	return ran > 0 ? 0 : 1;
}
