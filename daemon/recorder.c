#include "recorder.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "analysis_worker.h"
#include "clock.h"
#include "consumer_runner.h"
#include "message_json.h"
#include "log.h"
#include "outlet.h"
#include "recording.h"

#define FLUSH_EVERY_NS 500000000LL /* at least once a second, with room to spare */
#define REQUEST_WAIT_MS 10000
#define TICK_MS 200
#define EVENT_MAX (64u << 10)
#define HELD_MAX 1024 /* events kept for frames the recorder has yet to take */

struct dev_rec {
	struct pd_recorder *r;
	struct pd_device *dev;
	struct pd_rec *rec;
	bool armed;          /* record this device's frames as they come */
	char dir[PATH_MAX];
	json_t *meta;        /* record_start's meta, for every file of this recording */
	uint32_t stream;
	bool have_stream;
	bool have_last;
	uint32_t last_seq;
	double file_t0;      /* device time of the file's first frame (for rotation) */
	bool file_started;
	double last_t;       /* device time of the file's last frame */
	/* The analysis may be ahead of us: events of frames this file will
	 * start with can come before it has its first frame. */
	json_t *held[HELD_MAX];
	unsigned nheld;
	int64_t last_flush_ns;
	uint64_t archived;   /* frames recorded, every file together */
	uint64_t archive_lost; /* frames missed while recording (the recorder was let go) */
	uint64_t seq;        /* `recording` messages */
	char error[320];     /* why the last recording stopped, if it failed */
	/* Frames whose stream's INFO the device no longer kept (it changed
	 * geometry more than PD_DEVICE_STREAM_INFOS times while we lagged):
	 * no file can say what they are, so they are lost, counted in
	 * archive_lost, said in status, and put in the next file's /gaps. */
	char lost_why[200];
	uint32_t lost_after;  /* the seq before the first of them */
	uint32_t lost_run;    /* how many are not in any /gaps yet */
	/* What the analysis said is in force: a new file's /analysis and /tare. */
	struct pd_analysis_params params;
	float *baseline;     /* rows × cols counts, baseline_n of them; NULL: none */
	size_t baseline_n;
	double baseline_t;
};

enum request_kind { REQ_START, REQ_STOP };

/* record_start / record_stop, run on the recorder's thread. */
struct request {
	enum request_kind kind;
	int dev;
	bool has_dir;
	char dir[PATH_MAX];
	json_t *meta;
	json_t *result;
	char err[320];
};

struct pd_recorder {
	struct pd_runner *runner;
	void *sub; /* PULL: finished events, baselines and settings from the analysis, marks from control */
	struct pd_outlet out; /* `recording` messages to the event stream */
	struct pd_recorder_config cfg;
	struct pd_consumer_ops ops; /* recorder_ops with the configured stall budget */
	char default_dir[PATH_MAX];
	/* The analysis, to wait for before a file closes (under lock: it
	 * stops before we do). */
	pthread_mutex_t lock;
	struct pd_analysis_worker *analysis;
	bool in_frame; /* inside the runner's frame op: take no frames */
	int n;
	struct dev_rec dev[];
};

/* ---- telling the rest of the daemon ------------------------------------------ */

static void publish_recording(struct dev_rec *d, const char *phase, const char *path, uint64_t frames)
{
	json_t *j = pd_json_message("recording", d->dev->id, d->seq++, -1, 0, (double)pd_utc_ns() / 1e9);
	json_object_set_new(j, "phase", json_string(phase));
	json_object_set_new(j, "path", json_string(path));
	json_object_set_new(j, "frames", json_integer((json_int_t)frames));
	char json[4096], topic[64];
	size_t len = pd_json_dump(j, json, sizeof json);
	json_decref(j);
	snprintf(topic, sizeof topic, "recording/%s", d->dev->id);
	if (len == 0 || pd_outlet_send(&d->r->out, topic, json, len) != 0)
		pd_device_count_publish_drops(d->dev, 1);
}

