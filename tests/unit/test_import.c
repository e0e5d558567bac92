/* The vendor importers' parsers (import/): exact decimals, the Tekscan
 * movie's header, frames, blanked sensels, and every way a file can be
 * short or wrong, each named with its line. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fmemopen */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "import.h"

struct got {
	struct pi_geometry g;
	int geometries;
	uint64_t frames, last_index;
	double last_t;
	int64_t first[8];
	int decimals;
	char comments[64];
	int fields;
};

static int on_field(void *ctx, const char *key, const char *value)
{
	struct got *g = ctx;
	g->fields++;
	if (!strcmp(key, "COMMENTS"))
		snprintf(g->comments, sizeof g->comments, "%s", value);
	return 0;
}

static int on_geometry(void *ctx, const struct pi_geometry *geo)
{
	struct got *g = ctx;
	g->g = *geo;
	g->geometries++;
	return 0;
}

static int on_frame(void *ctx, const struct pi_frame *f)
{
	struct got *g = ctx;
	if (g->frames == 0)
		memcpy(g->first, f->value, sizeof g->first < g->g.rows * g->g.cols * sizeof *f->value
						   ? sizeof g->first
						   : g->g.rows * g->g.cols * sizeof *f->value);
	g->frames++;
	g->last_index = f->index;
	g->last_t = f->t;
	if (f->decimals > g->decimals)
		g->decimals = f->decimals;
	return 0;
}

static int feed(const char *text, struct got *g, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	FILE *in = fmemopen((void *)text, strlen(text), "rb");
	assert_non_null(in);
	struct pi_sink sink = { .ctx = g, .field = on_field, .geometry = on_geometry, .frame = on_frame };
	err[0] = '\0';
	int rc = pi_feed_file(&pi_tekscan, in, &sink, err, errlen);
	fclose(in);
	return rc;
}

#define HEADER                                                                                              \
	"DATA_TYPE MOVIE\r\nROWS 2\r\nCOLS 3\r\nROW_SPACING 5.08 mm\r\nCOL_SPACING 0.4 cm\r\n"                 \
	"SECONDS_PER_FRAME 0.01\r\nSATURATION_PRESSURE 1514.73 KPa \r\nCOMMENTS:\r\nsome walk\r\n"           \
	"START_FRAME 5\r\nEND_FRAME 6\r\nUNITS KPa\r\nASCII_DATA @@\r\n\r\n"

static const char good[] = HEADER "Frame 5\r\nB,1,2.5\r\n0,0,12.25\r\n\r\nFrame 6\r\n1,1,1\r\n1,1,1\r\n@@\r\n";

static void fixed_numbers(void **state)
{
	(void)state;
	int64_t v;
	int d;
	assert_int_equal(pi_parse_fixed("12.250", 6, &v, &d), 0);
	assert_int_equal(v, 12250000);
	assert_int_equal(d, 2); /* trailing zeros need no digits */
	assert_int_equal(pi_parse_fixed("7", 1, &v, &d), 0);
	assert_int_equal(v, 7000000);
	assert_int_equal(d, 0);
	assert_int_equal(pi_parse_fixed("-0.000001", 9, &v, &d), 0);
	assert_int_equal(v, -1);
	assert_int_equal(d, 6);
	assert_int_equal(pi_parse_fixed("0.0000001", 9, &v, &d), -1); /* too fine to keep */
	assert_int_equal(pi_parse_fixed("", 0, &v, &d), -1);
	assert_int_equal(pi_parse_fixed(".", 1, &v, &d), -1);
	assert_int_equal(pi_parse_fixed("1e3", 3, &v, &d), -1);
	assert_int_equal(pi_parse_fixed("1.2.3", 5, &v, &d), -1);
	assert_int_equal(pi_parse_fixed("1234567890123", 13, &v, &d), -1);
}

