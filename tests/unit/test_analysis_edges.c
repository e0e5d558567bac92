/* The analysis stage at its edges, on frames this test renders itself
 * (Gaussian blobs on a 32 × 32 mat at 10 mm pitch, 16-bit counts, full
 * scale 4095, 100 Hz unless a test says otherwise): blobs at the mat's
 * edge and corner, plateaus, contacts merging and splitting, jitter at the
 * contact threshold, holds drifting, extreme frame rates, device time
 * going back, live parameter changes, tare, thresholds in % and in units,
 * calibrated mats. What is expected is analysis.md's (and the contract
 * comments of analysis.h and peaks.h); every stream is also checked for the
 * structural rules of analysis_capture.h. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analysis.h"
#include "analysis_capture.h"
#include "params.h"
#include "peaks.h"
#include "scenario_truth.h"
#include "sim/scenario.h"

#define DUR_TOL_S 0.05
#define POS_TOL_CELLS 0.25
#define PEAK_REL_TOL 0.02
#define FS 4095.0
#define PITCH 10.0
#define SIGMA 12.0

/* ---- a small renderer ----------------------------------------------------- */

struct kf {
	double t, x, y, amp; /* scene seconds, mm, counts */
};

/* A touch: down from its first keyframe to its last, position and
 * amplitude interpolated linearly between keyframes. */
struct path {
	size_t n;
	struct kf k[12];
	double sigma; /* 0: SIGMA */
	double clip;  /* > 0: cells clipped to this (a flat top) */
};

struct blob {
	double x, y, amp, sigma, clip;
};

struct synth {
	struct pd_device_info info;
	uint16_t *cells;
	float *offset;    /* per cell, counts; NULL: none */
	double noise;     /* uniform ± this many counts */
	uint64_t rng;
	uint32_t seq;
	uint64_t k;       /* frames since the time base */
	uint64_t base_us; /* device time of frame k = 0 */
	bool wrap32;      /* device time is a 32-bit µs counter */
};

static void synth_init(struct synth *s, uint16_t rows, uint16_t cols, double rate)
{
	memset(s, 0, sizeof *s);
	s->info = (struct pd_device_info){
		.protocol_version = 1,
		.kind = PD_KIND_MAT,
		.cell_bits = 16,
		.unit = PD_UNIT_COUNTS,
		.rows = rows,
		.cols = cols,
		.pitch_x_mm = (float)PITCH,
		.pitch_y_mm = (float)PITCH,
		.rate_hz = (float)rate,
		.full_scale = (uint32_t)FS,
	};
	snprintf(s->info.model, sizeof s->info.model, "test renderer");
	s->cells = calloc((size_t)rows * cols, sizeof *s->cells);
	assert_non_null(s->cells);
	s->rng = 0x9E3779B97F4A7C15ull;
}

static void synth_free(struct synth *s)
{
	free(s->cells);
	free(s->offset);
	memset(s, 0, sizeof *s);
}

static double urand(struct synth *s) /* [0, 1) */
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (double)(s->rng >> 11) / 9007199254740992.0;
}

static double blob_value(const struct blob *b, double x, double y)
{
	double sg = b->sigma > 0 ? b->sigma : SIGMA;
	double v = b->amp * exp(-((x - b->x) * (x - b->x) + (y - b->y) * (y - b->y)) / (2 * sg * sg));
	return b->clip > 0 && v > b->clip ? b->clip : v;
}

/* The noise-free cell value at (r, c). */
static double clean_cell(const struct synth *s, const struct blob *b, size_t nb, int r, int c)
{
	double v = s->offset ? s->offset[(size_t)r * s->info.cols + c] : 0;
	for (size_t i = 0; i < nb; i++)
		v += blob_value(&b[i], c * PITCH, r * PITCH);
	return v;
}

/* The highest noise-free cell of one blob alone. */
static double blob_top(const struct synth *s, const struct blob *b)
{
	double best = 0;
	for (int r = 0; r < s->info.rows; r++)
		for (int c = 0; c < s->info.cols; c++) {
			double v = blob_value(b, c * PITCH, r * PITCH);
			if (v > best)
				best = v;
		}
	return best;
}

static double synth_t(const struct synth *s) /* scene time of the next frame */
{
	return (double)s->k / s->info.rate_hz;
}

static void synth_frame(struct synth *s, const struct blob *b, size_t nb, struct pd_frame *f)
{
	uint16_t rows = s->info.rows, cols = s->info.cols;
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++) {
			double v = clean_cell(s, b, nb, r, c);
			if (s->noise > 0)
				v += s->noise * (2 * urand(s) - 1);
			v = v < 0 ? 0 : floor(v + 0.5);
			if (v > s->info.full_scale)
				v = s->info.full_scale;
			s->cells[(size_t)r * cols + c] = (uint16_t)v;
		}
	uint64_t t_us = s->base_us + (uint64_t)llround((double)s->k * 1e6 / s->info.rate_hz);
	if (s->wrap32)
		t_us &= 0xFFFFFFFFull;
	*f = (struct pd_frame){
		.seq = s->seq,
		.device_time_us = t_us,
		.rows = rows,
		.cols = cols,
		.cell_bits = 16,
		.cells = s->cells,
	};
	f->rx.mono_ns = (int64_t)s->k * 1000000 + 123;
	s->seq++;
	s->k++;
}

static bool path_at(const struct path *p, double t, struct blob *b)
{
	if (p->n == 0 || t < p->k[0].t - 1e-9 || t >= p->k[p->n - 1].t - 1e-9)
		return false;
	size_t i = 0;
	while (i + 2 < p->n && t >= p->k[i + 1].t - 1e-9)
		i++;
	double dt = p->k[i + 1].t - p->k[i].t;
	double u = dt > 0 ? (t - p->k[i].t) / dt : 0;
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	*b = (struct blob){ p->k[i].x + u * (p->k[i + 1].x - p->k[i].x), p->k[i].y + u * (p->k[i + 1].y - p->k[i].y),
			    p->k[i].amp + u * (p->k[i + 1].amp - p->k[i].amp), p->sigma, p->clip };
	return true;
}

/* Plays the paths from the next frame until scene time t_end. */
static void synth_play(struct synth *s, struct pd_analysis *a, struct capture *cap, const struct path *paths,
		       size_t np, double t_end)
{
	struct blob b[8] = { 0 };
	assert_true(np <= 8);
	while (synth_t(s) < t_end - 1e-9) {
		double t = synth_t(s);
		size_t nb = 0;
		for (size_t i = 0; i < np; i++)
			if (path_at(&paths[i], t, &b[nb]))
				nb++;
		struct pd_frame f;
		synth_frame(s, b, nb, &f);
		cap_feed(a, cap, &f);
	}
}

/* A still touch. */
static struct path still(double t0, double t1, double x, double y, double amp)
{
	return (struct path){ 2, { { t0, x, y, amp }, { t1, x, y, amp } }, 0, 0 };
}

struct ctx {
	struct synth s;
	struct pd_analysis_params p;
	struct pd_analysis_ids ids;
	struct capture cap;
	struct pd_analysis *a;
	struct check_opts o;
};

static void ctx_open(struct ctx *c, uint16_t rows, uint16_t cols, double rate)
{
	memset(c, 0, sizeof *c);
	synth_init(&c->s, rows, cols, rate);
	c->s.noise = 0.003 * FS; /* ±0.3 % of full scale, below the 1 % floor */
	pd_analysis_params_default(&c->p);
	cap_init(&c->cap);
}

static void ctx_start(struct ctx *c)
{
	c->a = pd_analysis_new(&c->s.info, &c->p, &c->ids, cap_emit, &c->cap);
	if (!c->a)
		fail_msg("pd_analysis_new returned NULL for a %ux%u mat", c->s.info.rows, c->s.info.cols);
}

/* Flushes and checks the stream's structure. */
static void ctx_finish(struct ctx *c)
{
	cap_flush(c->a, &c->cap);
	pd_analysis_free(c->a);
	c->a = NULL;
	check_opts_init(&c->o, &c->s.info, &c->p);
}

static void ctx_check(struct ctx *c)
{
	cap_check(&c->cap, &c->o);
}

static void ctx_close(struct ctx *c)
{
	if (c->a)
		pd_analysis_free(c->a);
	cap_free(&c->cap);
	synth_free(&c->s);
}

static void set_param(struct pd_analysis_params *p, const char *k, const char *v)
{
	char err[160] = "";
	if (pd_analysis_params_set(p, k, v, err, sizeof err) != 0)
		fail_msg("pd_analysis_params_set(%s, %s): %s", k, v, err);
}

static void expect_n(const struct capture *c, const char *what, enum pd_event_type type, int phase, size_t want)
{
	size_t got = cap_count(c, type, phase);
	if (got != want) {
		cap_dump(c, what);
		fail_msg("%s: expected %zu %s%s%s events, got %zu", what, want, ev_type_name(type),
			 phase == ANY_PHASE ? "" : "/", phase == ANY_PHASE ? "" : ev_phase_name((enum pd_phase)phase), got);
	}
}

/* Contacts open at scene time t (started at or before, not ended by then). */
static size_t open_at(const struct capture *c, double t, uint32_t *ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct pd_event *e = &c->v[i].ev;
		if (e->type != PD_EV_CONTACT || e->phase != PD_PHASE_START || e->t > t)
			continue;
		bool ended = false;
		for (size_t j = i + 1; j < c->n; j++) {
			const struct pd_event *x = &c->v[j].ev;
			if (x->type == PD_EV_CONTACT && x->phase == PD_PHASE_END && x->u.contact.id == e->u.contact.id &&
			    x->t <= t)
				ended = true;
		}
		if (!ended) {
			if (n < max)
				ids[n] = e->u.contact.id;
			n++;
		}
	}
	return n;
}

