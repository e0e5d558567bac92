/* The device's life: plugged in, waiting for a reader, talking and
 * streaming, unplugged, and at the end draining what it said. One thread,
 * one poll loop; signals get in only while it waits. */
#include "device.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "clock.h"
#include "log.h"

#define QUEUE_LOW (64u << 10)    /* make frames only while less than this is unwritten */
#define RESPONSE_ROOM (8u << 10) /* INFO and ACKs on top of that */
#define GARBAGE_ROOM 128u
#define HEADER_ROOM 512u
#define LOOK_FOR_READER_NS 20000000LL
#define MAX_WAIT_NS 200000000LL
#define BEHIND_MAX_NS 1000000000LL /* later than this, a stalled reader: start pacing afresh */
#define DRAIN_MAX_NS 10000000000LL
#define LINGER_NS 500000000LL
#define UNPLUG_DRAIN_NS 1000000000LL

enum step { STEP_OK, STEP_GONE, STEP_UNPLUG, STEP_END, STEP_ERROR };

/* ---- waiting --------------------------------------------------------------- */

/* poll() with the run mask: SIGINT/SIGTERM/SIGHUP are blocked everywhere
 * else, so a signal can never slip in between a check of the flag and the
 * wait. fd < 0: just sleep. Returns revents, 0 on timeout or signal. */
static short wait_for(struct device *d, int fd, short events, int64_t timeout_ns)
{
	if (timeout_ns < 0)
		timeout_ns = 0;
	struct pollfd p = { fd, events, 0 };
	struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
	int n = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, &ts, &d->run_mask);
	return n > 0 ? p.revents : 0;
}

/* ---- output ---------------------------------------------------------------- */

void device_send(struct device *d, const void *data, size_t len)
{
	if (!len)
		return;
	if (d->qoff == d->qlen)
		d->qoff = d->qlen = 0;
	if (d->qcap - d->qlen < len && d->qoff) {
		memmove(d->q, d->q + d->qoff, d->qlen - d->qoff);
		d->qlen -= d->qoff;
		d->qoff = 0;
	}
	if (d->qcap - d->qlen < len) {
		/* Only a host flooding us with requests gets here. */
		pd_warn("output queue full: %zu bytes not sent", len);
		return;
	}
	memcpy(d->q + d->qlen, data, len);
	d->qlen += len;
	d->queued += len;
}

static size_t unwritten(const struct device *d)
{
	return d->qlen - d->qoff;
}

/* STEP_OK, STEP_GONE (the reader closed), or STEP_ERROR. */
static enum step flush(struct device *d)
{
	while (d->qoff < d->qlen) {
		ssize_t n = write(d->pty.master, d->q + d->qoff, d->qlen - d->qoff);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == EIO)
				return STEP_GONE;
			pd_err("write %s: %s", d->pty.path, strerror(errno));
			return STEP_ERROR;
		}
		d->qoff += (size_t)n;
		d->written += (uint64_t)n;
	}
	truth_sent(&d->truth, d->written);
	return STEP_OK;
}

static void forget_output(struct device *d)
{
	truth_drop(&d->truth);
	d->qoff = d->qlen = 0;
	d->queued = d->written = 0;
}

/* ---- for the outlets -------------------------------------------------------- */

static void pace_from_now(struct device *d)
{
	d->pace_t0_ns = pd_mono_ns();
	d->pace_n = 0;
}

void device_set_streaming(struct device *d, bool on)
{
	if (on && !d->streaming)
		pace_from_now(d);
	d->streaming = on;
}

int device_set_rate(struct device *d, double hz)
{
	if (pd_scenario_set_rate(d->sc, (float)hz) != 0)
		return -1;
	d->rate = hz;
	pace_from_now(d);
	return 0;
}

void device_info(const struct device *d, struct pd_device_info *info)
{
	pd_scenario_info(d->sc, info);
}

/* ---- frames ------------------------------------------------------------------ */

