/* pressd-sim's command line. */
#ifndef PDSIM_OPTIONS_H
#define PDSIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ascii/ascii.h"
#include "pmf/pmf.h"
#include "sim_outlet.h"
#include "sim/scenario.h"

struct sim_opts {
	const struct outlet_ops *outlet; /* --protocol */
	struct pd_scenario_params sp; /* scenario, geometry, rate, cells, seed, loop */

	enum pmf_encoding encoding;   /* pmf */
	bool wait_start;              /* pmf: stream only after START */
	enum ascii_form ascii_form;   /* ascii */
	int header_every;             /* ascii: -1 no header, 0 once, N also every N frames */
	int poll_char;                /* ascii: a frame per byte received; -1 none */

	bool speed_max;
	double duration_s;            /* 0: the scenario's own end */
	uint64_t max_frames;          /* 0: the scenario's own end */

	const char *link;
	const char *truth_path;
	int verbose;

	/* faults */
	double garbage_p;
	uint32_t corrupt_crc_every;
	uint32_t skip_seq_every;
	bool unplug;
	double unplug_at_s, unplug_for_s, unplug_every_s;
	bool unplug_restart;
	/* the device's own numbers (robustness tests) */
	double info_rate_hz;          /* pmf: rate INFO announces; 0: the real one */
	uint32_t seq_start;           /* added to every sequence number (wraps) */
	uint64_t clock_start_us;      /* added to every device time */
	bool clock_jump;
	double clock_jump_at_s;       /* from the first frame at this scenario time on ... */
	int64_t clock_jump_us;        /* ... device time is this much later (or earlier) */
	unsigned clock_wrap_bits;     /* device time modulo 2^bits; 64: none */
};

enum { OPTS_RUN = 0, OPTS_EXIT_OK = 1, OPTS_EXIT_USAGE = 2 };

/* Fills o from argv; prints help, version or the reason an option is bad. */
int sim_options_parse(int argc, char **argv, struct sim_opts *o);

#endif
