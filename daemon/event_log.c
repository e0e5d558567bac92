#include "event_log.h"

#include <stdarg.h>
#include <stdio.h>

const char *pd_event_type_name(enum pd_event_type type)
{
	static const char *const names[] = { "contact", "press", "hold", "pulses", "stroke", "roll", "tare" };
	return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

const char *pd_phase_name(enum pd_phase phase)
{
	static const char *const names[] = { "", "start", "move", "progress", "end" };
	return (unsigned)phase < sizeof names / sizeof names[0] ? names[phase] : "?";
}

struct buf {
	char *p;
	size_t cap, len;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	if (b->len >= b->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

char *pd_event_format(char *out, size_t cap, const struct pd_event *ev)
{
	struct buf b = { out, cap, 0 };
	out[0] = '\0';
	put(&b, "%s%s%s t=%.3f frame=%u", pd_event_type_name(ev->type), ev->phase ? " " : "",
	    pd_phase_name(ev->phase), ev->t, ev->frame);
	switch (ev->type) {
	case PD_EV_CONTACT: {
		const struct pd_ev_contact *c = &ev->u.contact;
		put(&b, " id=%u x=%.2f y=%.2f col=%.3f row=%.3f cop_x=%.2f cop_y=%.2f peak=%.4g area_mm2=%.1f duration=%.3f",
		    c->id, c->x, c->y, c->col, c->row, c->cop_x, c->cop_y, c->peak, c->area_mm2, c->duration);
		if (c->has_force)
			put(&b, " force=%.4g", c->force);
		break;
	}
	case PD_EV_PRESS: {
		const struct pd_ev_press *p = &ev->u.press;
		put(&b, " id=%u contact=%u t_start=%.3f duration=%.3f peak=%.4g mean=%.4g impulse=%.4g x=%.2f y=%.2f",
		    p->id, p->contact, p->t_start, p->duration, p->peak, p->mean, p->impulse, p->x, p->y);
		break;
	}
	case PD_EV_HOLD: {
		const struct pd_ev_hold *h = &ev->u.hold;
		put(&b, " id=%u contact=%u x=%.2f y=%.2f t_start=%.3f duration=%.3f peak=%.4g mean=%.4g impulse=%.4g"
			" drift_mm=%.2f target_s=%g reached=%d",
		    h->id, h->contact, h->x, h->y, h->t_start, h->duration, h->peak, h->mean, h->impulse,
		    h->drift_mm, h->target_s, h->reached);
		break;
	}
	case PD_EV_PULSES: {
		const struct pd_ev_pulses *p = &ev->u.pulses;
		put(&b, " id=%u x=%.2f y=%.2f count=%u t_start=%.3f t_end=%.3f mean_peak=%.4g durations=", p->id,
		    p->x, p->y, p->count, p->t_start, p->t_end, p->mean_peak);
		for (uint32_t i = 0; i < p->ndurations; i++)
			put(&b, "%s%.3f", i ? "," : "", p->durations[i]);
		break;
	}
	case PD_EV_STROKE: {
		const struct pd_ev_stroke *s = &ev->u.stroke;
		put(&b, " id=%u contact=%u x0=%.2f y0=%.2f x1=%.2f y1=%.2f length_mm=%.2f duration=%.3f speed_mm_s=%.2f"
			" direction_deg=%.1f mean=%.4g peak=%.4g pass=%u",
		    s->id, s->contact, s->x0, s->y0, s->x1, s->y1, s->length_mm, s->duration, s->speed_mm_s,
		    s->direction_deg, s->mean, s->peak, s->pass);
		break;
	}
	case PD_EV_ROLL: {
		const struct pd_ev_roll *r = &ev->u.roll;
		put(&b, " id=%u from_mm=%.2f to_mm=%.2f length_mm=%.2f duration=%.3f speed_mm_s=%.2f direction=%d"
			" mean_force=%.4g peak_force=%.4g peak_axis_mm=%.2f",
		    r->id, r->from_mm, r->to_mm, r->length_mm, r->duration, r->speed_mm_s, r->direction,
		    r->mean_force, r->peak_force, r->peak_axis_mm);
		break;
	}
	case PD_EV_TARE:
		put(&b, " frames=%u mean=%.4g", ev->u.tare.frames, ev->u.tare.mean);
		break;
	}
	put(&b, " units=%s", ev->units ? ev->units : "counts");
	return out;
}
