/* The analysis context: the device it was made for, the parameters, device
 * time, and the pipeline each frame goes through (analysis.md's stages).
 * Everything the stages will ever need is allocated here, in
 * pd_analysis_new; feeding a frame allocates nothing. */
#include "units.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CELLS (4u << 20) /* 2048 × 2048: beyond any mat, and keeps indices in int32 */

/* ---- events ----------------------------------------------------------------- */

uint32_t an_next_id(struct pd_analysis *a, enum pd_event_type type)
{
	return a->ids->next[type]++;
}

/* The event's bytes are zeroed first, padding included, so that the same
 * frames give the same events bit for bit. */
void an_emit(struct pd_analysis *a, enum pd_event_type type, enum pd_phase phase, const void *body,
	     size_t size)
{
	struct pd_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.phase = phase;
	ev.t = a->t;
	ev.frame = a->seq;
	ev.units = a->units;
	memcpy(&ev.u, body, size);
	a->emit(a->ctx, &ev);
}

/* ---- parameters --------------------------------------------------------------- */

/* Thresholds against the device's full scale in its own unit; contact_off
 * above contact_on (possible while two `set`s change them one at a time)
 * is taken as equal to it. */
void an_thresholds(struct pd_analysis *a)
{
	double fs_counts = a->info.full_scale ? a->info.full_scale : a->info.cell_bits == 8 ? 255.0 : 65535.0;
	a->full_scale = fs_counts * a->scale;
	a->noise = (float)pd_threshold_abs(a->p.noise, a->full_scale);
	a->on = (float)pd_threshold_abs(a->p.contact_on, a->full_scale);
	a->off = (float)pd_threshold_abs(a->p.contact_off, a->full_scale);
	if (a->off > a->on)
		a->off = a->on;
}

/* contact_off above contact_on would leave no hysteresis. Judged on the
 * device's own thresholds, so "3%" against an absolute 200 is decided too. */
static int check(const struct pd_analysis *a, const struct pd_analysis_params *p, char *err, size_t errlen)
{
	if (pd_analysis_params_check(p, err, errlen) != 0)
		return -1;
	double on = pd_threshold_abs(p->contact_on, a->full_scale);
	double off = pd_threshold_abs(p->contact_off, a->full_scale);
	if (off > on) {
		snprintf(err, errlen, "contact_off (%g %s) must not exceed contact_on (%g %s)", off, a->units, on,
			 a->units);
		return -1;
	}
	return 0;
}

int pd_analysis_set(struct pd_analysis *a, const char *key, const char *value, char *err, size_t errlen)
{
	struct pd_analysis_params np = a->p;
	if (pd_analysis_params_set(&np, key, value, err, errlen) != 0 || check(a, &np, err, errlen) != 0)
		return -1;
	a->p = np;
	an_thresholds(a);
	return 0;
}

int pd_analysis_set_params(struct pd_analysis *a, const struct pd_analysis_params *p, char *err,
			   size_t errlen)
{
	if (check(a, p, err, errlen) != 0)
		return -1;
	a->p = *p;
	an_thresholds(a);
	return 0;
}

const struct pd_analysis_params *pd_analysis_params(const struct pd_analysis *a)
{
	return &a->p;
}

/* ---- life cycle ------------------------------------------------------------------ */

static bool usable(const struct pd_device_info *info)
{
	if (info->rows < 1 || info->cols < 1 || (size_t)info->rows * info->cols > MAX_CELLS)
		return false;
	if (info->cell_bits != 8 && info->cell_bits != 16)
		return false;
	if (!(info->pitch_x_mm > 0) || !isfinite(info->pitch_x_mm))
		return false;
	if (info->kind == PD_KIND_ROLLER)
		return info->rows == 1;
	return info->kind == PD_KIND_MAT && info->pitch_y_mm > 0 && isfinite(info->pitch_y_mm);
}

