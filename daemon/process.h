/* The process: detaching, and the signals of the main loop. */
#ifndef PD_PROCESS_H
#define PD_PROCESS_H

/* Forks twice, detaches from the terminal, umask 027, cwd /, stdio to
 * /dev/null. 0 in the daemon (the parents exit), -1 on failure. */
int pd_daemonize(void);

/* Blocks SIGINT, SIGTERM and SIGHUP in every thread to come and returns a
 * signalfd for them (non-blocking); SIGPIPE ignored. -1 on failure. */
int pd_signals_fd(void);

#endif
