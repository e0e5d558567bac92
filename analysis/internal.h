/* What the analysis stages share. Private to analysis/.
 *
 * Everything is sized when the context is made: the fixed maxima below
 * bound what one frame can hold, and what does not fit is counted in
 * pd_analysis_stats rather than allocated. */
#ifndef PD_ANALYSIS_INTERNAL_H
#define PD_ANALYSIS_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "peaks.h"

#define AN_MAX_PEAKS 64          /* peaks looked at per frame */
#define AN_MAX_CONTACTS 32       /* contacts tracked at once */
#define AN_MAX_PULSE_SETS 32     /* pulse sets open at once */
#define AN_MAX_SITES 64          /* treatment sites remembered (stage 9) */
#define AN_SITE_AXES 64          /* pass axes kept per bout for spread_deg */
#define AN_MAX_MARKS 16          /* marks waiting for the next frame */
#define AN_ROLLER_BINS 512       /* rows of the roller's position × axis map */
#define AN_DT_HISTORY 15         /* frame intervals the rate estimate looks at */
#define AN_HEADING_RING 8        /* path vertices kept for the stroke heading */
#define AN_TARE_MAX_FRAMES 16    /* a tare averages this many frames ... */
#define AN_TARE_MAX_S 0.5        /* ... or this long, whichever comes first */

/* Device times are whole microseconds; comparisons of times and durations
 * allow for the rounding of their conversion to seconds. */
#define AN_EPS_S 1e-6

/* Movement: a path advances in steps of this fraction of the pitch, so
 * position noise at rest never adds up to a path. Still means no step for
 * AN_STOP_S: glides slower than step / AN_STOP_S (2 mm/s at 10 mm pitch)
 * are stops. */
#define AN_STEP_PITCHES 0.2
#define AN_STEP_MIN_MM 0.05
#define AN_STOP_S 1.0
#define AN_TURN_COS (-0.5)       /* a turn of more than 120° ends a stroke */
#define AN_TURN_BASE_STEPS 5     /* heading: over the last five steps of path */

/* Presses: a trough splits two presses when its depth below the smaller
 * of the peaks around it is at least AN_TROUGH_DEPTH of that peak (a real
 * finger's troughs sit anywhere from a third to about 60 % of its peaks,
 * so one at 65 % splits; a glide's peak cell flickers by < 10 % as the
 * blob crosses cells, noise by ~1 %: those do not). Peaks and troughs are
 * the turns of the pressure by at least AN_TURN of it (smaller wiggles
 * are not turns). */
#define AN_TROUGH_DEPTH 0.25
#define AN_TURN 0.1

/* A contact whose peak merged into a neighbour's (two fingers passing
 * close) is kept alive on its predicted track while the pressure under it
 * stays above contact_off, for at most this long. */
#define AN_OCCLUDED_MAX_S 1.0

/* Velocity smoothing time constant for the tracker's prediction. */
#define AN_VEL_TAU_S 0.1

/* Roller: a change of direction counts once the position has come back
 * this far from its extreme (encoder jitter and rocking are smaller). */
#define AN_ROLL_REVERSE_MM 5.0

/* Pressure statistics over a span of frames (of a contact's peak cell, or
 * a roller's load). Each frame stands for the time since the contact's
 * previous one, so frames the contact went unseen (merged into a
 * neighbour, under contact_off for less than release_s) weigh on the mean
 * as the pressure seen after them. The pressure-time integral reported is
 * that mean over the whole duration (an_impulse), so the two agree even
 * when the span starts or ends next to such a gap. */
struct an_stats {
	uint32_t n;
	double sum;     /* Σ p */
	double time;    /* Σ w */
	double pw;      /* Σ p × w */
	double peak;
	double peak_x, peak_y; /* where the peak was */
};

static inline void an_stats_clear(struct an_stats *s)
{
	*s = (struct an_stats){ 0 };
}

static inline void an_stats_add(struct an_stats *s, double p, double w, double x, double y)
{
	if (s->n == 0 || p > s->peak) {
		s->peak = p;
		s->peak_x = x;
		s->peak_y = y;
	}
	s->n++;
	s->sum += p;
	s->time += w;
	s->pw += p * w;
}

/* Time-weighted; by frame while the frame interval is not yet known. */
static inline double an_stats_mean(const struct an_stats *s)
{
	return s->time > 0 ? s->pw / s->time : s->n ? s->sum / s->n : 0;
}

static inline double an_impulse(const struct an_stats *s, double duration)
{
	return an_stats_mean(s) * duration;
}

/* Distances on a mat are millimetres: no need for hypot()'s care about
 * overflow, which costs more than the rest of a contact's frame. */
