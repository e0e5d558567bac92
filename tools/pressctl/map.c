#include "map.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "format.h"
#include "frame_message.h"
#include "parse.h"
#include "stream.h"

static const char ramp[] = " .:-=+*#%@";
enum { LEVELS = sizeof ramp - 1, MAX_CONTACTS = 64, MAX_HOLDS = 16 };
/* 256-colour foreground per level: blue through green and yellow to red */
static const int palette[LEVELS] = { 0, 21, 27, 33, 45, 49, 118, 226, 208, 196 };
#define HOLD_SHOWN_AFTER_END_S 3.0
#define MIN_REDRAW_S (1.0 / 30) /* on a terminal */

struct contact {
	long long id;
	double row, col;
};

struct hold {
	long long id;
	double duration, target_s, t_event, t_end;
	bool reached, ended, has_target;
};

struct map {
	const struct pc_global *g;
	FILE *out;
	bool tty, color;
	char device[128];
	bool locked;
	char state[32];
	double full_scale; /* counts; 0: not known, scale to the highest seen */
	double seen_max;
	json_t *status_devices; /* the control status reply's, until locked */
	struct contact contacts[MAX_CONTACTS];
	int ncontacts;
	struct hold holds[MAX_HOLDS];
	int nholds;
	long redraws, max_redraws;
	bool cleared, pending;
	double last_draw;
	int last_w, last_h;
	int *overlay;
	uint32_t *cells;
	size_t cap;
	long warnings;
};

static bool num(json_t *o, const char *key, double *v)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}

static void warn(struct map *m, const char *what)
{
	if (m->warnings++ < 5)
		fprintf(stderr, "pressctl: %s\n", what);
}

/* full_scale from a device's info (status event or status reply). */
static void take_info(struct map *m, json_t *dev)
{
	double fs;
	if (num(json_object_get(dev, "info"), "full_scale", &fs) && fs > 0)
		m->full_scale = fs;
	const char *state = json_string_value(json_object_get(dev, "state"));
	if (state)
		snprintf(m->state, sizeof m->state, "%s", state);
}

static void take_status_reply(struct map *m)
{
	size_t i;
	json_t *dev;
	json_array_foreach(m->status_devices, i, dev) {
		const char *id = json_string_value(json_object_get(dev, "id"));
		if (id && strcmp(id, m->device) == 0)
			take_info(m, dev);
	}
	json_decref(m->status_devices);
	m->status_devices = NULL;
}

static void lock(struct map *m, const char *device)
{
	snprintf(m->device, sizeof m->device, "%s", device);
	m->locked = true;
	if (m->status_devices)
		take_status_reply(m);
}

static void on_contact(struct map *m, json_t *ev)
{
	json_t *jid = json_object_get(ev, "id");
	if (!json_is_integer(jid))
		return;
	long long id = json_integer_value(jid);
	const char *phase = json_string_value(json_object_get(ev, "phase"));
	int i = 0;
	while (i < m->ncontacts && m->contacts[i].id != id)
		i++;
	if (phase && strcmp(phase, "end") == 0) {
		if (i < m->ncontacts)
			m->contacts[i] = m->contacts[--m->ncontacts];
		return;
	}
	/* start or move (a lost start is made good by the next move) */
	double row, col;
	if (!num(ev, "row", &row) || !num(ev, "col", &col))
		return;
	if (i == m->ncontacts) {
		if (m->ncontacts == MAX_CONTACTS)
			return;
		m->ncontacts++;
	}
	m->contacts[i] = (struct contact){ id, row, col };
}

static void on_hold(struct map *m, json_t *ev)
{
	json_t *jid = json_object_get(ev, "id");
	if (!json_is_integer(jid))
		return;
	long long id = json_integer_value(jid);
	int i = 0;
	while (i < m->nholds && m->holds[i].id != id)
		i++;
	if (i == m->nholds) {
		if (m->nholds == MAX_HOLDS)
			memmove(&m->holds[0], &m->holds[1], --m->nholds * sizeof m->holds[0]);
		i = m->nholds++;
		m->holds[i] = (struct hold){ .id = id };
	}
	struct hold *h = &m->holds[i];
	const char *phase = json_string_value(json_object_get(ev, "phase"));
	num(ev, "duration", &h->duration);
	h->has_target = num(ev, "target_s", &h->target_s);
	h->reached = json_is_true(json_object_get(ev, "reached"));
	h->t_event = NAN;
	num(ev, "t", &h->t_event);
	if (phase && strcmp(phase, "end") == 0) {
		h->ended = true;
		h->t_end = h->t_event;
	}
}

