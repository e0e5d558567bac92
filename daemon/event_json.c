#include "event_json.h"
#include "units.h"

#include "event_log.h"

json_t *pd_json_message(const char *type, const char *device, uint64_t seq, double t, uint32_t frame,
			double utc)
{
	json_t *j = json_object();
	json_object_set_new(j, "v", json_integer(PD_SCHEMA_VERSION));
	json_object_set_new(j, "type", json_string(type));
	json_object_set_new(j, "device", json_string(device));
	json_object_set_new(j, "seq", json_integer((json_int_t)seq));
	if (t >= 0) {
		json_object_set_new(j, "t", json_real(t));
		json_object_set_new(j, "frame", json_integer(frame));
	}
	json_object_set_new(j, "time", json_real(utc));
	return j;
}

/* Devices name themselves in bytes that need not be UTF-8. */
static void text(json_t *j, const char *key, const char *s)
{
	json_t *v = json_string(s);
	json_object_set_new(j, key, v ? v : json_string("(not UTF-8)"));
}

static void num(json_t *j, const char *key, double v)
{
	json_object_set_new(j, key, json_real(v));
}

static void integer(json_t *j, const char *key, json_int_t v)
{
	json_object_set_new(j, key, json_integer(v));
}

static void add_contact(json_t *j, const struct pd_event *ev)
{
	const struct pd_ev_contact *c = &ev->u.contact;
	integer(j, "id", c->id);
	num(j, "x", c->x), num(j, "y", c->y), num(j, "col", c->col), num(j, "row", c->row);
	num(j, "cop_x", c->cop_x), num(j, "cop_y", c->cop_y);
	num(j, "peak", c->peak);
	if (c->has_force)
		num(j, "force", c->force);
	num(j, "area_mm2", c->area_mm2);
	if (ev->phase == PD_PHASE_END)
		num(j, "duration", c->duration);
}

static void add_press(json_t *j, const struct pd_ev_press *p)
{
	integer(j, "id", p->id), integer(j, "contact", p->contact);
	num(j, "t_start", p->t_start), num(j, "duration", p->duration);
	num(j, "peak", p->peak), num(j, "mean", p->mean), num(j, "impulse", p->impulse);
	num(j, "x", p->x), num(j, "y", p->y);
}

static void add_hold(json_t *j, const struct pd_ev_hold *h)
{
	integer(j, "id", h->id), integer(j, "contact", h->contact);
	num(j, "x", h->x), num(j, "y", h->y);
	num(j, "t_start", h->t_start), num(j, "duration", h->duration);
	num(j, "peak", h->peak), num(j, "mean", h->mean), num(j, "impulse", h->impulse);
	num(j, "drift_mm", h->drift_mm), num(j, "target_s", h->target_s);
	json_object_set_new(j, "reached", json_boolean(h->reached));
}

static void add_pulses(json_t *j, const struct pd_ev_pulses *p)
{
	integer(j, "id", p->id);
	num(j, "x", p->x), num(j, "y", p->y);
	integer(j, "count", p->count);
	json_t *d = json_array();
	for (uint32_t i = 0; i < p->ndurations; i++)
		json_array_append_new(d, json_real(p->durations[i]));
	json_object_set_new(j, "durations", d);
	num(j, "t_start", p->t_start), num(j, "t_end", p->t_end), num(j, "mean_peak", p->mean_peak);
}

static void add_stroke(json_t *j, const struct pd_ev_stroke *s)
{
	integer(j, "id", s->id), integer(j, "contact", s->contact);
	num(j, "x0", s->x0), num(j, "y0", s->y0), num(j, "x1", s->x1), num(j, "y1", s->y1);
	num(j, "length_mm", s->length_mm), num(j, "duration", s->duration), num(j, "speed_mm_s", s->speed_mm_s);
	num(j, "direction_deg", s->direction_deg), num(j, "mean", s->mean), num(j, "peak", s->peak);
	integer(j, "pass", s->pass);
}

static void add_roll(json_t *j, const struct pd_ev_roll *r)
{
	integer(j, "id", r->id);
	num(j, "from_mm", r->from_mm), num(j, "to_mm", r->to_mm), num(j, "length_mm", r->length_mm);
	num(j, "duration", r->duration), num(j, "speed_mm_s", r->speed_mm_s);
	integer(j, "direction", r->direction);
	num(j, "mean_force", r->mean_force), num(j, "peak_force", r->peak_force);
	num(j, "peak_axis_mm", r->peak_axis_mm);
}

json_t *pd_json_event(const struct pd_event *ev, const char *device, uint64_t seq, double utc)
{
	json_t *j = pd_json_message(pd_event_type_name(ev->type), device, seq, ev->t, ev->frame, utc);
	if (ev->phase != PD_PHASE_NONE)
		json_object_set_new(j, "phase", json_string(pd_phase_name(ev->phase)));
	switch (ev->type) {
	case PD_EV_CONTACT: add_contact(j, ev); break;
	case PD_EV_PRESS: add_press(j, &ev->u.press); break;
	case PD_EV_HOLD: add_hold(j, &ev->u.hold); break;
	case PD_EV_PULSES: add_pulses(j, &ev->u.pulses); break;
	case PD_EV_STROKE: add_stroke(j, &ev->u.stroke); break;
	case PD_EV_ROLL: add_roll(j, &ev->u.roll); break;
	case PD_EV_TARE:
		json_object_set_new(j, "frames", json_integer(ev->u.tare.frames));
		json_object_set_new(j, "mean", json_real(ev->u.tare.mean));
		break;
	}
	json_object_set_new(j, "units", json_string(ev->units ? ev->units : "counts"));
	return j;
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