static void update_device(struct dev_rec *d)
{
	uint64_t lag = d->r->runner ? pd_runner_backlog(d->r->runner, (int)(d - d->r->dev)) : 0;
	pd_device_set_archive(d->dev, d->rec ? pd_rec_path(d->rec) : NULL, pd_rec_bytes(d->rec), d->archived, lag,
			      d->archive_lost, d->error[0] ? d->error : d->lost_why);
}

/* ---- files -------------------------------------------------------------------- */

static int mkdirs(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(path, 0750) != 0 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
				return -1;
			}
			if (c == '\0')
				break;
			*p = c;
		}
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "%s is not a directory pressd can write", dir);
		return -1;
	}
	return 0;
}

#define STREAM_UNKNOWN (-2)

/* stream: the stream of the frame the file starts with, whose INFO it
 * describes (the device may have changed since, if we lag); NULL: the
 * device as it is now. STREAM_UNKNOWN when that stream's INFO is no
 * longer kept: the device as it is now may have another geometry, and a
 * file must never describe its frames wrongly. */
static int open_file(struct dev_rec *d, const uint32_t *stream, char *err, size_t errlen)
{
	struct pd_device_status st;
	pd_device_snapshot(d->dev, &st);
	if (stream && !pd_device_stream_info(d->dev, *stream, &st.info))
		return STREAM_UNKNOWN;
	if (!st.have_info) {
		snprintf(err, errlen, "%s has not described itself yet", d->dev->id);
		return -1;
	}
	struct pd_rec_meta meta[PD_RECORD_META_MAX];
	size_t nmeta = 0;
	const char *key;
	json_t *value;
	char numbers[PD_RECORD_META_MAX][32];
	json_object_foreach(d->meta, key, value) {
		if (nmeta == sizeof meta / sizeof meta[0])
			break;
		const char *text = json_string_value(value);
		if (!text && json_is_integer(value)) { /* exact, not through a double */
			snprintf(numbers[nmeta], sizeof numbers[0], "%" JSON_INTEGER_FORMAT, json_integer_value(value));
			text = numbers[nmeta];
		} else if (!text) {
			snprintf(numbers[nmeta], sizeof numbers[0], "%.17g", json_number_value(value));
			text = numbers[nmeta];
		}
		meta[nmeta++] = (struct pd_rec_meta){ key, text };
	}
	/* The parameters as the analysis has them now, as the config writes them. */
	struct pd_rec_meta analysis[32];
	char values[32][64];
	size_t nanalysis = 0;
	for (const char *k; nanalysis < 32 && (k = pd_analysis_param_name(nanalysis)); nanalysis++) {
		pd_analysis_params_get(&d->params, k, values[nanalysis], sizeof values[0]);
		analysis[nanalysis] = (struct pd_rec_meta){ k, values[nanalysis] };
	}
	bool have_tare = d->baseline && d->baseline_n == (size_t)st.info.rows * st.info.cols;
	const struct pd_rec_params p = {
		.dir = d->dir,
		.device_id = d->dev->id,
		.info = &st.info,
		.protocol = st.protocol ? st.protocol : "unknown",
		.uri = d->dev->src.uri.text,
		.start_utc_ns = pd_utc_ns(),
		.meta = meta,
		.nmeta = nmeta,
		.software_version = PRESSD_VERSION,
		.tare = have_tare ? d->baseline : NULL,
		.tare_t = d->baseline_t,
		.analysis = analysis,
		.nanalysis = nanalysis,
		.analysis_units = pd_info_units(&st.info),
	};
	if (pd_rec_create(&d->rec, &p, err, errlen) != 0) {
		d->rec = NULL;
		return -1;
	}
	d->file_started = false;
	d->last_flush_ns = pd_mono_ns();
	d->error[0] = '\0';
	pd_info("%s: recording to %s", d->dev->id, pd_rec_path(d->rec));
	publish_recording(d, "start", pd_rec_path(d->rec), 0);
	update_device(d);
	return 0;
}

