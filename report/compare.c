/* Several sessions of one subject side by side: the sessions in time
 * order, grouped by the mat they were recorded on (positions in mm are
 * comparable only on the same geometry and pitch), and within a group
 * each session's sites (dose.c) matched to the others' by position, with
 * what each site got in each session. Pure: everything comes from the
 * sessions' dose tables and events. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "linkage.h"
#include "report.h"

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's
 * days_from_civil): timegm() would do, but is not C17. */
static long days_from_civil(long y, long m, long d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int pd_report_iso_utc(const char *s, double *out)
{
	int y, mo, d, h, mi, n = 0;
	double sec;
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || !(sec >= 0 && sec < 61))
		return -1;
	const char *z = s + n;
	double offset = 0;
	if (*z == '+' || *z == '-') {
		int oh, om = 0;
		if (sscanf(z + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(z + 1, "%2d%2d", &oh, &om) < 1)
			return -1;
		offset = (*z == '-' ? -1 : 1) * (oh * 3600.0 + om * 60.0);
	} else if (*z && strcmp(z, "Z") != 0) {
		return -1;
	}
	*out = (double)days_from_civil(y, mo, d) * 86400 + h * 3600.0 + mi * 60.0 + sec - offset;
	return 0;
}

/* Before: known times ascending; unknown (NaN) times after every known one. */
static bool before(double a, double b)
{
	return isnan(b) ? !isnan(a) : a < b;
}

static bool same_geometry(const struct pd_report_group *g, const struct pd_device_info *d)
{
	return g->kind == d->kind && g->rows == d->rows && g->cols == d->cols && g->pitch_x_mm == d->pitch_x_mm &&
	       g->pitch_y_mm == d->pitch_y_mm;
}

/* Adds what dose site `s` of a session got to its cell. */
static void add_site(struct pd_report_cell *c, const struct pd_report_site *s, const struct pd_report_events *ev)
{
	c->present = true;
	c->compression_s += s->compression_s;
	c->peak = fmax(c->peak, s->peak);
	for (size_t i = 0; i < s->nholds; i++) {
		const struct pd_ev_hold *h = &ev->hold[s->holds[i]].u.hold;
		c->nholds++;
		c->nreached += h->reached;
		if (h->duration > c->longest_hold_s) {
			c->longest_hold_s = h->duration;
			c->longest_target_s = h->target_s;
		}
	}
	for (size_t i = 0; i < s->npulses; i++) {
		const struct pd_ev_pulses *q = &ev->pulses[s->pulses[i]].u.pulses;
		c->nsets++;
		if (q->count <= c->best_set_count)
			continue;
		double sum = 0;
		for (uint32_t k = 0; k < q->ndurations; k++)
			sum += q->durations[k];
		c->best_set_count = q->count;
		c->best_set_mean_s = q->ndurations ? sum / q->ndurations : NAN;
	}
	for (size_t i = 0; i < s->nstrokes; i++) {
		c->nglides++;
		if (ev->stroke[s->strokes[i]].u.stroke.pass > c->max_pass)
			c->max_pass = ev->stroke[s->strokes[i]].u.stroke.pass;
	}
}

/* One group's sites: every session's sites, in time order then each
 * session's own order, linked by position; a match's position is the
 * mean of its sites'. 0, or -1 out of memory. */
static int match(const struct pd_report_session *s, struct pd_report_group *g)
{
	size_t m = 0;
	for (size_t j = 0; j < g->nsessions; j++)
		m += s[g->session[j]].dose->nsites;
	struct pd_link_xy *xy = malloc((m ? m : 1) * sizeof *xy);
	size_t *owner = malloc((m ? m : 1) * sizeof *owner), *which = malloc((m ? m : 1) * sizeof *which);
	size_t *parent = malloc((m ? m : 1) * sizeof *parent), *label = malloc((m ? m : 1) * sizeof *label);
	int rc = -1;
	if (!xy || !owner || !which || !parent || !label)
		goto out;
	m = 0;
	for (size_t j = 0; j < g->nsessions; j++) {
		const struct pd_report_dose *d = s[g->session[j]].dose;
		for (size_t k = 0; k < d->nsites; k++, m++) {
			xy[m] = (struct pd_link_xy){ d->site[k].x, d->site[k].y };
			owner[m] = j;
			which[m] = k;
		}
	}
	g->nsites = pd_link_within(xy, m, g->radius_mm, parent, label);
	g->site = calloc(g->nsites ? g->nsites : 1, sizeof *g->site);
	if (!g->site)
		goto out;
	for (size_t k = 0; k < g->nsites; k++)
		if (!(g->site[k].cell = calloc(g->nsessions, sizeof *g->site[k].cell)))
			goto out;
	/* label numbers clusters by first member: `parent` is free to count them */
	memset(parent, 0, m * sizeof *parent);
	for (size_t i = 0; i < m; i++) {
		struct pd_report_match *t = &g->site[label[i]];
		const struct pd_report_session *ss = &s[g->session[owner[i]]];
		t->x += xy[i].x;
		t->y += xy[i].y;
		parent[label[i]]++;
		add_site(&t->cell[owner[i]], &ss->dose->site[which[i]], ss->ev);
	}
	for (size_t k = 0; k < g->nsites; k++) {
		g->site[k].x /= (double)parent[k];
		g->site[k].y /= (double)parent[k];
	}
	rc = 0;
out:
	free(xy);
	free(owner);
	free(which);
	free(parent);
	free(label);
	return rc;
}

int pd_report_compare(const struct pd_report_session *s, size_t n, struct pd_report_compare *out)
{
	memset(out, 0, sizeof *out);
	out->order = malloc((n ? n : 1) * sizeof *out->order);
	out->group = calloc(n ? n : 1, sizeof *out->group);
	if (!out->order || !out->group)
		goto fail;
	out->n = n;
	/* insertion sort: stable, and a report has a handful of files */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && before(s[i].start_utc, s[out->order[j - 1]].start_utc); j--)
			out->order[j] = out->order[j - 1];
		out->order[j] = i;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = out->order[i];
		const struct pd_device_info *d = s[k].device;
		struct pd_report_group *g = out->group;
		while (g < out->group + out->ngroups && !same_geometry(g, d))
			g++;
		if (g == out->group + out->ngroups) {
			out->ngroups++;
			*g = (struct pd_report_group){ .kind = d->kind, .rows = d->rows, .cols = d->cols,
						       .pitch_x_mm = d->pitch_x_mm, .pitch_y_mm = d->pitch_y_mm,
						       .radius_mm = s[k].radius_mm };
			if (!(g->session = malloc(n * sizeof *g->session)))
				goto fail;
		}
		/* the smallest radius: no two sites are one that any of the
		 * sessions' own analysis would have kept apart */
		g->radius_differs |= s[k].radius_mm != g->radius_mm;
		g->radius_mm = fmin(g->radius_mm, s[k].radius_mm);
		g->session[g->nsessions++] = k;
	}
	for (size_t i = 0; i < out->ngroups; i++)
		if (match(s, &out->group[i]) != 0)
			goto fail;
	return 0;
fail:
	pd_report_compare_free(out);
	return -1;
}

void pd_report_compare_free(struct pd_report_compare *c)
{
	for (size_t i = 0; c->group && i < c->ngroups; i++) {
		struct pd_report_group *g = &c->group[i];
		for (size_t k = 0; g->site && k < g->nsites; k++)
			free(g->site[k].cell);
		free(g->site);
		free(g->session);
	}
	free(c->group);
	free(c->order);
	memset(c, 0, sizeof *c);
}
