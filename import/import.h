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
	int64_t start_utc_ns; /* the first frame's UTC time when the file's clock is UTC; 0: unknown */
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
	/* Optional: formats that give part of what the geometry needs after
	 * the frames (novel's sensor corners at the end of an .asc) or only
	 * across them (a rate from the first and last timestamps) read the
	 * whole file once through survey first; pi_feed_file then rewinds and
	 * feeds the same lines to line. What survey keeps must not grow with
	 * the file's length. */
	int (*survey)(void *p, const char *s, size_t n, char *err, size_t errlen);
	/* one line without its line ending; 0, or -1 with why in err */
	int (*line)(void *p, const char *s, size_t n, char *err, size_t errlen);
	/* end of file: -1 when the file stops before it should */
	int (*finish)(void *p, char *err, size_t errlen);
	void (*close)(void *p);
};

extern const struct pi_parser_ops pi_tekscan;   /* tekscan.c */
extern const struct pi_parser_ops pi_xsensor;   /* xsensor.c */
extern const struct pi_parser_ops pi_emed;      /* emed.c */
extern const struct pi_parser_ops pi_novel_asc; /* novel_asc.c: pliance and pedar */
extern const struct pi_parser_ops pi_stappone;  /* stappone.c */

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

/* A non-negative pressure the way every parser reads one: spaces around
 * it allowed, then pi_parse_fixed; the decimals seen raise *decimals. */
int pi_parse_value(const char *s, size_t n, int64_t *v, int *decimals);

/* The fields of a line split at `sep` (',' or '\t') in place of strtok:
 * *a..*b is the next field, spaces around it cut; false at the end. */
struct pi_fields {
	const char *s;
	size_t n, at;
	char sep;
	bool done;
};
void pi_fields_init(struct pi_fields *f, const char *s, size_t n, char sep);
bool pi_fields_next(struct pi_fields *f, const char **field, size_t *len);

/* Copies text to buf as UTF-8: bytes that are not UTF-8 already are taken
 * as Latin-1 (novel's exports are Windows-1252), spaces at both ends cut. */
void pi_text(char *buf, size_t len, const char *s, size_t n);

/* Seconds since midnight from "HH:MM:SS(.fff)": -1 when it isn't one. */
double pi_parse_clock(const char *s, size_t n);

#endif
