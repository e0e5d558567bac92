/* sensitronics, the device's side: byte-RLE frames, unasked, and deaf. */
#include <stdio.h>

#include "device.h"
#include "sensitronics/sensitronics.h"

static int sens_init(struct device *d, char *err, size_t errlen)
{
	(void)d, (void)err, (void)errlen;
	return 0;
}

static void sens_fini(struct device *d)
{
	(void)d;
}

static void sens_hello(struct device *d)
{
	(void)d;
}

static size_t sens_frame(struct device *d, const struct pd_frame *f, uint8_t *out, size_t cap)
{
	(void)d;
	return sens_encode_frame(out, cap, f->cells, (size_t)f->rows * f->cols);
}

static void sens_input(struct device *d, const uint8_t *data, size_t len)
{
	(void)d, (void)data, (void)len;
}

static int sens_check(struct sim_opts *o, bool cell_bits_given)
{
	if (cell_bits_given && o->sp.cell_bits != 8) {
		fprintf(stderr, "pressd-sim: --cell-bits %u: sensitronics sends one byte per cell\n", o->sp.cell_bits);
		return -1;
	}
	o->sp.cell_bits = 8;
	if (o->sp.full_scale > 254) {
		fprintf(stderr, "pressd-sim: --full-scale %u: sensitronics cells are 1..254\n", o->sp.full_scale);
		return -1;
	}
	return 0;
}

/* A frame of 1..32 non-zero cells: far too short to be a mat (at least
 * 8 x 8), so it is dropped without touching the next. */
static size_t sens_garbage(struct device *d, uint8_t *out, size_t n)
{
	size_t o = 0;
	while (o < n)
		out[o++] = (uint8_t)(1 + faults_random(&d->faults) % SENS_MAX_VALUE);
	out[o++] = SENS_END;
	return o;
}

const struct outlet_ops outlet_sensitronics = {
	.name = "sensitronics",
	.order = 3,
	.check = sens_check,
	.init = sens_init,
	.fini = sens_fini,
	.hello = sens_hello,
	.frame = sens_frame,
	.input = sens_input,
	.garbage = sens_garbage,
};
