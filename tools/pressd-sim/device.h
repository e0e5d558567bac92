/* The emulated device: a scenario playing onto a pty through one protocol
 * outlet (sim_outlet.h), with faults, pacing, readers coming and going, and unplugging. */
#ifndef PDSIM_DEVICE_H
#define PDSIM_DEVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "faults.h"
#include "sim_outlet.h"
#include "options.h"
#include "pty.h"
#include "sim/scenario.h"
#include "truth_file.h"

struct device {
	const struct sim_opts *opt;
	const struct outlet_ops *outlet;
	void *outlet_state;
	struct pd_scenario *sc;
	struct sim_pty pty;
	struct faults faults;
	struct truth truth;
	volatile sig_atomic_t *stop;
	sigset_t run_mask; /* signals unblocked only while waiting */

	/* Output: unwritten bytes are q[qoff .. qlen); offsets count from the
	 * start of this reader's stream. */
	uint8_t *q;
	size_t qcap, qoff, qlen;
	uint64_t queued, written;
	uint8_t *scratch; /* one frame, encoded, with junk before it */
	size_t scratch_cap;

	/* The conversation */
	bool streaming;          /* frames flow (pmf: after START) */
	unsigned poll_credits;   /* ascii --poll: frames asked for */
	uint64_t frames_since_header;

	/* Pacing: frame n of this run is due at pace_t0 + n / rate */
	double rate;
	int64_t pace_t0_ns;
	uint64_t pace_n;

	uint64_t generated;      /* frames made, sent or not */
	double played_s;         /* device time played: generated / rate, across rate changes */
	bool ended;
};

/* Everything but the pty, from the options; signals in run_mask are let
 * in only while waiting. 0, or a sysexits code with the reason printed
 * (EX_USAGE: the scenario refused the options). */
int device_init(struct device *d, const struct sim_opts *o, volatile sig_atomic_t *stop,
		const sigset_t *run_mask);
/* Plugs in, then plays until the scenario or a limit ends (0), a signal
 * (0), or an error (a sysexits code, message printed). */
int device_run(struct device *d);
/* Unplugs (the link goes), closes the truth file; 0 or EX_IOERR. Safe
 * after a failed device_init. */
int device_fini(struct device *d);

/* For outlets. */
void device_send(struct device *d, const void *data, size_t len);
void device_set_streaming(struct device *d, bool on);
/* 0, or -1 if the rate is outside 1..2000 Hz. */
int device_set_rate(struct device *d, double hz);
void device_info(const struct device *d, struct pd_device_info *info);

#endif