static const struct pd_event *contact_end_of(const struct capture *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].ev.type == PD_EV_CONTACT && c->v[i].ev.phase == PD_PHASE_END && c->v[i].ev.u.contact.id == id)
			return &c->v[i].ev;
	return NULL;
}

/* ---- a contact at the mat's edge and at its corner ------------------------ */

static void test_edge_and_corner(void **state)
{
	(void)state;
	static const struct {
		const char *where;
		double col, row; /* the blob's centre, cells */
	} cases[] = {
		{ "top edge", 12.3, 0.0 },	{ "left edge", 0.0, 17.6 },     { "bottom edge", 20.4, 31.0 },
		{ "right edge", 31.0, 8.7 },	{ "corner (0, 0)", 0.0, 0.0 }, { "corner (31, 31)", 31.0, 31.0 },
		{ "near a corner", 30.8, 0.3 }, { "half off the top", 14.2, -0.4 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ctx c;
		ctx_open(&c, 32, 32, 100);
		ctx_start(&c);
		double x = cases[i].col * PITCH, y = cases[i].row * PITCH;
		struct path p = still(0.5, 5.5, x, y, 0.6 * FS);
		synth_play(&c.s, c.a, &c.cap, &p, 1, 7);
		ctx_finish(&c);
		ctx_check(&c);
		char what[64];
		snprintf(what, sizeof what, "blob at the %s", cases[i].where);
		expect_n(&c.cap, what, PD_EV_CONTACT, PD_PHASE_START, 1);
		expect_n(&c.cap, what, PD_EV_HOLD, PD_PHASE_END, 1);
		/* where it is: within half a cell of the centre, and on the mat's
		 * edge cell when the centre lies off the mat */
		double want_col = fmin(fmax(cases[i].col, 0), 31), want_row = fmin(fmax(cases[i].row, 0), 31);
		for (size_t k = 0; k < c.cap.n; k++) {
			const struct pd_event *e = &c.cap.v[k].ev;
			if (e->type != PD_EV_CONTACT)
				continue;
			if (fabs(e->u.contact.col - want_col) > 0.5 || fabs(e->u.contact.row - want_row) > 0.5) {
				char s[320];
				fail_msg("%s (col %.1f, row %.1f): contact reported at col %.3f, row %.3f, expected within half a "
					 "cell of col %.1f, row %.1f: %s",
					 what, cases[i].col, cases[i].row, e->u.contact.col, e->u.contact.row, want_col, want_row,
					 ev_str(e, s, sizeof s));
			}
		}
		const struct pd_event *h = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 0);
		if (fabs(h->u.hold.duration - 5.0) > DUR_TOL_S)
			fail_msg("%s: hold lasted %.4f s, expected 5 ± %.2f", what, h->u.hold.duration, DUR_TOL_S);
		if (fabs(h->u.hold.x - want_col * PITCH) > 0.5 * PITCH || fabs(h->u.hold.y - want_row * PITCH) > 0.5 * PITCH)
			fail_msg("%s: hold at (%.2f, %.2f) mm, expected within half a cell of (%.1f, %.1f)", what, h->u.hold.x,
				 h->u.hold.y, want_col * PITCH, want_row * PITCH);
		ctx_close(&c);
	}
}

/* ---- plateaus ---------------------------------------------------------------- */

/* peaks.h: a plateau (8-connected cells of equal value) is one candidate,
 * reported at its first cell in raster order. With a min_sep far below one
 * cell, merging cannot hide a plateau counted twice. */
static void test_plateau_peaks(void **state)
{
	(void)state;
	enum { R = 9, C = 11 };
	float img[R * C];
	void *scratch = malloc(pd_peaks_scratch_size(R, C));
	assert_non_null(scratch);
	struct pd_peak out[16];
	static const struct {
		const char *shape;
		int cells[8][2];
		size_t n;
		int first_row, first_col;
		double crow, ccol; /* its centre */
	} shapes[] = {
		{ "2x3 block", { { 3, 4 }, { 3, 5 }, { 3, 6 }, { 4, 4 }, { 4, 5 }, { 4, 6 } }, 6, 3, 4, 3.5, 5.0 },
		{ "diagonal of 3", { { 2, 2 }, { 3, 3 }, { 4, 4 } }, 3, 2, 2, 3.0, 3.0 },
		{ "L of 4", { { 5, 7 }, { 6, 7 }, { 7, 7 }, { 7, 8 } }, 4, 5, 7, 6.25, 7.25 },
		{ "on the edge", { { 0, 9 }, { 0, 10 }, { 1, 10 } }, 3, 0, 9, 1.0 / 3, 29.0 / 3 },
	};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		/* a smooth hill around the plateau, lower everywhere else */
		for (int r = 0; r < R; r++)
			for (int c = 0; c < C; c++) {
				double d2 = (r - shapes[s].crow) * (r - shapes[s].crow) + (c - shapes[s].ccol) * (c - shapes[s].ccol);
				img[r * C + c] = (float)(50.0 * exp(-d2 / 8.0));
			}
		for (size_t i = 0; i < shapes[s].n; i++)
			img[shapes[s].cells[i][0] * C + shapes[s].cells[i][1]] = 100.0f;
		size_t n = pd_peaks_find(img, R, C, 10.0f, 0.1, PITCH, PITCH, out, 16, scratch);
		if (n != 1)
			fail_msg("plateau '%s': %zu peaks, expected one (peaks.h: a plateau is one candidate)", shapes[s].shape, n);
		if (out[0].row != shapes[s].first_row || out[0].col != shapes[s].first_col)
			fail_msg("plateau '%s': peak cell (%d, %d), expected its first cell in raster order (%d, %d)",
				 shapes[s].shape, out[0].row, out[0].col, shapes[s].first_row, shapes[s].first_col);
		if (out[0].value != 100.0f)
			fail_msg("plateau '%s': value %g, expected 100", shapes[s].shape, (double)out[0].value);
		/* refined somewhere on the plateau, not off it */
		int rmin = 99, rmax = -1, cmin = 99, cmax = -1;
		for (size_t i = 0; i < shapes[s].n; i++) {
			rmin = shapes[s].cells[i][0] < rmin ? shapes[s].cells[i][0] : rmin;
			rmax = shapes[s].cells[i][0] > rmax ? shapes[s].cells[i][0] : rmax;
			cmin = shapes[s].cells[i][1] < cmin ? shapes[s].cells[i][1] : cmin;
			cmax = shapes[s].cells[i][1] > cmax ? shapes[s].cells[i][1] : cmax;
		}
		if (!(out[0].frow >= rmin - 0.5 && out[0].frow <= rmax + 0.5 && out[0].fcol >= cmin - 0.5 &&
		      out[0].fcol <= cmax + 0.5))
			fail_msg("plateau '%s': refined to (%.3f, %.3f), off the plateau rows %d..%d cols %d..%d", shapes[s].shape,
				 out[0].frow, out[0].fcol, rmin, rmax, cmin, cmax);
	}
	/* two plateaus of the same height that do not touch are two peaks */
	for (int i = 0; i < R * C; i++)
		img[i] = 1.0f;
	img[2 * C + 2] = img[2 * C + 3] = 80.0f;
	img[6 * C + 7] = img[6 * C + 8] = img[7 * C + 8] = 80.0f;
	size_t n = pd_peaks_find(img, R, C, 10.0f, 0.1, PITCH, PITCH, out, 16, scratch);
	if (n != 2)
		fail_msg("two separate plateaus of equal height: %zu peaks, expected 2", n);
	/* ties between the two: raster order (peaks.h), so (2, 2) first */
	assert_int_equal(out[0].row, 2);
	assert_int_equal(out[0].col, 2);
	assert_int_equal(out[1].row, 6);
	assert_int_equal(out[1].col, 7);
	/* and with a min_sep beyond their distance, one (the first) */
	n = pd_peaks_find(img, R, C, 10.0f, 100.0, PITCH, PITCH, out, 16, scratch);
	if (n != 1 || out[0].row != 2 || out[0].col != 2)
		fail_msg("two equal plateaus 60 mm apart with min_sep 100 mm: %zu peaks, expected the first in raster order", n);
	/* strict threshold: a plateau at exactly the threshold is not above it */
	n = pd_peaks_find(img, R, C, 80.0f, 0.1, PITCH, PITCH, out, 16, scratch);
	if (n != 0)
		fail_msg("peaks must be above the threshold, not at it: %zu found", n);
	/* merging: "closer than min_sep_mm", Euclidean, in mm with each
	 * axis's pitch; exactly min_sep apart is not closer */
	static const struct {
		int r2, c2;        /* the weaker peak; the stronger is at (4, 4) */
		double px, py, sep;
		size_t want;
	} sepcases[] = {
		{ 4, 6, 10, 10, 20.0, 2 },    /* 20 mm apart, min_sep 20: kept */
		{ 4, 6, 10, 10, 20.001, 1 },  /* just closer than min_sep: merged */
		{ 6, 6, 10, 10, 28.0, 2 },    /* diagonal 28.28 mm: Euclidean, not 20 (Chebyshev) */
		{ 6, 6, 10, 10, 28.5, 1 },
		{ 6, 4, 10, 5, 12.0, 1 },     /* 2 rows at 5 mm pitch_y: 10 mm */
		{ 4, 6, 10, 5, 12.0, 2 },     /* 2 cols at 10 mm pitch_x: 20 mm */
		{ 4, 6, 10, 10, 10.0, 2 },    /* min_sep of one pitch merges nothing */
	};
	for (size_t k = 0; k < sizeof sepcases / sizeof sepcases[0]; k++) {
		for (int i = 0; i < R * C; i++)
			img[i] = 1.0f;
		img[4 * C + 4] = 70.0f;
		img[sepcases[k].r2 * C + sepcases[k].c2] = 60.0f;
		n = pd_peaks_find(img, R, C, 10.0f, sepcases[k].sep, sepcases[k].px, sepcases[k].py, out, 16, scratch);
		if (n != sepcases[k].want || out[0].row != 4 || out[0].col != 4)
			fail_msg("peaks at (4,4)=70 and (%d,%d)=60, pitch %g x %g mm, min_sep %g mm: %zu peaks (first (%d,%d)), "
				 "expected %zu with the stronger first",
				 sepcases[k].r2, sepcases[k].c2, sepcases[k].px, sepcases[k].py, sepcases[k].sep, n, out[0].row,
				 out[0].col, sepcases[k].want);
	}
	/* merged candidates merge nothing: a chain 70 - 60 - 50, 20 mm apart,
	 * min_sep 25: 60 merges into 70, and 50 (40 mm from 70) is a peak */
	for (int i = 0; i < R * C; i++)
		img[i] = 1.0f;
	img[4 * C + 2] = 70.0f;
	img[4 * C + 4] = 60.0f;
	img[4 * C + 6] = 50.0f;
	n = pd_peaks_find(img, R, C, 10.0f, 25.0, PITCH, PITCH, out, 16, scratch);
	if (n != 2 || out[0].col != 2 || out[1].col != 6)
		fail_msg("a chain 70-60-50 at 20 mm steps with min_sep 25: %zu peaks, expected 70 and 50 (a candidate is "
			 "merged only into one already accepted)",
			 n);
	/* above the threshold, strictly: a cell at it is not a peak even in a
	 * row where another cell is above */
	img[4 * C + 4] = 1.0f;
	img[4 * C + 6] = 10.0f;
	n = pd_peaks_find(img, R, C, 10.0f, 0.1, PITCH, PITCH, out, 16, scratch);
	if (n != 1 || out[0].col != 2)
		fail_msg("a cell at exactly the threshold next to a row-mate above it: %zu peaks, expected 1", n);
	/* a peak on the border and in a corner is a peak (only the cells on
	 * the mat are its neighbours) */
	for (int i = 0; i < R * C; i++)
		img[i] = 1.0f;
	img[0] = 30.0f;
	img[4 * C + (C - 1)] = 40.0f;
	img[(R - 1) * C + 5] = 50.0f;
	n = pd_peaks_find(img, R, C, 10.0f, 0.1, PITCH, PITCH, out, 16, scratch);
	if (n != 3 || out[0].row != R - 1 || out[1].col != C - 1 || out[2].row != 0 || out[2].col != 0)
		fail_msg("peaks on the border and in the corner: %zu found, expected 3, strongest first", n);
	/* max limits the output, strongest first */
	for (int i = 0; i < R * C; i++)
		img[i] = 1.0f;
	img[2 * C + 2] = img[2 * C + 3] = 80.0f;
	img[6 * C + 7] = img[6 * C + 8] = img[7 * C + 8] = 80.0f;
	img[4 * C + 5] = 90.0f;
	n = pd_peaks_find(img, R, C, 10.0f, 0.1, PITCH, PITCH, out, 1, scratch);
	if (n != 1 || out[0].row != 4 || out[0].col != 5)
		fail_msg("max = 1 must give the strongest peak (4, 5); got %zu peaks, first (%d, %d)", n, out[0].row,
			 out[0].col);
	free(scratch);
}

