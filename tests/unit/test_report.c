/* report/: the session summary's maths on a tiny recording written with
 * the recording library (known frames → known peak, pressure-time and
 * time-under-pressure maps, force, saturation, baselines switching at
 * their tare_t, unit conversion), the parameters' sources, the
 * clustering of events into sites, and a re-analysis of a recording with
 * its own parameters giving back its recorded events bit for bit. */
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "message_json.h"
#include "recording.h"
#include "report.h"
#include "sim/scenario.h"

static char dir[64], path[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* 2 × 3 cells, 8 bits, 0.5 kPa per count, full scale 200, 10 Hz, 10 mm
 * pitch. Baseline 2 everywhere from the start, 4 from t = 0.3 s. */
static const uint8_t FRAMES[5][6] = {
	{ 10, 2, 2, 2, 2, 2 },   /* tared ×0.5: 4 0 0 0 0 0 */
	{ 20, 2, 2, 2, 2, 3 },   /*             9 0 0 0 0 0.5 */
	{ 6, 2, 2, 2, 2, 2 },    /*             2 0 ... */
	{ 10, 2, 2, 2, 2, 200 }, /* base 4:     3 0 0 0 0 98 (200: saturated) */
	{ 4, 2, 2, 2, 2, 2 },    /*             0 ... */
};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_report.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	struct pd_device_info in = { .protocol_version = 1, .kind = PD_KIND_MAT, .cell_bits = 8, .unit = PD_UNIT_KPA,
				     .rows = 2, .cols = 3, .pitch_x_mm = 10, .pitch_y_mm = 10, .rate_hz = 10,
				     .units_per_count = 0.5f, .full_scale = 200 };
	snprintf(in.model, sizeof in.model, "Tiny");
	float base0[6] = { 2, 2, 2, 2, 2, 2 }, base1[6] = { 4, 4, 4, 4, 4, 4 };
	static const struct pd_rec_meta analysis[] = { { "noise", "1%" }, { "pulse_radius_mm", "15" } };
	struct pd_rec_params p = { .dir = dir, .device_id = "mat0", .info = &in, .protocol = "pmf", .uri = "test",
				   .start_utc_ns = 1790000000000000000ll, .tare = base0, .tare_t = 0, .no_sync = true,
				   .analysis = analysis, .nanalysis = 2, .analysis_units = "kPa" };
	struct pd_rec *r;
	char err[512];
	if (pd_rec_create(&r, &p, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s", pd_rec_path(r));
	for (unsigned n = 0; n < 5; n++) {
		if (n == 3 && pd_rec_append_tare(r, 0.3, base1))
			return -1;
		if (n == 2 && pd_rec_append_gap(r, 1, 3))
			return -1;
		struct pd_frame f = { .seq = n < 2 ? n : n + 3, .device_time_us = n * 100000ull,
				      .rx = { .utc_ns = p.start_utc_ns + (int64_t)n * 100000000 }, .rows = 2, .cols = 3,
				      .cell_bits = 8, .cells = FRAMES[n] };
		if (pd_rec_append_frame(r, &f))
			return -1;
	}
	return pd_rec_close(r, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	pd_rec_shutdown();
	return 0;
}

static struct pd_rec_reader *open_reader(void)
{
	struct pd_rec_reader *rd = NULL;
	char err[512];
	if (pd_rec_reader_open(&rd, path, err, sizeof err))
		fail_msg("%s", err);
	return rd;
}

static void near(double a, double b, const char *what, int line)
{
	if (!(fabs(a - b) <= 1e-9 * fmax(1, fabs(b))))
		fail_msg("line %d: %s = %.17g, expected %.17g", line, what, a, b);
}
#define NEAR(a, b) near((a), (b), #a, __LINE__)

static void summary_maps(void **state)
{
	(void)state;
	struct pd_rec_reader *rd = open_reader();
	struct pd_report_params rp;
	char err[256];
	assert_int_equal(pd_report_params_load(rd, NULL, 0, &rp, err, sizeof err), 0);
	struct pd_report_summary s;
	assert_int_equal(pd_report_summarise(rd, &rp.p, 1, NULL, &s, err, sizeof err), 0);
	assert_int_equal(s.frames, 5);
	NEAR(s.duration_s, 0.5);
	assert_int_equal(s.ngaps, 1);
	assert_int_equal(s.missing, 3);
	assert_true(s.calibrated);
	assert_string_equal(s.unit, "kPa");
	NEAR(s.noise, 1.0); /* 1 % of 200 counts × 0.5 */
	assert_int_equal(s.ntare, 2);
	NEAR(s.tare_t[1], 0.3);
	NEAR(s.tare_mean[1], 2.0);
	assert_int_equal(s.rows, 2);
	assert_int_equal(s.cols, 3);
	NEAR(s.peak[0], 9);
	NEAR(s.peak[5], 98);
	NEAR(s.peak[1], 0);
	NEAR(s.peak_max, 98);
	assert_int_equal(s.peak_argmax, 5);
	NEAR(s.pti[0], (4 + 9 + 2 + 3 + 0) * 0.1);
	NEAR(s.pti[5], (0.5 + 98) * 0.1);
	NEAR(s.tup[0], 0.4); /* frames 0..3 at or above 1 kPa */
	NEAR(s.tup[5], 0.1); /* 0.5 kPa is below the threshold */
	NEAR(s.tup[2], 0);
	assert_int_equal(s.saturated_cells, 1);
	assert_int_equal(s.saturated_samples, 1);
	/* force: Σ kPa × 100 mm² × 1e-3 N */
	assert_false(s.force_is_peak);
	assert_string_equal(s.force_unit, "N");
	NEAR(s.force_max, (3 + 98) * 0.1);
	assert_int_equal(s.ncurve, 5);
	NEAR(s.curve_max[1], 9.5 * 0.1);
	/* centre of pressure of frame 0: all on cell (0, 0) */
	assert_int_equal(s.ncop, 4); /* frame 4 has no load */
	NEAR(s.cop_x[0], 0);
	NEAR(s.cop_y[0], 0);
	NEAR(s.cop_x[1], (0.5 * 20) / 9.5);
	NEAR(s.cop_y[1], (0.5 * 10) / 9.5);
	pd_report_summary_free(&s);

	/* in mmHg */
	double k;
	assert_int_equal(pd_report_unit_factor("kPa", "mmHg", &k), 0);
	assert_int_equal(pd_report_summarise(rd, &rp.p, k, "mmHg", &s, err, sizeof err), 0);
	assert_string_equal(s.unit, "mmHg");
	NEAR(s.peak[0], 9 * 7.50062);
	NEAR(s.noise, 7.50062);
	NEAR(s.force_max, (3 + 98) * 0.1); /* newtons whatever the pressure unit */
	pd_report_summary_free(&s);
	assert_int_equal(pd_report_unit_factor("counts", "kPa", &k), -1);
	pd_rec_reader_close(rd);
}

static void params_sources(void **state)
{
	(void)state;
	struct pd_rec_reader *rd = open_reader();
	struct pd_report_params rp;
	char err[256];
	struct pd_report_set sets[] = { { "analysis.hold_min_s", "5" } };
	assert_int_equal(pd_report_params_load(rd, sets, 1, &rp, err, sizeof err), 0);
	assert_true(rp.changed);
	for (size_t i = 0; i < rp.n; i++) {
		const char *k = pd_analysis_param_name(i);
		const char *want = !strcmp(k, "hold_min_s")                              ? "--set"
				   : !strcmp(k, "noise") || !strcmp(k, "pulse_radius_mm") ? "recorded in the file"
											   : "default (not in the file)";
		assert_string_equal(rp.source[i], want);
	}
	assert_true(pd_report_param_overridden(&rp, "hold_min_s"));
	assert_false(pd_report_param_overridden(&rp, "noise"));
	NEAR(rp.p.hold_min_s, 5);
	struct pd_report_set bad[] = { { "nope", "1" } };
	assert_int_equal(pd_report_params_load(rd, bad, 1, &rp, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope"));
	pd_rec_reader_close(rd);
}

static struct pd_event press(double x, double y, double t, double d)
{
	struct pd_event e = { .type = PD_EV_PRESS, .t = t + d };
	e.u.press = (struct pd_ev_press){ .x = x, .y = y, .t_start = t, .duration = d };
	return e;
}

static void sites(void **state)
{
	(void)state;
	struct pd_event pr[] = { press(100, 100, 1, 2), press(0, 0, 10, 10), press(10, 0, 25, 10),
				 press(22, 0, 40, 10) /* 12 mm from the last: chained */ };
	struct pd_event ho = { .type = PD_EV_HOLD, .phase = PD_PHASE_END };
	ho.u.hold = (struct pd_ev_hold){ .x = 5, .y = 5, .t_start = 10, .duration = 10 };
	struct pd_event st = { .type = PD_EV_STROKE, .t = 60 };
	st.u.stroke = (struct pd_ev_stroke){ .x0 = 90, .y0 = 100, .x1 = 110, .y1 = 100, .duration = 1 };
	struct pd_event far = press(300, 0, 70, 1);
	struct pd_event all_press[5] = { pr[0], pr[1], pr[2], pr[3], far };
	/* a site's peak: the highest of its presses', holds' and strokes' */
	all_press[0].u.press.peak = 3;
	st.u.stroke.peak = 4;
	all_press[2].u.press.peak = 8;
	ho.u.hold.peak = 7;
	struct pd_report_events ev = { .press = all_press, .npress = 5, .hold = &ho, .nhold = 1, .stroke = &st,
				       .nstroke = 1 };
	struct pd_report_dose d;
	assert_int_equal(pd_report_dose(&ev, 10, 10, 15, &d), 0);
	assert_int_equal(d.nsites, 3);
	/* ordered by their first event: (100,100) at t 1, the chain at 10, (300,0) at 70 */
	NEAR(d.site[0].x, 100);
	assert_int_equal(d.site[0].npress, 1);
	assert_int_equal(d.site[0].nstrokes, 1);
	NEAR(d.site[0].col, 10);
	assert_int_equal(d.site[1].npress, 3);
	NEAR(d.site[1].compression_s, 30);
	assert_int_equal(d.site[1].nholds, 1);
	assert_int_equal(d.site[1].holds[0], 0);
	NEAR(d.site[1].x, (0 + 10 + 22 + 5) / 4.0);
	assert_int_equal(d.site[2].npress, 1);
	NEAR(d.site[0].peak, 4);
	NEAR(d.site[1].peak, 8);
	NEAR(d.site[2].peak, 0);
	pd_report_dose_free(&d);

	/* a roller: overlapping rolls are one region */
	struct pd_event rolls[3] = { { .type = PD_EV_ROLL }, { .type = PD_EV_ROLL }, { .type = PD_EV_ROLL } };
	rolls[0].u.roll = (struct pd_ev_roll){ .from_mm = 0, .to_mm = 200, .direction = 1, .speed_mm_s = 100,
					       .mean_force = 10, .peak_force = 20 };
	rolls[1].u.roll = (struct pd_ev_roll){ .from_mm = 200, .to_mm = 10, .direction = -1, .speed_mm_s = 50,
					       .mean_force = 20, .peak_force = 30 };
	rolls[2].u.roll = (struct pd_ev_roll){ .from_mm = 500, .to_mm = 600, .direction = 1, .speed_mm_s = 10,
					       .mean_force = 1, .peak_force = 2 };
	struct pd_report_events rv = { .roll = rolls, .nroll = 3 };
	assert_int_equal(pd_report_dose(&rv, 10, 10, 15, &d), 0);
	assert_int_equal(d.nsites, 0);
	assert_int_equal(d.nregions, 2);
	NEAR(d.region[0].from_mm, 0);
	NEAR(d.region[0].to_mm, 200);
	assert_int_equal(d.region[0].nrolls, 2);
	assert_int_equal(d.region[0].up, 1);
	assert_int_equal(d.region[0].down, 1);
	NEAR(d.region[0].mean_speed, 75);
	NEAR(d.region[0].peak_force, 30);
	pd_report_dose_free(&d);
}

/* ---- re-analysis ---------------------------------------------------------- */

struct writer {
	struct pd_rec *rec;
	struct pd_analysis *an;
	uint64_t seq;
};

static void on_event(void *ctx, const struct pd_event *ev)
{
	struct writer *w = ctx;
	if (ev->type == PD_EV_TARE && pd_rec_append_tare(w->rec, ev->t, pd_analysis_baseline(w->an)) != 0)
		fail_msg("append_tare");
	struct pd_event e = *ev;
	e.seq = w->seq++;
	e.time = ev->t + 1.79e9;
	if (pd_rec_append_event(w->rec, &e) != 0)
		fail_msg("append_event: %s", pd_rec_error(w->rec));
}

/* The scenario generator's first minute (a 30 s hold, a pumping finger, 3 ×
 * 10 s), the analysis' events recorded as the daemon records them, a tare
 * taken at frame 2000 and contact_on changed at frame 4000. */
static void make_analysed(const char *d, char *out, size_t cap)
{
	struct pd_scenario *sc;
	char err[512];
	struct pd_scenario_params sp = { .name = "all", .kind = PD_KIND_MAT, .loop = true };
	if (pd_scenario_new(&sc, &sp, err, sizeof err))
		fail_msg("%s", err);
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	struct pd_analysis_params ap;
	pd_analysis_params_default(&ap);
	struct pd_rec_meta an[32];
	char vals[32][32];
	size_t n = 0;
	for (const char *k; n < 32 && (k = pd_analysis_param_name(n)); n++) {
		pd_analysis_params_get(&ap, k, vals[n], sizeof vals[n]);
		an[n] = (struct pd_rec_meta){ k, vals[n] };
	}
	struct pd_rec_params p = { .dir = d, .device_id = "mat0", .info = &info, .protocol = "sim", .uri = "sim:",
				   .start_utc_ns = 1790000000000000000ll, .no_sync = true, .analysis = an,
				   .nanalysis = n, .analysis_units = "counts", .tare_t = NAN };
	struct writer w = { 0 };
	if (pd_rec_create(&w.rec, &p, err, sizeof err))
		fail_msg("%s", err);
	snprintf(out, cap, "%s", pd_rec_path(w.rec));
	struct pd_analysis_ids ids = { { 0 } };
	w.an = pd_analysis_new(&info, &ap, &ids, on_event, &w);
	assert_non_null(w.an);
	for (uint64_t i = 0; i < 6000; i++) {
		struct pd_frame f;
		pd_scenario_next(sc, &f);
		f.rx.utc_ns = p.start_utc_ns + (int64_t)f.device_time_us * 1000;
		assert_int_equal(pd_rec_append_frame(w.rec, &f), 0);
		if (i == 2000)
			pd_analysis_tare(w.an);
		if (i == 4000) {
			assert_int_equal(pd_analysis_params_set(&ap, "contact_on", "5%", err, sizeof err), 0);
			assert_int_equal(pd_analysis_set_params(w.an, &ap, err, sizeof err), 0);
			struct pd_event s;
			pd_event_init(&s, PD_EV_SETTING);
			s.t = (double)f.device_time_us / 1e6;
			s.frame = f.seq;
			snprintf(s.u.setting.key, sizeof s.u.setting.key, "contact_on");
			snprintf(s.u.setting.value, sizeof s.u.setting.value, "5%%");
			assert_int_equal(pd_rec_append_event(w.rec, &s), 0);
		}
		pd_analysis_feed(w.an, &f);
	}
	pd_analysis_flush(w.an);
	pd_analysis_free(w.an);
	pd_scenario_free(sc);
	if (pd_rec_close(w.rec, err, sizeof err))
		fail_msg("%s", err);
}

#define SAME(field) \
	do { \
		if (memcmp(&a->field, &b->field, sizeof a->field)) \
			fail_msg("%s %zu: " #field " differs", what, i); \
	} while (0)

static void same_events(const char *what, const struct pd_event *x, const struct pd_event *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (x[i].t != y[i].t || x[i].frame != y[i].frame)
			fail_msg("%s %zu: t/frame differ", what, i);
		switch (x[i].type) {
		case PD_EV_PRESS: {
			const struct pd_ev_press *a = &x[i].u.press, *b = &y[i].u.press;
			SAME(id); SAME(contact); SAME(t_start); SAME(duration); SAME(peak); SAME(mean); SAME(impulse);
			SAME(x); SAME(y);
			break;
		}
		case PD_EV_HOLD: {
			const struct pd_ev_hold *a = &x[i].u.hold, *b = &y[i].u.hold;
			SAME(id); SAME(contact); SAME(x); SAME(y); SAME(t_start); SAME(duration); SAME(peak); SAME(mean);
			SAME(impulse); SAME(drift_mm); SAME(target_s); SAME(reached);
			break;
		}
		case PD_EV_PULSES: {
			const struct pd_ev_pulses *a = &x[i].u.pulses, *b = &y[i].u.pulses;
			SAME(id); SAME(x); SAME(y); SAME(count); SAME(ndurations); SAME(t_start); SAME(t_end); SAME(mean_peak);
			if (memcmp(a->durations, b->durations, a->ndurations * sizeof(double)))
				fail_msg("%s %zu: durations differ", what, i);
			break;
		}
		case PD_EV_STROKE: {
			const struct pd_ev_stroke *a = &x[i].u.stroke, *b = &y[i].u.stroke;
			SAME(id); SAME(contact); SAME(x0); SAME(y0); SAME(x1); SAME(y1); SAME(length_mm); SAME(duration);
			SAME(speed_mm_s); SAME(direction_deg); SAME(mean); SAME(peak); SAME(pass);
			break;
		}
		default: fail_msg("%s %zu: unexpected type %d", what, i, x[i].type);
		}
	}
}

static void reanalysis_reproduces(void **state)
{
	(void)state;
	char sub[128], file[256], err[512];
	snprintf(sub, sizeof sub, "%s/analysed", dir);
	mkdir(sub, 0755);
	make_analysed(sub, file, sizeof file);
	struct pd_rec_reader *rd;
	if (pd_rec_reader_open(&rd, file, err, sizeof err))
		fail_msg("%s", err);
	assert_int_equal(pd_rec_reader_tare_count(rd), 1);
	assert_int_equal(pd_rec_reader_event_count(rd, PD_EV_SETTING), 1);
	struct pd_report_params rp;
	assert_int_equal(pd_report_params_load(rd, NULL, 0, &rp, err, sizeof err), 0);
	struct pd_report_events rec, re;
	assert_int_equal(pd_report_events_recorded(rd, 1, &rec, err, sizeof err), 0);
	assert_int_equal(pd_report_events_reanalyse(rd, &rp, 1, &re, err, sizeof err), 0);
	assert_true(rec.nhold >= 2);
	assert_true(rec.npulses >= 1);
	assert_int_equal(re.npress, rec.npress);
	assert_int_equal(re.nhold, rec.nhold);
	assert_int_equal(re.npulses, rec.npulses);
	assert_int_equal(re.nstroke, rec.nstroke);
	same_events("press", rec.press, re.press, rec.npress);
	same_events("hold", rec.hold, re.hold, rec.nhold);
	same_events("pulses", rec.pulses, re.pulses, rec.npulses);
	same_events("stroke", rec.stroke, re.stroke, rec.nstroke);
	pd_report_events_free(&rec);
	pd_report_events_free(&re);

	pd_rec_reader_close(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(summary_maps),
		cmocka_unit_test(params_sources),
		cmocka_unit_test(sites),
		cmocka_unit_test(reanalysis_reproduces),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
