#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "device_ring.h"
#include "log.h"
#include "reader_room.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000
/* Connections that die sooner than this without a frame, BRIEF_RUN of them
 * in a row (a TCP bridge that accepts and resets at once), count as failed
 * opens: the back-off grows. One that brought frames resets it: a mat
 * unplugged and replugged fast (one such connection now and then, caught
 * just before an unplug) keeps its 100 ms. */
#define BRIEF_CONNECTION_NS 2000000000LL
#define BRIEF_RUN 3
#define IDLE_MS 1000 /* no frame for this long: the source may ask again */

const char *pd_device_state_name(enum pd_device_state s)
{
	switch (s) {
	case PD_DEV_CONNECTING: return "connecting";
	case PD_DEV_STREAMING: return "streaming";
	case PD_DEV_DISCONNECTED: return "disconnected";
	case PD_DEV_ERROR: return "error";
	}
	return "?";
}

static void set_state(struct pd_device *d, enum pd_device_state st, const char *error)
{
	pthread_mutex_lock(&d->lock);
	const char *e = error ? error : "";
	if (st != d->status.state || strcmp(e, d->status.error) != 0) {
		/* Kept for the status publisher, which looks only every so often
		 * but must publish every change, even a brief one. */
		if (d->ntransitions == PD_DEVICE_TRANSITIONS) {
			memmove(d->transitions, d->transitions + 1, sizeof d->transitions[0] * (PD_DEVICE_TRANSITIONS - 1));
			d->ntransitions--;
		}
		d->transitions[d->ntransitions].state = st;
		snprintf(d->transitions[d->ntransitions].error, sizeof d->transitions[0].error, "%s", e);
		d->ntransitions++;
	}
	d->status.state = st;
	snprintf(d->status.error, sizeof d->status.error, "%s", e);
	pthread_mutex_unlock(&d->lock);
}

static void publish_stats(struct pd_device *d)
{
	const struct pd_decode_stats *s = &d->src.stats;
	pthread_mutex_lock(&d->lock);
	struct pd_device_stats *o = &d->status.stats;
	o->frames = s->frames;
	o->bytes = s->bytes;
	o->crc_errors = s->crc_errors;
	o->decode_errors = s->decode_errors;
	o->resyncs = s->resyncs;
	o->garbage_bytes = s->garbage_bytes;
	d->status.protocol = d->src.protocol;
	pthread_mutex_unlock(&d->lock);
}

static void count(struct pd_device *d, uint64_t *field_in_status, uint64_t n)
{
	pthread_mutex_lock(&d->lock);
	*field_in_status += n;
	pthread_mutex_unlock(&d->lock);
}

static int same_geometry(const struct pd_device_info *a, const struct pd_device_info *b)
{
	return a->rows == b->rows && a->cols == b->cols && a->cell_bits == b->cell_bits && a->kind == b->kind;
}

/* Reader thread: the present INFO is the one for the present stream. */
static void remember_stream_info(struct pd_device *d)
{
	pthread_mutex_lock(&d->lock);
	unsigned k = d->stream % PD_DEVICE_STREAM_INFOS;
	d->stream_info[k].stream = d->stream;
	d->stream_info[k].valid = true;
	d->stream_info[k].info = d->info;
	pthread_mutex_unlock(&d->lock);
}

static void new_stream(struct pd_device *d, const char *why)
{
	d->stream++;
	if (d->have_info) /* a restart with the same description: it carries on */
		remember_stream_info(d);
	d->have_last = false;
	count(d, &d->status.stats.streams, 1);
	pd_info("%s: new stream (%s)", d->id, why);
}

static void log_info(const struct pd_device *d, const struct pd_device_info *i)
{
	pd_info("%s: %s %s %u×%u, %u-bit cells, %s, %.4g Hz, pitch %.4g×%.4g mm, full scale %u, "
		"model '%s', serial '%s', firmware '%s'",
		d->id, d->src.protocol ? d->src.protocol : "?", pd_kind_name(i->kind), i->rows, i->cols,
		i->cell_bits, pd_unit_name(i->unit), i->rate_hz, i->pitch_x_mm, i->pitch_y_mm,
		i->full_scale, i->model, i->serial, i->firmware);
}

