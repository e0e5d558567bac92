/* The analysis parameters a report uses: the file's /analysis (what was in
 * force when it started), then each --set on top; and where each came
 * from, for the report to say. */
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const SRC_FILE = "recorded in the file";
static const char *const SRC_SET = "--set";
static const char *const SRC_DEFAULT = "default (not in the file)";

static ptrdiff_t index_of(const char *key)
{
	if (strncmp(key, "analysis.", 9) == 0)
		key += 9;
	for (size_t i = 0; pd_analysis_param_name(i); i++)
		if (strcmp(pd_analysis_param_name(i), key) == 0)
			return (ptrdiff_t)i;
	return -1;
}

int pd_report_params_load(struct pd_rec_reader *rd, const struct pd_report_set *sets, size_t nsets,
			  struct pd_report_params *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	pd_analysis_params_default(&out->p);
	for (out->n = 0; pd_analysis_param_name(out->n) && out->n < 32; out->n++)
		out->source[out->n] = SRC_DEFAULT;
	char why[256];
	for (size_t i = 0; i < pd_rec_reader_analysis_count(rd); i++) {
		const struct pd_rec_meta *m = pd_rec_reader_analysis(rd, i);
		ptrdiff_t k = index_of(m->key);
		if (k < 0)
			continue; /* `units`, or a parameter of another release */
		if (pd_analysis_params_set(&out->p, m->key, m->value, why, sizeof why) != 0) {
			snprintf(err, errlen, "/analysis %s = '%s': %s", m->key, m->value, why);
			return -1;
		}
		out->source[k] = SRC_FILE;
	}
	for (size_t i = 0; i < nsets; i++) {
		ptrdiff_t k = index_of(sets[i].key);
		if (k < 0) {
			snprintf(err, errlen, "--set %s: no such analysis parameter", sets[i].key);
			return -1;
		}
		if (pd_analysis_params_set(&out->p, sets[i].key, sets[i].value, why, sizeof why) != 0) {
			snprintf(err, errlen, "--set %s=%s: %s", sets[i].key, sets[i].value, why);
			return -1;
		}
		out->source[k] = SRC_SET;
		out->changed = true;
	}
	if (pd_analysis_params_check(&out->p, why, sizeof why) != 0) {
		snprintf(err, errlen, "analysis parameters: %s", why);
		return -1;
	}
	return 0;
}

bool pd_report_param_overridden(const struct pd_report_params *rp, const char *key)
{
	ptrdiff_t k = index_of(key);
	return k >= 0 && (size_t)k < rp->n && rp->source[k] == SRC_SET;
}
