/* recording/fileio.c's syncer: the fdatasync of each flush on a thread of
 * its own. A sync that succeeds says nothing; one that fails says why at
 * the next request and at the stop; the file's own descriptor may be
 * closed while it runs (it syncs a dup of its own). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "rec_internal.h"

static void syncs_a_file(void **state)
{
	(void)state;
	char path[] = "/tmp/pressd-syncer-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	struct pd_syncer s;
	assert_int_equal(pd_syncer_start(&s, fd), 0);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(write(fd, "frames", 6), 6);
		assert_int_equal(pd_syncer_request(&s), 0);
	}
	close(fd); /* the syncer has its own */
	assert_int_equal(pd_syncer_request(&s), 0);
	assert_int_equal(pd_syncer_stop(&s), 0);
	assert_int_equal(pd_syncer_stop(&s), 0); /* twice: harmless */
}

static void a_failed_sync_is_told(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0); /* fdatasync on a pipe: EINVAL */
	struct pd_syncer s;
	assert_int_equal(pd_syncer_start(&s, p[1]), 0);
	assert_int_equal(pd_syncer_request(&s), 0); /* nothing failed yet */
	int e = 0;
	for (int i = 0; i < 2000 && !e; i++) { /* told at a later request */
		usleep(1000);
		e = pd_syncer_request(&s);
	}
	assert_int_equal(e, EINVAL);
	assert_int_equal(pd_syncer_stop(&s), EINVAL);
	close(p[0]);
	close(p[1]);
}

static void stop_without_a_request(void **state)
{
	(void)state;
	struct pd_syncer s;
	assert_int_equal(pd_syncer_start(&s, STDERR_FILENO), 0);
	assert_int_equal(pd_syncer_stop(&s), 0);
	struct pd_syncer never = { 0 }; /* never started (calloc'd): stop is a no-op */
	assert_int_equal(pd_syncer_stop(&never), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syncs_a_file),
		cmocka_unit_test(a_failed_sync_is_told),
		cmocka_unit_test(stop_without_a_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
