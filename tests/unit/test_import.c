/* The vendor importers' parsers (import/): exact decimals, the Tekscan
 * movie's header, frames, blanked sensels, and every way a file can be
 * short or wrong, each named with its line. */
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

#define OPS(name) (pi_format_named(#name)->ops)

struct got {
	struct pi_geometry g;
	int geometries;
	uint64_t frames, last_index;
	double last_t;
	int64_t first[8];
	int64_t last[64]; /* the last frame's first 64 values */
	int decimals;
	char comments[64];
	int fields;
	char keys[1024]; /* every field as key=value; */
};

static int on_field(void *ctx, const char *key, const char *value)
{
	struct got *g = ctx;
	g->fields++;
	size_t used = strlen(g->keys);
	snprintf(g->keys + used, sizeof g->keys - used, "%s=%.40s;", key, value);
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
	size_t cells = (size_t)g->g.rows * g->g.cols;
	memcpy(g->last, f->value, (cells < 64 ? cells : 64) * sizeof *f->value);
	g->frames++;
	g->last_index = f->index;
	g->last_t = f->t;
	if (f->decimals > g->decimals)
		g->decimals = f->decimals;
	return 0;
}

static int feed_ops(const struct pi_parser_ops *ops, const char *text, struct got *g, char *err, size_t errlen)
{
	memset(g, 0, sizeof *g);
	FILE *in = fmemopen((void *)text, strlen(text), "rb");
	assert_non_null(in);
	struct pi_sink sink = { .ctx = g, .field = on_field, .geometry = on_geometry, .frame = on_frame };
	err[0] = '\0';
	int rc = pi_feed_file(ops, in, &sink, err, errlen);
	fclose(in);
	return rc;
}