/* Closes the file; phase is what the `recording` message says. */
static void close_file(struct dev_rec *d, const char *phase)
{
	if (!d->rec)
		return;
	char path[PATH_MAX], err[256];
	snprintf(path, sizeof path, "%s", pd_rec_path(d->rec));
	uint64_t frames = pd_rec_frames(d->rec);
	if (pd_rec_close(d->rec, err, sizeof err) != 0) {
		snprintf(d->error, sizeof d->error, "recording stopped: %s", err);
		pd_err("%s: %s (%s)", d->dev->id, d->error, path);
		phase = "stop";
		d->armed = false;
	}
	d->rec = NULL;
	pd_info("%s: %s %s, %" PRIu64 " frames", d->dev->id, !strcmp(phase, "rotate") ? "rotated" : "closed",
		path, frames);
	publish_recording(d, phase, path, frames);
	update_device(d);
}

static int take_event(struct pd_recorder *r);

/* The file has had its last frame (a rotation, record_stop): the
 * analysis, which may be behind us, first says what it found in its
 * frames, then it closes with every event of its frames in it. */
static void finish_file(struct dev_rec *d, const char *phase)
{
	struct pd_recorder *r = d->r;
	if (!d->rec)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->analysis)
		pd_analysis_worker_sync(r->analysis, (int)(d - r->dev));
	pthread_mutex_unlock(&r->lock);
	bool was = r->in_frame;
	r->in_frame = true; /* the events only: this file takes no more frames */
	while (take_event(r)) {
	}
	r->in_frame = was;
	close_file(d, phase);
}

/* A write failed (a full disk, an I/O error): this recording is over, the
 * rest of the daemon goes on. */
static void fail(struct dev_rec *d)
{
	if (d->rec && pd_rec_failed(d->rec))
		snprintf(d->error, sizeof d->error, "recording stopped: %s", pd_rec_error(d->rec));
	d->armed = false;
	close_file(d, "stop");
}

static bool rotation_due(const struct dev_rec *d, double t)
{
	const struct pd_recorder_config *c = &d->r->cfg;
	return d->rec && d->file_started &&
	       ((c->max_mb > 0 && (double)pd_rec_bytes(d->rec) >= c->max_mb * 1e6) ||
		(c->max_s > 0 && t - d->file_t0 >= c->max_s));
}

static void give_up(struct dev_rec *d, const char *why)
{
	snprintf(d->error, sizeof d->error, "recording stopped: %s", why);
	pd_err("%s: %s", d->dev->id, d->error);
	d->armed = false;
	close_file(d, "stop");
	update_device(d);
}

static void forget_held(struct dev_rec *d)
{
	for (unsigned i = 0; i < d->nheld; i++)
		json_decref(d->held[i]);
	d->nheld = 0;
}

/* A published event into the file, as the struct it was made from. */
static int append_json(struct pd_rec *rec, const json_t *j)
{
	struct pd_event ev;
	char err[160];
	if (pd_event_from_json(j, &ev, err, sizeof err) != 0) {
		pd_warn("recorder: %s", err);
		return PD_REC_REJECTED;
	}
	return pd_rec_append_event(rec, &ev);
}

/* An event that came before the frame it belongs to was in a file: kept
 * (the latest HELD_MAX) until that frame is. */
static void hold_event(struct dev_rec *d, json_t *ev)
{
	if (d->nheld == HELD_MAX) {
		pd_warn("%s: recorder: more than %d events ahead of the frames; the oldest is not recorded",
			d->dev->id, HELD_MAX);
		json_decref(d->held[0]);
		memmove(d->held, d->held + 1, (HELD_MAX - 1) * sizeof *d->held);
		d->nheld--;
	}
	d->held[d->nheld++] = json_incref(ev);
}

/* A frame is in the file: the held events of it and of the frames
 * before it go in (events come in frame order), those of frames before
 * the file's first nowhere. */
static void write_held(struct dev_rec *d, double upto)
{
	unsigned n = 0;
	for (; n < d->nheld; n++) {
		double t = json_number_value(json_object_get(d->held[n], "t"));
		if (t > upto)
			break;
		if (d->rec && t >= d->file_t0 && append_json(d->rec, d->held[n]) == PD_REC_FAILED)
			fail(d);
		json_decref(d->held[n]);
	}
	if (n) {
		memmove(d->held, d->held + n, (d->nheld - n) * sizeof *d->held);
		d->nheld -= n;
	}
}

