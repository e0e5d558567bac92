/* Fault injection: what a flaky cable, a bad firmware and a careless
 * person do to a serial stream, deterministic from the seed. */
#ifndef PDSIM_FAULTS_H
#define PDSIM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "options.h"

struct faults {
	uint64_t rng;
	double garbage_p;
	uint32_t corrupt_every, skip_every;
	uint64_t generated; /* frames offered to faults_withhold */
	uint64_t packets;   /* frame packets offered to faults_corrupt */
	bool unplug;
	double next_unplug_s, unplug_every_s;
	/* the device's own numbers */
	uint32_t seq_start;
	uint64_t clock_start_us;
	bool jump_pending;
	double jump_at_s;
	int64_t jump_us, clock_offset_us;
	uint64_t clock_mask;
};

void faults_init(struct faults *f, const struct sim_opts *o);

/* Renumbers a frame just generated as the device's firmware would have
 * it: --seq-start, --clock-start, --clock-jump-*, --clock-wrap-bits. */
void faults_renumber(struct faults *f, struct pd_frame *fr);

/* This frame is generated but not sent (--skip-seq). */
bool faults_withhold(struct faults *f);

/* How many junk bytes to send before the next frame (--garbage): 0 this
 * time, or 1..32; the outlet shapes them (outlet_ops.garbage). */
size_t faults_garbage_len(struct faults *f);

/* The next number of the fault stream, for an outlet drawing its junk. */
uint64_t faults_random(struct faults *f);

/* --corrupt-crc: true for every Nth frame offered (outlet_ops.spoil). */
bool faults_corrupt_due(struct faults *f);

/* True once `played_s` of device time reaches the next unplug; schedules
 * the one after. */
bool faults_unplug_due(struct faults *f, double played_s);

#endif