static bool limit_reached(const struct device *d)
{
	const struct sim_opts *o = d->opt;
	return (o->max_frames && d->generated >= o->max_frames) ||
	       (o->duration_s > 0 && d->played_s >= o->duration_s - 1e-6);
}

static bool can_make(const struct device *d)
{
	return d->streaming && !d->ended && (d->opt->poll_char < 0 || d->poll_credits > 0) &&
	       unwritten(d) < QUEUE_LOW && !truth_full(&d->truth);
}

/* Makes the next frame and queues it, unless a fault withholds it. */
static enum step make_frame(struct device *d)
{
	struct pd_frame f;
	if (limit_reached(d) || !pd_scenario_next(d->sc, &f)) {
		d->ended = true;
		return STEP_OK;
	}
	faults_renumber(&d->faults, &f);
	d->generated++;
	d->played_s += 1.0 / d->rate;
	d->pace_n++;
	if (d->poll_credits)
		d->poll_credits--;
	if (limit_reached(d))
		d->ended = true;
	if (faults_withhold(&d->faults)) {
		pd_dbg("frame %u withheld", f.seq);
		return STEP_OK;
	}
	size_t g = faults_garbage_len(&d->faults);
	if (g)
		g = d->outlet->garbage(d, d->scratch, g);
	size_t n = d->outlet->frame(d, &f, d->scratch + g, d->scratch_cap - g);
	if (!n) {
		pd_err("frame %u: the %s encoder refused it", f.seq, d->outlet->name);
		return STEP_ERROR;
	}
	bool spoiled = d->outlet->spoil && d->outlet->spoil(d, d->scratch + g, n);
	if (g || spoiled)
		pd_dbg("frame %u:%s%s", f.seq, g ? " junk before it" : "", spoiled ? " CRC spoiled" : "");
	device_send(d, d->scratch, g + n);
	if (!spoiled) {
		size_t bytes = pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits);
		uint32_t crc = (uint32_t)crc32(0, f.cells, (uInt)bytes);
		truth_pending(&d->truth, f.seq, f.device_time_us, crc, d->queued);
	}
	return STEP_OK;
}

/* ---- plugging ------------------------------------------------------------------- */

static int plug(struct device *d)
{
	char err[256];
	if (sim_pty_open(&d->pty, err, sizeof err) != 0) {
		pd_err("%s", err);
		return EX_OSERR;
	}
	if (sim_pty_link(&d->pty, err, sizeof err) != 0) {
		pd_err("%s", err);
		return EX_CANTCREAT;
	}
	/* The path is the contract with whoever started us: a line, flushed,
	 * once the link points at it too. */
	printf("%s\n", d->pty.path);
	fflush(stdout);
	pd_info("plugged in at %s%s%s; waiting for a reader", d->pty.path, d->pty.link ? " <- " : "",
		d->pty.link ? d->pty.link : "");
	return 0;
}

/* ---- readers -------------------------------------------------------------------- */

static void reader_came(struct device *d)
{
	pd_info("reader on %s", d->pty.path);
	forget_output(d);
	d->streaming = true; /* unless hello says otherwise */
	d->poll_credits = 0;
	d->frames_since_header = 0;
	pace_from_now(d);
	d->outlet->hello(d);
}

static void reader_gone(struct device *d)
{
	pd_info("reader left %s (%zu bytes unsent)", d->pty.path, unwritten(d));
	forget_output(d);
	d->streaming = false;
	sim_pty_discard(&d->pty);
}

/* STEP_OK, or STEP_GONE once the reader has closed. */
static enum step take_input(struct device *d)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = read(d->pty.master, buf, sizeof buf);
		if (n > 0) {
			d->outlet->input(d, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return STEP_OK;
		return STEP_GONE; /* EIO: the slave side is closed */
	}
}

/* ---- the connected loop ------------------------------------------------------------ */

static int64_t next_due_ns(const struct device *d)
{
	return d->pace_t0_ns + (int64_t)((double)d->pace_n * 1e9 / d->rate);
}