static inline double an_dist(double x0, double y0, double x1, double y1)
{
	double dx = x1 - x0, dy = y1 - y0;
	return sqrt(dx * dx + dy * dy);
}

/* ---- movement: a step-quantised path (motion.c) -------------------------- */

struct an_motion {
	double vx, vy;  /* the last vertex */
	double vt;      /* when it was reached */
	double near_t;  /* last time the position was within a quarter step of it */
	bool moved;     /* a step was taken since the reset */
};

void an_motion_reset(struct an_motion *m, double x, double y, double t);
/* True when this position makes a new vertex (a step from the last one). */
bool an_motion_update(struct an_motion *m, double x, double y, double t, double step);
static inline bool an_motion_moving(const struct an_motion *m, double t)
{
	return m->moved && t - m->vt < AN_STOP_S - AN_EPS_S;
}

/* ---- holds (holds.c) ---------------------------------------------------- */

struct an_hold {
	bool active;      /* reported: start sent, end not yet */
	uint32_t id;
	double ax, ay;    /* tracked position where it settled */
	double rx, ry;    /* reported position where it settled */
	double at;        /* when it settled */
	double drift;     /* farthest from (ax, ay) */
	struct an_stats acc; /* since it settled */
	double last_pub;  /* device time of the last start/progress */
};

/* One frame of a contact (or of a loaded roller), as the press, stroke
 * and hold stages see it. */
struct an_sample {
	double t, dt;      /* frame time and interval */
	double w;          /* time since the previous frame of this contact (first: dt) */
	double x, y;       /* tracked position, mm */
	double rx, ry;     /* reported position, mm */
	double p;          /* pressure that counts (peak cell) */
	bool moving;
};

/* ---- presses (presses.c) ------------------------------------------------ */

struct an_press {
	double t0;                /* first frame */
	struct an_stats acc;      /* since t0 */
	bool dropped;             /* turned down from the peak lpk: a trough may follow */
	double lpk;               /* the last peak (a turn, or the highest since the press began) */
	double rmax;              /* the highest since the candidate trough */
	struct an_sample vmin;    /* the candidate trough: the lowest since lpk (its frame) */
	struct an_stats at_vmin;  /* acc before the trough frame */
	struct an_stats since_vmin;
	double since_vmin_drift;  /* farthest from the trough's position since */
	/* the hold, as it was just before the trough frame */
	struct an_stats hold_at_vmin;
	double hold_drift_at_vmin;
	/* the span at or above contact_on (first frame's start, last frame's
	 * end; on0 < 0: none yet), by which a tap is told: since t0, before
	 * the trough frame, since it */
	double on0, on1, at_vmin_on0, at_vmin_on1, since_vmin_on0, since_vmin_on1;
};

/* ---- strokes (strokes.c) ------------------------------------------------ */

struct an_stroke {
	bool on;                 /* moving: a stroke in the making */
	double x0, y0, t0;       /* where and when it started */
	double len;              /* path length from the start to the last vertex */
	double lx, ly;           /* the last vertex */
	double hx[AN_HEADING_RING], hy[AN_HEADING_RING], hlen[AN_HEADING_RING];
	unsigned nring, ring_head;
	/* the farthest point along the heading since the last vertex: where a
	 * turn or a stop really happened */
	double ex, ey, et, eproj;
	struct an_stats acc, at_e, after_e;
};

/* ---- sites and bouts (sites.c) -------------------------------------------- */

/* What stage 9 follows of a contact's (or the roller's) work: the site it
 * is working, and the compression in progress there. */
struct an_work {
	bool has_site;   /* working site `site` (a press in progress there) */
	uint32_t site;
	uint32_t slot;   /* where it was in sites[] when attached (a hint: it may have been evicted) */
	bool comp;       /* a compression in progress, counted at the site */
	bool comp_hold;  /* ... which is a hold (after a glide; a roller's) */
	bool glided;     /* the press made a stroke: no compression but its holds */
	bool released;   /* a `sensation` mark fell on the compression */
	double comp_t0;  /* when the compression began */
	double comp_peak;
};

