#include "frame_trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <zlib.h>

#include "consumer_runner.h"
#include "log.h"

struct pd_frame_trace {
	struct pd_runner *runner;
	struct pd_device *devs;
};

static void trace_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	struct pd_frame_trace *t = ctx;
	const struct pd_frame *f = cf->frame;
	size_t bytes = pd_frame_cells_bytes(f->rows, f->cols, f->cell_bits);
	uLong crc = crc32(0L, f->cells, (uInt)bytes);
	if (f->has_encoder)
		pd_info("%s: frame seq=%" PRIu32 " t_us=%" PRIu64 " crc=%08lx encoder=%" PRId32, t->devs[dev].id, f->seq,
			f->device_time_us, crc, f->encoder);
	else
		pd_info("%s: frame seq=%" PRIu32 " t_us=%" PRIu64 " crc=%08lx", t->devs[dev].id, f->seq,
			f->device_time_us, crc);
}

static void trace_lost(void *ctx, int dev, uint64_t n)
{
	struct pd_frame_trace *t = ctx;
	pd_warn("%s: trace fell behind, %" PRIu64 " frames not traced", t->devs[dev].id, n);
}

/* Lossless: a trace that skips frames could not be compared with what was
 * sent. */
static const struct pd_consumer_ops trace_ops = {
	.name = "frame trace",
	.kind = PD_CONSUMER_LOSSLESS,
	.frame = trace_frame,
	.lost = trace_lost,
};

struct pd_frame_trace *pd_frame_trace_start(struct pd_device *devs, int ndevs)
{
	struct pd_frame_trace *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->devs = devs;
	char err[256];
	if (pd_runner_start(&t->runner, &trace_ops, t, devs, ndevs, err, sizeof err) != 0) {
		pd_err("%s", err);
		free(t);
		return NULL;
	}
	return t;
}

void pd_frame_trace_stop(struct pd_frame_trace *t)
{
	if (!t)
		return;
	pd_runner_stop(t->runner);
	free(t);
}