/* A blob with a flat top (saturated at full scale, several equal cells)
 * is one contact even with min_separation_mm far below a cell. */
static void test_plateau_contact(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.noise = 0; /* a true plateau: equal cells */
	set_param(&c.p, "min_separation_mm", "1");
	ctx_start(&c);
	struct path p = still(0.5, 4.5, 153.0, 148.0, 1.6 * FS);
	p.clip = FS;
	/* the flat top is several cells wide */
	struct blob b = { 153.0, 148.0, 1.6 * FS, 0, FS };
	int flat = 0;
	for (int r = 0; r < 32; r++)
		for (int col = 0; col < 32; col++)
			flat += blob_value(&b, col * PITCH, r * PITCH) >= FS;
	assert_true(flat >= 4);
	synth_play(&c.s, c.a, &c.cap, &p, 1, 6);
	ctx_finish(&c);
	ctx_check(&c);
	expect_n(&c.cap, "a flat-topped blob (min_separation_mm 1)", PD_EV_CONTACT, PD_PHASE_START, 1);
	for (size_t k = 0; k < c.cap.n; k++) {
		const struct pd_event *e = &c.cap.v[k].ev;
		if (e->type == PD_EV_CONTACT && (fabs(e->u.contact.x - 153.0) > 0.5 * PITCH ||
						 fabs(e->u.contact.y - 148.0) > 0.5 * PITCH))
			fail_msg("the plateau's contact at (%.2f, %.2f), expected within half a cell of (153, 148)",
				 e->u.contact.x, e->u.contact.y);
	}
	ctx_close(&c);
}

/* ---- contacts passing, merging and splitting ------------------------------ */

/* Two fingers gliding past each other 30 mm apart (more than
 * min_separation_mm, and two distinct maxima): "two contacts that pass near
 * each other keep their ids". */
static void test_pass_near_keeps_ids(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	struct path p[2] = {
		{ 3, { { 0.5, 60, 140, 0.5 * FS }, { 1.0, 60, 140, 0.5 * FS }, { 4.0, 250, 140, 0.5 * FS } }, 0, 0 },
		{ 3, { { 0.5, 250, 170, 0.45 * FS }, { 1.0, 250, 170, 0.45 * FS }, { 4.0, 60, 170, 0.45 * FS } }, 0, 0 },
	};
	synth_play(&c.s, c.a, &c.cap, p, 2, 5);
	ctx_finish(&c);
	ctx_check(&c);
	expect_n(&c.cap, "two fingers passing 30 mm apart", PD_EV_CONTACT, PD_PHASE_START, 2);
	/* and each id stays on its own track (y 140 or 170) throughout */
	uint32_t id_low = UINT32_MAX;
	for (size_t k = 0; k < c.cap.n; k++) {
		const struct pd_event *e = &c.cap.v[k].ev;
		if (e->type != PD_EV_CONTACT)
			continue;
		if (e->phase == PD_PHASE_START && e->u.contact.y < 155)
			id_low = e->u.contact.id;
	}
	assert_true(id_low != UINT32_MAX);
	for (size_t k = 0; k < c.cap.n; k++) {
		const struct pd_event *e = &c.cap.v[k].ev;
		if (e->type != PD_EV_CONTACT || e->phase == PD_PHASE_END)
			continue;
		bool low = e->u.contact.id == id_low;
		if ((low && e->u.contact.y > 155) || (!low && e->u.contact.y < 155)) {
			char s[320];
			fail_msg("the ids swapped as the fingers passed: %s", ev_str(e, s, sizeof s));
		}
	}
	ctx_close(&c);
}

/* Two blobs come together (closer than min_separation_mm: one contact),
 * stay together 1 s, and part again. analysis.md: closer peaks are one
 * contact, ids are never reused. So while together one contact is open,
 * and it is one of the two (the survivor keeps its id, which runs without
 * a break to the end); after they part the other blob is a new contact
 * with an id never seen before. Which of the two survives analysis.md
 * does not say. */
static void test_merge_and_split(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	double A = 0.4 * FS, B = 0.3 * FS;
	struct path p[2] = {
		{ 6, { { 0.5, 80, 155, A }, { 1.5, 80, 155, A }, { 3.5, 155, 155, A }, { 4.5, 155, 155, A },
		       { 6.5, 80, 155, A }, { 8.0, 80, 155, A } }, 0, 0 },
		{ 6, { { 0.5, 230, 155, B }, { 1.5, 230, 155, B }, { 3.5, 155, 155, B }, { 4.5, 155, 155, B },
		       { 6.5, 230, 155, B }, { 8.0, 230, 155, B } }, 0, 0 },
	};
	synth_play(&c.s, c.a, &c.cap, p, 2, 9);
	ctx_finish(&c);
	ctx_check(&c); /* no id reused, every start ended once */
	uint32_t before[4], during[4], after[4];
	size_t nb = open_at(&c.cap, 1.2, before, 4);
	size_t nd = open_at(&c.cap, 4.2, during, 4);
	size_t na = open_at(&c.cap, 7.5, after, 4);
	if (nb != 2 || nd != 1 || na != 2) {
		cap_dump(&c.cap, "merge and split");
		fail_msg("open contacts before/while merged/after split: %zu/%zu/%zu, expected 2/1/2", nb, nd, na);
	}
	uint32_t survivor = during[0];
	if (survivor != before[0] && survivor != before[1])
		fail_msg("while merged, contact %u: expected one of the two that merged (%u, %u) to keep its id", survivor,
			 before[0], before[1]);
	uint32_t gone = survivor == before[0] ? before[1] : before[0];
	bool survivor_after = false;
	for (size_t i = 0; i < na; i++) {
		if (after[i] == survivor)
			survivor_after = true;
		else if (after[i] == gone)
			fail_msg("after the split, contact %u is back: it ended when the blobs merged, an id is never reused",
				 gone);
	}
	if (!survivor_after)
		fail_msg("after the split the survivor %u is gone: it should have kept its id", survivor);
	/* the survivor ran without a break: one start, one end at the lift */
	const struct pd_event *se = contact_end_of(&c.cap, survivor);
	assert_non_null(se);
	if (se->t < 8.0 - 1e-9)
		fail_msg("the survivor %u ended at t=%.3f, before the lift at 8.0", survivor, se->t);
	const struct pd_event *ge = contact_end_of(&c.cap, gone);
	assert_non_null(ge);
	if (ge->t > 4.5)
		fail_msg("the merged-away contact %u ended at t=%.3f, expected while the blobs were together", gone, ge->t);
	ctx_close(&c);
}

