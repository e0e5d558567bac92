/* The scripted finger of test_sites.c: presses and glides of a Gaussian
 * blob on a 32 × 64 mat of 10 mm pitch (or a roller's load at an encoder
 * position, one count a millimetre), fed frame by frame at any rate into
 * an analysis context, marks given between frames, every event captured
 * (analysis_capture.h) and the stream checked; and readers of the site
 * events it gave. Header-only: one test includes it. */
#ifndef PD_TEST_FINGER_SCRIPT_H
#define PD_TEST_FINGER_SCRIPT_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "analysis_capture.h"
#include "params.h"

#define ROWS 32
#define COLS 64
#define PITCH 10.0
#define SIGMA_MM 10.0
#define AMP 2000.0
#define ROLLER_CELLS 16

/* ---- the scripted finger ------------------------------------------------------ */

enum step_kind { OFF, ON, GLIDE };

/* ON: pressed at (x0, y0); GLIDE: pressed, moving from (x0, y0) to (x1,
 * y1); for `dur` seconds. Steps follow each other without a lift unless
 * an OFF lies between. A roller takes y as the position along the body. */
struct step {
	enum step_kind k;
	double x0, y0, x1, y1, dur;
};

struct mark_at {
	double t;
	const char *label;
};

struct script {
	const struct step *steps;
	size_t nsteps;
	const struct mark_at *marks;
	size_t nmarks;
	double tail_s; /* fed after the last step, nothing pressed */
};

#define S(...) ((const struct step[]){ __VA_ARGS__ })
#define NS(arr) (sizeof(arr) / sizeof(arr[0]))

struct result {
	struct capture cap;
	struct pd_analysis_stats stats;
	struct pd_analysis_params p;
	struct pd_device_info info;
};

static struct pd_device_info mat_info(double rate)
{
	return (struct pd_device_info){ .protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = 16,
					 .unit = PD_UNIT_COUNTS, .rows = ROWS, .cols = COLS, .pitch_x_mm = PITCH,
					 .pitch_y_mm = PITCH, .rate_hz = (float)rate, .full_scale = 4095 };
}

static struct pd_device_info roller_info(double rate)
{
	/* 1000 counts a revolution of 1000 mm: one count a millimetre */
	return (struct pd_device_info){ .protocol_version = 1, .kind = PD_KIND_ROLLER, .cell_bits = 16,
					 .unit = PD_UNIT_COUNTS, .rows = 1, .cols = ROLLER_CELLS, .pitch_x_mm = PITCH,
					 .pitch_y_mm = PITCH, .rate_hz = (float)rate, .full_scale = 4095,
					 .radius_mm = (float)(1000 / (2 * M_PI)), .counts_per_rev = 1000 };
}

/* Where the finger is at t, and whether it presses. */
static bool finger(const struct script *sc, double t, double *x, double *y)
{
	double t0 = 0;
	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct step *s = &sc->steps[i];
		if (t < t0 + s->dur - 1e-9) {
			double u = (t - t0) / s->dur;
			*x = s->k == GLIDE ? s->x0 + u * (s->x1 - s->x0) : s->x0;
			*y = s->k == GLIDE ? s->y0 + u * (s->y1 - s->y0) : s->y0;
			return s->k != OFF;
		}
		t0 += s->dur;
	}
	return false;
}

static double script_len(const struct script *sc)
{
	double d = 0;
	for (size_t i = 0; i < sc->nsteps; i++)
		d += sc->steps[i].dur;
	return d + sc->tail_s;
}

static void draw(const struct pd_device_info *info, bool on, double x, double y, uint16_t *cells, int32_t *enc)
{
	size_t n = (size_t)info->rows * info->cols;
	memset(cells, 0, n * sizeof *cells);
	if (info->kind == PD_KIND_ROLLER) {
		*enc = (int32_t)lround(y);
		for (int c = 0; on && c < info->cols; c++) {
			double d = c * PITCH - (ROLLER_CELLS / 2) * PITCH;
			cells[c] = (uint16_t)lround(AMP * exp(-d * d / (2 * SIGMA_MM * SIGMA_MM)));
		}
		return;
	}
	for (int r = 0; on && r < info->rows; r++)
		for (int c = 0; c < info->cols; c++) {
			double dx = c * PITCH - x, dy = r * PITCH - y;
			cells[(size_t)r * info->cols + c] =
				(uint16_t)lround(AMP * exp(-(dx * dx + dy * dy) / (2 * SIGMA_MM * SIGMA_MM)));
		}
}

/* Feeds the script at `rate` (marks given just before the first frame at
 * or after their time), flushes, checks the stream's structure. */
