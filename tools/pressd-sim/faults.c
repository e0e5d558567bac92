#include "faults.h"

#include <string.h>

#define GARBAGE_MAX 32

uint64_t faults_random(struct faults *f)
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

size_t faults_garbage_len(struct faults *f)
{
	if (f->garbage_p <= 0)
		return 0;
	double u = (double)(faults_random(f) >> 11) / 9007199254740992.0;
	if (u >= f->garbage_p)
		return 0;
	return 1 + (size_t)(faults_random(f) % GARBAGE_MAX);
}

bool faults_corrupt_due(struct faults *f)
{
	return f->corrupt_every && ++f->packets % f->corrupt_every == 0;
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
