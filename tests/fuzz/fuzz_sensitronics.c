/* libFuzzer target: the sensitronics decoder (fuzz_common.h). */
#include "fuzz_common.h"
#include "sensitronics/sensitronics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The protocol has no geometry of its own: always given. */
static const struct pd_stream_params variants[] = {
	{ .rows = 2, .cols = 3, .unit = -1, .poll_char = -1 },
	{ .rows = 1, .cols = 1, .unit = -1, .poll_char = -1 },
	{ .rows = 4, .cols = 4, .full_scale = 100, .unit = 1, .poll_char = -1 },
	{ .rows = 16, .cols = 16, .unit = -1, .poll_char = -1 },
	{ .rows = 1, .cols = 300, .unit = -1, .poll_char = -1 },
};

static void check(void *state, const struct pd_decode_stats *st)
{
	(void)state;
	if (st->crc_errors || st->packets || st->logs || st->acks || st->unknown || st->resyncs > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one(&pd_protocol_sensitronics, variants, sizeof variants / sizeof variants[0], data, size,
			check);
}
