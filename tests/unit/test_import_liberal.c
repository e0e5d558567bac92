/* The importers' liberal reading (import/): vendors' dates and times,
 * lengths in their unit words, Tekscan keys in any case and stamped frame
 * lines, emed listings with spaces for tabs, the plain matrix, and the
 * registry every format is found through. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fmemopen */
#endif
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vendor_parser.h"

struct got {
	struct pi_geometry g;
	uint64_t frames;
	double t[8];
	int64_t first[16];
	char keys[512];
};

static int on_field(void *ctx, const char *key, const char *value)
{
	struct got *g = ctx;
	size_t used = strlen(g->keys);
	snprintf(g->keys + used, sizeof g->keys - used, "%s=%.20s;", key, value);
	return 0;
}

static int on_geometry(void *ctx, const struct pi_geometry *geo)
{
	((struct got *)ctx)->g = *geo;
	return 0;
}

static int on_frame(void *ctx, const struct pi_frame *f)
{
	struct got *g = ctx;
	size_t cells = (size_t)g->g.rows * g->g.cols;
	if (g->frames == 0)
		memcpy(g->first, f->value, (cells < 16 ? cells : 16) * sizeof *f->value);
	if (g->frames < 8)
		g->t[g->frames] = f->t;
	g->frames++;
	return 0;
}

static int feed(const char *format, const struct pi_given *given, const char *text, struct got *g, char *err)
{
	memset(g, 0, sizeof *g);
	FILE *in = fmemopen((void *)text, strlen(text), "rb");
	assert_non_null(in);
	struct pi_sink sink = { .ctx = g, .given = given, .field = on_field, .geometry = on_geometry, .frame = on_frame };
	err[0] = '\0';
	const struct pi_format *f = pi_format_named(format);
	assert_non_null(f);
	int rc = pi_feed_file(f->ops, in, &sink, err, PI_ERR_LEN);
	fclose(in);
	return rc;
}

static void when(const char *s, int y, int mo, int d, int h, int mi, double sec)
{
	struct pi_when w;
	if (!pi_parse_when(s, strlen(s), &w))
		fail_msg("\"%s\" not read", s);
	if (w.year != y || w.month != mo || w.day != d || w.hour != h || w.minute != mi || fabs(w.second - sec) > 1e-9)
		fail_msg("\"%s\": %d-%d-%d %d:%d:%g", s, w.year, w.month, w.day, w.hour, w.minute, w.second);
}

static void dates_and_times(void **state)
{
	(void)state;
	when("Thursday, 16 February 2017 11:26:22 a.m.", 2017, 2, 16, 11, 26, 22);
	when("2022 Aug 16 08:21:17.982", 2022, 8, 16, 8, 21, 17.982);
	when("17.06.23 15.21", 2023, 6, 17, 15, 21, 0);
	when("12/2/2019 6:21:52.34PM", 2019, 12, 2, 18, 21, 52.34);
	when("12/2/2019 12:05:00 AM", 2019, 12, 2, 0, 5, 0);
	when("2019-12-02T18:21:52", 2019, 12, 2, 18, 21, 52);
	when("16 February 2017", 2017, 2, 16, 0, 0, 0);
	struct pi_when w;
	static const char *const bad[] = { "", "11:26:22", "hello", "13/45/2019", "31.02.x", "12/2/2019 25:00",
					   "1 2 3", "Frame 1", "0" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pi_parse_when(bad[i], strlen(bad[i]), &w))
			fail_msg("\"%s\" taken for a date", bad[i]);
	struct pi_when a, b;
	assert_true(pi_parse_when("12/31/2019 11:59:59.5PM", 23, &a));
	assert_true(pi_parse_when("1/1/2020 12:00:00.25AM", 22, &b));
	assert_true(fabs(pi_when_seconds(&b) - pi_when_seconds(&a) - 0.75) < 1e-6); /* across a year */
}

static void lengths(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		double mm;
	} ok[] = { { "5.08 mm", 5.08 },	     { "0.127 centimeters", 1.27 }, { "0.05 inches", 1.27 },
		   { "0.5 cm", 5 },	     { "2", 2 },		    { "0.2 IN", 5.08 },
		   { "1 Centimetre", 10 }, { "0.86 cm.", 8.6 } };
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		double mm = 0;
		if (!pi_length_mm(ok[i].s, strlen(ok[i].s), &mm) || fabs(mm - ok[i].mm) > 1e-9)
			fail_msg("\"%s\": %g mm", ok[i].s, mm);
	}
	static const char *const bad[] = { "", "mm", "-1 mm", "0 mm", "5 furlongs", "nan", "inf cm" };
	double mm;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pi_length_mm(bad[i], strlen(bad[i]), &mm))
			fail_msg("\"%s\" taken for a length", bad[i]);
}

