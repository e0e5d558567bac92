/* ascii, the device's side: an Arduino sketch printing rows of numbers,
 * optionally announcing itself in a comment and answering poll bytes. */
#include <stdio.h>

#include "ascii/ascii.h"
#include "device.h"
#include "log.h"

#define POLL_CREDITS_MAX 64 /* a sketch's serial buffer would not hold more */
#define HEADER_MAX 512

static size_t header(const struct device *d, uint8_t *out, size_t cap)
{
	struct pd_device_info info;
	device_info(d, &info);
	return ascii_encode_header((char *)out, cap, &info);
}

static int ascii_init(struct device *d, char *err, size_t errlen)
{
	(void)d, (void)err, (void)errlen;
	return 0;
}

static void ascii_fini(struct device *d)
{
	(void)d;
}

/* The header if asked for; then, in block form, an empty line: a reader
 * that opens the port mid-stream cannot tell a first block from the tail
 * of one, and an empty line first is the boundary that tells it (as a
 * sketch that prints a blank line when it boots). */
static void ascii_hello(struct device *d)
{
	uint8_t buf[HEADER_MAX];
	if (d->opt->header_every >= 0)
		device_send(d, buf, header(d, buf, sizeof buf));
	if (d->opt->ascii_form == ASCII_BLOCK)
		device_send(d, "\r\n", 2);
}

static size_t ascii_frame(struct device *d, const struct pd_frame *f, uint8_t *out, size_t cap)
{
	size_t o = 0;
	int every = d->opt->header_every;
	if (every > 0 && ++d->frames_since_header >= (uint64_t)every) {
		d->frames_since_header = 0;
		o = header(d, out, cap);
		if (!o)
			return 0;
	}
	size_t n = ascii_encode_frame((char *)out + o, cap - o, d->opt->ascii_form, f->cells, f->rows,
				      f->cols, f->cell_bits);
	return n ? o + n : 0;
}

static void ascii_input(struct device *d, const uint8_t *data, size_t len)
{
	if (d->opt->poll_char < 0)
		return; /* a free-running sketch ignores what it is sent */
	for (size_t i = 0; i < len; i++)
		if (data[i] == (uint8_t)d->opt->poll_char && d->poll_credits < POLL_CREDITS_MAX)
			d->poll_credits++;
	pd_dbg("poll: %u frame(s) asked for", d->poll_credits);
}

/* The reader picks the cell size from the full scale; so do we, or the
 * truth's crc would be over other bytes than pressd's. */
static int ascii_check(struct sim_opts *o, bool cell_bits_given)
{
	if (!o->sp.full_scale)
		return 0;
	uint8_t bits = o->sp.full_scale <= 255 ? 8 : 16;
	if (cell_bits_given && o->sp.cell_bits != bits) {
		fprintf(stderr, "pressd-sim: --cell-bits %u with --full-scale %u: ascii readers use %u-bit "
				"cells for that full scale\n", o->sp.cell_bits, o->sp.full_scale, bits);
		return -1;
	}
	o->sp.cell_bits = bits;
	return 0;
}

/* A line no parser could take for values or a comment. */
static size_t ascii_garbage(struct device *d, uint8_t *out, size_t n)
{
	static const char junk[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?$%&*()<>@^_~";
	size_t o = 0;
	while (o < n)
		out[o++] = (uint8_t)junk[faults_random(&d->faults) % (sizeof junk - 1)];
	out[o++] = '\r';
	out[o++] = '\n';
	if (d->opt->ascii_form == ASCII_BLOCK) /* close it as a block of its own */
		out[o++] = '\r', out[o++] = '\n';
	return o;
}

const struct outlet_ops outlet_ascii = {
	.name = "ascii",
	.order = 2,
	.check = ascii_check,
	.init = ascii_init,
	.fini = ascii_fini,
	.hello = ascii_hello,
	.frame = ascii_frame,
	.input = ascii_input,
	.garbage = ascii_garbage,
};