/* A frame of a stream whose INFO is gone (open_file's STREAM_UNKNOWN). */
static void lose_frame(struct dev_rec *d, const struct pd_frame *f)
{
	if (d->lost_run == 0)
		d->lost_after = f->seq - 1;
	d->lost_run++;
	d->archive_lost++;
	snprintf(d->lost_why, sizeof d->lost_why,
		 "%" PRIu64 " frames not recorded: the device changed geometry more than %d times while the recorder "
		 "was behind, and what those frames were is no longer known", d->archive_lost, PD_DEVICE_STREAM_INFOS);
	if (d->lost_run == 1)
		pd_warn("%s: recorder: %s", d->dev->id, d->lost_why);
	update_device(d);
}

/* The frames lost before this file's next one, in its /gaps. */
static int write_lost(struct dev_rec *d)
{
	if (!d->lost_run)
		return 0;
	int rc = pd_rec_append_gap(d->rec, d->lost_after, d->lost_run);
	d->lost_run = 0;
	return rc;
}

static void record_frame(struct dev_rec *d, const struct pd_frame *f, uint32_t stream)
{
	if (!d->have_stream || stream != d->stream) {
		d->have_last = false; /* a new stream numbers its frames afresh */
		/* and times them afresh: what is held of the stream before cannot
		 * be placed any more (held events of the new one, the analysis
		 * being ahead, go too: a rare loss, at a reconnection). */
		if (d->have_stream)
			forget_held(d);
	}
	/* Not recording: what is held is only for frames still to come. */
	double ft = (double)f->device_time_us / 1e6;
	unsigned old = 0;
	while (!d->armed && old < d->nheld && json_number_value(json_object_get(d->held[old], "t")) < ft)
		json_decref(d->held[old++]);
	if (old) {
		memmove(d->held, d->held + old, (d->nheld - old) * sizeof *d->held);
		d->nheld -= old;
	}
	d->stream = stream;
	d->have_stream = true;
	if (d->armed) {
		char err[256];
		double t = (double)f->device_time_us / 1e6;
		if (rotation_due(d, t))
			finish_file(d, "rotate"); /* this frame is the next file's first: none lost or twice */
		int opened = d->rec ? 0 : open_file(d, &stream, err, sizeof err);
		if (opened == STREAM_UNKNOWN) {
			lose_frame(d, f);
			goto seen;
		}
		if (opened != 0) {
			give_up(d, err);
			goto seen;
		}
		if (d->have_last) {
			uint32_t jump = f->seq - d->last_seq - 1;
			if (jump != 0 && jump < 0x80000000u &&
			    pd_rec_append_gap(d->rec, d->last_seq, jump) == PD_REC_FAILED) {
				fail(d);
				goto seen;
			}
		}
		int rc = pd_rec_append_frame(d->rec, f);
		if (rc == PD_REC_REJECTED) { /* the device changed its geometry: a file holds one */
			finish_file(d, "rotate");
			opened = open_file(d, &stream, err, sizeof err);
			if (opened == STREAM_UNKNOWN) {
				lose_frame(d, f);
				goto seen;
			}
			if (opened != 0) {
				give_up(d, err);
				goto seen;
			}
			rc = pd_rec_append_frame(d->rec, f);
			if (rc == PD_REC_REJECTED) { /* its own stream's INFO says otherwise: never silently */
				lose_frame(d, f);
				goto seen;
			}
		}
		if (rc == 0 && write_lost(d) == PD_REC_FAILED)
			rc = PD_REC_FAILED;
		if (rc != 0) {
			fail(d);
			goto seen;
		}
		if (!d->file_started) {
			d->file_t0 = t;
			d->file_started = true;
		}
		d->last_t = t;
		if (d->nheld)
			write_held(d, t);
		d->archived++;
	}
seen:
	d->have_last = true;
	d->last_seq = f->seq;
}

static void archive_frame(void *ctx, int dev, const struct pd_consumer_frame *cf)
{
	struct pd_recorder *r = ctx;
	record_frame(&r->dev[dev], cf->frame, cf->stream);
}