/* ---- hysteresis --------------------------------------------------------- */

/* A blob whose peak jitters across contact_on (between 3 % and 5 % of full
 * scale, never below contact_off = 2 %) is one contact; a dip to nothing
 * shorter than release_s does not split it; a dip longer does. */
static void test_hysteresis(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.noise = 0;
	ctx_start(&c);
	/* on a cell centre, so the peak cell is the amplitude */
	const double x = 150, y = 160;
	struct pd_frame f;
	/* 0..0.5 s nothing; 0.5..4 s jitter; 4..4.05 s (5 frames) nothing;
	 * 4.05..6 s jitter; 6..6.3 s nothing; 6.3..7.3 s at 5 %; then nothing */
	while (synth_t(&c.s) < 8.0 - 1e-9) {
		double t = synth_t(&c.s);
		double amp = 0;
		bool jitter = (t >= 0.5 - 1e-9 && t < 4.0 - 1e-9) || (t >= 4.05 - 1e-9 && t < 6.0 - 1e-9);
		if (jitter)
			amp = FS * (0.03 + 0.02 * urand(&c.s)); /* 3 %..5 %: across contact_on = 4 % */
		else if (t >= 6.3 - 1e-9 && t < 7.3 - 1e-9)
			amp = 0.05 * FS;
		struct blob b = { x, y, amp, 0, 0 };
		synth_frame(&c.s, &b, amp > 0 ? 1 : 0, &f);
		cap_feed(c.a, &c.cap, &f);
	}
	ctx_finish(&c);
	ctx_check(&c);
	expect_n(&c.cap, "jitter across contact_on, a 50 ms dip, a 300 ms gap", PD_EV_CONTACT, PD_PHASE_START, 2);
	const struct pd_event *s0 = cap_nth(&c.cap, PD_EV_CONTACT, PD_PHASE_START, 0);
	const struct pd_event *s1 = cap_nth(&c.cap, PD_EV_CONTACT, PD_PHASE_START, 1);
	if (s0->t > 0.6 || s1->t < 6.3 - 1e-9 || s1->t > 6.31 + 1e-9)
		fail_msg("contacts started at %.3f and %.3f; expected in the jitter from 0.5 and at 6.30", s0->t, s1->t);
	const struct pd_event *e0 = contact_end_of(&c.cap, s0->u.contact.id);
	assert_non_null(e0);
	/* the first ran from its start through the short dip to 6.0 */
	double want = 6.0 - s0->t;
	if (fabs(e0->u.contact.duration - want) > 0.02)
		fail_msg("the jittering contact lasted %.4f s, expected %.2f (from its start through the 50 ms dip to 6.00; "
			 "release_s not counted)",
			 e0->u.contact.duration, want);
	if (e0->t > 6.3)
		fail_msg("the first contact ended at t=%.3f, only after the next touch", e0->t);
	const struct pd_event *e1 = contact_end_of(&c.cap, s1->u.contact.id);
	assert_non_null(e1);
	if (fabs(e1->u.contact.duration - 1.0) > 0.02)
		fail_msg("the second contact lasted %.4f s, expected 1.00", e1->u.contact.duration);
	ctx_close(&c);
}

/* ---- holds that drift --------------------------------------------------- */

/* Drifting 7.5 mm from where it settled (hold_radius_mm 10, less the
 * quarter-cell position error analysis.md allows at each end): one hold,
 * the whole 16 s, its drift about 7.5 mm. */
static void test_hold_drift_inside(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	struct path p = { 4,
			  { { 1.0, 143.3, 161.6, 0.6 * FS },
			    { 3.0, 143.3, 161.6, 0.6 * FS },
			    { 13.0, 150.8, 161.6, 0.6 * FS },
			    { 17.0, 150.8, 161.6, 0.6 * FS } },
			  0,
			  0 };
	synth_play(&c.s, c.a, &c.cap, &p, 1, 18.5);
	ctx_finish(&c);
	ctx_check(&c);
	expect_n(&c.cap, "a hold drifting 7.5 mm", PD_EV_HOLD, PD_PHASE_START, 1);
	const struct pd_event *h = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	assert_non_null(h);
	if (fabs(h->u.hold.duration - 16.0) > DUR_TOL_S || fabs(h->u.hold.t_start - 1.0) > DUR_TOL_S)
		fail_msg("hold [%.4f, +%.4f s], expected the whole touch [1.00, +16.00 s]", h->u.hold.t_start,
			 h->u.hold.duration);
	if (h->u.hold.drift_mm < 7.5 - 2 * POS_TOL_CELLS * PITCH || h->u.hold.drift_mm > 10.0)
		fail_msg("drift %.2f mm, expected about 7.5 (at most hold_radius_mm)", h->u.hold.drift_mm);
	if (hypot(h->u.hold.x - 143.3, h->u.hold.y - 161.6) > POS_TOL_CELLS * PITCH)
		fail_msg("the hold settled at (%.2f, %.2f), expected (143.3, 161.6)", h->u.hold.x, h->u.hold.y);
	ctx_close(&c);
}

/* Settled 5 s, then moved 16 mm at 4 mm/s, then still 5 s more.
 * analysis.md: a hold is a press staying within hold_radius_mm of where it
 * settled; so the first hold ends when the contact goes beyond 10 mm
 * (2.5 s into the move, give or take the quarter cell of position error:
 * ±0.7 s at 4 mm/s), and where it stays again for hold_min_s it is a second
 * hold of the same contact (ground truth does the same: holds are still
 * stretches of a press), from when it settled (at the latest on arrival)
 * to the lift. */
static void test_hold_drift_outside(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	struct path p = { 4,
			  { { 1.0, 143.3, 161.6, 0.6 * FS },
			    { 6.0, 143.3, 161.6, 0.6 * FS },
			    { 10.0, 159.3, 161.6, 0.6 * FS },
			    { 15.0, 159.3, 161.6, 0.6 * FS } },
			  0,
			  0 };
	synth_play(&c.s, c.a, &c.cap, &p, 1, 16.5);
	ctx_finish(&c);
	ctx_check(&c);
	expect_n(&c.cap, "a hold that drifts 16 mm and settles again", PD_EV_CONTACT, PD_PHASE_START, 1);
	expect_n(&c.cap, "a hold that drifts 16 mm and settles again", PD_EV_HOLD, PD_PHASE_END, 2);
	const struct pd_event *h1 = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	const struct pd_event *h2 = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 1);
	double end1 = h1->u.hold.t_start + h1->u.hold.duration;
	if (fabs(h1->u.hold.t_start - 1.0) > DUR_TOL_S || fabs(end1 - 8.5) > 0.7)
		fail_msg("first hold [%.3f, %.3f), expected from 1.00 until it left the 10 mm radius at about 8.5",
			 h1->u.hold.t_start, end1);
	double end2 = h2->u.hold.t_start + h2->u.hold.duration;
	if (h2->u.hold.t_start < end1 - 1e-6 || h2->u.hold.t_start > 10.0 + DUR_TOL_S || fabs(end2 - 15.0) > DUR_TOL_S)
		fail_msg("second hold [%.3f, %.3f), expected from after the first (%.3f) and by the arrival (10.00) to the "
			 "lift (15.00)",
			 h2->u.hold.t_start, end2, end1);
	if (h1->u.hold.contact != h2->u.hold.contact)
		fail_msg("both holds are on the one contact that never lifted, not %u and %u", h1->u.hold.contact,
			 h2->u.hold.contact);
	if (hypot(h2->u.hold.x - 159.3, h2->u.hold.y - 161.6) > 10.0)
		fail_msg("the second hold at (%.2f, %.2f), expected within hold_radius_mm of (159.3, 161.6)", h2->u.hold.x,
			 h2->u.hold.y);
	ctx_close(&c);
}

/* ---- frame rates ------------------------------------------------------- */