#define TK_HEAD(keys) "data_type MOVIE\r\n" keys "Seconds_Per_Frame 0.01\r\nascii_data @@\r\n"

static void tekscan_liberal(void **state)
{
	(void)state;
	struct got g;
	char err[PI_ERR_LEN];
	/* I-Scan 6.10: mixed-case keys, an unknown one, cm and inches, stamped frame lines */
	static const char iscan[] = "\xef\xbb\xbf" TK_HEAD("Rows 2\r\nCols 2\r\nVersaPogoFsx 0\r\n"
							     "Row_Spacing 0.127 centimeters\r\nCol_Spacing 0.05 inches\r\n")
		"Frame 1, 0,, 12/2/2019 6:21:52.34PM\r\n1,2\r\n3,4\r\n\r\n"
		"Frame 2, 10,, 12/2/2019 6:21:52.40PM\r\n5,6\r\n7,8\r\n@@\r\n";
	assert_int_equal(feed("tekscan", NULL, iscan, &g, err), 0);
	assert_int_equal(g.frames, 2);
	assert_true(fabs(g.g.pitch_y_mm - 1.27) < 1e-9 && fabs(g.g.pitch_x_mm - 1.27) < 1e-9);
	assert_true(fabs(g.t[1] - 0.06) < 1e-6); /* from the stamps, not the 0.01 s nominal */
	assert_non_null(strstr(g.keys, "VersaPogoFsx=0;"));
	assert_non_null(strstr(g.keys, "Rows=2;")); /* as written */
	assert_int_equal(g.first[3], 4 * PI_ONE);
	/* a stamp on one frame line but not the next; times going back; absurd rates */
	assert_int_equal(feed("tekscan", NULL, TK_HEAD("ROWS 1\r\nCOLS 1\r\nROW_SPACING 5\r\n") "Frame 1,, 12/2/2019 6:21:52PM\r\n1\r\n"
							     "Frame 2\r\n2\r\n@@\r\n", &g, err), -1);
	assert_non_null(strstr(err, "line 9: Frame 2 has no date and time, Frame 1 had one"));
	assert_int_equal(feed("tekscan", NULL, TK_HEAD("ROWS 1\r\nCOLS 1\r\nROW_SPACING 5\r\n") "Frame 1,, 12/2/2019 6:21:52PM\r\n1\r\n"
							     "Frame 2,, 12/2/2019 6:21:51PM\r\n2\r\n@@\r\n", &g, err), -1);
	assert_non_null(strstr(err, "line 9: Frame 2's time 12/2/2019 6:21:51PM is before"));
	assert_int_equal(feed("tekscan", NULL, "DATA_TYPE MOVIE\nROWS 1\nCOLS 1\nSECONDS_PER_FRAME 1e-300\n", &g, err), -1);
	assert_non_null(strstr(err, "line 4: SECONDS_PER_FRAME is no rate"));
	/* one spacing: square sensels; none: refused (a pitch of 0 replays nowhere) */
	assert_int_equal(feed("tekscan", NULL, "DATA_TYPE MOVIE\nROWS 1\nCOLS 1\nROW_SPACING 2 mm\nSECONDS_PER_FRAME 1\n"
						"ASCII_DATA @@\nFrame 1\n1\n@@\n", &g, err), 0);
	assert_true(g.g.pitch_x_mm == 2 && g.g.pitch_y_mm == 2);
	assert_int_equal(feed("tekscan", NULL, "DATA_TYPE MOVIE\nROWS 1\nCOLS 1\nSECONDS_PER_FRAME 1\n"
						"ASCII_DATA @@\nFrame 1\n1\n@@\n", &g, err), -1);
	assert_non_null(strstr(err, "line 5: ASCII_DATA before the header gave ROW_SPACING or COL_SPACING"));
	assert_int_equal(feed("tekscan", NULL, "DATA_TYPE MOVIE\nROW_SPACING 5 furlongs\n", &g, err), -1);
	assert_non_null(strstr(err, "line 2: ROW_SPACING is not a length"));
}

static void emed_with_spaces(void **state)
{
	(void)state;
	struct got g;
	char err[PI_ERR_LEN];
	static const char spaced[] = "                Page 1\n"
				     "    File: x.dat     Matrix: 64x95\n"
				     "    Sensor area: 0.25 cm2    Time/picture:10.0 ms\n"
				     "    Sensor size: 0.500x0.500 cm\n"
				     "    Pict-No.: 1  Force[N]=sum*sensor_area in row/column\n"
				     "\n"
				     "    26    27    Force\n"
				     "30 1.00 2.50 0.09\n"
				     "31    0.00   12.25    0.31\n"
				     "Force 0.03 0.37\n";
	assert_int_equal(feed("emed", NULL, spaced, &g, err), 0);
	assert_int_equal(g.frames, 1);
	assert_int_equal(g.g.rows, 2);
	assert_int_equal(g.g.cols, 2);
	assert_true(fabs(g.g.pitch_x_mm - 5) < 1e-9 && fabs(g.g.period_s - 0.01) < 1e-12);
	int64_t want[4] = { 1000000, 2500000, 0, 12250000 };
	assert_memory_equal(g.first, want, sizeof want);
	assert_non_null(strstr(g.keys, "Matrix=64x95;"));
}