/* The recorder held the reader back longer than daemon.archive_stall_s (a
 * disk that stopped) and was let go: the frames are in the file's /gaps
 * as missing, and said here. */
static void archive_missed(void *ctx, int dev, uint64_t n)
{
	struct dev_rec *d = &((struct pd_recorder *)ctx)->dev[dev];
	pd_warn("%s: recorder fell behind; %" PRIu64 " frames not recorded", d->dev->id, n);
	if (d->armed)
		d->archive_lost += n;
	update_device(d);
}

static void flush_due(struct pd_recorder *r, int64_t now, bool force)
{
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (d->rec && (force || now - d->last_flush_ns >= FLUSH_EVERY_NS)) {
			if (pd_rec_flush(d->rec) != 0)
				fail(d);
			d->last_flush_ns = now;
		}
		update_device(d);
	}
}

/* A baseline came into force (cells: rows × cols floats), or the analysis
 * started afresh without one (no cells). */
static void take_baseline(struct dev_rec *d, const json_t *ev, const zmq_msg_t *cells)
{
	size_t n = cells ? zmq_msg_size((zmq_msg_t *)cells) / sizeof(float) : 0;
	if (n != d->baseline_n) {
		free(d->baseline);
		d->baseline = n ? malloc(n * sizeof *d->baseline) : NULL;
		d->baseline_n = d->baseline ? n : 0;
	}
	if (!d->baseline)
		return;
	memcpy(d->baseline, zmq_msg_data((zmq_msg_t *)cells), n * sizeof *d->baseline);
	d->baseline_t = json_number_value(json_object_get(ev, "t"));
	if (d->rec && pd_rec_append_tare(d->rec, d->baseline_t, d->baseline) == PD_REC_FAILED)
		fail(d);
}

static void take_setting(struct dev_rec *d, const json_t *ev)
{
	char err[256];
	const char *key = json_string_value(json_object_get(ev, "key"));
	const char *value = json_string_value(json_object_get(ev, "value"));
	if (key && value && pd_analysis_params_set(&d->params, key, value, err, sizeof err) != 0)
		pd_warn("%s: recorder: setting %s=%s: %s", d->dev->id, key, value, err);
	if (d->rec && append_json(d->rec, ev) == PD_REC_FAILED)
		fail(d);
}

/* An event with a device time (t) whose frame the file being written
 * already holds: it can go in now. */
static bool frame_taken(const struct dev_rec *d, const json_t *jt)
{
	return jt && d->rec && d->file_started && json_number_value(jt) <= d->last_t;
}

/* A finished event (or a mark): into the file its frame is in. The
 * analysis and the recorder each go at their own pace. An event of a
 * frame the recorder has yet to take is held and goes in with that frame,
 * in whichever file it lands (taking the frames now may rotate the file);
 * one of frames before the file's first goes nowhere; a mark (no t) goes
 * to the file being written. */
static void take_finished(struct dev_rec *d, json_t *ev)
{
	struct pd_recorder *r = d->r;
	json_t *jt = json_object_get(ev, "t");
	bool taken = frame_taken(d, jt);
	if (jt && !taken)
		hold_event(d, ev);
	if (!taken && d->armed && !r->in_frame)
		pd_runner_drain(r->runner, (int)(d - r->dev)); /* a mark: so the file exists */
	if (jt && !taken)
		return;
	if (jt && json_number_value(jt) < d->file_t0)
		return;
	if (d->rec && append_json(d->rec, ev) == PD_REC_FAILED)
		fail(d);
}

/* One message of the PULL socket: [topic][json], and for a baseline its
 * cells. 0 when none was waiting. */