/* Pressures and contact sizes need the cells' pitch. A device that says
 * 0 or NaN is not analysed: status error saying so, until the URI gives
 * the pitch (?pitch_mm= overrides what INFO says, wrong or missing). */
static void check_pitch(struct pd_device *d, struct pd_device_info *info)
{
	/* A roller has one row: its pitch across the rows means nothing. */
	bool mat = info->kind != PD_KIND_ROLLER;
	float pitch = d->src.uri.params.pitch_mm;
	if (pitch > 0) {
		info->pitch_x_mm = pitch;
		if (mat)
			info->pitch_y_mm = pitch;
	}
	bool bad = !(info->pitch_x_mm > 0 && isfinite(info->pitch_x_mm)) ||
		   (mat && !(info->pitch_y_mm > 0 && isfinite(info->pitch_y_mm)));
	if (bad) {
		char why[256];
		snprintf(why, sizeof why, "its INFO gives a cell pitch of %g × %g mm, so nothing can be analysed: "
			 "give the pitch with the URI option pitch_mm (e.g. ?pitch_mm=10)",
			 (double)info->pitch_x_mm, (double)info->pitch_y_mm);
		if (!d->bad_pitch)
			pd_err("%s: %s", d->id, why);
		set_state(d, PD_DEV_ERROR, why); /* again after a reconnection */
	}
	d->bad_pitch = bad;
}

static void on_info(void *ctx, const struct pd_device_info *given)
{
	struct pd_device *d = ctx;
	struct pd_device_info fixed = *given, *info = &fixed;
	check_pitch(d, info);
	if (d->have_info && !same_geometry(&d->info, info))
		new_stream(d, "geometry changed");
	if (!d->have_info || memcmp(&d->info, info, sizeof *info) != 0)
		log_info(d, info);
	d->info = *info;
	d->have_info = true;
	remember_stream_info(d);
	pd_device_ring_fit(d, info);
	pthread_mutex_lock(&d->lock);
	d->status.info = *info;
	d->status.have_info = true;
	d->status.protocol = d->src.protocol; /* known by the time a device describes itself */
	pthread_mutex_unlock(&d->lock);
}

/* Sequence bookkeeping common to every protocol: a forward jump is loss,
 * a jump back (or the clock going back) is the device starting afresh. */
static void track_sequence(struct pd_device *d, const struct pd_frame *f)
{
	if (d->have_last) {
		uint32_t expected = d->last_seq + 1;
		uint32_t jump = f->seq - expected;
		if (f->device_time_us < d->last_time_us)
			new_stream(d, "device clock went back");
		else if (jump != 0 && jump >= 0x80000000u)
			new_stream(d, "sequence number went back");
		else if (jump != 0) {
			pthread_mutex_lock(&d->lock);
			d->status.stats.seq_gaps++;
			d->status.stats.frames_lost += jump;
			pthread_mutex_unlock(&d->lock);
			pd_dbg("%s: %" PRIu32 " frames missing after seq %" PRIu32, d->id, jump, d->last_seq);
		}
	}
	d->have_last = true;
	d->last_seq = f->seq;
	d->last_time_us = f->device_time_us;
}

