/* The --truth file: one line per frame that really went out, written once
 * the frame's last byte has been handed to the terminal. Frames queued but
 * lost with their reader are never listed. */
#ifndef PDSIM_TRUTH_H
#define PDSIM_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct truth_rec {
	uint32_t seq;
	uint32_t crc;
	uint64_t t_us;
	uint64_t end; /* stream offset just past the frame's last byte */
};

struct truth {
	FILE *f;  /* NULL: no file, nothing kept */
	struct truth_rec *ring;
	size_t cap, head, n;
};

int truth_open(struct truth *t, const char *path, char *err, size_t errlen);
/* No room for another pending frame: send what is queued first. */
bool truth_full(const struct truth *t);
void truth_pending(struct truth *t, uint32_t seq, uint64_t t_us, uint32_t crc, uint64_t end);
/* The stream up to `written` has gone out. */
void truth_sent(struct truth *t, uint64_t written);
/* What is pending will never go out. */
void truth_drop(struct truth *t);
/* 0, or -1 if the file could not be written completely. */
int truth_close(struct truth *t);

#endif