struct an_site {
	bool used;
	uint32_t id;
	double x, y;
	bool from_stroke;  /* x, y: its first stroke's midpoint, until a compression lands */
	uint32_t bouts;    /* bouts begun: the current one's number */
	bool open;         /* a bout is going on */
	double t_start;    /* the bout's first work */
	double t_last;     /* the end of its last work */
	/* the bout's figures (compressions that ended) */
	double compression_s, hold_s, peak;
	bool hold_reached, released, compressed, over, pulsing;
	uint32_t passes, passes_after; /* all; those after it was compressed */
	uint32_t chain_n, chain_good;  /* the pulse set going on */
	double chain_sum, chain_end;
	uint32_t best_n;               /* the largest pulse set */
	double best_sum;
	double axes[AN_SITE_AXES];     /* each pass's axis, degrees [0, 180) */
	/* publishing */
	bool dirty;                    /* a field changed: an update is due */
	double last_pub;               /* the 1 Hz grid while a press is in progress */
	char last_next[PD_EV_KEY_BYTES];
};

enum an_mark { AN_MARK_SENSATION, AN_MARK_PAIN };

/* ---- contacts (contacts.c) ---------------------------------------------- */

struct an_contact {
	uint32_t id;
	double t_start;       /* first frame */
	double t_seen;        /* last frame its peak was found */
	double dt_seen;       /* that frame's interval */
	double t_lost;        /* first frame it was not found (pending release) */
	bool lost;
	bool matched;         /* found in this frame */
	int peak_idx;         /* index into the frame's peaks, when matched */
	double x, y, col, row;
	double vx, vy;        /* mm/s, smoothed */
	double cop_x, cop_y, peak, force, area;
	double last_pub;      /* device time of the last start/move */
	struct an_motion motion;
	struct an_press press;
	struct an_hold hold;
	struct an_stroke stroke;
	struct an_work work;
};

/* ---- pulse sets (pulses.c) ---------------------------------------------- */

struct an_pulse_set {
	bool used;
	double x, y;          /* the first press */
	double t_start, t_end;
	uint32_t count;
	double durations[PD_PULSES_MAX_LISTED];
	double peak_sum;
	uint32_t site;        /* the first press's */
};

/* ---- roller (roller.c) -------------------------------------------------- */

struct an_roller {
	bool loaded;
	bool lost;
	double t_start, t_seen, dt_seen, t_lost;
	uint32_t spell;       /* the loaded spell's id (a contact id, not published) */
	double pos;           /* body position, mm */
	double axis;          /* refined load peak along the axis, mm */
	double peak, force;
	int dir;              /* 0 unknown, +1/-1 */
	double s_pos, s_t;    /* where and when the current movement started */
	double e_pos, e_t;    /* its extreme so far */
	struct an_stats acc, at_e, after_e; /* of the total load; peak_x = axis */
	struct an_motion motion;
	struct an_hold hold;
	struct an_work work;
};

/* ---- the context -------------------------------------------------------- */

struct pd_analysis {
	struct pd_device_info info;
	struct pd_analysis_params p;
	struct pd_analysis_ids *ids;
	pd_event_fn emit;
	void *ctx;
	const char *units;
	bool roller;
	bool kpa;              /* calibrated in kPa: contacts carry a force */
	int rows, cols;
	size_t ncells;
	double px, py;         /* pitch, mm */
	double scale;          /* device unit per count */
	double full_scale;     /* in the device unit */
	float noise, on, off;  /* thresholds in the device unit */
	double step;           /* path step, mm */

	/* time */
	bool have_frame;       /* a frame since the last flush */
	uint64_t last_us;
	double t, dt;          /* this frame's time and interval */
	uint32_t seq;
	double dts[AN_DT_HISTORY];
	unsigned ndts, dts_head;
	uint64_t frames_since_fold;

	/* tare */
	float *base;           /* counts; valid when has_base */
	bool has_base;
	uint32_t *tare_sum;
	unsigned tare_n;
	bool taring;
	double tare_t0;

	/* the frame, after tare, noise floor and calibration */
	float *img;
	uint8_t *row_hot;      /* rows with a cell above contact_off */
	uint8_t *row_nz;       /* rows with a cell above the noise floor */

	/* heat map: exact doubles, fed from a float block every few frames */
	double *heat;
	float *heat_block;
	double *heat_out;      /* heat + block, what the getter hands out */
	size_t heat_rows, heat_cols;
	double heat_bin_mm;

	/* peaks */
	void *peak_scratch;
	struct pd_peak peaks[AN_MAX_PEAKS];
	size_t npeaks;

	/* contacts, in order of id */
	struct an_contact contacts[AN_MAX_CONTACTS];
	size_t ncontacts;
	uint32_t *stamp;       /* cell sweep: visited in sweep number stamp[i] */
	uint8_t *owner;
	int32_t *queue;
	uint32_t sweep;
	struct an_sweep_acc {
		double v, vx, vy; /* Σ v, Σ v × col, Σ v × row */
		uint32_t n;
	} sw[AN_MAX_CONTACTS];
	double match_d[AN_MAX_CONTACTS * AN_MAX_PEAKS];
	bool peak_taken[AN_MAX_PEAKS];

