#include "message_json.h"
#include "units.h"

json_t *pd_json_message(const char *type, const char *device, uint64_t seq, double t, uint32_t frame,
			double utc)
{
	return pd_json_envelope(type, device, PD_ENV_FRAME, seq, t, frame, utc);
}

/* Devices name themselves in bytes that need not be UTF-8. */
static void text(json_t *j, const char *key, const char *s)
{
	json_object_set_new(j, key, pd_json_text(s));
}

static void num(json_t *j, const char *key, double v)
{
	json_object_set_new(j, key, json_real(v));
}

static void integer(json_t *j, const char *key, json_int_t v)
{
	json_object_set_new(j, key, json_integer(v));
}

json_t *pd_json_info(const struct pd_device_info *i)
{
	json_t *j = json_object();
	json_object_set_new(j, "kind", json_string(pd_kind_name(i->kind)));
	text(j, "model", i->model);
	text(j, "serial", i->serial);
	text(j, "firmware", i->firmware);
	integer(j, "rows", i->rows), integer(j, "cols", i->cols);
	num(j, "pitch_x_mm", i->pitch_x_mm), num(j, "pitch_y_mm", i->pitch_y_mm);
	num(j, "rate_hz", i->rate_hz);
	json_object_set_new(j, "units", json_string(pd_info_units(i)));
	integer(j, "full_scale", i->full_scale);
	return j;
}

static json_t *stats_json(const struct pd_device_status *st)
{
	const struct pd_device_stats *s = &st->stats;
	json_t *j = json_object();
	integer(j, "frames", (json_int_t)s->frames);
	integer(j, "bytes", (json_int_t)s->bytes);
	integer(j, "crc_errors", (json_int_t)s->crc_errors);
	integer(j, "decode_errors", (json_int_t)s->decode_errors);
	integer(j, "resyncs", (json_int_t)s->resyncs);
	integer(j, "frames_lost", (json_int_t)s->frames_lost);
	integer(j, "publish_dropped", (json_int_t)s->publish_dropped);
	integer(j, "archive_frames", (json_int_t)s->archive_frames);
	integer(j, "archive_lag", (json_int_t)s->archive_lag);
	integer(j, "archive_lost", (json_int_t)s->archive_lost);
	integer(j, "archive_bytes", (json_int_t)s->archive_bytes);
	integer(j, "analysis_lost", (json_int_t)s->analysis_lost);
	return j;
}

json_t *pd_json_status(const char *device, const struct pd_device_status *st, uint64_t seq, double utc,
		       bool as_reply)
{
	json_t *j;
	if (as_reply) {
		j = json_object();
		json_object_set_new(j, "id", json_string(device));
	} else {
		double t = st->have_frame ? (double)st->last_time_us / 1e6 : -1;
		j = pd_json_message("status", device, seq, t, st->last_seq, utc);
	}
	json_object_set_new(j, "state", json_string(pd_device_state_name(st->state)));
	/* A failed recording is the device's error while the device itself is fine. */
	if (st->error[0])
		text(j, "error", st->error);
	else if (st->archive_error[0])
		text(j, "error", st->archive_error);
	if (st->have_info)
		json_object_set_new(j, "info", pd_json_info(&st->info));
	json_object_set_new(j, "stats", stats_json(st));
	/* In the status event too (beyond events.md's list): a dashboard that
	 * joins late learns what is being recorded without a `recording`
	 * event. */
	if (st->recording[0])
		text(j, "recording", st->recording);
	return j;
}

size_t pd_json_dump(const json_t *j, char *out, size_t cap)
{
	size_t n = json_dumpb(j, out, cap ? cap - 1 : 0, PD_JSON_FLAGS);
	if (n == 0 || n >= cap)
		return 0;
	out[n] = '\0';
	return n;
}