static int feed(const char *text, struct got *g, char *err, size_t errlen)
{
	return feed_ops(OPS(tekscan), text, g, err, errlen);
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

static void refuses_ops(const struct pi_parser_ops *ops, const char *text, const char *why)
{
	struct got g;
	char err[PI_ERR_LEN];
	assert_int_equal(feed_ops(ops, text, &g, err, sizeof err), -1);
	if (!strstr(err, why))
		fail_msg("\"%s\" does not say \"%s\"", err, why);
}

static void refuses(const char *text, const char *why)
{
	refuses_ops(OPS(tekscan), text, why);
}

static void accepts(const struct pi_parser_ops *ops, const char *text, struct got *g)
{
	char err[PI_ERR_LEN];
	if (feed_ops(ops, text, g, err, sizeof err) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(g->geometries, 1);
}

static void has_field(const struct got *g, const char *kv)
{
	if (!strstr(g->keys, kv))
		fail_msg("no %s in %s", kv, g->keys);
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
	refuses("(lower case)\r\n", "line 1: header line \"(lower case)\" is not KEY value");
	static const char nul[] = "ROWS 2\0\r\n";
	struct got g;
	char err[PI_ERR_LEN];
	FILE *in = fmemopen((void *)nul, sizeof nul - 1, "rb");
	struct pi_sink sink = { .ctx = &g };
	assert_int_equal(pi_feed_file(OPS(tekscan), in, &sink, err, sizeof err), -1);
	fclose(in);
	assert_non_null(strstr(err, "line 1: a NUL byte"));
}

/* ---- XSENSOR CSV --------------------------------------------------------------------- */

#define XS_HEAD "\xef\xbb\xbf" "File:,\"C:\\a,b.XSN\",,\r\n,,,\r\nUnits:,mmHg,,\r\nThreshold:,1.5,,\r\n,,,\r\n"
#define XS_SENSOR(name, a, b, c, d) \
	"SENSOR," name ",,\r\nRows,2,,\r\nColumns,2,,\r\nSensel Width (cm),0.5,,\r\nSensel Height (cm),0.4,,\r\n" \
	"Peak Pressure (mmHg),9,,\r\nSENSELS,,,\r\n,,,\r\n" a "," b ",,\r\n,,,\r\n" c "," d ",,\r\n"
#define XS_FRAME(no, time) "FRAME," no ",,\r\nDate, 2022 Aug 16,,\r\nTime, " time ",,\r\n"
#define XS_GROUP "GROUP,1,,\r\nName,Heel,,\r\nCells,3,,\r\nAverage Pressure (mmHg),1,,\r\nSENSELS,,,\r\n1,2,,\r\n,,,\r\n3,,,\r\n"

static const char xs_good[] = XS_HEAD XS_FRAME("7", "23:59:59.990") XS_SENSOR("L", "1", "2.25", "3", "4")
	XS_SENSOR("R", "5", "6", "7", "8") XS_GROUP XS_FRAME("8", "00:00:00.010") XS_SENSOR("L", "0", "0", "0", "0")
	XS_SENSOR("R", "0", "0", "0", "9.5") XS_GROUP;

static void xsensor_frames(void **state)
{
	(void)state;
	struct got g;
	accepts(OPS(xsensor), xs_good, &g);
	assert_int_equal(g.g.rows, 2);
	assert_int_equal(g.g.cols, 4); /* two 2 × 2 sensors side by side */
	assert_true(fabs(g.g.pitch_x_mm - 5) < 1e-9 && fabs(g.g.pitch_y_mm - 4) < 1e-9);
	assert_true(fabs(g.g.period_s - 0.02) < 1e-9); /* across midnight */
	assert_string_equal(g.g.unit, "mmHg");
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.last_index, 8);
	assert_true(fabs(g.last_t - 0.02) < 1e-9);
	assert_int_equal(g.decimals, 2);
	int64_t want[8] = { 1000000, 2250000, 5000000, 6000000, 3000000, 4000000, 7000000, 8000000 };
	assert_memory_equal(g.first, want, sizeof want);
	assert_int_equal(g.last[7], 9500000);
	has_field(&g, "File=C:\\a,b.XSN;");
	has_field(&g, "Units=mmHg;");
	has_field(&g, "SENSOR=L;");
	has_field(&g, "SENSOR 2=R;");
	has_field(&g, "Time=23:59:59.990;");
	assert_null(strstr(g.keys, "Peak Pressure")); /* per-frame statistics are dropped */
}

static void xsensor_refusals(void **state)
{
	(void)state;
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2", "3", "4") XS_GROUP,
		    "one frame: no frame rate");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2", "3", "4")
		    XS_FRAME("8", "00:00:00.010") XS_SENSOR("L", "1", "2", "3", "4") "GROUP,1,,\r\nCells,3,,\r\nSENSELS\r\n1,2\r\n",
		    "(end of file): frame 8 ends inside its GROUP block");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2", "3", "4")
		    XS_FRAME("8", "00:00:00.010") XS_SENSOR("L", "1", "2", "3", "4") XS_GROUP,
		    "frame 8 has 1 groups, the first frame 0");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2,5", "3", "4")
		    XS_FRAME("8", "00:00:00.010"), "frame 7 sensor 1 row 1 has more than Columns=2 values");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "x", "3", "4")
		    XS_FRAME("8", "00:00:00.010"),
		    "line 17: frame 7 sensor 1 row 1 column 2: \"x\" is not a pressure");
	refuses_ops(OPS(xsensor), "Units:,PSI\r\nFRAME,1\r\n", "Units \"PSI\" is none of mmHg, kPa");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2", "3", "4")
		    XS_FRAME("7", "00:00:00.010"), "FRAME 7 after FRAME 7");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "10:00:00.000") XS_SENSOR("L", "1", "2", "3", "4")
		    XS_FRAME("8", "09:59:59.000") XS_SENSOR("L", "1", "2", "3", "4") XS_FRAME("9", "10:00:00.020"),
		    "frame 8: Time 09:59:59.000 is before the frame before's");
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "0:00") XS_SENSOR("L", "1", "2", "3", "4"),
		    "Time \"0:00\" is not HH:MM:SS.fff");
	/* sensors side by side must match */
	refuses_ops(OPS(xsensor), XS_HEAD XS_FRAME("7", "00:00:00.000") XS_SENSOR("L", "1", "2", "3", "4")
		    "SENSOR,R\r\nRows,3\r\nColumns,2\r\nSensel Width (cm),0.5\r\nSensel Height (cm),0.4\r\nSENSELS\r\n"
		    XS_FRAME("8", "00:00:00.010"), "sensors side by side must match");
}

