/* A frame into the recording: the sequence jump before it into /gaps,
 * the file rotated before it when due (or when the device changed its
 * geometry: a file holds one), the held events of it after it. A frame
 * that cannot go into any file is counted as lost, never dropped
 * silently. */
#include <inttypes.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "recorder_events.h"
#include "recorder_internal.h"

#define FLUSH_EVERY_NS 500000000LL /* at least once a second, with room to spare */

/* A frame of a stream whose INFO is gone (rec_open_file's REC_STREAM_UNKNOWN). */
static void lose_frame(struct dev_rec *d, const struct pd_frame *f)
{
	rec_lost(d, f->seq - 1, 1);
	snprintf(d->lost_why, sizeof d->lost_why,
		 "%" PRIu64 " frames not recorded: the device changed geometry more than %d times while the recorder "
		 "was behind, and what those frames were is no longer known", d->archive_lost, PD_DEVICE_STREAM_INFOS);
	if (d->lost_run == 1)
		pd_warn("%s: recorder: %s", d->dev->id, d->lost_why);
	rec_update_device(d);
}

/* 0 when d has a file for f; else f is lost (its stream is unknown) or
 * the recording over (no file can be made: f never reached one). */
static int have_file(struct dev_rec *d, const struct pd_frame *f, uint32_t stream)
{
	if (d->rec)
		return 0;
	char err[256];
	int opened = rec_open_file(d, &stream, err, sizeof err);
	if (opened == REC_STREAM_UNKNOWN) {
		lose_frame(d, f);
	} else if (opened != 0) {
		rec_lost(d, f->seq - 1, 1);
		rec_give_up(d, err);
	}
	return opened == 0 ? 0 : -1;
}

/* A write failed: the recording is over; f is in no file. */
static int failed(struct dev_rec *d, const struct pd_frame *f)
{
	rec_fail(d);
	rec_lost(d, f->seq - 1, 1);
	rec_update_device(d);
	return -1;
}

/* f into d's file, the frames lost before it into its /gaps. 0, or -1
 * when f is in no file (counted). */
static int append(struct dev_rec *d, const struct pd_frame *f, uint32_t stream)
{
	if (have_file(d, f, stream))
		return -1;
	if (d->have_last) {
		uint32_t jump = f->seq - d->last_seq - 1;
		if (jump != 0 && jump < 0x80000000u && pd_rec_append_gap(d->rec, d->last_seq, jump) == PD_REC_FAILED)
			return failed(d, f);
	}
	int rc = pd_rec_append_frame(d->rec, f);
	if (rc == PD_REC_REJECTED) { /* the device changed its geometry: a file holds one */
		rec_finish_file(d, "rotate");
		if (have_file(d, f, stream))
			return -1;
		rc = pd_rec_append_frame(d->rec, f);
		if (rc == PD_REC_REJECTED) { /* its own stream's INFO says otherwise: never silently */
			lose_frame(d, f);
			return -1;
		}
	}
	if (rc != 0)
		return failed(d, f);
	if (rec_write_lost(d) == PD_REC_FAILED) {
		rec_fail(d); /* f was appended: the close counts it */
		return -1;
	}
	return 0;
}

static void record_frame(struct dev_rec *d, const struct pd_frame *f, uint32_t stream)
{
	double t = (double)f->device_time_us / 1e6;
	if (!d->have_stream || stream != d->stream) {
		d->have_last = false; /* a new stream numbers its frames afresh */
		/* and times them afresh: what is held of the stream before cannot
		 * be placed any more (held events of the new one, the analysis
		 * being ahead, go too: a rare loss, at a reconnection). */
		if (d->have_stream)
			rec_events_forget(d);
	}
	if (!d->armed) /* what is held is only for frames still to come */
		rec_events_frame_passed(d, t);
	d->stream = stream;
	d->have_stream = true;
	if (d->armed) {
		if (rec_rotation_due(d, t))
			rec_finish_file(d, "rotate"); /* this frame is the next file's first: none lost or twice */
		if (append(d, f, stream) == 0) {
			if (!d->file_started) {
				d->file_t0 = t;
				d->file_seq0 = f->seq;
				d->file_started = true;
			}
			d->last_t = t;
			rec_events_frame_written(d, t);
			d->archived++;
		}
	}
	d->have_last = true;
	d->last_seq = f->seq;
}

void rec_archive_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	struct pd_recorder *r = ctx;
	record_frame(&r->dev[dev], cf->frame, cf->stream);
}

/* The recorder held the reader back longer than daemon.archive_stall_s (a
 * disk that stopped) and was let go: the frames are in the file's /gaps
 * as missing, and said here. */
void rec_archive_missed(void *ctx, int dev, uint64_t n)
{
	struct dev_rec *d = &((struct pd_recorder *)ctx)->dev[dev];
	pd_warn("%s: recorder fell behind; %" PRIu64 " frames not recorded", d->dev->id, n);
	if (d->armed)
		d->archive_lost += n;
	rec_update_device(d);
}

void rec_flush_due(struct pd_recorder *r, int64_t now)
{
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (d->rec && now - d->last_flush_ns >= FLUSH_EVERY_NS) {
			if (pd_rec_flush(d->rec) != 0)
				rec_fail(d);
			d->last_flush_ns = now;
		}
		rec_update_device(d);
	}
}