struct pd_analysis *pd_analysis_new(const struct pd_device_info *info,
				    const struct pd_analysis_params *params, struct pd_analysis_ids *ids,
				    pd_event_fn emit, void *ctx)
{
	if (!info || !params || !ids || !emit || !usable(info))
		return NULL;
	struct pd_analysis *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->info = *info;
	a->p = *params;
	a->ids = ids;
	a->emit = emit;
	a->ctx = ctx;
	a->roller = info->kind == PD_KIND_ROLLER;
	a->rows = info->rows;
	a->cols = info->cols;
	a->ncells = (size_t)info->rows * info->cols;
	a->px = info->pitch_x_mm;
	a->py = a->roller ? info->pitch_x_mm : info->pitch_y_mm;
	bool calibrated = pd_info_calibrated(info);
	a->scale = calibrated ? info->units_per_count : 1.0;
	a->units = pd_info_units(info);
	a->kpa = calibrated && info->unit == PD_UNIT_KPA;
	double pitch = a->roller ? a->px : (a->px + a->py) / 2;
	a->step = fmax(AN_STEP_MIN_MM, AN_STEP_PITCHES * pitch);
	an_thresholds(a);

	size_t n = a->ncells;
	a->heat_cols = (size_t)a->cols;
	a->heat_rows = a->roller ? AN_ROLLER_BINS : (size_t)a->rows;
	a->heat_bin_mm = a->roller ? a->px : 0;
	size_t nheat = a->heat_rows * a->heat_cols;
	a->base = calloc(n, sizeof *a->base);
	a->tare_sum = calloc(n, sizeof *a->tare_sum);
	a->img = calloc(n, sizeof *a->img);
	a->row_hot = calloc((size_t)a->rows, 1);
	a->row_nz = calloc((size_t)a->rows, 1);
	a->heat = calloc(nheat, sizeof *a->heat);
	a->heat_block = calloc(n, sizeof *a->heat_block);
	a->heat_out = calloc(nheat, sizeof *a->heat_out);
	a->peak_scratch = malloc(pd_peaks_scratch_size(a->rows, a->cols));
	a->stamp = calloc(n, sizeof *a->stamp);
	a->owner = calloc(n, sizeof *a->owner);
	a->queue = calloc(n, sizeof *a->queue);
	if (!a->base || !a->tare_sum || !a->img || !a->row_hot || !a->row_nz || !a->heat || !a->heat_block || !a->heat_out ||
	    !a->peak_scratch || !a->stamp || !a->owner || !a->queue) {
		pd_analysis_free(a);
		return NULL;
	}
	if (a->p.tare_at_start)
		pd_analysis_tare(a);
	return a;
}

void pd_analysis_free(struct pd_analysis *a)
{
	if (!a)
		return;
	free(a->base);
	free(a->tare_sum);
	free(a->img);
	free(a->row_hot);
	free(a->row_nz);
	free(a->heat);
	free(a->heat_block);
	free(a->heat_out);
	free(a->peak_scratch);
	free(a->stamp);
	free(a->owner);
	free(a->queue);
	free(a);
}

/* ---- device time ------------------------------------------------------------------ */

/* The frame interval durations are measured with: the nominal rate, unless
 * the device has none (ascii) or plainly runs at another (a SET_RATE the
 * INFO does not reflect); then the median of the last few intervals, which
 * a lost frame or a late read does not move. */
static double frame_interval(const struct pd_analysis *a)
{
	double nominal = a->info.rate_hz > 0 && isfinite(a->info.rate_hz) ? 1.0 / a->info.rate_hz : 0;
	if (a->ndts == 0)
		return nominal;
	double s[AN_DT_HISTORY];
	unsigned n = a->ndts;
	memcpy(s, a->dts, n * sizeof *s);
	for (unsigned i = 1; i < n; i++) {
		double v = s[i];
		unsigned j = i;
		for (; j > 0 && s[j - 1] > v; j--)
			s[j] = s[j - 1];
		s[j] = v;
	}
	double median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (nominal > 0 && fabs(median - nominal) <= 0.25 * nominal)
		return nominal;
	return median;
}

static void restart(struct pd_analysis *a)
{
	if (a->roller) {
		an_roller_flush(a);
	} else {
		an_contacts_flush(a);
		an_pulses_flush(a);
	}
	an_sites_flush(a);
	a->have_frame = false;
	a->ndts = 0;
	a->dts_head = 0;
}

void pd_analysis_feed(struct pd_analysis *a, const struct pd_frame *f)
{
	if (f->rows != a->info.rows || f->cols != a->info.cols || f->cell_bits != a->info.cell_bits ||
	    !f->cells) {
		a->stats.frames_rejected++;
		return;
	}
	uint64_t us = f->device_time_us;
	if (a->have_frame && us < a->last_us) {
		/* a wrap or a restart of the device: what was open ends with
		 * the last frame before it, and nothing spans the jump */
		restart(a);
		a->stats.restarts++;
	}
	if (a->have_frame && us > a->last_us) {
		a->dts[a->dts_head] = (double)(us - a->last_us) / 1e6;
		a->dts_head = (a->dts_head + 1) % AN_DT_HISTORY;
		if (a->ndts < AN_DT_HISTORY)
			a->ndts++;
	}
	a->have_frame = true;
	a->last_us = us;
	a->t = (double)us / 1e6;
	a->seq = f->seq;
	a->dt = frame_interval(a);
	a->stats.frames++;

	an_tare_feed(a, f);
	an_image(a, f);
	if (a->roller) {
		an_roller_frame(a, f);
	} else {
		an_contacts_frame(a);
		an_pulses_frame(a);
	}
	an_sites_frame(a);
}

void pd_analysis_flush(struct pd_analysis *a)
{
	a->stats.marks_dropped += a->nmarks; /* no frame left to apply them at */
	a->nmarks = 0;
	if (a->have_frame)
		restart(a);
}

const struct pd_analysis_stats *pd_analysis_stats(const struct pd_analysis *a)
{
	return &a->stats;
}
