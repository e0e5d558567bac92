/* The analysis parameters of analysis.md, with their defaults. Each is
 * settable in the config's [analysis] section, with -s analysis.KEY=VALUE,
 * and (later) through the control socket. Thresholds take "N%" of the
 * device's full scale or a plain value in the device's unit. */
#ifndef PD_ANALYSIS_PARAMS_H
#define PD_ANALYSIS_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

struct pd_threshold {
	double value;
	bool percent; /* value is a percentage of full scale */
};

struct pd_analysis_params {
	struct pd_threshold noise;
	struct pd_threshold contact_on;
	struct pd_threshold contact_off;
	double release_s;
	double min_separation_mm;
	double contact_rate_hz;
	double press_min_s; /* shorter pressure episodes are taps, not presses */
	double hold_min_s;
	double hold_radius_mm;
	double hold_target_s;
	double pulse_radius_mm;
	double pulse_gap_s;
	double stroke_min_mm;
	/* stage 9: sites, bouts and the coach */
	double site_radius_mm;       /* work this close to a site belongs to it */
	double bout_gap_s;           /* this long with nothing done at a site ends its bout */
	unsigned pulse_target_count; /* the pulsed alternative to a hold: count × pulse_target_s */
	double pulse_target_s;
	unsigned passes_min, passes_max; /* the glide passes the technique asks for */
	double hold_max_s;           /* a compression longer than this is too much */
	bool tare_at_start; /* take the first frames of a device as its baseline */
};

void pd_analysis_params_default(struct pd_analysis_params *p);

/* Sets one parameter from text. 0, or -1 with a reason naming what is
 * wrong (unknown key, not a number, out of range). `key` may carry the
 * "analysis." prefix. */
int pd_analysis_params_set(struct pd_analysis_params *p, const char *key, const char *value,
			   char *err, size_t errlen);

/* Cross-parameter rules (contact_off must not exceed contact_on, passes_min
 * not passes_max). */
int pd_analysis_params_check(const struct pd_analysis_params *p, char *err, size_t errlen);

/* Writes the value of `key` as text ("4%", "0.1"); -1 if unknown. */
int pd_analysis_params_get(const struct pd_analysis_params *p, const char *key, char *out, size_t cap);

/* Threshold in the device's unit for a device of the given full scale
 * (in the same unit). */
static inline double pd_threshold_abs(struct pd_threshold t, double full_scale)
{
	return t.percent ? t.value * full_scale / 100.0 : t.value;
}

/* The i-th parameter's name in table order; NULL past the last. */
const char *pd_analysis_param_name(size_t i);

#endif
