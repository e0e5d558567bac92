/* libFuzzer target: the ascii decoder (fuzz_common.h). */
#include "fuzz_common.h"
#include "ascii/ascii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pd_stream_params variants[] = {
	{ .unit = -1, .poll_char = -1 },                     /* geometry from blocks */
	{ .rows = 2, .cols = 3, .unit = -1, .poll_char = -1 },
	{ .rows = 1, .cols = 4, .unit = -1, .poll_char = -1 },
	{ .rows = 4, .cols = 4, .full_scale = 255, .unit = 1, .units_per_count = 0.5f, .poll_char = 'p' },
	{ .unit = -1, .poll_char = 0 },                      /* poll mode, no geometry */
	{ .rows = 3, .unit = -1, .poll_char = -1 },          /* half a geometry */
	{ .cols = 3, .full_scale = 65535, .unit = -1, .poll_char = -1 },
	{ .rows = 16, .cols = 16, .pitch_mm = 10, .unit = -1, .poll_char = -1 },
};

static void check(void *state, const struct pd_decode_stats *st)
{
	(void)state;
	if (st->crc_errors || st->packets || st->logs || st->acks || st->unknown)
		abort();
	/* Only the first unit after open can be a resync. */
	if (st->resyncs > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one(&pd_protocol_ascii, variants, sizeof variants / sizeof variants[0], data, size, check);
}