/* ---- novel emed .lst ---------------------------------------------------------------------- */

#define EM_PAGE(no, r1, r2)                                                                                  \
	"\t\t\t\tPage " no "\n\n\tFile: C:\\x.dat \tMatrix: 64x95 \n\tSensor area: 0.25 cm\xb2\tTime/picture:10.0 ms\n" \
	"\tMV over frames\n\tSensor size: 0.500x0.400 cm\n\tPict-No.: " no "  Force[N]=sum\n\n"               \
	"\t5\t6\t7\tForce\n" r1 r2 "Force\t0.00\t0.00\t0.00\t0.00\n\f\n"

static const char em_good[] = EM_PAGE("1", "10\t1.00\t2.50\t0.00\t0.09\n", "11\t0.00\t0.00\t3.00\t0.08\n")
	EM_PAGE("2", "10\t0.00\t0.00\t0.00\t0.00\n", "11\t0.00\t0.00\t7.00\t0.18\n") "\f";

static void emed_pages(void **state)
{
	(void)state;
	struct got g;
	accepts(OPS(emed), em_good, &g);
	assert_int_equal(g.g.rows, 2);
	assert_int_equal(g.g.cols, 3);
	assert_true(fabs(g.g.pitch_x_mm - 5) < 1e-9 && fabs(g.g.pitch_y_mm - 4) < 1e-9);
	assert_true(fabs(g.g.period_s - 0.01) < 1e-12);
	assert_string_equal(g.g.unit, "kPa");
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.last_index, 2);
	assert_true(fabs(g.last_t - 0.01) < 1e-12);
	int64_t want[6] = { 1000000, 2500000, 0, 0, 0, 3000000 };
	assert_memory_equal(g.first, want, sizeof want);
	assert_int_equal(g.last[5], 7000000);
	has_field(&g, "Sensor area=0.25 cm\xc2\xb2;"); /* Latin-1 to UTF-8 */
	has_field(&g, "row labels=10-11;");
	has_field(&g, "column labels=5-7;");
	has_field(&g, "notes=MV over frames\nForce[N]=sum;");
}

static void emed_refusals(void **state)
{
	(void)state;
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t2.50\t0.00\t0.09\n", "11\t0.00\t0.00\t3.00\t0.08\n")
		    "\t\t\t\tPage 2\n\n\tFile: C:\\x.dat \tMatrix: 64x95 \n",
		    "(end of file): the file ends in the header of page 2");
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t2.50\t0.00\t0.09\n", "11\t0.00\t0.00\t3.00\t0.08\n")
		    EM_PAGE("3", "10\t0.00\t0.00\t0.00\t0.00\n", "11\t0.00\t0.00\t7.00\t0.18\n"),
		    "Pict-No. 3 where 2 was due");
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t2.50\t0.00\t0.09\n", "11\t0.00\t0.00\t3.00\t0.08\n")
		    EM_PAGE("2", "10\t0.00\t0.00\t0.00\t0.00\n", ""), "page 2 has 1 rows, page 1 2");
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t2.50\t0.00\t0.09\n", "12\t0.00\t0.00\t3.00\t0.08\n"),
		    "picture 1: row label \"12\" where the next row was due");
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t2.50\t0.00\n", ""), "picture 1 row 10 has 3 values, the labels 3 and Force");
	refuses_ops(OPS(emed), EM_PAGE("1", "10\t1.00\t-2.5\t0.00\t0.09\n", ""),
		    "picture 1 row 10 column 6: \"-2.5\" is not a pressure");
	refuses_ops(OPS(emed), "\t\t\t\tPage 1\n\tTime/picture:10.0 ms\n\tSensor size: 0.5x0.5 cm\n\tPict-No.: 1\n"
		    "\t5\t7\n", "column label \"7\" where 6 was due");
	refuses_ops(OPS(emed), "\t\t\t\tPage 1\n\tPict-No.: 1\n\t5\t6\n", "page 1's header gives no Time/picture");
	refuses_ops(OPS(emed), "\t\t\t\tPage 1\n\tTime/picture:10.0 ms\n\tSensor size: 0.5x0.5 cm\n\tPict-No.: 1\n"
		    "\t5\t6\tForce\n10\t1\t2\t3\n", "(end of file): the file ends inside picture 1 (after 1 rows");
	refuses_ops(OPS(emed), "hello\n", "\"hello\" where a Page line was due");
}

