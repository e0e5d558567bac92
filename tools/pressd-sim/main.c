/* pressd-sim: a pressure mat or roller on a pseudo-terminal (see --help). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "device.h"
#include "log.h"
#include "options.h"

/* The one piece of global state: set by SIGINT/SIGTERM/SIGHUP. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The stop signals are blocked except while the device waits (ppoll with
 * the returned mask), so none is lost between a check and a wait. */
static int setup_signals(sigset_t *run_mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigset_t stops;
	sigemptyset(&stops);
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -1;
		sigaddset(&stops, sigs[i]);
	}
	/* Whoever reads our stdout may go away; the path lines are best effort. */
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &stops, run_mask) != 0)
		return -1;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigdelset(run_mask, sigs[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_opts opts;
	switch (sim_options_parse(argc, argv, &opts)) {
	case OPTS_EXIT_OK:
		return 0;
	case OPTS_EXIT_USAGE:
		return EX_USAGE;
	default:
		break;
	}
	pd_log_init("pressd-sim", 0, opts.verbose >= 2 ? LOG_DEBUG : opts.verbose ? LOG_INFO : LOG_NOTICE);

	sigset_t run_mask;
	if (setup_signals(&run_mask) != 0) {
		perror("pressd-sim: signals");
		return EX_OSERR;
	}
	struct device dev;
	int rc = device_init(&dev, &opts, &stop_requested, &run_mask);
	if (rc == 0)
		rc = device_run(&dev);
	int frc = device_fini(&dev);
	return rc ? rc : frc;
}