static enum step step(struct device *d)
{
	int64_t now = pd_mono_ns();
	while (can_make(d)) {
		if (faults_unplug_due(&d->faults, d->played_s))
			return STEP_UNPLUG;
		if (!d->opt->speed_max) {
			int64_t due = next_due_ns(d);
			if (due > now)
				break;
			if (now - due > BEHIND_MAX_NS) {
				pd_dbg("more than 1 s behind: the reader stalled; pacing afresh");
				pace_from_now(d);
			}
		}
		if (make_frame(d) != STEP_OK)
			return STEP_ERROR;
	}
	enum step rc = flush(d);
	if (rc != STEP_OK)
		return rc;
	if (d->ended && !unwritten(d))
		return STEP_END;

	int64_t timeout = MAX_WAIT_NS;
	if (can_make(d))
		timeout = d->opt->speed_max ? 0 : next_due_ns(d) - pd_mono_ns();
	short rev = wait_for(d, d->pty.master, (short)(POLLIN | (unwritten(d) ? POLLOUT : 0)), timeout);
	if (rev & POLLIN && take_input(d) == STEP_GONE)
		return STEP_GONE;
	if (rev & (POLLHUP | POLLERR | POLLNVAL))
		return STEP_GONE;
	return STEP_OK;
}

/* Sends what is queued and waits until the reader has read it, at most
 * max_ns, so that every frame in the truth file was really delivered.
 * The host may still talk meanwhile. */
static void drain(struct device *d, int64_t max_ns)
{
	int64_t deadline = pd_mono_ns() + max_ns;
	while (unwritten(d) && !*d->stop && pd_mono_ns() < deadline) {
		if (flush(d) != STEP_OK)
			return;
		short rev = wait_for(d, d->pty.master, POLLIN | POLLOUT, LOOK_FOR_READER_NS);
		if (rev & POLLIN && take_input(d) == STEP_GONE)
			return;
		if (rev & (POLLHUP | POLLERR))
			return;
	}
	/* FIONREAD sees only what the line discipline has taken in: bytes just
	 * written may still be in the tty's flip buffer. Look after a pause. */
	do
		wait_for(d, -1, 0, LOOK_FOR_READER_NS);
	while (!*d->stop && pd_mono_ns() < deadline && sim_pty_reader(&d->pty) && sim_pty_unread(&d->pty) != 0);
}

/* The end: everything out and read, and the terminal kept a moment more
 * so the last bytes are not lost in the hang-up. */
static void finish(struct device *d)
{
	drain(d, DRAIN_MAX_NS);
	if (!*d->stop)
		wait_for(d, -1, 0, LINGER_NS);
	pd_info("done: %llu frames generated, %.3f s of device time",
		(unsigned long long)d->generated, d->played_s);
}

/* Pulls the cable. */
static int unplug(struct device *d)
{
	pd_log(LOG_NOTICE, "unplugging at %.3f s of device time", d->played_s);
	/* Between two frames: what was said before is heard, what is left
	 * after UNPLUG_DRAIN_NS is lost (and not in the truth file). */
	drain(d, UNPLUG_DRAIN_NS);
	forget_output(d);
	sim_pty_unlink(&d->pty);
	sim_pty_close(&d->pty);
	d->streaming = false;
	if (!d->opt->unplug_restart)
		return 0;
	/* A rebooted device: sequence numbers, device time and rate from scratch. */
	char err[256];
	pd_scenario_free(d->sc);
	d->sc = NULL;
	if (pd_scenario_new(&d->sc, &d->opt->sp, err, sizeof err) != 0) {
		pd_err("%s", err);
		return EX_SOFTWARE;
	}
	struct pd_device_info info;
	pd_scenario_info(d->sc, &info);
	d->rate = info.rate_hz;
	return 0;
}

