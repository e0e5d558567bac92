/* Stage 6: pulse sets. Each press, when it ends, joins the first open set
 * whose first press was within pulse_radius_mm and whose last press ended
 * at most pulse_gap_s before this one started (lifted off in between or
 * not); otherwise it opens a set of its own. A set is reported once, when
 * it can take no more presses: pulse_gap_s after its last press ended,
 * unless a press that started in time at that spot is still going on (it
 * may join when it ends), or at flush. Sets of a single press are not
 * pulse sets and go unreported. */
#include "internal.h"

#include <string.h>

static void report(struct pd_analysis *a, struct an_pulse_set *ps)
{
	if (ps->count >= 2) {
		struct pd_ev_pulses e;
		memset(&e, 0, sizeof e);
		e.id = an_next_id(a, PD_EV_PULSES);
		e.site = ps->site;
		e.x = ps->x;
		e.y = ps->y;
		e.count = ps->count;
		e.ndurations = ps->count < PD_PULSES_MAX_LISTED ? ps->count : PD_PULSES_MAX_LISTED;
		memcpy(e.durations, ps->durations, e.ndurations * sizeof e.durations[0]);
		e.t_start = ps->t_start;
		e.t_end = ps->t_end;
		e.mean_peak = ps->peak_sum / ps->count;
		an_emit(a, PD_EV_PULSES, PD_PHASE_NONE, &e, sizeof e);
	}
	memset(ps, 0, sizeof *ps);
}

static bool joins(const struct pd_analysis *a, const struct an_pulse_set *ps, double t0, double x, double y)
{
	return ps->used && t0 >= ps->t_end - AN_EPS_S && t0 - ps->t_end <= a->p.pulse_gap_s + AN_EPS_S &&
	       an_dist(ps->x, ps->y, x, y) <= a->p.pulse_radius_mm;
}

void an_pulses_press(struct pd_analysis *a, double t0, double duration, double x, double y, double peak,
		     uint32_t site)
{
	struct an_pulse_set *ps = NULL;
	for (size_t i = 0; i < AN_MAX_PULSE_SETS && !ps; i++)
		if (joins(a, &a->sets[i], t0, x, y))
			ps = &a->sets[i];
	if (!ps) {
		for (size_t i = 0; i < AN_MAX_PULSE_SETS && !ps; i++)
			if (!a->sets[i].used)
				ps = &a->sets[i];
		if (!ps) {
			/* all taken: the one idle longest makes room */
			ps = &a->sets[0];
			for (size_t i = 1; i < AN_MAX_PULSE_SETS; i++)
				if (a->sets[i].t_end < ps->t_end)
					ps = &a->sets[i];
			report(a, ps);
			a->stats.pulse_sets_evicted++;
		}
		ps->used = true;
		ps->x = x;
		ps->y = y;
		ps->t_start = t0;
		ps->site = site;
	}
	if (ps->count < PD_PULSES_MAX_LISTED)
		ps->durations[ps->count] = duration;
	ps->count++;
	ps->peak_sum += peak;
	ps->t_end = t0 + duration;
}

/* A press still going on that started in time at the set's spot. */
static bool pending_press(const struct pd_analysis *a, const struct an_pulse_set *ps)
{
	for (size_t i = 0; i < a->ncontacts; i++) {
		const struct an_contact *c = &a->contacts[i];
		if (c->press.acc.n && joins(a, ps, c->press.t0, c->x, c->y))
			return true;
	}
	return false;
}

void an_pulses_frame(struct pd_analysis *a)
{
	for (size_t i = 0; i < AN_MAX_PULSE_SETS; i++) {
		struct an_pulse_set *ps = &a->sets[i];
		if (ps->used && a->t - ps->t_end > a->p.pulse_gap_s + AN_EPS_S && !pending_press(a, ps))
			report(a, ps);
	}
}

void an_pulses_flush(struct pd_analysis *a)
{
	/* in order of start, as they would have ended */
	for (;;) {
		struct an_pulse_set *first = NULL;
		for (size_t i = 0; i < AN_MAX_PULSE_SETS; i++)
			if (a->sets[i].used && (!first || a->sets[i].t_start < first->t_start))
				first = &a->sets[i];
		if (!first)
			return;
		report(a, first);
	}
}
