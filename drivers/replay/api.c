/* The `replay:FILE.h5` device: a recording fed back through the pipeline
 * as if the mat were live. The file's device description goes to the sink
 * first, then every frame with its recorded seq, device time and encoder,
 * so analysis (which looks only at device time and cells) finds the same
 * events it found live. Host receive time is "now": the recorded UTC stays
 * in the file.
 *
 * Pacing: speed=1 (the default) delivers frame i when (t_i - t_0) of
 * monotonic time has passed since open, a timerfd armed for each next
 * frame's due time (so recorded gaps and jitter are kept); speed=max keeps
 * an eventfd readable and hands over a batch per service() call.
 *
 * The end: service() fails with "end of recording", so the device shows
 * as disconnected, like a mat that was unplugged. The daemon then retries
 * opening; a finished replay refuses ("replay finished") so it stays that
 * way and is not played twice, unless the URI says loop=1, which starts
 * over from the first frame instead of ending (the device clock going
 * back makes it a new stream, as a restarted device would). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "recording.h"
#include "source.h"

#define MAX_BATCH 64 /* frames per service(): the reader also has to notice a stop request */

struct replay_src {
	struct pd_rec_reader *rd;
	uint64_t nframes;
	uint64_t next;     /* index of the next frame to deliver */
	int fd;            /* timerfd, or an always-signalled eventfd for speed=max */
	bool speed_max;
	int64_t start_ns;  /* monotonic time the first frame was delivered */
	uint64_t t0_us;    /* device time of the frame delivered at start_ns */
	uint64_t next_t_us; /* device time of frames[next], read ahead for pacing */
};

/* A replay that reached the end stays finished across the daemon's
 * re-open attempts. Its state is gone by then (close freed it), so priv
 * points at this marker instead: nothing to free, nothing to leak. */
static char finished_marker;

static int open_reader(const char *path, struct pd_rec_reader **rd, char *err, size_t errlen)
{
	char why[256];
	if (pd_rec_reader_open(rd, path, why, sizeof why) != 0) {
		snprintf(err, errlen, "replay:%s: %s", path, why);
		return -1;
	}
	const struct pd_rec_file_info *fi = pd_rec_reader_info(*rd);
	if (fi->frames == 0) {
		snprintf(err, errlen, "replay:%s: the recording has no frames", path);
		pd_rec_reader_close(*rd);
		*rd = NULL;
		return -1;
	}
	return 0;
}

static int replay_check(const struct pd_uri *uri, char *err, size_t errlen)
{
	struct pd_rec_reader *rd;
	if (open_reader(uri->path, &rd, err, errlen) != 0)
		return -1;
	pd_rec_reader_close(rd);
	return 0;
}

/* A replay keeps the recording's device id (daemon.md). */
static int replay_default_id(const struct pd_uri *uri, char *id, size_t idlen)
{
	struct pd_rec_reader *rd;
	char err[sizeof uri->path + 320]; /* unused: check reports why at start-up */
	if (open_reader(uri->path, &rd, err, sizeof err) != 0)
		return -1;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	int rc = fi->device_id[0] && strlen(fi->device_id) < idlen ? 0 : -1;
	if (rc == 0)
		snprintf(id, idlen, "%s", fi->device_id);
	pd_rec_reader_close(rd);
	return rc;
}

static void replay_close(struct pd_source *src)
{
	struct replay_src *s = src->priv;
	if (!s || src->priv == &finished_marker)
		return;
	bool finished = s->next >= s->nframes && !src->uri.loop;
	if (s->fd >= 0)
		close(s->fd);
	pd_rec_reader_close(s->rd);
	free(s);
	src->priv = finished ? &finished_marker : NULL;
}

/* Device time of frame i, for pacing. */
static int frame_time(struct replay_src *s, uint64_t i, uint64_t *t_us, char *err, size_t errlen)
{
	struct pd_frame f;
	if (pd_rec_reader_frame(s->rd, i, &f, NULL, NULL) != 0) {
		snprintf(err, errlen, "reading frame %llu: %s", (unsigned long long)i,
			 pd_rec_reader_error(s->rd));
		return -1;
	}
	*t_us = f.device_time_us;
	return 0;
}