static void on_frame(void *ctx, const struct pd_frame *f)
{
	struct pd_device *d = ctx;
	track_sequence(d, f);
	struct pd_frame_ring *r = atomic_load_explicit(&d->ring, memory_order_relaxed);
	if (!r)
		return;
	/* Lossless consumers see every frame: wait for them rather than lap
	 * them (told to stop meanwhile, the frame goes in anyway), unless a
	 * larger ring takes the burst. */
	pd_device_ring_arrival(d, pd_mono_ns());
	r = pd_device_ring_for_burst(d, r);
	pd_reader_wait_for_room(d, pd_frame_ring_slots(r));
	if (pd_frame_ring_write(r, f, d->stream) != 0)
		return;
	d->written++;
	uint64_t one = 1;
	for (int i = 0; i < d->nconsumers; i++)
		if (write(d->consumers[i].efd, &one, sizeof one) < 0) { /* full counter: they will catch up */
		}
	pthread_mutex_lock(&d->lock);
	d->status.have_frame = true;
	d->status.last_seq = f->seq;
	d->status.last_time_us = f->device_time_us;
	bool was_streaming = d->status.state == PD_DEV_STREAMING;
	pthread_mutex_unlock(&d->lock);
	if (!was_streaming && !d->bad_pitch) /* frames flow, but the error stands */
		set_state(d, PD_DEV_STREAMING, NULL);
}

static void on_log(void *ctx, int level, const char *text)
{
	struct pd_device *d = ctx;
	pd_log(level < LOG_ERR ? LOG_ERR : level, "%s: device says: %s", d->id, text);
}

static void on_ack(void *ctx, uint8_t cmd, uint8_t status)
{
	struct pd_device *d = ctx;
	if (status != 0)
		pd_warn("%s: device refused command 0x%02x (status %u)", d->id, cmd, status);
}

/* A source that can wait between frames (a replay at speed=max) asks how
 * many the ring takes before a lossless consumer would lose one. */
static size_t room(void *ctx)
{
	struct pd_device *d = ctx;
	struct pd_frame_ring *r = atomic_load_explicit(&d->ring, memory_order_relaxed);
	if (!r)
		return SIZE_MAX; /* before the first info: nothing is kept anyway */
	return pd_reader_room(d, pd_frame_ring_slots(r));
}

/* Waits ms, or less if asked to stop. Returns 1 when asked to stop. */
/* Waits out a back-off: 1 when told to stop, 0 when it is time to retry
 * (the time is up, or a hotplug kick came). */
static int wait_or_stop(struct pd_device *d, int ms)
{
	struct pollfd p[2] = { { .fd = d->stop_fd, .events = POLLIN }, { .fd = d->kick_fd, .events = POLLIN } };
	if (poll(p, 2, ms) <= 0)
		return 0;
	if (p[0].revents)
		return 1;
	uint64_t n;
	if (read(d->kick_fd, &n, sizeof n) < 0 && errno != EAGAIN)
		pd_warn("%s: kick: %s", d->id, strerror(errno));
	return 0;
}

/* Reads until the device goes away or we are told to stop (returns 1). */
static int read_until_gone(struct pd_device *d, char *err, size_t errlen)
{
	struct pollfd p[2] = {
		{ .fd = d->src.ops->fd(&d->src), .events = POLLIN },
		{ .fd = d->stop_fd, .events = POLLIN },
	};
	/* The source gets its idle call once a second while no frame comes,
	 * bytes or not: a pmf device that streams but never sends INFO (it
	 * missed our GET_INFO) would otherwise be asked once and never again,
	 * every frame of it a decode error for good. */
	uint64_t frames_seen = d->src.stats.frames;
	int64_t quiet_since = pd_mono_ns(), last_idle = quiet_since;
	for (;;) {
		int n = poll(p, 2, IDLE_MS);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return 0;
		}
		if (p[1].revents)
			return 1;
		int64_t now = pd_mono_ns();
		if (d->src.stats.frames != frames_seen) {
			frames_seen = d->src.stats.frames;
			quiet_since = now;
		}
		const int64_t idle_ns = IDLE_MS * 1000000LL;
		if (d->src.ops->idle && now - quiet_since >= idle_ns && now - last_idle >= idle_ns) {
			last_idle = now;
			if (d->src.ops->idle(&d->src, err, errlen) != 0)
				return 0;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			int rc = d->src.ops->service(&d->src, err, errlen);
			publish_stats(d);
			if (rc != 0)
				return 0;
			if ((p[0].revents & (POLLHUP | POLLERR)) && !(p[0].revents & POLLIN)) {
				snprintf(err, errlen, "hang-up (device unplugged?)");
				return 0;
			}
		}
	}
}