/* The generator's scenarios at other rates: durations exact to one frame. */
static void test_frame_rates(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		float rate;
		uint8_t cell_bits;
	} runs[] = {
		{ "hold", 1, 16 }, { "hold", 1000, 16 }, { "hold", 7, 16 }, { "hold", 100, 8 },
		{ "pulses", 1, 16 }, { "pulses", 1000, 16 },
	};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		struct pd_scenario *sc = NULL;
		char err[200];
		if (pd_scenario_new(&sc, &(struct pd_scenario_params){ .name = runs[i].name, .rate_hz = runs[i].rate,
								      .cell_bits = runs[i].cell_bits },
				    err, sizeof err) != 0)
			fail_msg("%s", err);
		const struct pd_scenario_truth *t = pd_scenario_truth(sc);
		struct pd_device_info info;
		pd_scenario_info(sc, &info);
		struct pd_analysis_params p;
		pd_analysis_params_default(&p);
		struct pd_analysis_ids ids = { { 0 } };
		struct capture cap;
		cap_init(&cap);
		struct pd_analysis *a = pd_analysis_new(&info, &p, &ids, cap_emit, &cap);
		assert_non_null(a);
		struct pd_frame f;
		while (pd_scenario_next(sc, &f))
			cap_feed(a, &cap, &f);
		cap_flush(a, &cap);
		pd_analysis_free(a);
		struct check_opts o;
		check_opts_init(&o, &info, &p);
		cap_check(&cap, &o);
		char what[64];
		snprintf(what, sizeof what, "%s at %g Hz, %u-bit", runs[i].name, (double)runs[i].rate, runs[i].cell_bits);
		/* the truth is on the frame grid: the right number of frames */
		double frame = 0.5 / runs[i].rate;
		expect_n(&cap, what, PD_EV_CONTACT, PD_PHASE_START, t->ncontacts);
		expect_n(&cap, what, PD_EV_HOLD, PD_PHASE_END, t->nholds);
		for (size_t k = 0; k < t->nholds; k++) {
			const struct pd_event *h = cap_nth(&cap, PD_EV_HOLD, PD_PHASE_END, k);
			if (fabs(h->u.hold.duration - t->holds[k].duration) > frame)
				fail_msg("%s: hold %zu lasted %.6f s, expected %.6f to the frame (%.4f s a frame)", what, k + 1,
					 h->u.hold.duration, t->holds[k].duration, 1.0 / runs[i].rate);
			if (h->u.hold.reached != t->holds[k].reached)
				fail_msg("%s: hold %zu reached=%d, expected %d", what, k + 1, h->u.hold.reached,
					 t->holds[k].reached);
			if (hypot((h->u.hold.x - t->holds[k].x_mm) / PITCH, (h->u.hold.y - t->holds[k].y_mm) / PITCH) >
			    POS_TOL_CELLS)
				fail_msg("%s: hold %zu at (%.2f, %.2f), expected within %.2f cell of (%.2f, %.2f)", what, k + 1,
					 h->u.hold.x, h->u.hold.y, POS_TOL_CELLS, t->holds[k].x_mm, t->holds[k].y_mm);
			if (fabs(h->u.hold.peak - t->holds[k].peak) > PEAK_REL_TOL * t->holds[k].peak)
				fail_msg("%s: hold %zu peak %.2f, expected within 2%% of %.2f", what, k + 1, h->u.hold.peak,
					 t->holds[k].peak);
		}
		for (size_t k = 0; k < t->ncontacts; k++) {
			const struct pd_event *s = cap_nth(&cap, PD_EV_CONTACT, PD_PHASE_START, k);
			const struct pd_event *e = contact_end_of(&cap, s->u.contact.id);
			assert_non_null(e);
			if (fabs(e->u.contact.duration - t->contacts[k].duration) > frame)
				fail_msg("%s: contact %zu lasted %.6f s, expected %.6f to the frame", what, k + 1,
					 e->u.contact.duration, t->contacts[k].duration);
		}
		if (t->npulses) {
			const struct pd_event *ps = cap_nth(&cap, PD_EV_PULSES, PD_PHASE_NONE, 0);
			if (!ps || ps->u.pulses.count != t->pulses[0].count)
				fail_msg("%s: expected a pulse set of %u", what, t->pulses[0].count);
			for (uint32_t k = 0; k < ps->u.pulses.ndurations; k++)
				if (fabs(ps->u.pulses.durations[k] - t->pulses[0].durations[k]) > frame)
					fail_msg("%s: pulse %u lasted %.6f s, expected %.6f to the frame", what, k + 1,
						 ps->u.pulses.durations[k], t->pulses[0].durations[k]);
		}
		cap_free(&cap);
		pd_scenario_free(sc);
	}
}

/* ---- device time going back ---------------------------------------------- */

/* analysis.h: device time going back (a wrap, a device restart) ends
 * everything open and starts afresh: never a negative duration. A blob
 * held across the jump: the first contact and hold end at the jump (with
 * what they had lasted before it), and a new contact, with a new id, and a
 * new hold follow, timed from the new clock. When exactly the end events
 * say they happened (the last frame before the jump or the first after it)
 * analysis.md does not say; the test asks only that they come no later
 * than the first frame after the jump, before anything of the new stream. */
static void time_back(const char *what, uint64_t base_us, bool wrap32, double pre_s, uint64_t restart_us,
		      double post_s)
{
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.base_us = base_us;
	c.s.wrap32 = wrap32;
	ctx_start(&c);
	struct blob b = { 151.7, 148.2, 0.6 * FS, 0, 0 };
	struct pd_frame f;
	size_t npre = (size_t)llround(pre_s * 100), npost = (size_t)llround(post_s * 100);
	uint64_t last_us = 0;
	for (size_t i = 0; i < npre; i++) {
		synth_frame(&c.s, &b, 1, &f);
		last_us = f.device_time_us;
		cap_feed(c.a, &c.cap, &f);
	}
	size_t jump_index = c.cap.nfed; /* the first frame of the new stream */
	if (!wrap32) {
		/* a restart: the clock and the sequence start again */
		c.s.base_us = restart_us;
		c.s.k = 0;
		c.s.seq = 0;
	}
	for (size_t i = 0; i < npost; i++) {
		synth_frame(&c.s, &b, 1, &f);
		if (i == 0 && f.device_time_us >= last_us)
			fail_msg("%s: the test's clock did not go back (%llu after %llu)", what,
				 (unsigned long long)f.device_time_us, (unsigned long long)last_us);
		cap_feed(c.a, &c.cap, &f);
	}
	double t_new0 = wrap32 ? (double)((base_us + (uint64_t)llround(pre_s * 1e6)) & 0xFFFFFFFFull) / 1e6
			       : (double)restart_us / 1e6;
	ctx_finish(&c);
	ctx_check(&c); /* ids not reused, durations never negative, all ended */
	expect_n(&c.cap, what, PD_EV_CONTACT, PD_PHASE_START, 2);
	expect_n(&c.cap, what, PD_EV_HOLD, PD_PHASE_END, 2);
	const struct pd_event *s0 = cap_nth(&c.cap, PD_EV_CONTACT, PD_PHASE_START, 0);
	const struct pd_event *s1 = cap_nth(&c.cap, PD_EV_CONTACT, PD_PHASE_START, 1);
	assert_true(s0->u.contact.id != s1->u.contact.id);
	/* the old contact and hold ended by the first frame after the jump,
	 * before the new contact started */
	size_t first_new = SIZE_MAX, old_end = SIZE_MAX, old_hold_end = SIZE_MAX;
	const struct pd_event *h0 = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_START, 0);
	assert_non_null(h0);
	for (size_t i = 0; i < c.cap.n; i++) {
		const struct pd_event *e = &c.cap.v[i].ev;
		if (e == s1)
			first_new = i;
		if (e->type == PD_EV_CONTACT && e->phase == PD_PHASE_END && e->u.contact.id == s0->u.contact.id)
			old_end = i;
		if (e->type == PD_EV_HOLD && e->phase == PD_PHASE_END && e->u.hold.id == h0->u.hold.id)
			old_hold_end = i;
	}
	assert_true(old_end != SIZE_MAX && old_hold_end != SIZE_MAX && first_new != SIZE_MAX);
	if (c.cap.v[old_end].in_flush || c.cap.v[old_end].fed_index > jump_index || old_end > first_new ||
	    c.cap.v[old_hold_end].in_flush || c.cap.v[old_hold_end].fed_index > jump_index)
		fail_msg("%s: the open contact and hold must end when device time goes back (frame %zu): contact end from "
			 "frame %zu%s, hold end from frame %zu%s, event order %zu/%zu/%zu",
			 what, jump_index, c.cap.v[old_end].fed_index, c.cap.v[old_end].in_flush ? " (flush)" : "",
			 c.cap.v[old_hold_end].fed_index, c.cap.v[old_hold_end].in_flush ? " (flush)" : "", old_end,
			 old_hold_end, first_new);
	const struct pd_event *ce = &c.cap.v[old_end].ev;
	const struct pd_event *he = &c.cap.v[old_hold_end].ev;
	if (fabs(ce->u.contact.duration - pre_s) > DUR_TOL_S || fabs(he->u.hold.duration - pre_s) > DUR_TOL_S)
		fail_msg("%s: before the jump the blob was down %.2f s; contact says %.4f, hold %.4f", what, pre_s,
			 ce->u.contact.duration, he->u.hold.duration);
	/* afresh: the new contact and hold are timed on the new clock */
	const struct pd_event *ce1 = contact_end_of(&c.cap, s1->u.contact.id);
	assert_non_null(ce1);
	const struct pd_event *h1 = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 1);
	if (fabs(h1->u.hold.duration - post_s) > DUR_TOL_S || fabs(h1->u.hold.t_start - t_new0) > DUR_TOL_S ||
	    fabs(ce1->u.contact.duration - post_s) > DUR_TOL_S)
		fail_msg("%s: after the jump: hold [%.4f, +%.4f s], contact %.4f s; expected [%.4f, +%.2f s] on the new clock",
			 what, h1->u.hold.t_start, h1->u.hold.duration, ce1->u.contact.duration, t_new0, post_s);
	ctx_close(&c);
}

