/* sensitronics decoder: byte-RLE cells into a frame buffer, one frame per
 * 0xFF (rules and counters in sens_decoder.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sens_decoder.h"
#include "sensitronics.h"

static void end_frame(struct sens_dec *d, const struct pd_rx_time *rx, const struct pd_decode_sink *sink)
{
	int good = !d->bad && !d->zero_pending && d->pos == d->ncells;

	if (!good) {
		if (d->synced) {
			d->stats->decode_errors++;
		} else {
			d->stats->resyncs++;
			d->stats->garbage_bytes += d->frame_bytes;
		}
	} else {
		if (!d->info_sent) {
			d->info_sent = 1;
			if (sink->info)
				sink->info(sink->ctx, &d->info);
		}
		struct pd_frame f = {
			.seq = d->seq++,
			.device_time_us = (uint64_t)(rx->mono_ns > 0 ? rx->mono_ns : 0) / 1000u,
			.rx = *rx,
			.rows = d->info.rows,
			.cols = d->info.cols,
			.cell_bits = 8,
			.cells = d->cells,
		};
		d->stats->frames++;
		if (sink->frame)
			sink->frame(sink->ctx, &f);
	}
	d->synced = 1;
	d->pos = 0;
	d->zero_pending = 0;
	d->bad = 0;
	d->frame_bytes = 0;
}

static void on_byte(struct sens_dec *d, uint8_t c, const struct pd_rx_time *rx,
		    const struct pd_decode_sink *sink)
{
	d->frame_bytes++;
	if (c == SENS_END) {
		end_frame(d, rx, sink);
		return;
	}
	if (d->bad)
		return; /* wait for the end of the frame */
	if (d->zero_pending) {
		d->zero_pending = 0;
		if (c == 0 || c > d->ncells - d->pos) {
			d->bad = 1;
			return;
		}
		memset(d->cells + d->pos, 0, c);
		d->pos += c;
	} else if (c == 0) {
		d->zero_pending = 1;
	} else if (d->pos == d->ncells) {
		d->bad = 1;
	} else {
		d->cells[d->pos++] = c;
	}
}

int sens_dec_init(void *state, const struct pd_stream_params *params,
		  struct pd_decode_stats *stats, char *err, size_t errlen)
{
	struct sens_dec *d = state;
	memset(d, 0, sizeof *d);
	d->stats = stats;

	const char *why = NULL;
	if (!stats)
		why = "no stats given";
	else if (!params || !params->rows || !params->cols)
		why = "the device does not announce its geometry: give rows= and cols=";
	else if ((size_t)params->rows * params->cols > SENS_MAX_CELLS)
		why = "rows x cols too large";
	if (why) {
		if (err && errlen)
			snprintf(err, errlen, "sensitronics: %s", why);
		return -1;
	}

	d->ncells = (size_t)params->rows * params->cols;
	d->cells = malloc(d->ncells);
	if (!d->cells) {
		if (err && errlen)
			snprintf(err, errlen, "sensitronics: out of memory");
		return -1;
	}
	d->info.protocol_version = 0; /* not a pmf device */
	d->info.kind = PD_KIND_MAT;
	d->info.cell_bits = 8;
	d->info.unit = params->unit > PD_UNIT_COUNTS && params->unit <= PD_UNIT_NEWTON
		       ? (uint8_t)params->unit : PD_UNIT_COUNTS;
	d->info.units_per_count = d->info.unit == PD_UNIT_COUNTS ? 0.0f : params->units_per_count;
	d->info.rows = params->rows;
	d->info.cols = params->cols;
	d->info.pitch_x_mm = d->info.pitch_y_mm = params->pitch_mm;
	d->info.full_scale = params->full_scale ? params->full_scale : SENS_DEFAULT_FULL_SCALE;
	return 0;
}

void sens_dec_fini(void *state)
{
	struct sens_dec *d = state;
	free(d->cells);
	d->cells = NULL;
	d->ncells = 0;
}

void sens_dec_feed(void *state, const uint8_t *data, size_t len,
		   const struct pd_rx_time *rx, const struct pd_decode_sink *sink)
{
	static const struct pd_decode_sink no_sink;
	static const struct pd_rx_time no_time;
	struct sens_dec *d = state;

	if (!sink)
		sink = &no_sink;
	if (!rx)
		rx = &no_time;
	d->stats->bytes += len;
	for (size_t i = 0; i < len; i++)
		on_byte(d, data[i], rx, sink);
}