int device_run(struct device *d)
{
	enum { WAITING, CONNECTED, UNPLUGGED } state = WAITING;
	int64_t replug_at = 0;
	int rc = plug(d);
	if (rc)
		return rc;
	while (!*d->stop) {
		switch (state) {
		case WAITING:
			if (sim_pty_reader(&d->pty)) {
				reader_came(d);
				state = CONNECTED;
			} else {
				wait_for(d, -1, 0, LOOK_FOR_READER_NS);
			}
			break;
		case CONNECTED:
			switch (step(d)) {
			case STEP_OK:
				break;
			case STEP_GONE:
				reader_gone(d);
				state = WAITING;
				break;
			case STEP_UNPLUG:
				if ((rc = unplug(d)) != 0)
					return rc;
				replug_at = pd_mono_ns() + (int64_t)(d->opt->unplug_for_s * 1e9);
				state = UNPLUGGED;
				break;
			case STEP_END:
				finish(d);
				return 0;
			case STEP_ERROR:
				return EX_IOERR;
			}
			break;
		case UNPLUGGED: {
			int64_t left = replug_at - pd_mono_ns();
			if (left > 0) {
				wait_for(d, -1, 0, left < MAX_WAIT_NS ? left : MAX_WAIT_NS);
				break;
			}
			if ((rc = plug(d)) != 0)
				return rc;
			state = WAITING;
			break;
		}
		}
	}
	pd_info("stopped by a signal after %llu frames", (unsigned long long)d->generated);
	return 0;
}

/* ---- setting up ------------------------------------------------------------------ */

/* Room for the largest frame any outlet makes of this geometry: ascii's
 * "65535," per cell and a line end per row bounds them all (pmf zero-run
 * is at most 3 bytes per 16-bit cell), plus junk before it and an ascii
 * header inside it. */
static size_t frame_room(const struct pd_scenario *sc)
{
	struct pd_device_info info;
	pd_scenario_info(sc, &info);
	size_t cells = (size_t)info.rows * info.cols;
	return cells * 6 + (size_t)info.rows * 2 + 64 + GARBAGE_ROOM + HEADER_ROOM;
}

int device_init(struct device *d, const struct sim_opts *o, volatile sig_atomic_t *stop,
		const sigset_t *run_mask)
{
	*d = (struct device){ .opt = o, .stop = stop, .run_mask = *run_mask };
	d->pty = (struct sim_pty){ .master = -1, .link = o->link };
	char err[512];
	if (pd_scenario_new(&d->sc, &o->sp, err, sizeof err) != 0) {
		fprintf(stderr, "pressd-sim: %s\n", err);
		return EX_USAGE;
	}
	struct pd_device_info info;
	pd_scenario_info(d->sc, &info);
	d->rate = info.rate_hz;
	d->outlet = o->outlet;
	d->scratch_cap = frame_room(d->sc);
	d->qcap = QUEUE_LOW + d->scratch_cap + RESPONSE_ROOM;
	d->scratch = malloc(d->scratch_cap);
	d->q = malloc(d->qcap);
	if (!d->scratch || !d->q || d->outlet->init(d, err, sizeof err) != 0) {
		fprintf(stderr, "pressd-sim: %s\n", d->q && d->scratch ? err : "out of memory");
		return EX_OSERR;
	}
	if (truth_open(&d->truth, o->truth_path, err, sizeof err) != 0) {
		fprintf(stderr, "pressd-sim: %s\n", err);
		return EX_CANTCREAT;
	}
	faults_init(&d->faults, o);
	return 0;
}

int device_fini(struct device *d)
{
	int rc = 0;
	sim_pty_unlink(&d->pty);
	sim_pty_close(&d->pty);
	if (truth_close(&d->truth) != 0) {
		fprintf(stderr, "pressd-sim: --truth %s: write error\n", d->opt->truth_path);
		rc = EX_IOERR;
	}
	if (d->outlet)
		d->outlet->fini(d);
	pd_scenario_free(d->sc);
	free(d->scratch);
	free(d->q);
	*d = (struct device){ .pty.master = -1 };
	return rc;
}
