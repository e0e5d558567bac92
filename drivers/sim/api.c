/* The built-in `sim:` device: scenario frames handed straight to the
 * pipeline, paced by a timerfd at the frame rate (or, with speed=max, as
 * fast as the reader thread services an always-readable eventfd). It
 * loops forever, like a mat someone keeps using. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "sim/scenario.h"
#include "source.h"

/* Late frames are made up for at most this much device time; a longer stall
 * (a suspended process, a debugger) becomes a sequence gap, as it would on
 * a real device whose host fell behind. */
#define CATCH_UP_S 1.0
#define MAX_BATCH 64 /* frames per service() with speed=max */

struct sim_src {
	struct pd_scenario *sc;
	int fd;         /* timerfd, or an eventfd kept signalled for speed=max */
	bool speed_max;
	double rate;
	int64_t t0_ns;  /* monotonic time frame 0 was due */
	uint64_t due_done; /* frames accounted for since open, made or skipped */
};

/* The scenario a sim: URI asks for; refused with the reason when it cannot be played. */
static int scenario_from_uri(const struct pd_uri *u, struct pd_scenario **sc, char *err, size_t errlen)
{
	uint8_t kind;
	if (!strcmp(u->path, "mat")) {
		kind = PD_KIND_MAT;
	} else if (!strcmp(u->path, "roller")) {
		kind = PD_KIND_ROLLER;
	} else {
		snprintf(err, errlen, "sim:%s: the simulator is sim:mat or sim:roller", u->path);
		return -1;
	}
	const struct pd_scenario_params p = {
		.name = u->scenario[0] ? u->scenario : NULL,
		.kind = kind,
		.rows = u->params.rows,
		.cols = u->params.cols,
		.pitch_mm = u->params.pitch_mm,
		.rate_hz = u->rate_hz,
		.cell_bits = u->cell_bits,
		.full_scale = u->params.full_scale,
		.loop = true,
	};
	char why[256];
	if (pd_scenario_new(sc, &p, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", u->text, why);
		return -1;
	}
	return 0;
}

static int sim_check(const struct pd_uri *uri, char *err, size_t errlen)
{
	struct pd_scenario *sc;
	if (scenario_from_uri(uri, &sc, err, errlen) != 0)
		return -1;
	pd_scenario_free(sc);
	return 0;
}

static int sim_open(struct pd_source *src, char *err, size_t errlen)
{
	const struct pd_uri *u = &src->uri;
	struct sim_src *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->fd = -1;
	src->priv = s;
	src->protocol = "sim";
	if (scenario_from_uri(u, &s->sc, err, errlen) != 0)
		goto fail;
	struct pd_device_info info;
	pd_scenario_info(s->sc, &info);
	/* A simulated mat may pretend to be calibrated, as the URI says. */
	if (u->params.unit >= 0 && u->params.unit <= PD_UNIT_NEWTON)
		info.unit = (uint8_t)u->params.unit;
	if (u->params.units_per_count > 0)
		info.units_per_count = u->params.units_per_count;
	s->rate = info.rate_hz;
	s->speed_max = u->speed_max != 0;

	if (s->speed_max) {
		s->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	} else {
		s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (s->fd >= 0) {
			long period_ns = lround(1e9 / s->rate);
			struct itimerspec its = {
				.it_interval = { period_ns / 1000000000, period_ns % 1000000000 },
				.it_value = { 0, 1 }, /* frame 0 is due now */
			};
			if (timerfd_settime(s->fd, 0, &its, NULL) != 0) {
				snprintf(err, errlen, "timerfd_settime: %s", strerror(errno));
				goto fail;
			}
		}
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", s->speed_max ? "eventfd" : "timerfd_create", strerror(errno));
		goto fail;
	}
	s->t0_ns = pd_mono_ns();
	if (src->sink.info)
		src->sink.info(src->sink.ctx, &info);
	return 0;
fail:
	src->ops->close(src);
	return -1;
}

static int sim_fd(const struct pd_source *src)
{
	const struct sim_src *s = src->priv;
	return s->fd;
}

static void deliver(struct pd_source *src, struct sim_src *s, uint64_t n)
{
	struct pd_frame f;
	for (uint64_t i = 0; i < n && pd_scenario_next(s->sc, &f); i++) {
		f.rx = (struct pd_rx_time){ pd_utc_ns(), pd_mono_ns() };
		src->stats.frames++;
		src->stats.bytes += pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits);
		if (src->sink.frame)
			src->sink.frame(src->sink.ctx, &f);
	}
}

static int sim_service(struct pd_source *src, char *err, size_t errlen)
{
	struct sim_src *s = src->priv;
	if (s->speed_max) {
		deliver(src, s, MAX_BATCH);
		return 0;
	}
	uint64_t expirations;
	if (read(s->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		return -1;
	}
	/* Pace by elapsed time, not by counting ticks: expirations can merge
	 * and the timer's period is rounded to whole nanoseconds. */
	int64_t elapsed = pd_mono_ns() - s->t0_ns;
	uint64_t due = (uint64_t)floor((double)elapsed * s->rate / 1e9) + 1;
	if (due <= s->due_done)
		return 0;
	uint64_t backlog = due - s->due_done;
	uint64_t cap = (uint64_t)ceil(s->rate * CATCH_UP_S);
	if (backlog > cap) {
		pd_scenario_skip(s->sc, backlog - cap);
		backlog = cap;
	}
	s->due_done = due;
	deliver(src, s, backlog);
	return 0;
}

static void sim_close(struct pd_source *src)
{
	struct sim_src *s = src->priv;
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	pd_scenario_free(s->sc);
	free(s);
	src->priv = NULL;
}

const struct pd_source_ops pd_source_sim = {
	.check = sim_check,
	.name = "sim",
	.open = sim_open,
	.fd = sim_fd,
	.service = sim_service,
	.close = sim_close,
};
