/* novel .asc sensor corners (the block at the end of a pliance export):
 * read in the survey pass, then turned into a grid when the sensors are
 * equal axis-aligned rectangles on one lattice, else left as a strip. */
#ifndef PI_NOVEL_LAYOUT_H
#define PI_NOVEL_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NV_KEYS 11 /* x[0] y[0] x[1] y[1] x[2] y[2] x[3] y[3] x[c] y[c] area */

struct nv_corners {
	bool started;     /* the "sensor" line was seen */
	uint64_t line;    /* its line number */
	unsigned n;       /* sensors in the block */
	unsigned seen;    /* bit k: line NV_KEYS[k] read */
	double *c;        /* n × NV_KEYS, cm and cm² */
	char *text[NV_KEYS + 1]; /* the lines as written after their key: sensor labels, then the keys' */
};

extern const char *const nv_keys[NV_KEYS];

/* One line of the survey: 0, or -1 with why when the block is malformed. */
int nv_corners_line(struct nv_corners *k, uint64_t lineno, const char *s, size_t n, char *err, size_t errlen);
bool nv_corners_complete(const struct nv_corners *k);
void nv_corners_free(struct nv_corners *k);

struct nv_grid {
	unsigned rows, cols;
	double pitch_x_mm, pitch_y_mm;
	unsigned empty; /* lattice cells no sensor covers */
};

/* Fills cell[i] (row-major index of sensor i, row 0 at the largest y) and
 * g: true when the sensors are rectilinear, false for a strip. */
bool nv_corners_grid(const struct nv_corners *k, struct nv_grid *g, unsigned *cell);

/* Whitespace-separated tokens: the next from *at, false at the end. */
bool nv_token(const char *s, size_t n, size_t *at, const char **tok, size_t *len);

#endif