/* ---- novel pliance / pedar .asc ------------------------------------------------------------- */

#define NV_HEAD "file name: a.mat date/time 17.06.23 15.21\r\nmat type s2160\r\n" \
	"total times [secs]: 1.0 time per frame [secs]: 0.04167 scanning rate [Hz]: 24\r\npressure values in kPa\r\n\r\nelectrical:\r\n"
/* four sensors of 0.5 × 1 cm on a 2 × 2 lattice, numbered down the columns from the top */
#define NV_CORNERS                                                                                    \
	"sensor  4  5  6  7\r\ncorner[cm]\r\n"                                                         \
	"x[0] 0.0 0.0 0.5 0.5\r\ny[0] 2.0 1.0 2.0 1.0\r\nx[1] 0.0 0.0 0.5 0.5\r\ny[1] 1.0 0.0 1.0 0.0\r\n" \
	"x[2] 0.5 0.5 1.0 1.0\r\ny[2] 1.0 0.0 1.0 0.0\r\nx[3] 0.5 0.5 1.0 1.0\r\ny[3] 2.0 1.0 2.0 1.0\r\n" \
	"area 0.5 0.5 0.5 0.5\r\n"

static const char nv_grid[] = NV_HEAD "time[secs]  4  5  6  7\r\n  5.79167  1.000  2.000  3.000  4.125\r\n"
	"  5.83333  0  0  0  1\r\n        MPP  4 4 4 4\r\n\r\n time[secs] force[N]   x[cm]   y[cm]\r\n 0.04167 0.0 - -\r\n\r\n" NV_CORNERS;

static void novel_grid(void **state)
{
	(void)state;
	struct got g;
	accepts(OPS(novel_asc), nv_grid, &g);
	assert_int_equal(g.g.rows, 2);
	assert_int_equal(g.g.cols, 2);
	assert_true(fabs(g.g.pitch_x_mm - 5) < 1e-9 && fabs(g.g.pitch_y_mm - 10) < 1e-9);
	assert_true(fabs(g.g.period_s - 1.0 / 24) < 1e-12); /* the rate, not the rounded period */
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.last_index, 140); /* 5.83333 s at 24 Hz */
	assert_true(fabs(g.last_t - 0.04166) < 1e-9);
	/* row 0: the largest y; sensor 4 is top left, 5 below it, 6 top right */
	int64_t want[4] = { 1000000, 3000000, 2000000, 4125000 };
	assert_memory_equal(g.first, want, sizeof want);
	assert_int_equal(g.decimals, 3);
	has_field(&g, "file name=a.mat;");
	has_field(&g, "date/time=17.06.23 15.21;");
	has_field(&g, "scanning rate [Hz]=24;");
	has_field(&g, "sensors=4 5 6 7;");
	has_field(&g, "x[0]=0.0 0.0 0.5 0.5;");
}