/* Arms the timerfd for when frames[next] is due. */
static int arm(struct replay_src *s, char *err, size_t errlen)
{
	int64_t due = s->start_ns + (int64_t)(s->next_t_us - s->t0_us) * 1000;
	struct itimerspec its = { .it_value = { due / 1000000000, due % 1000000000 } };
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* zero would disarm it */
	if (timerfd_settime(s->fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
		snprintf(err, errlen, "timerfd_settime: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int replay_open(struct pd_source *src, char *err, size_t errlen)
{
	if (src->priv == &finished_marker) {
		snprintf(err, errlen, "replay finished");
		return -1;
	}
	struct replay_src *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->fd = -1;
	src->priv = s;
	src->protocol = "replay";
	if (open_reader(src->uri.path, &s->rd, err, errlen) != 0)
		goto fail;
	const struct pd_rec_file_info *fi = pd_rec_reader_info(s->rd);
	s->nframes = fi->frames;
	s->speed_max = src->uri.speed_max != 0;
	if (frame_time(s, 0, &s->t0_us, err, errlen) != 0)
		goto fail;
	s->next_t_us = s->t0_us;
	s->start_ns = pd_mono_ns();
	if (s->speed_max) {
		s->fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
	} else {
		s->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (s->fd >= 0 && arm(s, err, errlen) != 0)
			goto fail;
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", s->speed_max ? "eventfd" : "timerfd_create", strerror(errno));
		goto fail;
	}
	if (src->sink.info)
		src->sink.info(src->sink.ctx, &fi->device);
	return 0;
fail:
	replay_close(src);
	src->priv = NULL; /* a failed open is not a finished replay */
	return -1;
}

static int replay_fd(const struct pd_source *src)
{
	const struct replay_src *s = src->priv;
	return s->fd;
}

static int deliver_one(struct pd_source *src, struct replay_src *s, char *err, size_t errlen)
{
	struct pd_frame f;
	if (pd_rec_reader_frame(s->rd, s->next, &f, NULL, NULL) != 0) {
		snprintf(err, errlen, "reading frame %llu: %s", (unsigned long long)s->next,
			 pd_rec_reader_error(s->rd));
		return -1;
	}
	f.rx = (struct pd_rx_time){ pd_utc_ns(), pd_mono_ns() };
	src->stats.frames++;
	src->stats.bytes += pd_frame_cells_bytes(f.rows, f.cols, f.cell_bits);
	if (src->sink.frame)
		src->sink.frame(src->sink.ctx, &f);
	s->next++;
	return 0;
}

/* At the end: start over (loop=1) or end the device. */
static int at_end(struct pd_source *src, struct replay_src *s, char *err, size_t errlen)
{
	if (!src->uri.loop) {
		snprintf(err, errlen, "end of recording");
		return -1;
	}
	s->next = 0;
	if (frame_time(s, 0, &s->next_t_us, err, errlen) != 0)
		return -1;
	s->t0_us = s->next_t_us;
	s->start_ns = pd_mono_ns();
	return 0;
}

static int replay_service(struct pd_source *src, char *err, size_t errlen)
{
	struct replay_src *s = src->priv;
	if (s->speed_max) {
		size_t batch = src->room ? src->room(src->sink.ctx) : MAX_BATCH;
		if (batch == 0) {
			/* The pipeline is full: let it catch up rather than spin on
			 * the always-readable eventfd (or overrun a consumer). */
			nanosleep(&(struct timespec){ 0, 500000 }, NULL);
			return 0;
		}
		if (batch > MAX_BATCH)
			batch = MAX_BATCH;
		for (size_t i = 0; i < batch; i++) {
			if (s->next >= s->nframes)
				return at_end(src, s, err, errlen);
			if (deliver_one(src, s, err, errlen) != 0)
				return -1;
		}
		return 0;
	}
	uint64_t expirations;
	if (read(s->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(err, errlen, "timerfd: %s", strerror(errno));
		return -1;
	}
	/* Every frame that is due by now, however late: a replay keeps every
	 * frame (a live device would lose them; the file has them). */
	int64_t now = pd_mono_ns();
	for (int i = 0; i < MAX_BATCH; i++) {
		if (s->next >= s->nframes) {
			if (at_end(src, s, err, errlen) != 0)
				return -1;
			break;
		}
		if (s->next_t_us < s->t0_us) { /* the recording's clock went back (a new stream): pace from here */
			s->t0_us = s->next_t_us;
			s->start_ns = now;
		}
		int64_t due = s->start_ns + (int64_t)(s->next_t_us - s->t0_us) * 1000;
		if (due > now)
			break;
		if (deliver_one(src, s, err, errlen) != 0)
			return -1;
		if (s->next < s->nframes && frame_time(s, s->next, &s->next_t_us, err, errlen) != 0)
			return -1;
	}
	return arm(s, err, errlen);
}

const struct pd_source_ops pd_source_replay = {
	.name = "replay",
	.check = replay_check,
	.open = replay_open,
	.fd = replay_fd,
	.service = replay_service,
	.close = replay_close,
	.default_id = replay_default_id,
};