static int take_event(struct pd_recorder *r)
{
	char topic[128];
	int tl = zmq_recv(r->sub, topic, sizeof topic - 1, ZMQ_DONTWAIT);
	if (tl < 0)
		return 0;
	topic[tl < (int)sizeof topic - 1 ? tl : (int)sizeof topic - 1] = '\0';
	zmq_msg_t part[2];
	int nparts = 0;
	for (int more = 1; more && nparts < 2;) {
		size_t ml = sizeof more;
		zmq_getsockopt(r->sub, ZMQ_RCVMORE, &more, &ml);
		if (!more)
			break;
		zmq_msg_init(&part[nparts]);
		if (zmq_msg_recv(&part[nparts], r->sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[nparts]);
			break;
		}
		nparts++;
	}
	const char *device = strchr(topic, '/');
	size_t type_len = device ? (size_t)(device - topic) : 0;
	for (int i = 0; nparts && device && i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (strcmp(device + 1, d->dev->id) != 0)
			continue;
		json_t *ev = json_loadb(zmq_msg_data(&part[0]), zmq_msg_size(&part[0]), 0, NULL);
		if (!ev)
			break;
		bool tare = type_len == 4 && !strncmp(topic, "tare", 4);
		bool setting = type_len == 7 && !strncmp(topic, "setting", 7);
		if (!tare && !setting) {
			take_finished(d, ev);
		} else {
			/* The analysis may be ahead of us: the frames it came from
			 * are in the ring; take them first, so the file they go to
			 * exists (one that holds them already must not wait: taking
			 * more could close it). */
			if (d->armed && !r->in_frame && !frame_taken(d, json_object_get(ev, "t")))
				pd_runner_drain(r->runner, i);
			if (tare)
				take_baseline(d, ev, nparts > 1 ? &part[1] : NULL);
			else
				take_setting(d, ev);
		}
		json_decref(ev);
	}
	for (int k = 0; k < nparts; k++)
		zmq_msg_close(&part[k]);
	return 1;
}

/* ---- record_start / record_stop, served on the recorder thread --------------- */

static void add_result(json_t *list, struct dev_rec *d, const char *path, bool with_frames, uint64_t frames)
{
	json_t *o = json_object();
	json_object_set_new(o, "device", json_string(d->dev->id));
	if (path)
		json_object_set_new(o, "path", json_string(path));
	if (with_frames)
		json_object_set_new(o, "frames", json_integer((json_int_t)frames));
	json_array_append_new(list, o);
}

static void serve_start(struct pd_recorder *r, struct request *q)
{
	const char *dir = q->has_dir ? q->dir : r->default_dir;
	if (!dir[0]) {
		snprintf(q->err, sizeof q->err, "no directory: give \"dir\", or set daemon.record_dir or -r");
		return;
	}
	if (mkdirs(dir, q->err, sizeof q->err) != 0)
		return;
	char real[PATH_MAX];
	if (!realpath(dir, real))
		snprintf(real, sizeof real, "%s", dir);
	q->result = json_array();
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if (q->dev >= 0 && q->dev != i)
			continue;
		if (!d->rec) {
			snprintf(d->dir, sizeof d->dir, "%s", real);
			json_decref(d->meta);
			d->meta = q->meta ? json_deep_copy(q->meta) : json_object();
			d->armed = true;
			d->error[0] = '\0';
			d->lost_why[0] = '\0';
			d->lost_run = 0;
			char err[256];
			struct pd_device_status st;
			pd_device_snapshot(d->dev, &st);
			/* A device that has described itself gets its file now; one
			 * that has not, at its first frame. */
			if (st.have_info && open_file(d, NULL, err, sizeof err) != 0) {
				give_up(d, err);
				snprintf(q->err, sizeof q->err, "%s: %s", d->dev->id, err);
				json_decref(q->result);
				q->result = NULL;
				return;
			}
		}
		add_result(q->result, d, d->rec ? pd_rec_path(d->rec) : NULL, false, 0);
	}
}

static void serve_stop(struct pd_recorder *r, struct request *q)
{
	q->result = json_array();
	for (int i = 0; i < r->n; i++) {
		struct dev_rec *d = &r->dev[i];
		if ((q->dev >= 0 && q->dev != i) || (!d->armed && !d->rec))
			continue;
		pd_runner_drain(r->runner, i); /* what arrived before the request goes in the file */
		char path[PATH_MAX] = "";
		uint64_t frames = 0;
		if (d->rec) {
			snprintf(path, sizeof path, "%s", pd_rec_path(d->rec));
			frames = pd_rec_frames(d->rec);
		}
		d->armed = false;
		finish_file(d, "stop");
		forget_held(d);
		add_result(q->result, d, path[0] ? path : NULL, true, frames);
	}
}

