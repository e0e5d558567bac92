#include "frame_message.h"

#include <stdio.h>
#include <string.h>

enum { MAX_SIDE = 4096 };

bool pc_frame_parse(json_t *hdr, const void *cells, size_t len, struct pc_frame *f, char *why, size_t whylen)
{
	memset(f, 0, sizeof *f);
	json_t *jr = json_object_get(hdr, "rows"), *jc = json_object_get(hdr, "cols");
	const char *dtype = json_string_value(json_object_get(hdr, "dtype"));
	if (!json_is_integer(jr) || !json_is_integer(jc) || json_integer_value(jr) < 1 ||
	    json_integer_value(jr) > MAX_SIDE || json_integer_value(jc) < 1 || json_integer_value(jc) > MAX_SIDE) {
		snprintf(why, whylen, "frame without valid rows/cols");
		return false;
	}
	f->rows = (int)json_integer_value(jr);
	f->cols = (int)json_integer_value(jc);
	if (dtype && strcmp(dtype, "uint8") == 0) {
		f->cell_bytes = 1;
	} else if (dtype && strcmp(dtype, "uint16") == 0) {
		f->cell_bytes = 2;
	} else {
		snprintf(why, whylen, "frame dtype '%s' is neither uint8 nor uint16", dtype ? dtype : "(none)");
		return false;
	}
	size_t want = (size_t)f->rows * (size_t)f->cols * (size_t)f->cell_bytes;
	if (!cells || len != want) {
		snprintf(why, whylen, "frame cells are %zu bytes, %d×%d %s needs %zu", cells ? len : 0, f->rows, f->cols,
			 dtype, want);
		return false;
	}
	f->cells = cells;
	f->units = json_string_value(json_object_get(hdr, "units"));
	double upc = json_number_value(json_object_get(hdr, "units_per_count"));
	f->units_per_count = upc > 0 ? upc : 1;
	if (!f->units || strcmp(f->units, "counts") == 0)
		f->units_per_count = 1;
	return true;
}

uint32_t pc_frame_max(const struct pc_frame *f)
{
	uint32_t m = 0;
	size_t n = (size_t)f->rows * (size_t)f->cols;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = pc_frame_cell(f, i);
		if (v > m)
			m = v;
	}
	return m;
}

void pc_frame_value_str(const struct pc_frame *f, double counts, char *buf, size_t len)
{
	const char *units = f->units ? f->units : "counts";
	if (f->units_per_count == 1)
		snprintf(buf, len, "%.6g %s", counts, units);
	else
		snprintf(buf, len, "%.4g %s", counts * f->units_per_count, units);
}
