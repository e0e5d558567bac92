#include "params.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

enum kind { THRESHOLD, NUMBER, COUNT, BOOLEAN };

struct param {
	const char *name;
	enum kind kind;
	size_t offset;
	double min, max; /* for plain numbers and counts; thresholds are ≥ 0 and ≤ 100% */
	const char *dflt;
};

#define P(f) offsetof(struct pd_analysis_params, f)
static const struct param table[] = {
	{ "noise", THRESHOLD, P(noise), 0, 0, "1%" },
	{ "contact_on", THRESHOLD, P(contact_on), 0, 0, "4%" },
	{ "contact_off", THRESHOLD, P(contact_off), 0, 0, "2%" },
	{ "release_s", NUMBER, P(release_s), 0, 60, "0.1" },
	{ "min_separation_mm", NUMBER, P(min_separation_mm), 0, 10000, "20" },
	{ "contact_rate_hz", NUMBER, P(contact_rate_hz), 0.01, 10000, "10" },
	{ "press_min_s", NUMBER, P(press_min_s), 0, 3600, "0.25" },
	{ "hold_min_s", NUMBER, P(hold_min_s), 0, 3600, "3" },
	{ "hold_radius_mm", NUMBER, P(hold_radius_mm), 0, 10000, "10" },
	{ "hold_target_s", NUMBER, P(hold_target_s), 0, 86400, "30" },
	{ "pulse_radius_mm", NUMBER, P(pulse_radius_mm), 0, 10000, "15" },
	{ "pulse_gap_s", NUMBER, P(pulse_gap_s), 0, 3600, "20" },
	{ "stroke_min_mm", NUMBER, P(stroke_min_mm), 0, 100000, "40" },
	{ "site_radius_mm", NUMBER, P(site_radius_mm), 0, 10000, "25" },
	{ "bout_gap_s", NUMBER, P(bout_gap_s), 0.01, 86400, "60" },
	{ "pulse_target_count", COUNT, P(pulse_target_count), 1, 1000, "3" },
	{ "pulse_target_s", NUMBER, P(pulse_target_s), 0, 3600, "10" },
	{ "passes_min", COUNT, P(passes_min), 0, 1000, "3" },
	{ "passes_max", COUNT, P(passes_max), 0, 1000, "5" },
	{ "hold_max_s", NUMBER, P(hold_max_s), 0, 86400, "90" },
	{ "tare_at_start", BOOLEAN, P(tare_at_start), 0, 0, "false" },
};
#undef P
#define NPARAMS (sizeof table / sizeof table[0])

const char *pd_analysis_param_name(size_t i)
{
	return i < NPARAMS ? table[i].name : NULL;
}

static const struct param *find(const char *key)
{
	if (!strncmp(key, "analysis.", 9))
		key += 9;
	for (size_t i = 0; i < NPARAMS; i++)
		if (!strcmp(table[i].name, key))
			return &table[i];
	return NULL;
}

static int parse_threshold(const char *v, struct pd_threshold *t)
{
	size_t n = strlen(v);
	char num[64];
	bool pct = n > 0 && v[n - 1] == '%';
	if (pct)
		n--;
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	double d;
	if (!pd_parse_double(num, 0, pct ? 100 : 1e12, &d))
		return -1;
	t->value = d;
	t->percent = pct;
	return 0;
}

int pd_analysis_params_set(struct pd_analysis_params *p, const char *key, const char *value,
			   char *err, size_t errlen)
{
	const struct param *d = find(key);
	if (!d) {
		snprintf(err, errlen, "unknown analysis parameter '%s'", key);
		return -1;
	}
	void *field = (char *)p + d->offset;
	if (d->kind == THRESHOLD) {
		if (parse_threshold(value, field) != 0) {
			snprintf(err, errlen, "%s=%s: expected N%% (0..100) of full scale or a value ≥ 0",
				 d->name, value);
			return -1;
		}
		return 0;
	}
	if (d->kind == BOOLEAN) {
		if (!pd_parse_bool(value, field)) {
			snprintf(err, errlen, "%s=%s: expected true or false", d->name, value);
			return -1;
		}
		return 0;
	}
	if (d->kind == COUNT) {
		double v;
		if (!pd_parse_double(value, d->min, d->max, &v) || v != (double)(unsigned)v) {
			snprintf(err, errlen, "%s=%s: expected a whole number from %g to %g", d->name, value, d->min,
				 d->max);
			return -1;
		}
		*(unsigned *)field = (unsigned)v;
		return 0;
	}
	if (!pd_parse_double(value, d->min, d->max, field)) {
		snprintf(err, errlen, "%s=%s: expected a number from %g to %g", d->name, value, d->min, d->max);
		return -1;
	}
	return 0;
}

void pd_analysis_params_default(struct pd_analysis_params *p)
{
	char err[128];
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < NPARAMS; i++)
		pd_analysis_params_set(p, table[i].name, table[i].dflt, err, sizeof err);
}

int pd_analysis_params_check(const struct pd_analysis_params *p, char *err, size_t errlen)
{
	if (p->contact_off.percent == p->contact_on.percent && p->contact_off.value > p->contact_on.value) {
		snprintf(err, errlen, "contact_off must not exceed contact_on");
		return -1;
	}
	if (p->passes_min > p->passes_max) {
		snprintf(err, errlen, "passes_min (%u) must not exceed passes_max (%u)", p->passes_min, p->passes_max);
		return -1;
	}
	return 0;
}

int pd_analysis_params_get(const struct pd_analysis_params *p, const char *key, char *out, size_t cap)
{
	const struct param *d = find(key);
	if (!d)
		return -1;
	const void *field = (const char *)p + d->offset;
	if (d->kind == THRESHOLD) {
		const struct pd_threshold *t = field;
		snprintf(out, cap, "%g%s", t->value, t->percent ? "%" : "");
	} else if (d->kind == BOOLEAN) {
		snprintf(out, cap, "%s", *(const bool *)field ? "true" : "false");
	} else if (d->kind == COUNT) {
		snprintf(out, cap, "%u", *(const unsigned *)field);
	} else {
		snprintf(out, cap, "%g", *(const double *)field);
	}
	return 0;
}
