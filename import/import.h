/* Importers: other vendors' recordings, parsed as text one line at a time
 * (streaming: memory is one line plus one frame, whatever the file's
 * length). Each format is a pure parser fed lines by pi_feed_file; it
 * reports header fields and frames to a sink. Values are kept exactly:
 * every number is read as a decimal fixed-point integer with up to
 * PI_MAX_DECIMALS digits after the point, so the caller can choose a
 * scale that loses nothing (docs/import.md). */
#ifndef PD_IMPORT_H
#define PD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PI_MAX_DECIMALS 6
#define PI_ONE 1000000 /* 10^PI_MAX_DECIMALS: 1 in fixed point */
#define PI_ERR_LEN 256

/* One frame: rows × cols values, value[i] / 10^PI_MAX_DECIMALS in the
 * vendor's unit; t in seconds from the first frame. Valid during the call. */
struct pi_frame {
	uint64_t index; /* vendor's frame number */
	double t;
	const int64_t *value;
	int decimals; /* most digits after the point in this frame */
};

struct pi_geometry {
	unsigned rows, cols;
	double pitch_x_mm, pitch_y_mm;
	double period_s;
	char unit[16]; /* "kPa", "mmHg", "N", "counts" */
	double saturation; /* the sensor's full scale in `unit` when the file says; 0: unknown */
};

struct pi_sink {
	void *ctx;
	/* a vendor header field, in the file's order */
	int (*field)(void *ctx, const char *key, const char *value);
	/* once, when the header is complete and before the first frame */
	int (*geometry)(void *ctx, const struct pi_geometry *g);
	int (*frame)(void *ctx, const struct pi_frame *f);
};

struct pi_parser_ops {
	const char *name; /* source_format */
	void *(*open)(const struct pi_sink *sink);
	/* one line without its line ending; 0, or -1 with why in err */
	int (*line)(void *p, const char *s, size_t n, char *err, size_t errlen);
	/* end of file: -1 when the file stops before it should */
	int (*finish)(void *p, char *err, size_t errlen);
	void (*close)(void *p);
};

extern const struct pi_parser_ops pi_tekscan;

/* The format of a file from its first bytes (and its name as a tie-break);
 * NULL when unknown, with the format's name in *what when it is recognised
 * but has no importer yet. */
const struct pi_parser_ops *pi_detect(const char *head, size_t n, const char **what);

/* Feeds every line of `in` to the parser. 0, or -1 with
 * "line N: why" in err. */
int pi_feed_file(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, char *err,
		 size_t errlen);

/* Reads a decimal number (optional sign, digits, optional point and
 * digits) into fixed point ×10^PI_MAX_DECIMALS. 0, or -1 when it isn't one
 * or has too many digits. */
int pi_parse_fixed(const char *s, size_t n, int64_t *v, int *decimals);

#endif