static void *reader_main(void *arg)
{
	struct pd_device *d = arg;
	char err[256];
	int backoff = BACKOFF_FIRST_MS;
	bool logged_failure = false;
	int brief_run = 0; /* connections in a row that died at once */

	for (;;) {
		set_state(d, PD_DEV_CONNECTING, NULL);
		if (d->src.ops->open(&d->src, err, sizeof err) != 0) {
			/* Say it once at warning level, then quietly keep trying. */
			pd_log(logged_failure ? LOG_DEBUG : LOG_WARNING, "%s: cannot open %s: %s; retrying",
			       d->id, d->src.uri.text, err);
			logged_failure = true;
			set_state(d, PD_DEV_DISCONNECTED, err);
			if (wait_or_stop(d, backoff))
				break;
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
			continue;
		}
		pd_info("%s: opened %s", d->id, d->src.uri.text);
		int64_t opened_at = pd_mono_ns();
		uint64_t frames_before = d->src.stats.frames;
		uint64_t stale;
		if (read(d->kick_fd, &stale, sizeof stale) < 0 && errno != EAGAIN) /* a kick is for a closed device */
			pd_dbg("%s: kick: %s", d->id, strerror(errno));
		int stop = read_until_gone(d, err, sizeof err);
		d->src.ops->close(&d->src);
		publish_stats(d);
		if (stop)
			break;
		bool brief = pd_mono_ns() - opened_at < BRIEF_CONNECTION_NS && d->src.stats.frames == frames_before;
		brief_run = brief ? brief_run + 1 : 0;
		if (!brief) {
			backoff = BACKOFF_FIRST_MS;
			logged_failure = false;
		}
		/* Said once at warning level while they keep dying at once. */
		pd_log(brief && logged_failure ? LOG_DEBUG : LOG_WARNING, "%s: disconnected: %s%s", d->id, err,
		       brief ? " (soon after opening: retrying with a growing back-off)" : "");
		logged_failure = brief;
		count(d, &d->status.stats.disconnects, 1);
		set_state(d, PD_DEV_DISCONNECTED, err);
		if (wait_or_stop(d, backoff))
			break;
		if (brief_run >= BRIEF_RUN)
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
	}
	set_state(d, PD_DEV_DISCONNECTED, NULL);
	return NULL;
}

int pd_device_init(struct pd_device *d, const struct pd_uri *uri, double ring_s, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	snprintf(d->id, sizeof d->id, "%s", uri->id);
	d->src.uri = *uri;
	d->ring_s = ring_s;
	d->stop_fd = d->kick_fd = d->room_fd = -1;
	if (pd_source_bind(&d->src, err, errlen) != 0)
		return -1;
	d->src.sink = (struct pd_decode_sink){ d, on_info, on_frame, on_log, on_ack };
	d->src.room = room;
	d->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->room_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->stop_fd < 0 || d->kick_fd < 0 || d->room_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		if (d->stop_fd >= 0)
			close(d->stop_fd);
		if (d->kick_fd >= 0)
			close(d->kick_fd);
		if (d->room_fd >= 0)
			close(d->room_fd);
		d->stop_fd = d->kick_fd = d->room_fd = -1;
		return -1;
	}
	pthread_mutex_init(&d->lock, NULL);
	/* The first state is a change too: it is published before any other. */
	d->status.state = PD_DEV_CONNECTING;
	d->transitions[0].state = PD_DEV_CONNECTING;
	d->ntransitions = 1;
	return 0;
}

int pd_device_add_consumer(struct pd_device *d, const struct pd_device_consumer *c)
{
	if (d->started || d->nconsumers == PD_DEVICE_MAX_CONSUMERS)
		return -1;
	d->consumers[d->nconsumers] = *c;
	d->consumers[d->nconsumers++].let_go = false;
	return 0;
}

