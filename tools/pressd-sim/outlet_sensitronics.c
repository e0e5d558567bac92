/* sensitronics, the device's side: byte-RLE frames, unasked, and deaf. */
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

const struct outlet_ops outlet_sensitronics = {
	.name = "sensitronics",
	.init = sens_init,
	.fini = sens_fini,
	.hello = sens_hello,
	.frame = sens_frame,
	.input = sens_input,
};
