/* The vendor-format parser interface of the importers (import/): other
 * vendors' recordings, parsed as text one line at a time (streaming:
 * memory is one line plus one frame, whatever the file's length). Each
 * format is a pure parser in import/formats/NAME.c that defines
 * `const struct pi_format pi_format_NAME`; the build finds them by glob
 * and generates the registry (pi_formats[]), so adding a format is adding
 * its file. A parser is fed lines by pi_feed_file and reports header
 * fields and frames to a sink. Values are kept exactly:
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
	const struct pi_when *stamp; /* the date and time the file gives this frame; NULL: none */
};

/* A date and time a vendor's header (or frame line) states: the clock of
 * the machine that recorded, no time zone. */
struct pi_when {
	bool set;
	int year, month, day, hour, minute;
	double second;
	char text[80]; /* as the file wrote it */
};

struct pi_geometry {
	unsigned rows, cols;
	double pitch_x_mm, pitch_y_mm;
	double period_s;
	char unit[16]; /* "kPa", "mmHg", "N", "counts" */
	double saturation; /* the sensor's full scale in `unit` when the file says; 0: unknown */
	int64_t start_utc_ns; /* the first frame's UTC time when the file's clock is UTC; 0: unknown */
	struct pi_when start; /* else the start the header states, in the recording machine's local time */
};

/* What the command line gives a format that cannot tell it from the
 * file (the plain matrix: pressctl import --matrix ...). */
struct pi_given {
	unsigned rows, cols;
	double rate_hz, pitch_x_mm, pitch_y_mm;
	char unit[16];                  /* kPa, mmHg, N, counts */
	bool by_cols;                   /* the values run down the columns first */
	bool flip_rows, flip_cols;      /* the file's first row is the mat's last (its first column the last) */
};

struct pi_sink {
	void *ctx;
	const struct pi_given *given; /* NULL unless the format needs it */
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

/* One importable format, as the registry lists it. */
struct pi_format {
	const char *name;    /* the file's name in import/formats, its fuzz target's */
	const char *title;   /* "Tekscan ASCII movie (.asf)" */
	const char *example; /* a line of such a file, as pressctl import --help shows */
	const char *keeps;   /* what it becomes, one short line */
	/* How sure the format is that a file's first bytes are its own: 0 not
	 * at all, higher surer; the surest wins. NULL for a format told only
	 * on the command line (the plain matrix). */
	int (*detect)(const char *head, size_t n);
	const struct pi_parser_ops *ops;
	bool needs_given; /* its geometry, rate and unit come from the command line */
};

/* Every format, in the order of their file names (generated: registry.c). */
extern const struct pi_format *const pi_formats[];
extern const size_t pi_nformats;

/* The format of a file from its first bytes (whatever it is called);
 * NULL when no format claims it. */
const struct pi_format *pi_detect(const char *head, size_t n);
const struct pi_format *pi_format_named(const char *name);

/* Whether head (after a UTF-8 byte-order mark) starts with prefix, or has
 * needle anywhere, in any case: the formats' detect helpers. */
bool pi_head_starts(const char *head, size_t n, const char *prefix);
bool pi_head_has(const char *head, size_t n, const char *needle);

/* Feeds every line of `in` to the parser. 0, or -1 with
 * "line N: why" in err. */
int pi_feed_file(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, char *err,
		 size_t errlen);

/* The same, and a digest of the bytes the line pass read (pressctl
 * compares its two passes: a file that changed in between is refused). */
int pi_feed_file_digest(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, uint64_t *digest,
			char *err, size_t errlen);

/* A length as vendors write it: "5.08 mm", "0.127 centimeters", "0.05
 * inches", "0.86" (mm when it names no unit; the caller scales a unit its
 * key names). false when it is no positive length. */
bool pi_length_mm(const char *s, size_t n, double *mm);

/* Reads a decimal number (optional sign, digits, optional point and
 * digits) into fixed point ×10^PI_MAX_DECIMALS. 0, or -1 when it isn't one
 * or has too many digits. */
int pi_parse_fixed(const char *s, size_t n, int64_t *v, int *decimals);

/* A non-negative pressure the way every parser reads one: spaces around
 * it allowed, then pi_parse_fixed; the decimals seen raise *decimals. */
int pi_parse_value(const char *s, size_t n, int64_t *v, int *decimals);

/* The fields of a line split at `sep` (',' or '\t') in place of strtok:
 * *a..*b is the next field, spaces around it cut; false at the end.
 * sep ' ': fields are split at runs of spaces and tabs, blanks at both
 * ends ignored (no empty fields). */
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

/* A date and time as vendors write them: "Thursday, 16 February 2017
 * 11:26:22 a.m.", "2022 Aug 16 08:21:17.982", "17.06.23 15.21" (novel:
 * day.month.year hour.minute), "12/2/2019 6:21:52.34PM" (Tekscan:
 * month/day/year), "2019-12-02T18:21:52". A date alone is midnight; a
 * clock alone is refused. false when it is none of these. */
bool pi_parse_when(const char *s, size_t n, struct pi_when *w);
/* Seconds from 1970-01-01 00:00 on the same clock (no zone): differences
 * between two of a file's stamps. */
double pi_when_seconds(const struct pi_when *w);

/* Seconds since midnight from "HH:MM:SS(.fff)": -1 when it isn't one. */
double pi_parse_clock(const char *s, size_t n);

#endif
