#include "truth_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TRUTH_PENDING_MAX 8192

int truth_open(struct truth *t, const char *path, char *err, size_t errlen)
{
	*t = (struct truth){ 0 };
	if (!path)
		return 0;
	t->ring = calloc(TRUTH_PENDING_MAX, sizeof *t->ring);
	if (!t->ring) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	t->f = fopen(path, "w");
	if (!t->f) {
		snprintf(err, errlen, "--truth %s: %s", path, strerror(errno));
		free(t->ring);
		t->ring = NULL;
		return -1;
	}
	t->cap = TRUTH_PENDING_MAX;
	return 0;
}

bool truth_full(const struct truth *t)
{
	return t->f && t->n == t->cap;
}

void truth_pending(struct truth *t, uint32_t seq, uint64_t t_us, uint32_t crc, uint64_t end)
{
	if (!t->f || t->n == t->cap)
		return;
	t->ring[(t->head + t->n++) % t->cap] = (struct truth_rec){ seq, crc, t_us, end };
}

void truth_sent(struct truth *t, uint64_t written)
{
	if (!t->f)
		return;
	bool any = false;
	while (t->n && t->ring[t->head].end <= written) {
		const struct truth_rec *r = &t->ring[t->head];
		fprintf(t->f, "%" PRIu32 " %" PRIu64 " %08" PRIx32 "\n", r->seq, r->t_us, r->crc);
		t->head = (t->head + 1) % t->cap;
		t->n--;
		any = true;
	}
	/* Flushed as frames go, so a test can follow the file live. */
	if (any)
		fflush(t->f);
}

void truth_drop(struct truth *t)
{
	t->head = t->n = 0;
}

int truth_close(struct truth *t)
{
	int rc = 0;
	if (t->f) {
		if (ferror(t->f))
			rc = -1;
		if (fclose(t->f) != 0)
			rc = -1;
	}
	free(t->ring);
	*t = (struct truth){ 0 };
	return rc;
}