static void test_time_restart(void **state)
{
	(void)state;
	time_back("device restart at 10 s", 0, false, 10.0, 0, 5.0);
	time_back("device restart, clock to 2 s", 500000000ull, false, 10.0, 2000000, 5.0);
}

static void test_time_wrap(void **state)
{
	(void)state;
	/* a 32-bit µs clock wraps at 4294.967296 s: 8 s before it, 6 s after */
	uint64_t wrap_at = 1ull << 32;
	uint64_t base = wrap_at - 8000000;
	time_back("32-bit device clock wrapping", base, true, 8.0, 0, 6.0);
}

/* ---- live parameter changes ----------------------------------------------- */

static void test_set_live(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	char err[200] = "";
	/* longer hold_min_s: a 5 s touch is no hold */
	if (pd_analysis_set(c.a, "hold_min_s", "6", err, sizeof err) != 0)
		fail_msg("pd_analysis_set(hold_min_s, 6): %s", err);
	assert_float_equal(pd_analysis_params(c.a)->hold_min_s, 6.0, 1e-12);
	struct path p1 = still(0.5, 5.5, 150.4, 150.3, 0.6 * FS);
	synth_play(&c.s, c.a, &c.cap, &p1, 1, 6.5);
	expect_n(&c.cap, "5 s touch with hold_min_s 6", PD_EV_HOLD, ANY_PHASE, 0);
	size_t contacts_so_far = cap_count(&c.cap, PD_EV_CONTACT, PD_PHASE_END);
	assert_int_equal(contacts_so_far, 1);
	/* shorter, with the prefix the config uses: a 2.5 s touch is a hold */
	if (pd_analysis_set(c.a, "analysis.hold_min_s", "2", err, sizeof err) != 0)
		fail_msg("pd_analysis_set(analysis.hold_min_s, 2): %s", err);
	assert_float_equal(pd_analysis_params(c.a)->hold_min_s, 2.0, 1e-12);
	struct path p2 = still(7.0, 9.5, 150.4, 150.3, 0.6 * FS);
	synth_play(&c.s, c.a, &c.cap, &p2, 1, 10.5);
	/* a longer target in the middle of nothing changes what reached means */
	if (pd_analysis_set(c.a, "hold_target_s", "2.2", err, sizeof err) != 0)
		fail_msg("pd_analysis_set(hold_target_s, 2.2): %s", err);
	struct path p3 = still(11.0, 13.5, 150.4, 150.3, 0.6 * FS);
	synth_play(&c.s, c.a, &c.cap, &p3, 1, 14.5);
	ctx_finish(&c);
	/* the checker with the values in force at the end, and hold_min_s 2..6 */
	struct pd_analysis_params final = c.p;
	final.hold_min_s = 2;
	final.hold_target_s = 2.2;
	check_opts_init(&c.o, &c.s.info, &final);
	c.o.hold_min_lo = 2;
	c.o.hold_min_hi = 6;
	c.o.targets_vary = true;
	ctx_check(&c);
	expect_n(&c.cap, "hold_min_s 6, then 2", PD_EV_HOLD, PD_PHASE_END, 2);
	const struct pd_event *h = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	const struct pd_event *hs = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_START, 0);
	if (fabs(h->u.hold.duration - 2.5) > DUR_TOL_S || h->u.hold.reached || h->u.hold.target_s != 30.0)
		fail_msg("with hold_min_s 2, a 2.5 s touch: hold of %.4f s (target %.1f, reached %d), expected 2.5 s of 30",
			 h->u.hold.duration, h->u.hold.target_s, h->u.hold.reached);
	if (fabs(hs->t - (7.0 + 2.0 - 0.01)) > DUR_TOL_S)
		fail_msg("with hold_min_s 2 the hold is reported at t=%.3f, expected when 2 s were reached (8.99)", hs->t);
	const struct pd_event *h2 = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 1);
	if (!h2->u.hold.reached || h2->u.hold.target_s != 2.2)
		fail_msg("after hold_target_s 2.2 a 2.5 s hold reached=%d target %.2f, expected reached, 2.2",
			 h2->u.hold.reached, h2->u.hold.target_s);
	ctx_close(&c);
}

static void test_set_rejects(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	static const struct {
		const char *key, *value;
	} bad[] = {
		{ "hold_minimum_s", "3" }, /* unknown */
		{ "analysis.nope", "1" },
		{ "", "1" },
		{ "hold_min_s", "abc" },
		{ "hold_min_s", "" },
		{ "hold_min_s", "-1" },
		{ "hold_min_s", "nan" },
		{ "hold_min_s", "inf" },
		{ "hold_min_s", "1e999" },
		{ "hold_min_s", "3 s" },
		{ "hold_min_s", "4%" },      /* a time is not a % of full scale */
		{ "contact_on", "150%" },    /* more than full scale */
		{ "contact_on", "-3%" },
		{ "contact_on", "%" },
		{ "contact_on", "four" },
		{ "contact_off", "10%" },    /* above contact_on (4 %): no hysteresis */
		{ "min_separation_mm", "-5" },
		{ "contact_rate_hz", "0" },
		{ "release_s", "x" },
	};
	struct pd_analysis_params before = *pd_analysis_params(c.a);
	char problems[2048] = "";
	size_t nproblems = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[200];
		memset(err, 0, sizeof err);
		int rc = pd_analysis_set(c.a, bad[i].key, bad[i].value, err, sizeof err);
		const char *why = NULL;
		if (rc != -1)
			why = "accepted, expected -1";
		else if (err[0] == '\0')
			why = "rejected without saying why";
		else if (memcmp(&before, pd_analysis_params(c.a), sizeof before) != 0)
			why = "rejected but the parameters changed";
		if (why) {
			size_t l = strlen(problems);
			snprintf(problems + l, sizeof problems - l, "\n  pd_analysis_set(\"%s\", \"%s\") returned %d: %s",
				 bad[i].key, bad[i].value, rc, why);
			nproblems++;
			/* put it back for the next case */
			char v[32];
			if (pd_analysis_params_get(&before, bad[i].key, v, sizeof v) == 0)
				pd_analysis_set(c.a, bad[i].key, v, err, sizeof err);
		}
	}
	if (nproblems)
		fail_msg("%zu bad settings not rejected cleanly:%s", nproblems, problems);
	/* and good ones are taken, as written */
	static const struct {
		const char *key, *value;
		size_t off;
		double want;
		int percent; /* -1: a plain number */
	} good[] = {
		{ "contact_on", "5%", offsetof(struct pd_analysis_params, contact_on), 5, 1 },
		{ "contact_on", "300", offsetof(struct pd_analysis_params, contact_on), 300, 0 },
		{ "analysis.contact_off", "150", offsetof(struct pd_analysis_params, contact_off), 150, 0 },
		{ "noise", "0.5%", offsetof(struct pd_analysis_params, noise), 0.5, 1 },
		{ "release_s", "0.25", offsetof(struct pd_analysis_params, release_s), 0.25, -1 },
		{ "stroke_min_mm", "30", offsetof(struct pd_analysis_params, stroke_min_mm), 30, -1 },
		{ "pulse_gap_s", "12.5", offsetof(struct pd_analysis_params, pulse_gap_s), 12.5, -1 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char err[200] = "";
		if (pd_analysis_set(c.a, good[i].key, good[i].value, err, sizeof err) != 0)
			fail_msg("pd_analysis_set(\"%s\", \"%s\") rejected: %s", good[i].key, good[i].value, err);
		const char *base = (const char *)pd_analysis_params(c.a) + good[i].off;
		if (good[i].percent < 0) {
			double v;
			memcpy(&v, base, sizeof v);
			assert_float_equal(v, good[i].want, 1e-12);
		} else {
			struct pd_threshold t;
			memcpy(&t, base, sizeof t);
			if (t.value != good[i].want || t.percent != (good[i].percent == 1))
				fail_msg("%s = %s read back as %g%s", good[i].key, good[i].value, t.value, t.percent ? "%" : "");
		}
	}
	ctx_finish(&c);
	ctx_close(&c);
}

/* ---- taps (press_min_s) ------------------------------------------------------ */

/* 3 presses of 1.5 s at one spot, 1 s off between (a pulse set), then one
 * frame pressed 10 mm away (within pulse_radius_mm): the tap is a contact,
 * but no press, and the pulse set stays at 3, at 100 Hz and at 10 Hz. */
static void tap_after_pulses(double rate)
{
	struct ctx c;
	ctx_open(&c, 32, 32, rate);
	ctx_start(&c);
	double dt = 1.0 / rate;
	struct path p[4] = {
		still(1.0, 2.5, 150.3, 140.6, 0.5 * FS),
		still(3.5, 5.0, 150.3, 140.6, 0.5 * FS),
		still(6.0, 7.5, 150.3, 140.6, 0.5 * FS),
		still(8.0, 8.0 + dt, 160.3, 140.6, 0.5 * FS), /* one frame */
	};
	synth_play(&c.s, c.a, &c.cap, p, 4, 12.0);
	ctx_finish(&c);
	char what[64];
	snprintf(what, sizeof what, "a tap by a pulse set at %g Hz", rate);
	expect_n(&c.cap, what, PD_EV_CONTACT, PD_PHASE_START, 4);
	expect_n(&c.cap, what, PD_EV_PRESS, PD_PHASE_NONE, 3);
	expect_n(&c.cap, what, PD_EV_PULSES, PD_PHASE_NONE, 1);
	const struct pd_event *e = cap_nth(&c.cap, PD_EV_PULSES, PD_PHASE_NONE, 0);
	if (e->u.pulses.count != 3)
		fail_msg("%s: the pulse set counts %u, expected 3 (the tap is no press)", what, e->u.pulses.count);
	for (size_t i = 0; i < 3; i++) {
		const struct pd_event *pr = cap_nth(&c.cap, PD_EV_PRESS, PD_PHASE_NONE, (int)i);
		if (fabs(pr->u.press.duration - 1.5) > 1.01 * dt)
			fail_msg("%s: press %zu lasted %.3f s, expected 1.5", what, i, pr->u.press.duration);
	}
	ctx_check(&c);
	ctx_close(&c);
}