static void serve(void *ctx, void *data)
{
	struct request *q = data;
	if (q->kind == REQ_START)
		serve_start(ctx, q);
	else
		serve_stop(ctx, q);
	json_decref(q->meta);
	q->meta = NULL;
}

/* The caller gave up waiting: nobody reads the result. */
static void discard(void *ctx, void *data)
{
	(void)ctx;
	json_decref(((struct request *)data)->result);
}

static json_t *ask(struct pd_recorder *r, enum request_kind kind, int dev, const char *dir, const json_t *meta,
		   char *err, size_t errlen)
{
	if (!r) {
		snprintf(err, errlen, "recording is not available");
		return NULL;
	}
	struct request *q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->kind = kind;
	q->dev = dev;
	q->has_dir = dir != NULL;
	snprintf(q->dir, sizeof q->dir, "%s", dir ? dir : "");
	q->meta = meta ? json_deep_copy(meta) : NULL;
	json_t *result = NULL;
	if (pd_runner_call(r->runner, serve, q, sizeof *q, discard, REQUEST_WAIT_MS) != 0) {
		snprintf(err, errlen, "the recorder did not answer within %d s (a slow disk?)", REQUEST_WAIT_MS / 1000);
	} else {
		result = q->result;
		if (!result)
			snprintf(err, errlen, "%s", q->err);
	}
	free(q);
	return result;
}

json_t *pd_recorder_record_start(struct pd_recorder *r, int dev, const char *dir, const json_t *meta,
				 char *err, size_t errlen)
{
	return ask(r, REQ_START, dev, dir, meta, err, errlen);
}

json_t *pd_recorder_record_stop(struct pd_recorder *r, int dev, char *err, size_t errlen)
{
	return ask(r, REQ_STOP, dev, NULL, NULL, err, errlen);
}

void pd_recorder_use_analysis(struct pd_recorder *r, struct pd_analysis_worker *w)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->analysis = w;
	pthread_mutex_unlock(&r->lock);
}

/* ---- the consumer ------------------------------------------------------------ */

static int poll_items(void *ctx, zmq_pollitem_t *items, int max)
{
	(void)max;
	items[0] = (zmq_pollitem_t){ .socket = ((struct pd_recorder *)ctx)->sub, .events = ZMQ_POLLIN };
	return 1;
}

static void events_ready(void *ctx, int item, short revents)
{
	(void)item;
	(void)revents;
	/* Bounded, so frames are served between bursts of events. */
	for (int k = 0; k < 256 && take_event(ctx); k++) {
	}
}

static void tick(void *ctx, int64_t now)
{
	flush_due(ctx, now, false);
}

/* The readers have stopped and the analysis has said its last: take
 * every event, then close the files properly. */
static void finish(void *ctx)
{
	struct pd_recorder *r = ctx;
	while (take_event(r)) {
	}
	for (int i = 0; i < r->n; i++)
		close_file(&r->dev[i], "stop");
}

/* Lossless, but a disk that stops may hold the reader back only so long
 * (stall_s is set from daemon.archive_stall_s). */
static const struct pd_consumer_ops recorder_ops = {
	.name = "recorder",
	.kind = PD_CONSUMER_LOSSLESS,
	.tick_ms = TICK_MS,
	.frame = archive_frame,
	.lost = archive_missed,
	.tick = tick,
	.poll_items = poll_items,
	.ready = events_ready,
	.finish = finish,
};

/* A file that can never open as a recording (a crash before this pressd
 * created recordings under a temporary name left some): renamed out of
 * the way of every script that opens each .h5 there, not deleted. */