static void novel_strips(void **state)
{
	(void)state;
	struct got g;
	/* a tilted sensor: no grid; the strip's pitch is the mean sensor's side */
	static const char tilted[] = NV_HEAD "time[secs]  4  5\r\n 0.1 1 2\r\n\r\nsensor 4 5\r\n"
		"x[0] 0 1\r\ny[0] 0 0\r\nx[1] 0 1.5\r\ny[1] 1 1\r\nx[2] 1 2.5\r\ny[2] 1 1\r\nx[3] 1 2\r\ny[3] 0 0\r\narea 1 1\r\n";
	accepts(OPS(novel_asc), tilted, &g);
	assert_int_equal(g.g.rows, 1);
	assert_int_equal(g.g.cols, 2);
	assert_true(fabs(g.g.pitch_x_mm - 10) < 1e-9);
	/* pedar: no corners, tabs, a trailing tab; the table runs to the total time */
	static const char pedar[] = "file name:  x.sol\tdate/time  25.04.23 10.49\nsensor type:  y-1865l \n"
		"total time [secs]:  0.020\ttime per frame [secs]:  0.01000\tscanning rate [Hz]:   100\n"
		"pressure values in  kPa\n\nmask definition: \nleft insole: 1,2\nright insole: 1\n\n"
		"time[secs]    \t      1\t      2\t      1\t\n     0.01000\t 32.500\t 40.000\t 2.5\t\n"
		"     0.02000\t 0\t 0\t 0\t\n";
	accepts(OPS(novel_asc), pedar, &g);
	assert_int_equal(g.g.rows, 1);
	assert_int_equal(g.g.cols, 3);
	assert_int_equal(g.frames, 2);
	assert_int_equal(g.first[0], 32500000);
	assert_int_equal(g.last_index, 2);
	has_field(&g, "sensor type=y-1865l;");
	has_field(&g, "left insole=1,2;");
	has_field(&g, "sensors=1 2 1;");
}

static void novel_refusals(void **state)
{
	(void)state;
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n 1 1 1 1 1\r\n",
		    "line 7: a pliance export ends with its sensors' corners; this one has none");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n 1 1 1 1 1\r\n\r\nsensor  4  5  6  7\r\nx[0] 0 0 1 1\r\n",
		    "the sensor block at line 10 lacks corners");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  8\r\n 1 1 1 1 1\r\n" NV_CORNERS,
		    "the table's sensors are not the sensor block's");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n 1 1 1 1 1\r\n 1 1 1 1 1\r\n" NV_CORNERS,
		    "line 9: time 1 is not after the frame before's");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n 1 1 1 1\r\n" NV_CORNERS,
		    "line 8: the frame at 1 s has 3 values, the table has 4 sensors");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n 1 1 1 1 1\r\n\r\n 2 1 1 1 1\r\n" NV_CORNERS,
		    "line 10: a frame after the end of the table");
	refuses_ops(OPS(novel_asc), NV_HEAD "time[secs]  4  5  6  7\r\n" NV_CORNERS "x[0] 1 1 1 1\r\n",
		    "x[0] given twice");
	refuses_ops(OPS(novel_asc), "time per frame [secs]: 0.01\npressure values in N/cm2\n",
		    "pressure values in \"N/cm2\": only kPa is known");
	refuses_ops(OPS(novel_asc), "total time [secs]: 1.0 time per frame [secs]: 0.5\npressure values in kPa\n"
		    "time[secs] 1 2\n 0.5 1 1\n", "(end of file): the table stops at 0.5 s, the header's total time is 1 s");
	refuses_ops(OPS(novel_asc), "pressure values in kPa\ntime[secs] 1 2\n", "before the header gave time per frame");
}

/* ---- stappone CSV ----------------------------------------------------------------------------- */

#define ST_HEAD "sole_id,timestamp,accel_x,pressure_01,pressure_02,corrupt\n"

static void stappone_samples(void **state)
{
	(void)state;
	struct got g;
	accepts(OPS(stappone), ST_HEAD "1,1768494979568,-17,357,474,0\n1,1768494979584,-18,1,2,1\n"
				  "1,1768494979600,-17,3,4,0\n", &g);
	assert_int_equal(g.g.rows, 1);
	assert_int_equal(g.g.cols, 2);
	assert_true(fabs(g.g.period_s - 0.016) < 1e-12);
	assert_string_equal(g.g.unit, "counts");
	assert_true(g.g.start_utc_ns == 1768494979568LL * 1000000);
	assert_int_equal(g.frames, 3);
	assert_true(fabs(g.last_t - 0.032) < 1e-12);
	assert_int_equal(g.first[0], 357000000);
	assert_int_equal(g.last[1], 4000000);
	has_field(&g, "sole_id=1;");
	has_field(&g, "corrupt samples=1;");
}