static void test_tap_by_a_pulse_set(void **state)
{
	(void)state;
	tap_after_pulses(100);
	tap_after_pulses(10);
}

/* press_min_s is the line: 0.30 s of pressure is a press, 0.20 s a tap,
 * and with press_min_s = 0 every episode is a press. */
static void test_press_min_s(void **state)
{
	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ctx c;
		ctx_open(&c, 32, 32, 100);
		if (k)
			set_param(&c.p, "press_min_s", "0");
		ctx_start(&c);
		struct path p[2] = { still(1.0, 1.3, 100.3, 100.6, 0.5 * FS), still(3.0, 3.2, 200.3, 200.6, 0.5 * FS) };
		synth_play(&c.s, c.a, &c.cap, p, 2, 5.0);
		ctx_finish(&c);
		expect_n(&c.cap, "0.3 s and 0.2 s touches", PD_EV_CONTACT, PD_PHASE_START, 2);
		expect_n(&c.cap, k ? "0.3 s and 0.2 s touches, press_min_s = 0" : "a 0.3 s press, a 0.2 s tap", PD_EV_PRESS,
			 PD_PHASE_NONE, k ? 2 : 1);
		const struct pd_event *pr = cap_nth(&c.cap, PD_EV_PRESS, PD_PHASE_NONE, 0);
		if (fabs(pr->u.press.duration - 0.3) > 0.011)
			fail_msg("the press lasted %.3f s, expected 0.3", pr->u.press.duration);
		ctx_check(&c);
		ctx_close(&c);
	}
}

/* ---- tare -------------------------------------------------------------------- */

/* tare_at_start: the first frames a context sees become its baseline, so a
 * constant offset never shows as a contact. */
static void test_tare_at_start(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 16, 16, 100);
	c.s.offset = calloc(16 * 16, sizeof *c.s.offset);
	assert_non_null(c.s.offset);
	for (int i = 0; i < 16 * 16; i++)
		c.s.offset[i] = (float)(FS * 0.08);
	char err[128];
	assert_int_equal(pd_analysis_params_set(&c.p, "analysis.tare_at_start", "true", err, sizeof err), 0);
	ctx_start(&c);
	synth_play(&c.s, c.a, &c.cap, NULL, 0, 2.0);
	const float *base = pd_analysis_baseline(c.a);
	if (!base)
		fail_msg("tare_at_start: no baseline after 2 s of frames");
	for (int i = 0; i < 16 * 16; i++)
		if (fabs((double)base[i] - FS * 0.08) > 0.01 * FS)
			fail_msg("tare_at_start: baseline cell %d is %.1f, expected %.1f", i, (double)base[i], FS * 0.08);
	ctx_finish(&c);
	/* one tare event, when the baseline came into force, with its mean */
	if (cap_count(&c.cap, PD_EV_TARE, PD_PHASE_NONE) != 1)
		fail_msg("tare_at_start: %zu tare events, expected 1", cap_count(&c.cap, PD_EV_TARE, PD_PHASE_NONE));
	const struct pd_event *te = cap_nth(&c.cap, PD_EV_TARE, PD_PHASE_NONE, 0);
	if (te->u.tare.frames != 16 || fabs(te->u.tare.mean - FS * 0.08) > 0.01 * FS || te->t > 0.5)
		fail_msg("tare_at_start: tare event frames=%u mean=%.1f t=%.3f, expected 16 frames, mean %.1f, by 0.5 s",
			 te->u.tare.frames, te->u.tare.mean, te->t, FS * 0.08);
	/* the tare averages up to 0.5 s: the offset may be a contact until then */
	for (size_t i = 0; i < c.cap.n; i++)
		if (c.cap.v[i].ev.type == PD_EV_CONTACT && c.cap.v[i].ev.phase == PD_PHASE_START &&
		    c.cap.v[i].ev.t > 0.6)
			fail_msg("tare_at_start: a contact started at t=%.2f, after the offset became the baseline",
				 c.cap.v[i].ev.t);
	ctx_check(&c);
	ctx_close(&c);
}


/* A per-cell offset constant in time (a tilted plane, 5 % to 12 % of full
 * scale: above contact_on, so before the tare it is a contact at the high
 * corner). After pd_analysis_tare the baseline is that offset, and a blob
 * pressed on top is reported with its own pressure, not pressure + offset. */
static void test_tare(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.offset = calloc(32 * 32, sizeof *c.s.offset);
	assert_non_null(c.s.offset);
	for (int r = 0; r < 32; r++)
		for (int col = 0; col < 32; col++)
			c.s.offset[r * 32 + col] = (float)(FS * (0.05 + 0.07 * (r + col) / 62.0));
	ctx_start(&c);
	if (pd_analysis_baseline(c.a) != NULL)
		fail_msg("a baseline before any tare (none was requested or configured)");
	synth_play(&c.s, c.a, &c.cap, NULL, 0, 1.0);
	pd_analysis_tare(c.a);
	double t_tare = synth_t(&c.s);
	synth_play(&c.s, c.a, &c.cap, NULL, 0, 3.0);
	const float *base = pd_analysis_baseline(c.a);
	if (!base)
		fail_msg("no baseline after pd_analysis_tare and 2 s of frames");
	/* the baseline came into force 16 frames after the request, and said so */
	if (cap_count(&c.cap, PD_EV_TARE, PD_PHASE_NONE) != 1)
		fail_msg("%zu tare events, expected 1", cap_count(&c.cap, PD_EV_TARE, PD_PHASE_NONE));
	const struct pd_event *te = cap_nth(&c.cap, PD_EV_TARE, PD_PHASE_NONE, 0);
	double mean = 0;
	for (int i = 0; i < 32 * 32; i++)
		mean += base[i] / (32.0 * 32.0);
	if (te->u.tare.frames != 16 || fabs(te->t - (t_tare + 0.15)) > 0.011 || fabs(te->u.tare.mean - mean) > 1e-6 * FS)
		fail_msg("tare event t=%.3f frames=%u mean=%.2f; expected t=%.3f (16 frames after the request), the "
			 "baseline's mean %.2f",
			 te->t, te->u.tare.frames, te->u.tare.mean, t_tare + 0.15, mean);
	for (int i = 0; i < 32 * 32; i++)
		if (fabs((double)base[i] - c.s.offset[i]) > 0.01 * FS)
			fail_msg("baseline cell %d is %.1f, expected the offset %.1f ± 1%% of full scale", i, (double)base[i],
				 (double)c.s.offset[i]);
	struct path p = still(3.5, 8.5, 150.3, 140.6, 0.5 * FS);
	synth_play(&c.s, c.a, &c.cap, &p, 1, 10.0);
	ctx_finish(&c);
	struct blob b = { 150.3, 140.6, 0.5 * FS, 0, 0 };
	double top = blob_top(&c.s, &b);
	/* after the tare had its frames: one contact, the blob's */
	size_t n = 0;
	for (size_t i = 0; i < c.cap.n; i++) {
		const struct pd_event *e = &c.cap.v[i].ev;
		if (e->type != PD_EV_CONTACT || e->t < t_tare + 2.0 - 1e-9)
			continue;
		if (e->phase == PD_PHASE_START)
			n++;
		if (e->phase != PD_PHASE_END && fabs(e->u.contact.peak - top) > PEAK_REL_TOL * top) {
			char s[320];
			fail_msg("after tare: contact peak %.1f, expected the blob's %.1f ± 2%% (offset there ~%.0f): %s",
				 e->u.contact.peak, top, (double)c.s.offset[14 * 32 + 15], ev_str(e, s, sizeof s));
		}
		if (e->phase != PD_PHASE_END && hypot(e->u.contact.x - 150.3, e->u.contact.y - 140.6) > POS_TOL_CELLS * PITCH)
			fail_msg("after tare: contact at (%.2f, %.2f), expected the blob at (150.3, 140.6)", e->u.contact.x,
				 e->u.contact.y);
	}
	if (n != 1) {
		cap_dump(&c.cap, "tare");
		fail_msg("after the tare: %zu contacts started, expected 1 (the blob; the offset is tared away)", n);
	}
	const struct pd_event *h = NULL;
	for (size_t k = 0; (h = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, k)) != NULL; k++)
		if (h->u.hold.t_start >= 3.0)
			break;
	if (!h)
		fail_msg("no hold for the blob pressed after the tare");
	if (fabs(h->u.hold.peak - top) > PEAK_REL_TOL * top || fabs(h->u.hold.duration - 5.0) > DUR_TOL_S)
		fail_msg("after tare: hold peak %.1f over %.4f s, expected %.1f ± 2%% over 5 s", h->u.hold.peak,
			 h->u.hold.duration, top);
	ctx_check(&c);
	ctx_close(&c);
}

/* ---- thresholds: % of full scale, or the device's unit --------------------- */