static void run_with(struct result *r, const struct script *sc, double rate, bool roller,
		     const struct pd_analysis_params *p, struct pd_analysis_ids *ids)
{
	memset(r, 0, sizeof *r);
	r->info = roller ? roller_info(rate) : mat_info(rate);
	if (p)
		r->p = *p;
	else
		pd_analysis_params_default(&r->p);
	cap_init(&r->cap);
	struct pd_analysis *a = pd_analysis_new(&r->info, &r->p, ids, cap_emit, &r->cap);
	assert_non_null(a);
	uint16_t *cells = calloc((size_t)r->info.rows * r->info.cols, sizeof *cells);
	assert_non_null(cells);
	size_t nframes = (size_t)llround(script_len(sc) * rate), next_mark = 0;
	for (size_t k = 0; k < nframes; k++) {
		uint64_t us = (uint64_t)llround(k * 1e6 / rate);
		double t = (double)us / 1e6, x = 0, y = 0;
		while (next_mark < sc->nmarks && sc->marks[next_mark].t <= t + 1e-9)
			assert_int_equal(pd_analysis_mark(a, sc->marks[next_mark++].label), 0);
		int32_t enc = 0;
		bool on = finger(sc, t, &x, &y);
		draw(&r->info, on, x, y, cells, &enc);
		struct pd_frame f = { .seq = (uint32_t)k, .device_time_us = us, .rows = r->info.rows,
				      .cols = r->info.cols, .cell_bits = 16, .cells = cells, .encoder = enc,
				      .has_encoder = roller };
		cap_feed(a, &r->cap, &f);
	}
	cap_flush(a, &r->cap);
	r->stats = *pd_analysis_stats(a);
	pd_analysis_free(a);
	free(cells);
	struct check_opts o;
	check_opts_init(&o, &r->info, &r->p);
	cap_check(&r->cap, &o);
}

static void run(struct result *r, const struct script *sc, double rate)
{
	struct pd_analysis_ids ids = { 0 };
	run_with(r, sc, rate, false, NULL, &ids);
}

/* ---- reading the stream ------------------------------------------------------------ */

static const struct pd_ev_site *site_ev(const struct result *r, size_t i, enum pd_phase *phase, double *t)
{
	const struct pd_event *e = &r->cap.v[i].ev;
	if (e->type != PD_EV_SITE)
		return NULL;
	if (phase)
		*phase = e->phase;
	if (t)
		*t = e->t;
	return &e->u.site;
}

static size_t count_sites(const struct result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->cap.n; i++) {
		enum pd_phase ph;
		const struct pd_ev_site *s = site_ev(r, i, &ph, NULL);
		n += s && ph == PD_PHASE_START && s->bout == 1;
	}
	return n;
}

/* The end of bout `bout` of site `id`. */
static const struct pd_ev_site *bout_end(const struct result *r, uint32_t id, uint32_t bout, double *t)
{
	for (size_t i = 0; i < r->cap.n; i++) {
		enum pd_phase ph;
		const struct pd_ev_site *s = site_ev(r, i, &ph, t);
		if (s && ph == PD_PHASE_END && s->id == id && s->bout == bout)
			return s;
	}
	cap_dump(&r->cap, "no such bout");
	fail_msg("site %u bout %u never ended", id, bout);
	return NULL;
}

/* The `next` values of a site's events in a bout, consecutive repeats
 * folded: "hold release glide done". */
static void next_seq(const struct result *r, uint32_t id, uint32_t bout, char *out, size_t cap)
{
	out[0] = '\0';
	const char *last = "";
	for (size_t i = 0; i < r->cap.n; i++) {
		const struct pd_ev_site *s = site_ev(r, i, NULL, NULL);
		if (!s || s->id != id || s->bout != bout || !strcmp(s->next, last))
			continue;
		size_t l = strlen(out);
		snprintf(out + l, cap - l, "%s%s", l ? " " : "", s->next);
		last = s->next;
	}
}

static size_t strokes(const struct result *r, const struct pd_ev_stroke **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->cap.n && n < max; i++)
		if (r->cap.v[i].ev.type == PD_EV_STROKE)
			out[n++] = &r->cap.v[i].ev.u.stroke;
	return n;
}

/* The first site event of a site after device time t (any phase). */
static const struct pd_ev_site *site_after(const struct result *r, uint32_t id, double t_min, double *t)
{
	for (size_t i = 0; i < r->cap.n; i++) {
		const struct pd_ev_site *s = site_ev(r, i, NULL, t);
		if (s && s->id == id && *t >= t_min - 1e-9)
			return s;
	}
	return NULL;
}

static const double RATES[] = { 100, 10 };
#define FOR_RATES for (size_t ri = 0; ri < 2; ri++)
#define RATE RATES[ri]

/* A back-and-forth glide of `n` passes of 80 mm at 20 mm/s across (x, y)
 * along x, without lifting. */
static size_t glides(struct step *out, size_t n, double x, double y)
{
	for (size_t i = 0; i < n; i++) {
		double a = i % 2 ? x + 40 : x - 40, b = i % 2 ? x - 40 : x + 40;
		out[i] = (struct step){ GLIDE, a, y, b, y, 4.0 };
	}
	return n;
}

#endif
