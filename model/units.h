/* The one rule for calibration: is a device calibrated, and in which unit
 * are its event values? Everything that writes or shows a pressure asks
 * here (the analysis, the JSON of events and INFO, the recorder, the
 * recording's layout, the report), so they can never disagree. */
#ifndef PD_MODEL_UNITS_H
#define PD_MODEL_UNITS_H

#include <math.h>
#include <stdbool.h>

#include "frame.h"

/* Calibrated: a unit other than counts and a finite, positive factor.
 * Anything else (a factor of 0, NaN or infinity) is raw counts. */
static inline bool pd_info_calibrated(const struct pd_device_info *info)
{
	return info && info->unit != PD_UNIT_COUNTS && info->units_per_count > 0 &&
	       isfinite(info->units_per_count);
}

/* The unit of the device's event values: its calibrated unit, else "counts". */
static inline const char *pd_info_units(const struct pd_device_info *info)
{
	return pd_info_calibrated(info) ? pd_unit_name(info->unit) : "counts";
}

#endif