struct thr_case {
	const char *why;
	uint8_t unit;
	float upc;      /* units per count (calibrated) */
	uint32_t fs;    /* full scale, counts */
	const char *on, *off;
	double amp;     /* blob peak, counts, on a cell centre, no noise */
	bool contact;
};

static void run_threshold(const struct thr_case *k)
{
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.noise = 0;
	c.s.info.full_scale = k->fs;
	c.s.info.unit = k->unit;
	c.s.info.units_per_count = k->upc;
	set_param(&c.p, "contact_on", k->on);
	set_param(&c.p, "contact_off", k->off);
	ctx_start(&c);
	struct path p = still(0.5, 2.5, 150, 160, k->amp);
	synth_play(&c.s, c.a, &c.cap, &p, 1, 3.5);
	ctx_finish(&c);
	ctx_check(&c);
	size_t n = cap_count(&c.cap, PD_EV_CONTACT, PD_PHASE_START);
	if (n != (k->contact ? 1u : 0u))
		fail_msg("%s: contact_on %s, full scale %u counts × %g %s, blob of %.0f counts: %zu contacts, expected %d",
			 k->why, k->on, k->fs, k->upc ? (double)k->upc : 1.0, pd_unit_name(k->unit), k->amp, n,
			 k->contact ? 1 : 0);
	ctx_close(&c);
}

static void test_thresholds(void **state)
{
	(void)state;
	static const struct thr_case cases[] = {
		{ "4% of 4095 is 163.8", PD_UNIT_COUNTS, 0, 4095, "4%", "2%", 180, true },
		{ "4% of 4095 is 163.8", PD_UNIT_COUNTS, 0, 4095, "4%", "2%", 150, false },
		{ "4% of 1000 is 40", PD_UNIT_COUNTS, 0, 1000, "4%", "2%", 60, true },
		{ "4% of 1000 is 40", PD_UNIT_COUNTS, 0, 1000, "4%", "2%", 35, false },
		{ "absolute 200 counts", PD_UNIT_COUNTS, 0, 4095, "200", "100", 180, false },
		{ "absolute 200 counts", PD_UNIT_COUNTS, 0, 4095, "200", "100", 220, true },
		{ "5% of 4095 is 204.75", PD_UNIT_COUNTS, 0, 4095, "5%", "2%", 190, false },
		{ "5% of 4095 is 204.75", PD_UNIT_COUNTS, 0, 4095, "5%", "2%", 220, true },
		/* calibrated: a plain number is in kPa, not counts (0.25 kPa a count) */
		{ "100 kPa is 400 counts", PD_UNIT_KPA, 0.25f, 4095, "100", "50", 380, false },
		{ "100 kPa is 400 counts", PD_UNIT_KPA, 0.25f, 4095, "100", "50", 440, true },
		{ "4% of 4095 counts × 0.25 kPa", PD_UNIT_KPA, 0.25f, 4095, "4%", "2%", 150, false },
		{ "4% of 4095 counts × 0.25 kPa", PD_UNIT_KPA, 0.25f, 4095, "4%", "2%", 180, true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_threshold(&cases[i]);
}

/* ---- a calibrated mat --------------------------------------------------- */

/* unit kPa, 0.25 kPa a count: pressures in kPa, and force (N) = Σ pressure
 * × cell area: kPa × mm² × 1e-3. */
static void test_calibrated_force(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	c.s.info.unit = PD_UNIT_KPA;
	c.s.info.units_per_count = 0.25f;
	ctx_start(&c);
	struct blob b = { 150.3, 160.4, 2000, 0, 0 };
	struct path p = still(0.5, 5.5, b.x, b.y, b.amp);
	synth_play(&c.s, c.a, &c.cap, &p, 1, 6.5);
	ctx_finish(&c);
	ctx_check(&c); /* units "kPa" on every event, has_force on every contact */
	expect_n(&c.cap, "calibrated mat", PD_EV_CONTACT, PD_PHASE_START, 1);
	double top_kpa = blob_top(&c.s, &b) * 0.25;
	double noise_floor = 0.01 * FS; /* counts */
	double sum_all = 0, sum_floor = 0;
	for (int r = 0; r < 32; r++)
		for (int col = 0; col < 32; col++) {
			double v = blob_value(&b, col * PITCH, r * PITCH);
			sum_all += v;
			if (v >= noise_floor)
				sum_floor += v;
		}
	double f_all = sum_all * 0.25 * PITCH * PITCH * 1e-3, f_floor = sum_floor * 0.25 * PITCH * PITCH * 1e-3;
	size_t checked = 0;
	for (size_t i = 0; i < c.cap.n; i++) {
		const struct pd_event *e = &c.cap.v[i].ev;
		if (e->type != PD_EV_CONTACT || e->phase == PD_PHASE_END)
			continue;
		checked++;
		if (!e->u.contact.has_force)
			fail_msg("a calibrated mat's contact has no force");
		if (e->u.contact.force < 0.95 * f_floor || e->u.contact.force > 1.05 * f_all)
			fail_msg("force %.1f N, expected Σ pressure × cell area = %.1f N (%.1f N above the noise floor), ± 5%%",
				 e->u.contact.force, f_all, f_floor);
		if (fabs(e->u.contact.peak - top_kpa) > PEAK_REL_TOL * top_kpa)
			fail_msg("peak %.1f kPa, expected %.1f kPa (counts × units_per_count) ± 2%%", e->u.contact.peak, top_kpa);
	}
	assert_true(checked > 0);
	const struct pd_event *h = cap_nth(&c.cap, PD_EV_HOLD, PD_PHASE_END, 0);
	assert_non_null(h);
	if (fabs(h->u.hold.peak - top_kpa) > PEAK_REL_TOL * top_kpa)
		fail_msg("hold peak %.1f kPa, expected %.1f ± 2%%", h->u.hold.peak, top_kpa);
	ctx_close(&c);
}

/* ---- geometry, heat map ------------------------------------------------- */

static void test_bad_geometry(void **state)
{
	(void)state;
	struct synth s;
	synth_init(&s, 32, 32, 100);
	struct pd_analysis_params p;
	pd_analysis_params_default(&p);
	struct pd_analysis_ids ids = { { 0 } };
	struct capture cap;
	cap_init(&cap);
	static const struct {
		const char *why;
		uint16_t rows, cols;
		uint8_t bits;
	} bad[] = { { "no rows", 0, 32, 16 }, { "no cols", 32, 0, 16 } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_device_info info = s.info;
		info.rows = bad[i].rows;
		info.cols = bad[i].cols;
		info.cell_bits = bad[i].bits;
		struct pd_analysis *a = pd_analysis_new(&info, &p, &ids, cap_emit, &cap);
		if (a) {
			pd_analysis_free(a);
			fail_msg("pd_analysis_new accepted an unusable geometry (%s)", bad[i].why);
		}
	}
	pd_analysis_free(NULL); /* like free() */
	cap_free(&cap);
	synth_free(&s);
}

/* Pressure × time per cell: a still blob's peak cell holds about
 * value × time; a cell far from it, nothing (below the noise floor is 0). */
static void test_heatmap(void **state)
{
	(void)state;
	struct ctx c;
	ctx_open(&c, 32, 32, 100);
	ctx_start(&c);
	struct blob b = { 150.0, 160.0, 0.5 * FS, 0, 0 }; /* on a cell centre: (16, 15) */
	struct path p = still(0.5, 4.5, b.x, b.y, b.amp);
	synth_play(&c.s, c.a, &c.cap, &p, 1, 5.0);
	size_t rows = 0, cols = 0;
	double bin = -1;
	const double *h = pd_analysis_heatmap(c.a, &rows, &cols, &bin);
	assert_non_null(h);
	if (rows != 32 || cols != 32 || bin != 0)
		fail_msg("a mat's heat map is rows × cols with bin 0, got %zu × %zu bin %g", rows, cols, bin);
	double want = b.amp * 4.0;
	double got = h[16 * 32 + 15];
	if (fabs(got - want) > 0.02 * want)
		fail_msg("heat at the blob's peak cell %.1f, expected %.1f (value × 4 s) ± 2%%", got, want);
	if (h[2 * 32 + 2] != 0)
		fail_msg("heat far from the blob %.3f, expected 0 (noise below the floor is 0)", h[2 * 32 + 2]);
	for (size_t i = 0; i < rows * cols; i++)
		if (!(h[i] >= 0) || !isfinite(h[i]))
			fail_msg("heat map cell %zu is %g", i, h[i]);
	ctx_finish(&c);
	ctx_check(&c);
	ctx_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_and_corner),
		cmocka_unit_test(test_plateau_peaks),
		cmocka_unit_test(test_plateau_contact),
		cmocka_unit_test(test_pass_near_keeps_ids),
		cmocka_unit_test(test_merge_and_split),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_hold_drift_inside),
		cmocka_unit_test(test_hold_drift_outside),
		cmocka_unit_test(test_frame_rates),
		cmocka_unit_test(test_time_restart),
		cmocka_unit_test(test_time_wrap),
		cmocka_unit_test(test_set_live),
		cmocka_unit_test(test_set_rejects),
		cmocka_unit_test(test_tare),
		cmocka_unit_test(test_tap_by_a_pulse_set),
		cmocka_unit_test(test_press_min_s),
		cmocka_unit_test(test_tare_at_start),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_calibrated_force),
		cmocka_unit_test(test_bad_geometry),
		cmocka_unit_test(test_heatmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
