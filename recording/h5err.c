/* HDF5 errors as one line of text. HDF5 reports a failure as a stack,
 * outermost API call on top; the useful part is at the bottom (the
 * innermost record), and for I/O it embeds the system errno in its text
 * ("... errno = 28, error message = 'No space left on device' ..."), which
 * we turn back into strerror's short form. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

/* HDF5 1.10 has a flaw we must live with: when H5Fclose fails (its last
 * flush hit an I/O error) it frees the file but keeps the id, and the
 * library's atexit teardown then closes that id again and crashes. We do
 * all we can so that H5Fclose does not fail (rec.c), and should it fail
 * anyway the id is left alone: no atexit teardown (H5dont_atexit, which
 * works only before HDF5's first call, hence every entry point's
 * pd_h5_init), and pd_rec_shutdown skips H5close. */
static atomic_bool poisoned;

static void init_once(void)
{
	H5dont_atexit();
}

void pd_h5_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
	pd_h5_quiet();
}

void pd_h5_poison(void)
{
	atomic_store(&poisoned, true);
}

bool pd_h5_poisoned(void)
{
	return atomic_load(&poisoned);
}

void pd_h5_quiet(void)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

struct walk {
	char inner[192];
	int sys_errno;
};

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
	struct walk *w = data;
	if (n == 0 && e->desc)
		snprintf(w->inner, sizeof w->inner, "%s", e->desc);
	const char *p = e->desc ? strstr(e->desc, "errno = ") : NULL;
	if (p && !w->sys_errno)
		w->sys_errno = atoi(p + 8);
	return 0;
}

static void finish(char *err, size_t errlen, size_t used)
{
	struct walk w = { "", 0 };
	/* Upward: record 0 is the innermost. */
	H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &w);
	H5Eclear2(H5E_DEFAULT);
	if (used >= errlen)
		return;
	if (w.sys_errno > 0)
		snprintf(err + used, errlen - used, ": %s", strerror(w.sys_errno));
	else if (w.inner[0])
		snprintf(err + used, errlen - used, ": %s", w.inner);
}

void pd_h5_errorf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen) {
		H5Eclear2(H5E_DEFAULT);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	finish(err, errlen, n < 0 ? errlen : (size_t)n);
}

void pd_errorf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
