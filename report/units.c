/* Units: kPa ↔ mmHg (1 kPa = 7.50062 mmHg), and newtons from pressure ×
 * area. Counts and newtons convert to nothing. */
#include <string.h>

#include "report.h"
#include "units.h"

#define MMHG_PER_KPA 7.50062

int pd_report_unit_factor(const char *from, const char *want, double *factor)
{
	*factor = 1;
	if (!want || !*want || strcmp(from, want) == 0)
		return 0;
	if (strcmp(from, "kPa") == 0 && strcmp(want, "mmHg") == 0)
		*factor = MMHG_PER_KPA;
	else if (strcmp(from, "mmHg") == 0 && strcmp(want, "kPa") == 0)
		*factor = 1 / MMHG_PER_KPA;
	else
		return -1;
	return 0;
}

double pd_report_newton_per_unit_mm2(const char *unit)
{
	if (strcmp(unit, "kPa") == 0)
		return 1e-3; /* 1 kPa on 1 mm² = 1e3 N/m² × 1e-6 m² */
	if (strcmp(unit, "mmHg") == 0)
		return 1e-3 / MMHG_PER_KPA;
	return 0;
}

const char *pd_report_file_unit(const struct pd_rec_file_info *fi)
{
	return pd_info_units(&fi->device);
}