static void stappone_refusals(void **state)
{
	(void)state;
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,0\n", "one sample: no sampling rate");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,0\n2,1016,0,1,2,0\n", "line 3: sole_id 2 after sole_id 1");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,0\n1,1000,0,1,2,0\n1,1032,0,1,2,0\n", "line 3: sample 2: timestamp 1000 is not after 1000");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1.5,2,0\n1,1016,0,1,2,0\n", "line 2: sample 1 column 4: \"1.5\" is not a count");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,0\n1,1016,0,1\n", "line 3: sample 2 has 4 columns, the header has 6");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,0\n1,1016,0,1,2,0,7\n", "more than the header's 6 columns");
	refuses_ops(OPS(stappone), ST_HEAD "1,1000,0,1,2,\n1,1016,0,1,2,0\n", "corrupt flag \"\" is not 0 or 1");
	refuses_ops(OPS(stappone), "sole_id,timestamp,accel_x\n", "the header line names no pressure_NN column");
	refuses_ops(OPS(stappone), ST_HEAD, "the file has no samples");
}

static void helpers(void **state)
{
	(void)state;
	assert_true(fabs(pi_parse_clock("08:21:17.982", 12) - (8 * 3600 + 21 * 60 + 17.982)) < 1e-9);
	assert_true(pi_parse_clock(" 23:59:59", 9) == 86399);
	assert_true(pi_parse_clock("24:00:00", 8) < 0);
	assert_true(pi_parse_clock("08:21:17.", 9) < 0);
	assert_true(pi_parse_clock("08:21", 5) < 0);
	char buf[16];
	pi_text(buf, sizeof buf, " cm\xb2 ", 5);
	assert_string_equal(buf, "cm\xc2\xb2");
	pi_text(buf, sizeof buf, "cm\xc2\xb2", 4); /* UTF-8 stays */
	assert_string_equal(buf, "cm\xc2\xb2");
	pi_text(buf, 4, "abcdef", 6);
	assert_string_equal(buf, "abc");
}

static void detection(void **state)
{
	(void)state;
	assert_ptr_equal(pi_detect(good, sizeof good - 1), pi_format_named("tekscan"));
	assert_null(pi_detect("hello", 5));
	static const char xs[] = "\xef\xbb\xbf" "File:,x\r\nUnits:,mmHg,,\r\n\nFRAME,1,,\r\n";
	assert_ptr_equal(pi_detect(xs, sizeof xs - 1), pi_format_named("xsensor"));
	static const char asc[] = "file name: a.mat\ntotal times [secs]: 1 time per frame [secs]: 0.04\n";
	assert_ptr_equal(pi_detect(asc, sizeof asc - 1), pi_format_named("novel_asc"));
	assert_ptr_equal(pi_detect(xs_good, sizeof xs_good - 1), pi_format_named("xsensor"));
	assert_ptr_equal(pi_detect(em_good, sizeof em_good - 1), pi_format_named("emed"));
	assert_ptr_equal(pi_detect(nv_grid, sizeof nv_grid - 1), pi_format_named("novel_asc"));
	static const char st[] = ST_HEAD "1,2,3,4,5,0\n";
	assert_ptr_equal(pi_detect(st, sizeof st - 1), pi_format_named("stappone"));
	assert_null(pi_detect("sole_id,timestamp,x\n", 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_numbers),
		cmocka_unit_test(tekscan_movie),
		cmocka_unit_test(tekscan_refusals),
		cmocka_unit_test(xsensor_frames),
		cmocka_unit_test(xsensor_refusals),
		cmocka_unit_test(emed_pages),
		cmocka_unit_test(emed_refusals),
		cmocka_unit_test(novel_grid),
		cmocka_unit_test(novel_strips),
		cmocka_unit_test(novel_refusals),
		cmocka_unit_test(stappone_samples),
		cmocka_unit_test(stappone_refusals),
		cmocka_unit_test(helpers),
		cmocka_unit_test(detection),
	};
	return cmocka_run_group_tests(tests, 0, NULL);
}