static void plain_matrix(void **state)
{
	(void)state;
	struct got g;
	char err[PI_ERR_LEN];
	struct pi_given gv = { .rows = 2, .cols = 3, .rate_hz = 4, .pitch_x_mm = 10, .pitch_y_mm = 12.5, .unit = "mmHg" };
	/* a frame a line, tabs and a trailing tab */
	assert_int_equal(feed("matrix", &gv, "1\t2\t3\t4\t5\t6\t\n7\t8\t9\t10\t11\t12.5\t\n", &g, err), 0);
	assert_int_equal(g.frames, 2);
	assert_true(g.t[1] == 0.25);
	assert_string_equal(g.g.unit, "mmHg");
	int64_t rows_first[6] = { 1 * PI_ONE, 2 * PI_ONE, 3 * PI_ONE, 4 * PI_ONE, 5 * PI_ONE, 6 * PI_ONE };
	assert_memory_equal(g.first, rows_first, sizeof rows_first);
	/* a frame a block, commas, CRLF, a blank line between blocks */
	assert_int_equal(feed("matrix", &gv, "1,2,3\r\n4,5,6\r\n\r\n7,8,9\r\n10,11,12\r\n", &g, err), 0);
	assert_int_equal(g.frames, 2);
	assert_memory_equal(g.first, rows_first, sizeof rows_first);
	/* down the columns, both flips: the file's first value is the mat's last row and column */
	gv.by_cols = gv.flip_rows = gv.flip_cols = true;
	assert_int_equal(feed("matrix", &gv, "1  2  3  4  5  6\n", &g, err), 0);
	int64_t cols_flipped[6] = { 6 * PI_ONE, 4 * PI_ONE, 2 * PI_ONE, 5 * PI_ONE, 3 * PI_ONE, 1 * PI_ONE };
	assert_memory_equal(g.first, cols_flipped, sizeof cols_flipped);
	gv.by_cols = gv.flip_rows = gv.flip_cols = false;
	/* refusals, each with its line */
	assert_int_equal(feed("matrix", &gv, "1\t2\t3\t4\n", &g, err), -1);
	assert_non_null(strstr(err, "line 1: 4 values: a 2x3 matrix has 6 a line"));
	assert_int_equal(feed("matrix", &gv, "1,2,3\n4,5,6\n7,8\n", &g, err), -1);
	assert_non_null(strstr(err, "line 3: 2 values where the lines before had 3"));
	assert_int_equal(feed("matrix", &gv, "1,2,3\n\n4,5,6\n", &g, err), -1);
	assert_non_null(strstr(err, "line 2: a blank line inside frame 1"));
	assert_int_equal(feed("matrix", &gv, "1,2,3\n4,-5,6\n", &g, err), -1);
	assert_non_null(strstr(err, "line 2: value 2: \"-5\" is not a non-negative number"));
	assert_int_equal(feed("matrix", &gv, "1,2,3\n", &g, err), -1);
	assert_non_null(strstr(err, "end of file): the file ends inside frame 1 (1 of its 2 lines)"));
}

static void registry(void **state)
{
	(void)state;
	assert_true(pi_nformats >= 6);
	for (size_t i = 0; i < pi_nformats; i++) {
		const struct pi_format *f = pi_formats[i];
		assert_non_null(f->ops);
		assert_true(f->name && f->name[0] && f->title && f->title[0] && f->example && f->example[0] && f->keeps);
		assert_ptr_equal(pi_format_named(f->name), f);
		assert_true(f->needs_given == (f->detect == NULL)); /* what is not guessed must be given */
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(pi_formats[j]->name, f->name);
	}
	assert_null(pi_format_named("nonesuch"));
	assert_null(pi_detect("1\t2\t3\n", 6)); /* a plain matrix is never guessed */
	assert_ptr_equal(pi_detect("data_type movie\n", 16), pi_format_named("tekscan")); /* any case */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dates_and_times), cmocka_unit_test(lengths),	   cmocka_unit_test(tekscan_liberal),
		cmocka_unit_test(emed_with_spaces), cmocka_unit_test(plain_matrix), cmocka_unit_test(registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
