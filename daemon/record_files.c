/* The recorder's files: the directory, opening one (with the meta, the
 * analysis in force and the baseline), closing it (a rotation, a stop, a
 * failure), and telling the daemon (the `recording` event, the device's
 * archive counters). What a failing disk cost is counted here. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis_worker.h"
#include "clock.h"
#include "consumer_runner.h"
#include "message_json.h"
#include "log.h"
#include "recorder_events.h"
#include "recorder_internal.h"
#include "units.h"

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

void rec_update_device(struct dev_rec *d)
{
	uint64_t lag = d->r->runner ? pd_runner_backlog(d->r->runner, rec_index(d)) : 0;
	pd_device_set_archive(d->dev, d->rec ? pd_rec_path(d->rec) : NULL, pd_rec_bytes(d->rec), d->archived, lag,
			      d->archive_lost, d->error[0] ? d->error : d->lost_why);
}

int rec_mkdirs(const char *dir, char *err, size_t errlen)
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

/* record_start's meta as the file's root attributes (numbers exact). */
static size_t meta_attrs(const struct dev_rec *d, struct pd_rec_meta *meta, char (*numbers)[32])
{
	size_t nmeta = 0;
	const char *key;
	json_t *value;
	json_object_foreach(d->meta, key, value) {
		if (nmeta == PD_RECORD_META_MAX)
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
	return nmeta;
}

/* The stream's INFO, not the device's present one, when the recorder
 * lags: the device may have another geometry by now, and a file must
 * never describe its frames wrongly. */
int rec_open_file(struct dev_rec *d, const uint32_t *stream, char *err, size_t errlen)
{
	struct pd_device_status st;
	pd_device_snapshot(d->dev, &st);
	if (stream && !pd_device_stream_info(d->dev, *stream, &st.info))
		return REC_STREAM_UNKNOWN;
	if (!st.have_info) {
		snprintf(err, errlen, "%s has not described itself yet", d->dev->id);
		return -1;
	}
	struct pd_rec_meta meta[PD_RECORD_META_MAX];
	char numbers[PD_RECORD_META_MAX][32];
	size_t nmeta = meta_attrs(d, meta, numbers);
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
	rec_update_device(d);
	return 0;
}

void rec_lost(struct dev_rec *d, uint32_t after_seq, uint64_t n)
{
	if (n == 0)
		return;
	if (d->lost_run == 0)
		d->lost_after = after_seq;
	d->lost_run += (uint32_t)n;
	d->archive_lost += n;
}

/* The frames lost before this file's next one, in its /gaps. */
int rec_write_lost(struct dev_rec *d)
{
	if (!d->lost_run)
		return 0;
	int rc = pd_rec_append_gap(d->rec, d->lost_after, d->lost_run);
	d->lost_run = 0;
	return rc;
}

/* A failure (now, or at the close) may have cost the frames appended
 * since the file's last successful commit: they are in no file, so they
 * are lost, counted and listed in the next file's /gaps. */
static void count_unkept(struct dev_rec *d, const char *path, uint64_t appended, const struct pd_rec_kept *kept)
{
	if (kept->frames >= appended)
		return;
	uint64_t n = appended - kept->frames;
	d->archived -= n < d->archived ? n : d->archived;
	rec_lost(d, kept->have_seq ? kept->last_seq : d->file_seq0 - 1, n);
	pd_warn("%s: %" PRIu64 " frames appended to %s never reached it", d->dev->id, n, path);
}

uint64_t rec_close_file(struct dev_rec *d, const char *phase)
{
	if (!d->rec)
		return 0;
	char path[PATH_MAX], err[256];
	snprintf(path, sizeof path, "%s", pd_rec_path(d->rec));
	uint64_t appended = pd_rec_frames(d->rec);
	struct pd_rec_kept kept;
	if (pd_rec_close_kept(d->rec, &kept, err, sizeof err) != 0) {
		snprintf(d->error, sizeof d->error, "recording stopped: %s", err);
		pd_err("%s: %s (%s)", d->dev->id, d->error, path);
		phase = "stop";
		d->armed = false;
	}
	d->rec = NULL;
	count_unkept(d, path, appended, &kept);
	pd_info("%s: %s %s, %" PRIu64 " frames", d->dev->id, !strcmp(phase, "rotate") ? "rotated" : "closed", path,
		kept.frames);
	publish_recording(d, phase, path, kept.frames);
	rec_update_device(d);
	return kept.frames;
}

/* The file has had its last frame (a rotation, record_stop): the
 * analysis, which may be behind us, first says what it found in its
 * frames, then it closes with every event of its frames in it. */
uint64_t rec_finish_file(struct dev_rec *d, const char *phase)
{
	struct pd_recorder *r = d->r;
	if (!d->rec)
		return 0;
	pthread_mutex_lock(&r->lock);
	if (r->analysis)
		pd_analysis_worker_sync(r->analysis, rec_index(d));
	pthread_mutex_unlock(&r->lock);
	bool was = r->in_frame;
	r->in_frame = true; /* the events only: this file takes no more frames */
	while (rec_events_take(r)) {
	}
	r->in_frame = was;
	return rec_close_file(d, phase);
}

void rec_fail(struct dev_rec *d)
{
	if (d->rec && pd_rec_failed(d->rec))
		snprintf(d->error, sizeof d->error, "recording stopped: %s", pd_rec_error(d->rec));
	d->armed = false;
	rec_close_file(d, "stop");
}

bool rec_rotation_due(const struct dev_rec *d, double t)
{
	const struct pd_recorder_config *c = &d->r->cfg;
	return d->rec && d->file_started &&
	       ((c->max_mb > 0 && (double)pd_rec_bytes(d->rec) >= c->max_mb * 1e6) ||
		(c->max_s > 0 && t - d->file_t0 >= c->max_s));
}

void rec_give_up(struct dev_rec *d, const char *why)
{
	snprintf(d->error, sizeof d->error, "recording stopped: %s", why);
	pd_err("%s: %s", d->dev->id, d->error);
	d->armed = false;
	rec_close_file(d, "stop");
	rec_update_device(d);
}