int pd_device_start(struct pd_device *d)
{
	if (pthread_create(&d->thread, NULL, reader_main, d) != 0)
		return -1;
	d->started = true;
	return 0;
}

struct pd_frame_ring *pd_device_ring_after(struct pd_device *d, const struct pd_frame_ring *r)
{
	/* The ring first: the reader counts a retired ring before it
	 * publishes the next, so every ring before this one is listed. */
	struct pd_frame_ring *cur = atomic_load(&d->ring);
	int n = atomic_load(&d->nretired);
	if (!r)
		return n > 0 ? d->retired[0] : cur;
	for (int i = 0; i < n; i++)
		if (d->retired[i] == r)
			return i + 1 < n ? d->retired[i + 1] : cur;
	return cur;
}

void pd_device_kick(struct pd_device *d)
{
	uint64_t one = 1;
	if (d->kick_fd >= 0 && write(d->kick_fd, &one, sizeof one) < 0)
		pd_warn("%s: cannot kick the reader: %s", d->id, strerror(errno));
}

void pd_device_stop(struct pd_device *d)
{
	if (!d->started)
		return;
	uint64_t one = 1;
	if (write(d->stop_fd, &one, sizeof one) < 0)
		pd_err("%s: cannot signal reader: %s", d->id, strerror(errno));
	pthread_join(d->thread, NULL);
	d->started = false;
}

void pd_device_free(struct pd_device *d)
{
	pd_device_stop(d);
	pd_frame_ring_free(atomic_load(&d->ring));
	for (int i = 0; i < d->nretired; i++)
		pd_frame_ring_free(d->retired[i]);
	if (d->stop_fd >= 0) {
		close(d->stop_fd);
		close(d->kick_fd);
		close(d->room_fd);
		pthread_mutex_destroy(&d->lock);
	}
}

void pd_device_snapshot(struct pd_device *d, struct pd_device_status *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->status;
	pthread_mutex_unlock(&d->lock);
}

bool pd_device_stream_info(struct pd_device *d, uint32_t stream, struct pd_device_info *out)
{
	pthread_mutex_lock(&d->lock);
	unsigned k = stream % PD_DEVICE_STREAM_INFOS;
	bool have = d->stream_info[k].valid && d->stream_info[k].stream == stream;
	if (have)
		*out = d->stream_info[k].info;
	pthread_mutex_unlock(&d->lock);
	return have;
}

void pd_device_count_publish_drops(struct pd_device *d, uint64_t n)
{
	pthread_mutex_lock(&d->lock);
	d->status.stats.publish_dropped += n;
	pthread_mutex_unlock(&d->lock);
}

void pd_device_count_analysis_lost(struct pd_device *d, uint64_t n)
{
	pthread_mutex_lock(&d->lock);
	d->status.stats.analysis_lost += n;
	pthread_mutex_unlock(&d->lock);
}

int pd_device_take_transitions(struct pd_device *d, struct pd_device_transition *out, int max)
{
	pthread_mutex_lock(&d->lock);
	int n = d->ntransitions < max ? d->ntransitions : max;
	memcpy(out, d->transitions, sizeof out[0] * (size_t)n);
	memmove(d->transitions, d->transitions + n, sizeof out[0] * (size_t)(d->ntransitions - n));
	d->ntransitions -= n;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void pd_device_set_archive(struct pd_device *d, const char *path, uint64_t bytes, uint64_t frames, uint64_t lag,
			   uint64_t lost, const char *error)
{
	pthread_mutex_lock(&d->lock);
	snprintf(d->status.recording, sizeof d->status.recording, "%s", path ? path : "");
	snprintf(d->status.archive_error, sizeof d->status.archive_error, "%s", error ? error : "");
	d->status.stats.archive_frames = frames;
	d->status.stats.archive_lag = lag;
	d->status.stats.archive_lost = lost;
	d->status.stats.archive_bytes = path ? bytes : 0;
	pthread_mutex_unlock(&d->lock);
}