/* Holds that ended a while ago (device time) go. */
static void expire_holds(struct map *m, double t)
{
	for (int i = 0; i < m->nholds;) {
		const struct hold *h = &m->holds[i];
		if (h->ended && !isnan(t) && !isnan(h->t_end) && t - h->t_end > HOLD_SHOWN_AFTER_END_S)
			memmove(&m->holds[i], &m->holds[i + 1], (size_t)(--m->nholds - i) * sizeof m->holds[0]);
		else
			i++;
	}
}

/* The room the map has: the terminal's, or COLUMNS/LINES, or no limit. */
static void room(const struct map *m, int *w, int *h)
{
	*w = *h = 0;
	struct winsize ws;
	if (m->tty && ioctl(fileno(m->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*w = ws.ws_col;
		*h = ws.ws_row;
	} else {
		long v;
		const char *c = getenv("COLUMNS"), *l = getenv("LINES");
		if (c && pd_parse_long(c, 1, 100000, &v))
			*w = (int)v;
		if (l && pd_parse_long(l, 1, 100000, &v))
			*h = (int)v;
	}
}

static void status_line(struct map *m, json_t *ev, const struct pc_frame *f, uint32_t max, double scale)
{
	FILE *o = m->out;
	pc_put_safe(o, m->device);
	if (m->state[0] && strcmp(m->state, "streaming") != 0) {
		fputc(' ', o);
		pc_put_safe(o, m->state);
	}
	double t = NAN, frame;
	if (num(ev, "frame", &frame))
		fprintf(o, "  frame %.0f", frame);
	if (num(ev, "t", &t))
		fprintf(o, "  t=%.2fs", t);
	char v[64], s[64];
	pc_frame_value_str(f, max, v, sizeof v);
	pc_frame_value_str(f, scale, s, sizeof s);
	fprintf(o, "  max %s  %s %s", v, m->full_scale > 0 ? "full scale" : "scale", s);
	if (m->ncontacts)
		fprintf(o, "  contacts %d", m->ncontacts);
	expire_holds(m, t);
	for (int i = 0; i < m->nholds; i++) {
		const struct hold *h = &m->holds[i];
		double d = h->duration;
		if (!h->ended && !isnan(t) && !isnan(h->t_event) && t > h->t_event)
			d += t - h->t_event; /* running: progress comes once a second */
		fprintf(o, "  hold #%lld %.1fs", h->id, d);
		if (h->has_target)
			fprintf(o, " of %gs", h->target_s);
		if (h->reached || (h->has_target && d >= h->target_s))
			fputs(" ✓", o);
		if (h->ended)
			fputs(" done", o);
	}
}

static void put_level(struct map *m, int level, int *color_now)
{
	if (m->color && palette[level] != *color_now) {
		if (palette[level])
			fprintf(m->out, "\033[38;5;%dm", palette[level]);
		else
			fputs("\033[39m", m->out);
		*color_now = palette[level];
	}
	fputc(ramp[level], m->out);
}

static void draw(struct map *m, json_t *ev, const struct pc_frame *f)
{
	uint32_t max = pc_frame_max(f);
	if (max > m->seen_max)
		m->seen_max = max;
	double scale = m->full_scale > 0 ? m->full_scale : m->seen_max > 0 ? m->seen_max : 1;

	/* room: the status line and one spare line under the map */
	int tw, th;
	room(m, &tw, &th);
	int avail_rows = th > 2 ? th - 2 : th ? 1 : 0, avail_cols = tw;
	int cw = !avail_cols || 2 * f->cols <= avail_cols ? 2 : 1;
	int cs = avail_cols && f->cols * cw > avail_cols ? (f->cols * cw + avail_cols - 1) / avail_cols : 1;
	int rs = avail_rows && f->rows > avail_rows ? (f->rows + avail_rows - 1) / avail_rows : 1;
	int orows = (f->rows + rs - 1) / rs, ocols = (f->cols + cs - 1) / cs;
	size_t n = (size_t)orows * (size_t)ocols;
	if (n > m->cap) {
		free(m->cells);
		free(m->overlay);
		m->cells = malloc(n * sizeof *m->cells);
		m->overlay = malloc(n * sizeof *m->overlay);
		m->cap = m->cells && m->overlay ? n : 0;
		if (!m->cap)
			return;
	}
	/* a block shows its highest cell: a peak never disappears */
	memset(m->cells, 0, n * sizeof *m->cells);
	for (int r = 0; r < f->rows; r++)
		for (int c = 0; c < f->cols; c++) {
			uint32_t v = pc_frame_cell(f, (size_t)r * (size_t)f->cols + (size_t)c);
			uint32_t *o = &m->cells[(size_t)(r / rs) * (size_t)ocols + (size_t)(c / cs)];
			if (v > *o)
				*o = v;
		}
	for (size_t i = 0; i < n; i++)
		m->overlay[i] = -1;
	for (int i = 0; i < m->ncontacts; i++) {
		long r = lround(m->contacts[i].row), c = lround(m->contacts[i].col);
		r = r < 0 ? 0 : r >= f->rows ? f->rows - 1 : r;
		c = c < 0 ? 0 : c >= f->cols ? f->cols - 1 : c;
		m->overlay[(size_t)(r / rs) * (size_t)ocols + (size_t)(c / cs)] = (int)(m->contacts[i].id % 100);
	}

	FILE *o = m->out;
	if (m->tty) {
		if (!m->cleared || tw != m->last_w || th != m->last_h)
			fputs("\033[2J", o); /* first time, or the terminal changed size */
		m->cleared = true;
		m->last_w = tw;
		m->last_h = th;
		fputs("\033[H", o);
	}
	status_line(m, ev, f, (uint32_t)max, scale);
	fputs(m->tty ? "\033[K\n" : "\n", o);
	for (int r = 0; r < orows; r++) {
		int color_now = 0;
		for (int c = 0; c < ocols; c++) {
			double x = m->cells[(size_t)r * (size_t)ocols + (size_t)c] / scale;
			int level = (int)lround(x * (LEVELS - 1));
			level = level < 0 ? 0 : level >= LEVELS ? LEVELS - 1 : level;
			int id = m->overlay[(size_t)r * (size_t)ocols + (size_t)c];
			if (id < 0) {
				for (int k = 0; k < cw; k++)
					put_level(m, level, &color_now);
				continue;
			}
			/* the contact's id, then (with room) its pressure */
			if (m->color)
				fputs("\033[1;7m", o);
			if (cw == 2 && id >= 10)
				fprintf(o, "%02d", id);
			else
				fputc('0' + id % 10, o);
			if (m->color) {
				fputs("\033[0m", o);
				color_now = 0;
			}
			if (cw == 2 && id < 10)
				put_level(m, level, &color_now);
		}
		if (m->color && color_now)
			fputs("\033[39m", o);
		fputs(m->tty ? "\033[K\n" : "\n", o);
	}
	if (m->tty)
		fputs("\033[J", o);
	else
		fputc('\n', o); /* maps one after another, a blank line between */
	fflush(o);
	m->redraws++;
	m->last_draw = pd_mono_s();
	m->pending = false;
}

/* The latest frame, kept for a redraw that waits for the rate limit. */
struct latest {
	struct pc_msg msg;
	bool have;
};

static void on_frame(struct map *m, struct latest *latest, struct pc_msg *msg)
{
	if (latest->have)
		pc_msg_close(&latest->msg);
	pc_msg_move(&latest->msg, msg);
	latest->have = true;
	m->pending = true;
}

static void draw_latest(struct map *m, struct latest *latest)
{
	struct pc_frame f;
	char why[160];
	struct pc_msg *msg = &latest->msg;
	const void *cells = msg->nparts > 2 ? zmq_msg_data(&msg->part[2]) : NULL;
	size_t len = msg->nparts > 2 ? zmq_msg_size(&msg->part[2]) : 0;
	if (pc_frame_parse(msg->json, cells, len, &f, why, sizeof why))
		draw(m, msg->json, &f);
	else
		warn(m, why);
	m->pending = false;
}

static void handle(struct map *m, struct latest *latest, struct pc_msg *msg)
{
	if (!msg->json)
		return;
	char type[64], device[128];
	pc_msg_type(msg, type, sizeof type);
	pc_msg_device(msg, device, sizeof device);
	bool is_frame = strcmp(type, "frame") == 0;
	if (!m->locked) {
		if (!is_frame)
			return; /* the device is the first that sends a frame */
		lock(m, device);
	}
	if (strcmp(device, m->device) != 0)
		return;
	if (is_frame)
		on_frame(m, latest, msg);
	else if (strcmp(type, "contact") == 0)
		on_contact(m, msg->json);
	else if (strcmp(type, "hold") == 0)
		on_hold(m, msg->json);
	else if (strcmp(type, "status") == 0)
		take_info(m, msg->json);
}

static void on_control_reply(struct map *m, void *ctl)
{
	json_t *reply;
	char why[256];
	if (pc_control_take_reply(ctl, &reply, NULL, why, sizeof why) != 0)
		return; /* the scale then comes from status events or the frames */
	m->status_devices = json_incref(json_object_get(reply, "devices"));
	json_decref(reply);
	if (m->locked)
		take_status_reply(m);
}

static int subscribe(void *sub, const char *device)
{
	static const char *const types[] = { "frame", "contact", "hold", "status" };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		char prefix[256];
		snprintf(prefix, sizeof prefix, "%s/%s", types[i], device ? device : "");
		if (pc_sub_subscribe(sub, prefix) != 0)
			return -1;
	}
	return 0;
}

static int loop(struct map *m, void *sub, void *ctl)
{
	struct latest latest = { .have = false };
	double ctl_deadline = pd_mono_s() + m->g->timeout_s;
	int rc = 0;
	while (!pc_stopped() && (m->max_redraws == 0 || m->redraws < m->max_redraws)) {
		zmq_pollitem_t items[2] = { { .socket = sub, .events = ZMQ_POLLIN },
					    { .socket = ctl, .events = ZMQ_POLLIN } };
		long wait_ms = 250;
		if (m->pending) {
			double left = m->last_draw + MIN_REDRAW_S - pd_mono_s();
			wait_ms = left > 0 ? (long)ceil(left * 1000) : 0;
		}
		if (zmq_poll(items, ctl ? 2 : 1, wait_ms) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			fprintf(stderr, "pressctl: waiting for events: %s\n", zmq_strerror(zmq_errno()));
			rc = EX_SOFTWARE;
			break;
		}
		if (ctl && (items[1].revents & ZMQ_POLLIN)) {
			on_control_reply(m, ctl);
			zmq_close(ctl);
			ctl = NULL;
		} else if (ctl && pd_mono_s() > ctl_deadline) {
			zmq_close(ctl); /* no control socket: fine, the map needs none */
			ctl = NULL;
		}
		struct pc_msg msg;
		while (pc_msg_recv(sub, &msg) == 0) {
			handle(m, &latest, &msg);
			pc_msg_close(&msg);
			/* into a file, every frame is a map; on a terminal at most 30/s */
			if (m->pending && (!m->tty || pd_mono_s() - m->last_draw >= MIN_REDRAW_S))
				draw_latest(m, &latest);
			if (m->max_redraws && m->redraws >= m->max_redraws)
				break;
		}
		if (m->pending && pd_mono_s() - m->last_draw >= MIN_REDRAW_S)
			draw_latest(m, &latest);
		if (ferror(m->out)) {
			perror("pressctl: stdout");
			rc = EX_IOERR;
			break;
		}
	}
	if (latest.have)
		pc_msg_close(&latest.msg);
	if (ctl)
		zmq_close(ctl);
	return rc;
}

int pc_map_run(const struct pc_global *g, const char *device, long frames)
{
	struct map m = { .g = g, .out = stdout, .max_redraws = frames };
	m.tty = isatty(fileno(stdout));
	const char *term = getenv("TERM");
	m.color = m.tty && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
	if (device)
		lock(&m, device);

	void *ctx = zmq_ctx_new();
	if (!ctx) {
		fprintf(stderr, "pressctl: cannot start ZeroMQ: %s\n", zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	int rc = 0;
	void *ctl = NULL, *sub = pc_sub_open(ctx, g);
	if (!sub) {
		rc = errno == EINVAL || errno == EPROTONOSUPPORT ? EX_USAGE : EX_SOFTWARE;
		goto out;
	}
	if (subscribe(sub, device) != 0 || pc_stop_signals_install() != 0) {
		fprintf(stderr, "pressctl: cannot subscribe: %s\n", strerror(errno));
		rc = EX_SOFTWARE;
		goto out;
	}
	/* the full scale, from a status request answered while frames come */
	ctl = pc_control_open(ctx, g);
	if (!ctl) {
		rc = errno == EINVAL || errno == EPROTONOSUPPORT ? EX_USAGE : EX_SOFTWARE;
		goto out;
	}
	json_t *req = json_pack("{s:s}", "cmd", "status");
	if (!req || pc_control_send(ctl, req) != 0) {
		zmq_close(ctl);
		ctl = NULL;
	}
	json_decref(req);
	if (m.tty) {
		/* no autowrap (a long status line must not push the map down), no cursor */
		fputs("\033[?7l\033[?25l\033[2J\033[H", stdout);
		fputs("waiting for frames from ", stdout);
		pc_put_safe(stdout, g->pub);
		if (device) {
			fputs(" for ", stdout);
			pc_put_safe(stdout, device);
		}
		fputs("...", stdout);
		fflush(stdout);
	}
	rc = loop(&m, sub, ctl);
	ctl = NULL; /* closed by loop */
	if (m.tty) {
		fputs("\033[0m\033[?25h\033[?7h\n", stdout);
		fflush(stdout);
	}
out:
	if (ctl)
		zmq_close(ctl);
	if (sub)
		zmq_close(sub);
	zmq_ctx_term(ctx);
	json_decref(m.status_devices);
	free(m.cells);
	free(m.overlay);
	return rc;
}
