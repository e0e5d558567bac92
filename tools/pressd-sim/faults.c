#include "faults.h"

#include <string.h>

#include "pmf/pmf.h"
#include "sensitronics/sensitronics.h"

#define GARBAGE_MAX 32

static uint64_t next(struct faults *f)
{
	/* xorshift64*: the scenario's noise uses the same seed, so mix it
	 * into another stream. */
	uint64_t x = f->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	f->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void faults_init(struct faults *f, const struct sim_opts *o)
{
	*f = (struct faults){
		.protocol = o->protocol,
		.ascii_form = o->ascii_form,
		.rng = ((uint64_t)o->sp.seed << 32 | 0x5eed) ^ 0x9E3779B97F4A7C15ull,
		.garbage_p = o->garbage_p,
		.corrupt_every = o->corrupt_crc_every,
		.skip_every = o->skip_seq_every,
		.unplug = o->unplug,
		.next_unplug_s = o->unplug_at_s,
		.unplug_every_s = o->unplug_every_s,
		.seq_start = o->seq_start,
		.clock_start_us = o->clock_start_us,
		.jump_pending = o->clock_jump,
		.jump_at_s = o->clock_jump_at_s,
		.jump_us = o->clock_jump_us,
		.clock_mask = o->clock_wrap_bits >= 64 ? UINT64_MAX : (UINT64_C(1) << o->clock_wrap_bits) - 1,
	};
}

void faults_renumber(struct faults *f, struct pd_frame *fr)
{
	/* The jump is tied to the scenario's own time, so it happens at the
	 * same frame whatever the pacing; once, even if the scenario loops. */
	if (f->jump_pending && (double)fr->device_time_us / 1e6 + 1e-9 >= f->jump_at_s) {
		f->clock_offset_us = f->jump_us;
		f->jump_pending = false;
	}
	fr->seq += f->seq_start; /* modulo 2^32, as the wire's u32 */
	/* Unsigned arithmetic: a jump back below 0 wraps, which --help rules out. */
	uint64_t t = fr->device_time_us + f->clock_start_us + (uint64_t)f->clock_offset_us;
	fr->device_time_us = t & f->clock_mask;
}

bool faults_withhold(struct faults *f)
{
	f->generated++;
	return f->skip_every && f->generated % f->skip_every == 0;
}

static size_t pick(struct faults *f, size_t n)
{
	return (size_t)(next(f) % n);
}

size_t faults_garbage(struct faults *f, uint8_t *out, size_t cap)
{
	if (f->garbage_p <= 0 || cap < GARBAGE_MAX + 4)
		return 0;
	double u = (double)(next(f) >> 11) / 9007199254740992.0;
	if (u >= f->garbage_p)
		return 0;
	size_t n = 1 + pick(f, GARBAGE_MAX), o = 0;
	switch (f->protocol) {
	case SIM_PMF:
		/* Anything but a sync byte: junk that looks like a header with a
		 * huge length would only hold the next packets back, which is the
		 * lexer's unit tests' business, not a stream test's. */
		while (o < n) {
			uint8_t b = (uint8_t)next(f);
			if (b != PMF_SYNC0)
				out[o++] = b;
		}
		break;
	case SIM_ASCII: {
		/* A line no parser could take for values or a comment. */
		static const char junk[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?$%&*()<>@^_~";
		while (o < n)
			out[o++] = (uint8_t)junk[pick(f, sizeof junk - 1)];
		out[o++] = '\r';
		out[o++] = '\n';
		if (f->ascii_form == ASCII_BLOCK) /* close it as a block of its own */
			out[o++] = '\r', out[o++] = '\n';
		break;
	}
	case SIM_SENSITRONICS:
		/* A frame of 1..32 non-zero cells: far too short to be a mat (at
		 * least 8 x 8), so it is dropped without touching the next. */
		while (o < n)
			out[o++] = (uint8_t)(1 + pick(f, SENS_MAX_VALUE));
		out[o++] = SENS_END;
		break;
	}
	return o;
}

bool faults_corrupt(struct faults *f, uint8_t *packet, size_t len)
{
	if (!f->corrupt_every || len < PMF_HEADER_LEN + PMF_CRC_LEN)
		return false;
	if (++f->packets % f->corrupt_every != 0)
		return false;
	packet[len - 1] ^= 0x5A;
	return true;
}

bool faults_unplug_due(struct faults *f, double played_s)
{
	if (!f->unplug || played_s + 1e-9 < f->next_unplug_s)
		return false;
	if (f->unplug_every_s > 0)
		f->next_unplug_s += f->unplug_every_s;
	else
		f->unplug = false;
	return true;
}