static void tekscan_movie(void **state)
{
	(void)state;
	struct got g;
	char err[PI_ERR_LEN];
	assert_int_equal(feed(good, &g, err, sizeof err), 0);
	assert_int_equal(g.geometries, 1);
	assert_int_equal(g.g.rows, 2);
	assert_int_equal(g.g.cols, 3);
	assert_true(g.g.pitch_y_mm == 5.08);
	assert_true(g.g.pitch_x_mm == 4.0); /* cm */
	assert_true(g.g.period_s == 0.01);
	assert_true(g.g.saturation == 1514.73);
	assert_string_equal(g.g.unit, "kPa");
	assert_string_equal(g.comments, "some walk");
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.last_index, 6);
	assert_true(g.last_t == 0.01);
	assert_int_equal(g.decimals, 2);
	int64_t want[6] = { 0, 1000000, 2500000, 0, 0, 12250000 };
	assert_memory_equal(g.first, want, sizeof want);
}

static void refuses(const char *text, const char *why)
{
	struct got g;
	char err[PI_ERR_LEN];
	assert_int_equal(feed(text, &g, err, sizeof err), -1);
	if (!strstr(err, why))
		fail_msg("\"%s\" does not say \"%s\"", err, why);
}

static void tekscan_refusals(void **state)
{
	(void)state;
	refuses("DATA_TYPE MOVIE\r\nROWS 2\r\n", "line 3 (end of file): the file ends in its header");
	refuses(HEADER "Frame 5\r\nB,1,2.5\r\n", "line 17 (end of file): the file ends inside frame 5 (row 2 of 2)");
	refuses(HEADER "Frame 5\r\n1,1,1\r\n1,1,1\r\n", "without its closing @@");
	refuses(HEADER "Frame 5\r\n1,1\r\n", "line 16: frame 5 row 1 has 2 values, COLS is 3");
	refuses(HEADER "Frame 5\r\n1,1,1,1\r\n", "more than COLS=3");
	refuses(HEADER "Frame 5\r\n1,x,1\r\n", "line 16: frame 5 row 1 column 2: \"x\" is not a pressure");
	refuses(HEADER "Frame 5\r\n1,-1,1\r\n", "column 2: \"-1\" is not a pressure");
	refuses(HEADER "Frame 6\r\n", "line 15: Frame 6 where Frame 5 was due");
	refuses(HEADER "Frame 5\r\n1,1,1\r\n1,1,1\r\n@@\r\n", "END_FRAME 6 promises 2 frames, the file has 1");
	refuses(HEADER "Frame 5\r\n1,1,1\r\n1,1,1\r\nFrame 6\r\n1,1,1\r\n1,1,1\r\n@@\r\nmore\r\n",
		"text after the closing @@");
	refuses("ROWS 0\r\n", "line 1: ROWS is not a number of sensels");
	refuses("ROWS 2\r\nCOLS 2\r\nASCII_DATA @@\r\n", "line 3: ASCII_DATA before the header gave SECONDS_PER_FRAME");
	refuses("ROWS 2\r\nUNITS furlongs\r\n", "UNITS \"furlongs\" is none of");
	refuses("lower case\r\n", "line 1: header line \"lower case\" is not KEY value");
	static const char nul[] = "ROWS 2\0\r\n";
	struct got g;
	char err[PI_ERR_LEN];
	FILE *in = fmemopen((void *)nul, sizeof nul - 1, "rb");
	struct pi_sink sink = { .ctx = &g };
	assert_int_equal(pi_feed_file(&pi_tekscan, in, &sink, err, sizeof err), -1);
	fclose(in);
	assert_non_null(strstr(err, "line 1: a NUL byte"));
}

static void detection(void **state)
{
	(void)state;
	const char *what;
	assert_ptr_equal(pi_detect(good, sizeof good - 1, &what), &pi_tekscan);
	assert_null(pi_detect("hello", 5, &what));
	assert_null(what);
	static const char xs[] = "\xef\xbb\xbf" "File:,x\r\nUnits:,mmHg,,\r\n\nFRAME,1,,\r\n";
	assert_null(pi_detect(xs, sizeof xs - 1, &what));
	assert_string_equal(what, "XSENSOR CSV");
	static const char asc[] = "file name: a.mat\ntotal times [secs]: 1 time per frame [secs]: 0.04\n";
	assert_null(pi_detect(asc, sizeof asc - 1, &what));
	assert_string_equal(what, "novel pliance/pedar .asc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_numbers),
		cmocka_unit_test(tekscan_movie),
		cmocka_unit_test(tekscan_refusals),
		cmocka_unit_test(detection),
	};
	return cmocka_run_group_tests(tests, 0, NULL);
}