	struct an_pulse_set sets[AN_MAX_PULSE_SETS];

	struct an_site sites[AN_MAX_SITES];
	size_t nsites;         /* sites[] used up to here (slots are taken lowest first) */
	enum an_mark marks[AN_MAX_MARKS]; /* to apply at the next frame */
	size_t nmarks;

	struct an_roller rl;

	struct pd_analysis_stats stats;
};

/* analysis.c: events */
void an_emit(struct pd_analysis *a, enum pd_event_type type, enum pd_phase phase, const void *body,
	     size_t size);
uint32_t an_next_id(struct pd_analysis *a, enum pd_event_type type);
void an_thresholds(struct pd_analysis *a);

/* peaks.c: pd_peaks_find, skipping the rows row_hot says hold nothing
 * above the threshold (NULL: looks at every row) */
size_t an_peaks_find_hot(const float *img, const uint8_t *row_hot, int rows, int cols, float threshold,
			 double min_sep_mm, double pitch_x_mm, double pitch_y_mm, struct pd_peak *out, size_t max,
			 void *scratch);

/* tare.c */
void an_tare_feed(struct pd_analysis *a, const struct pd_frame *f);
void an_image(struct pd_analysis *a, const struct pd_frame *f);

/* heatmap.c */
void an_heat_fold(struct pd_analysis *a);
void an_heat_roller(struct pd_analysis *a, double pos_mm);

/* contacts.c */
void an_contacts_frame(struct pd_analysis *a);
void an_contacts_flush(struct pd_analysis *a);

/* presses.c: per contact */
void an_press_begin(struct an_contact *c, const struct an_sample *s);
void an_press_frame(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s);
void an_press_end(struct pd_analysis *a, struct an_contact *c, double t_end);

/* holds.c */
void an_hold_begin(struct an_hold *h, const struct an_sample *s);
void an_hold_frame(struct pd_analysis *a, struct an_hold *h, uint32_t contact, const struct an_sample *s,
		   double t_prev_end);
void an_hold_end(struct pd_analysis *a, struct an_hold *h, uint32_t contact, double t_end,
		 const struct an_stats *acc, double drift);

/* strokes.c */
void an_stroke_begin(struct an_stroke *st);
/* `before`: the contact's motion before this frame's update, which made a
 * new vertex when `vertex`. */
void an_stroke_frame(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s, bool vertex,
		     const struct an_motion *before);
void an_stroke_end(struct pd_analysis *a, struct an_contact *c);

/* pulses.c */
void an_pulses_press(struct pd_analysis *a, double t0, double duration, double x, double y, double peak,
		     uint32_t site);
void an_pulses_frame(struct pd_analysis *a);
void an_pulses_flush(struct pd_analysis *a);

/* sites.c: the hooks of the other stages, and each frame's bouts */
void an_site_contact(struct pd_analysis *a, struct an_contact *c, const struct an_sample *s);
uint32_t an_site_press(struct pd_analysis *a, struct an_work *w, double t0, double duration, double x, double y,
		       double peak, bool tap);
uint32_t an_site_hold(struct pd_analysis *a, const struct an_hold *h, enum pd_phase phase, double duration,
		      double peak);
uint32_t an_site_stroke(struct pd_analysis *a, struct an_work *w, double t0, const struct pd_ev_stroke *e,
			uint32_t *pass);
void an_site_roll(struct pd_analysis *a, struct an_work *w, double t0, const struct pd_ev_roll *e);
void an_site_detach(struct pd_analysis *a, struct an_work *w, double t_end);
void an_sites_frame(struct pd_analysis *a);
void an_sites_flush(struct pd_analysis *a);

/* site_event.c: what is in progress at a site this frame, the coach, the event */
struct an_site_progress {
	bool busy;      /* a press in progress at the site */
	bool comp;      /* a compression in progress there */
	bool released;  /* ... released by a `sensation` mark */
	double cur;     /* its duration so far (the longest, if several) */
	double seen_end; /* the end of the last frame of the work there */
};
struct an_site_progress an_site_scan(const struct pd_analysis *a, const struct an_site *s);
const char *an_site_coach(const struct pd_analysis *a, const struct an_site *s, const struct an_site_progress *p,
			  double *remaining);
void an_site_emit(struct pd_analysis *a, struct an_site *s, enum pd_phase phase, const struct an_site_progress *p);

/* roller.c */
void an_roller_frame(struct pd_analysis *a, const struct pd_frame *f);
void an_roller_flush(struct pd_analysis *a);

#endif