static void move_aside(const char *path, const char *why)
{
	char aside[PATH_MAX + 16];
	snprintf(aside, sizeof aside, "%s.broken", path);
	if (rename(path, aside) == 0)
		pd_warn("%s cannot be opened as a recording (%s): moved aside to %s", path, why, aside);
	else
		pd_err("%s cannot be opened as a recording (%s), nor moved aside: %s", path, why, strerror(errno));
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

/* What a crash left in the directory: files left open (kill -9, a power
 * cut) are recovered so they open normally again; recordings it
 * interrupted while being created (hidden, never named, holding no frame)
 * are removed; anything else named .h5 that cannot open is moved aside. */
static void recover_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		char path[PATH_MAX], err[256];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' && ends_with(e->d_name, ".h5" PD_REC_PARTIAL_SUFFIX)) {
			if (pd_rec_is_unfinished(path, err, sizeof err) == PD_REC_IN_USE)
				continue; /* being created right now, by another pressd */
			if (unlink(path) == 0)
				pd_log(LOG_NOTICE, "removed %s: a crash interrupted its creation, before its first frame", path);
			continue;
		}
		if (!ends_with(e->d_name, ".h5"))
			continue;
		int state = pd_rec_is_unfinished(path, err, sizeof err);
		if (state < 0) {
			move_aside(path, err);
			continue;
		}
		if (state != PD_REC_UNFINISHED)
			continue;
		if (pd_rec_recover(path, err, sizeof err) == 0)
			pd_log(LOG_NOTICE, "recovered %s, which a crash had left unfinished", path);
		else
			move_aside(path, err);
	}
	closedir(dp);
}

struct pd_recorder *pd_recorder_start(void *zctx, struct pd_device *devs, int ndevs,
				      const struct pd_recorder_config *cfg, char *err, size_t errlen)
{
	struct pd_recorder *r = calloc(1, sizeof *r + (size_t)ndevs * sizeof r->dev[0]);
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->n = ndevs;
	r->cfg = *cfg;
	r->cfg.dir = NULL;
	r->ops = recorder_ops;
	r->ops.stall_s = cfg->stall_s;
	pthread_mutex_init(&r->lock, NULL);
	if (cfg->dir && cfg->dir[0]) {
		if (mkdirs(cfg->dir, err, errlen) != 0)
			goto fail;
		if (!realpath(cfg->dir, r->default_dir))
			snprintf(r->default_dir, sizeof r->default_dir, "%s", cfg->dir);
		recover_dir(r->default_dir);
	}
	r->sub = zmq_socket(zctx, ZMQ_PULL);
	int hwm = 100000;
	if (!r->sub || zmq_setsockopt(r->sub, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
	    zmq_bind(r->sub, PD_RECORDER_INPROC) != 0 ||
	    pd_outlet_open(&r->out, zctx, PD_PUBLISHER_INPROC, err, errlen) != 0) {
		snprintf(err, errlen, "recorder: %s", zmq_strerror(zmq_errno()));
		goto fail;
	}
	for (int i = 0; i < ndevs; i++) {
		struct dev_rec *d = &r->dev[i];
		d->r = r;
		d->dev = &devs[i];
		d->meta = json_object();
		if (cfg->analysis)
			d->params = *cfg->analysis;
		else
			pd_analysis_params_default(&d->params);
		if (r->default_dir[0]) { /* -r: every device from the start */
			snprintf(d->dir, sizeof d->dir, "%s", r->default_dir);
			d->armed = true;
		}
	}
	if (pd_runner_start(&r->runner, &r->ops, r, devs, ndevs, err, errlen) != 0)
		goto fail;
	return r;
fail:
	for (int i = 0; i < ndevs; i++)
		json_decref(r->dev[i].meta);
	pd_outlet_close(&r->out);
	if (r->sub)
		zmq_close(r->sub);
	pthread_mutex_destroy(&r->lock);
	free(r);
	return NULL;
}

void pd_recorder_stop(struct pd_recorder *r)
{
	if (!r)
		return;
	pd_runner_stop(r->runner);
	for (int i = 0; i < r->n; i++) {
		json_decref(r->dev[i].meta);
		free(r->dev[i].baseline);
		forget_held(&r->dev[i]);
	}
	pd_outlet_close(&r->out);
	zmq_close(r->sub);
	pthread_mutex_destroy(&r->lock);
	free(r);
	pd_rec_shutdown();
}
