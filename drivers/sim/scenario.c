/* The scenario generator. The scenarios themselves are data (scripts.h);
 * this file places them on the mat and samples them into frames. The
 * tests read the expected analysis events off the same keyframes
 * (tests/scenario_truth). */
#include "scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_internal.h"
#include "scripts.h"

/* ---- the catalogue ----------------------------------------------------- */

#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

const struct pd_scenario_desc *pd_scenario_list(void)
{
	return catalogue;
}

static const struct script *find_script(const char *name)
{
	for (size_t i = 0; i < NSCRIPTS; i++)
		if (!strcmp(scripts[i].name, name))
			return &scripts[i];
	return NULL;
}

static void known_names(char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (const struct pd_scenario_desc *d = pd_scenario_list(); d->name && off < len; d++) {
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", d->name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* ---- frame grid --------------------------------------------------------- */

/* The first frame at or after t. The slack absorbs float keyframe times
 * (33.5 s at 7 Hz is frame 234.5 → 235, 1.0 s at 100 Hz is frame 100). */
int64_t pd_sc_frame_at(double t, double rate)
{
	return (int64_t)ceil(t * rate - 1e-6);
}

void pd_sc_snap_segments(struct pd_scenario *sc)
{
	for (size_t i = 0; i < sc->nsegs; i++) {
		struct seg *s = &sc->segs[i];
		s->f0 = pd_sc_frame_at(sc->keys[s->first].t, sc->rate);
		s->f1 = pd_sc_frame_at(sc->keys[s->first + s->n - 1].t, sc->rate);
	}
	int64_t n = pd_sc_frame_at(sc->duration, sc->rate);
	sc->pass_frames = n > 0 ? (uint64_t)n : 1;
}

/* ---- sampling the timeline ---------------------------------------------- */

static struct key seg_at(const struct pd_scenario *sc, const struct seg *s, double t)
{
	const struct key *k = sc->keys + s->first;
	if (t <= k[0].t)
		return k[0];
	for (size_t i = 0; i + 1 < s->n; i++) {
		if (t < k[i + 1].t) {
			double dt = k[i + 1].t - k[i].t;
			double u = dt > 0 ? (t - k[i].t) / dt : 1;
			return (struct key){ t, k[i].x + u * (k[i + 1].x - k[i].x),
					     k[i].y + u * (k[i + 1].y - k[i].y),
					     k[i].amp + u * (k[i + 1].amp - k[i].amp) };
		}
	}
	return k[s->n - 1];
}

static bool seg_active(const struct seg *s, int64_t k)
{
	return k >= s->f0 && k < s->f1;
}

/* The roller's place along the body at frame k: where the active touch
 * is, else where the last one left it (the roller does not move unloaded). */
static double roller_body_mm(const struct pd_scenario *sc, int64_t k)
{
	double t = (double)k / sc->rate;
	double y = sc->nsegs ? sc->keys[sc->segs[0].first].y : 0;
	for (size_t i = 0; i < sc->nsegs; i++) {
		const struct seg *s = &sc->segs[i];
		if (seg_active(s, k))
			return seg_at(sc, s, t).y;
		if (k >= s->f1)
			y = sc->keys[s->first + s->n - 1].y;
	}
	return y;
}

static double gauss(double d, double sigma)
{
	return exp(-d * d / (2 * sigma * sigma));
}

static void add_blob(struct pd_scenario *sc, double x, double y, double a)
{
	for (uint16_t c = 0; c < sc->cols; c++)
		sc->gx[c] = (float)gauss(c * sc->pitch - x, sc->sigma);
	if (sc->kind == PD_KIND_ROLLER) {
		for (uint16_t c = 0; c < sc->cols; c++)
			sc->acc[c] += (float)(a * sc->gx[c]);
		return;
	}
	for (uint16_t r = 0; r < sc->rows; r++)
		sc->gy[r] = (float)gauss(r * sc->pitch - y, sc->sigma);
	for (uint16_t r = 0; r < sc->rows; r++) {
		float ay = (float)(a * sc->gy[r]);
		if (ay < 1e-4f)
			continue; /* rows this far out add nothing a cell can show */
		float *row = sc->acc + (size_t)r * sc->cols;
		for (uint16_t c = 0; c < sc->cols; c++)
			row[c] += ay * sc->gx[c];
	}
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void render(struct pd_scenario *sc, int64_t k)
{
	size_t ncells = (size_t)sc->rows * sc->cols;
	memset(sc->acc, 0, ncells * sizeof *sc->acc);
	double t = (double)k / sc->rate;
	for (size_t i = 0; i < sc->nsegs; i++) {
		const struct seg *s = &sc->segs[i];
		if (!seg_active(s, k))
			continue;
		struct key b = seg_at(sc, s, t);
		if (b.amp > 0)
			add_blob(sc, b.x, b.y, b.amp * sc->blob_peak);
	}
	/* Noise is a function of (seed, seq) alone, so frames do not depend on
	 * which frames were skipped before them. */
	uint64_t rng = splitmix64(((uint64_t)sc->seed << 32) ^ splitmix64(sc->seq));
	if (!rng)
		rng = 1;
	double w = NOISE_HALF_WIDTH * sc->full_scale;
	double fs = sc->full_scale;
	for (size_t i = 0; i < ncells; i++) {
		uint64_t r = xorshift64(&rng);
		double u1 = (double)(r >> 40) / 16777216.0;
		double u2 = (double)((r >> 16) & 0xFFFFFF) / 16777216.0;
		double v = sc->acc[i] + w * (u1 + u2 - 1);
		double q = v <= 0 ? 0 : floor(v + 0.5);
		if (q > fs)
			q = fs;
		uint32_t u = (uint32_t)q;
		if (sc->cell_bits == 8) {
			sc->cells[i] = (uint8_t)u;
		} else {
			sc->cells[2 * i] = (uint8_t)u;
			sc->cells[2 * i + 1] = (uint8_t)(u >> 8);
		}
	}
}

/* The highest noise-free cell near (x, y) at frame k. */
double pd_sc_clean_peak(const struct pd_scenario *sc, int64_t k, double x, double y)
{
	double t = (double)k / sc->rate;
	long c0 = lround(x / sc->pitch), r0 = sc->kind == PD_KIND_ROLLER ? 0 : lround(y / sc->pitch);
	long rspan = sc->kind == PD_KIND_ROLLER ? 0 : 2;
	double best = 0;
	for (long r = r0 - rspan; r <= r0 + rspan; r++) {
		if (r < 0 || r >= sc->rows)
			continue;
		for (long c = c0 - 2; c <= c0 + 2; c++) {
			if (c < 0 || c >= sc->cols)
				continue;
			double v = 0;
			for (size_t i = 0; i < sc->nsegs; i++) {
				const struct seg *s = &sc->segs[i];
				if (!seg_active(s, k))
					continue;
				struct key b = seg_at(sc, s, t);
				double g = gauss(c * sc->pitch - b.x, sc->sigma);
				if (sc->kind != PD_KIND_ROLLER)
					g *= gauss(r * sc->pitch - b.y, sc->sigma);
				v += b.amp * sc->blob_peak * g;
			}
			if (v > best)
				best = v;
		}
	}
	return best < sc->full_scale ? best : sc->full_scale;
}

/* ---- building the timeline ---------------------------------------------- */

struct part {
	const struct script *s;
	float dt, dx, dy;
};

static int build(struct pd_scenario *sc, const struct part *parts, size_t nparts,
		 char *err, size_t errlen)
{
	size_t nsegs = 0, nkeys = 0;
	for (size_t i = 0; i < nparts; i++) {
		nsegs += parts[i].s->nsegs;
		for (size_t j = 0; j < parts[i].s->nsegs; j++)
			nkeys += parts[i].s->segs[j].nkeys;
	}
	sc->keys = calloc(nkeys ? nkeys : 1, sizeof *sc->keys);
	sc->segs = calloc(nsegs ? nsegs : 1, sizeof *sc->segs);
	if (!sc->keys || !sc->segs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	double cx = (sc->cols - 1) * sc->pitch / 2;
	double cy = sc->kind == PD_KIND_ROLLER ? 0 : (sc->rows - 1) * sc->pitch / 2;
	size_t ki = 0, si = 0;
	uint32_t blob_base = 0;
	sc->duration = 0;
	for (size_t i = 0; i < nparts; i++) {
		const struct script *s = parts[i].s;
		uint32_t blobs = 0;
		for (size_t j = 0; j < s->nsegs; j++) {
			const struct sseg *g = &s->segs[j];
			sc->segs[si] = (struct seg){ blob_base + g->blob, ki, g->nkeys, 0, 0 };
			for (size_t m = 0; m < g->nkeys; m++) {
				const struct skey *k = &g->keys[m];
				sc->keys[ki++] = (struct key){ parts[i].dt + (double)k->t,
							       cx + parts[i].dx + (double)k->x,
							       cy + parts[i].dy + (double)k->y, k->amp };
			}
			if (g->blob + 1u > blobs)
				blobs = g->blob + 1u;
			si++;
		}
		blob_base += blobs;
		sc->duration = parts[i].dt + (double)s->duration;
	}
	sc->nkeys = nkeys;
	sc->nsegs = nsegs;
	return 0;
}

/* 0 if every blob centre stays FIT_SIGMAS inside the outer cell centres;
 * else -1 and what the scenario needs. */
static int check_fit(const struct pd_scenario *sc, char *err, size_t errlen)
{
	double w = (sc->cols - 1) * sc->pitch, h = (sc->rows - 1) * sc->pitch;
	double m = FIT_SIGMAS * sc->sigma;
	double need_x = 0, need_y = 0; /* farthest reach from the centre line */
	bool fits = true;
	for (size_t i = 0; i < sc->nkeys; i++) {
		const struct key *k = &sc->keys[i];
		double ox = fabs(k->x - w / 2) + m;
		if (ox > need_x)
			need_x = ox;
		if (k->x < m - 1e-9 || k->x > w - m + 1e-9)
			fits = false;
		if (sc->kind == PD_KIND_ROLLER)
			continue;
		double oy = fabs(k->y - h / 2) + m;
		if (oy > need_y)
			need_y = oy;
		if (k->y < m - 1e-9 || k->y > h - m + 1e-9)
			fits = false;
	}
	if (fits)
		return 0;
	if (sc->kind == PD_KIND_ROLLER)
		snprintf(err, errlen,
			 "scenario '%s' does not fit a roller of %u cells at %g mm pitch: its load needs "
			 "%.0f mm between the outer cell centres (it has %.0f mm); use more cols or a smaller sigma",
			 sc->name, sc->cols, sc->pitch, 2 * need_x, w);
	else
		snprintf(err, errlen,
			 "scenario '%s' does not fit a %u x %u mat at %g mm pitch: its blobs need "
			 "%.0f x %.0f mm between the outer cell centres (this mat has %.0f x %.0f mm); "
			 "use more rows/cols or a larger pitch",
			 sc->name, sc->rows, sc->cols, sc->pitch, 2 * need_x, 2 * need_y, w, h);
	return -1;
}

/* How far a station may sit from the centre along one axis: the room the
 * mat leaves once the script's own reach and the margin are taken off, in
 * whole cells so the blobs keep the sub-cell offsets they were given. */
static float station_room(float want, double half, double margin, double reach, double pitch)
{
	double room = half - margin - reach - 1e-3;
	double got = fmin(fabs((double)want), room > 0 ? room : 0);
	got = floor(got / pitch + 1e-9) * pitch;
	return (float)(want < 0 ? -got : got);
}

static int place(struct pd_scenario *sc, char *err, size_t errlen)
{
	struct part parts[sizeof all_stations / sizeof all_stations[0]];
	if (strcmp(sc->name, "all") != 0) {
		parts[0] = (struct part){ find_script(sc->name), 0, 0, 0 };
		if (build(sc, parts, 1, err, errlen) != 0)
			return -1;
		return check_fit(sc, err, errlen);
	}
	/* Each scenario at its own station, pulled in towards the centre as
	 * far as a smaller mat needs. On a mat too small for any room the
	 * stations coincide; the truth, derived from the placement, then
	 * merges neighbouring presses into pulse sets as analysis would. */
	size_t n = sizeof all_stations / sizeof all_stations[0];
	double m = FIT_SIGMAS * sc->sigma;
	double hx = (sc->cols - 1) * sc->pitch / 2, hy = (sc->rows - 1) * sc->pitch / 2;
	float t = 0;
	for (size_t i = 0; i < n; i++) {
		const struct script *s = find_script(all_stations[i].name);
		double rx = 0, ry = 0;
		for (size_t j = 0; j < s->nsegs; j++)
			for (size_t k = 0; k < s->segs[j].nkeys; k++) {
				rx = fmax(rx, fabs((double)s->segs[j].keys[k].x));
				ry = fmax(ry, fabs((double)s->segs[j].keys[k].y));
			}
		parts[i] = (struct part){ s, t, station_room(all_stations[i].dx, hx, m, rx, sc->pitch),
					  station_room(all_stations[i].dy, hy, m, ry, sc->pitch) };
		t += s->duration;
	}
	if (build(sc, parts, n, err, errlen) != 0)
		return -1;
	return check_fit(sc, err, errlen);
}

/* ---- public API ------------------------------------------------------------ */

static int resolve(struct pd_scenario *sc, const struct pd_scenario_params *p, char *err, size_t errlen)
{
	const char *name = p->name && *p->name ? p->name : NULL;
	uint8_t kind = p->kind;
	if (kind != 0 && kind != PD_KIND_MAT && kind != PD_KIND_ROLLER) {
		snprintf(err, errlen, "unknown device kind %u (1 mat, 2 roller)", kind);
		return -1;
	}
	if (!name)
		name = kind == PD_KIND_ROLLER ? "roller" : "all";
	uint8_t skind = PD_KIND_MAT;
	if (strcmp(name, "all") != 0) {
		const struct script *s = find_script(name);
		if (!s) {
			char known[160];
			known_names(known, sizeof known);
			snprintf(err, errlen, "unknown scenario '%s' (known: %s)", name, known);
			return -1;
		}
		skind = s->kind;
	}
	if (kind == 0)
		kind = skind;
	if (kind != skind) {
		snprintf(err, errlen, "scenario '%s' is for a %s, not a %s", name, pd_kind_name(skind),
			 pd_kind_name(kind));
		return -1;
	}
	sc->name = name;
	sc->kind = kind;

	bool roller = kind == PD_KIND_ROLLER;
	sc->rows = p->rows ? p->rows : roller ? 1 : 32;
	sc->cols = p->cols ? p->cols : roller ? 16 : 32;
	if (roller && sc->rows != 1) {
		snprintf(err, errlen, "a roller has 1 row of load cells, not %u", sc->rows);
		return -1;
	}
	if (!roller && (sc->rows < MIN_SIDE || sc->rows > MAX_SIDE)) {
		snprintf(err, errlen, "rows must be %d..%d, not %u", MIN_SIDE, MAX_SIDE, sc->rows);
		return -1;
	}
	if (sc->cols < MIN_SIDE || sc->cols > MAX_SIDE) {
		snprintf(err, errlen, "cols must be %d..%d, not %u", MIN_SIDE, MAX_SIDE, sc->cols);
		return -1;
	}
	sc->pitch = p->pitch_mm != 0 ? p->pitch_mm : 10;
	if (!(sc->pitch >= 0.1 && sc->pitch <= 1000)) {
		snprintf(err, errlen, "pitch must be 0.1..1000 mm, not %g", (double)p->pitch_mm);
		return -1;
	}
	sc->rate = p->rate_hz != 0 ? p->rate_hz : 100;
	if (!(sc->rate >= 1 && sc->rate <= 2000)) {
		snprintf(err, errlen, "rate must be 1..2000 Hz, not %g", (double)p->rate_hz);
		return -1;
	}
	sc->cell_bits = p->cell_bits ? p->cell_bits : 16;
	if (sc->cell_bits != 8 && sc->cell_bits != 16) {
		snprintf(err, errlen, "cell_bits must be 8 or 16, not %u", sc->cell_bits);
		return -1;
	}
	uint32_t max_fs = sc->cell_bits == 8 ? 255 : 65535;
	sc->full_scale = p->full_scale ? p->full_scale : sc->cell_bits == 8 ? 254 : 4095;
	sc->unit = p->units_per_count > 0 ? p->unit : PD_UNIT_COUNTS;
	sc->units_per_count = sc->unit == PD_UNIT_COUNTS ? 0 : p->units_per_count;
	if (sc->full_scale > max_fs) {
		snprintf(err, errlen, "full_scale %u does not fit %u-bit cells (at most %u)", sc->full_scale,
			 sc->cell_bits, max_fs);
		return -1;
	}
	double pf = p->peak_fraction != 0 ? p->peak_fraction : 0.6;
	if (!(pf > 0 && pf <= 10)) {
		snprintf(err, errlen, "peak_fraction must be in (0, 10], not %g", pf);
		return -1;
	}
	sc->blob_peak = pf * sc->full_scale;
	sc->sigma = p->sigma_mm != 0 ? p->sigma_mm : 12;
	if (!(sc->sigma >= 0.5 && sc->sigma <= 1000)) {
		snprintf(err, errlen, "sigma must be 0.5..1000 mm, not %g", (double)p->sigma_mm);
		return -1;
	}
	sc->seed = p->seed;
	sc->loop = p->loop;
	return 0;
}

int pd_scenario_new(struct pd_scenario **out, const struct pd_scenario_params *params,
		    char *err, size_t errlen)
{
	*out = NULL;
	struct pd_scenario *sc = calloc(1, sizeof *sc);
	if (!sc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (resolve(sc, params, err, errlen) != 0 || place(sc, err, errlen) != 0)
		goto fail;
	size_t ncells = (size_t)sc->rows * sc->cols;
	sc->acc = calloc(ncells, sizeof *sc->acc);
	sc->gx = calloc(sc->cols, sizeof *sc->gx);
	sc->gy = calloc(sc->rows, sizeof *sc->gy);
	sc->cells = calloc(pd_frame_cells_bytes(sc->rows, sc->cols, sc->cell_bits), 1);
	if (!sc->acc || !sc->gx || !sc->gy || !sc->cells) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	pd_sc_snap_segments(sc);
	sc->created_rate = sc->rate;
	*out = sc;
	return 0;
fail:
	pd_scenario_free(sc);
	return -1;
}

void pd_scenario_free(struct pd_scenario *sc)
{
	if (!sc)
		return;
	free(sc->keys);
	free(sc->segs);
	free(sc->acc);
	free(sc->gx);
	free(sc->gy);
	free(sc->cells);
	if (sc->truth_free)
		sc->truth_free(sc->truth);
	free(sc);
}

void pd_scenario_info(const struct pd_scenario *sc, struct pd_device_info *info)
{
	bool roller = sc->kind == PD_KIND_ROLLER;
	*info = (struct pd_device_info){
		.protocol_version = 1,
		.kind = sc->kind,
		.cell_bits = sc->cell_bits,
		.unit = sc->unit,
		.units_per_count = sc->units_per_count,
		.rows = sc->rows,
		.cols = sc->cols,
		.pitch_x_mm = (float)sc->pitch,
		.pitch_y_mm = roller ? 0.0f : (float)sc->pitch,
		.rate_hz = (float)sc->rate,
		.full_scale = sc->full_scale,
		.radius_mm = roller ? (float)ROLLER_RADIUS_MM : 0.0f,
		.counts_per_rev = roller ? ROLLER_COUNTS_PER_REV : 0,
	};
	snprintf(info->model, sizeof info->model, "pressd-sim %s", pd_kind_name(sc->kind));
	snprintf(info->serial, sizeof info->serial, "SIM-%08X", sc->seed);
	snprintf(info->firmware, sizeof info->firmware, "%s", PRESSD_VERSION);
}

double pd_scenario_duration_s(const struct pd_scenario *sc)
{
	return sc->duration;
}

uint64_t pd_scenario_frames_per_pass(const struct pd_scenario *sc)
{
	return sc->pass_frames;
}

static uint64_t device_time_us(const struct pd_scenario *sc)
{
	return sc->base_us + (uint64_t)llround((double)(sc->seq - sc->base_seq) * 1e6 / sc->rate);
}

static void advance(struct pd_scenario *sc, uint64_t n)
{
	sc->seq += n;
	sc->k += n;
	if (sc->k < sc->pass_frames)
		return;
	if (sc->loop)
		sc->k %= sc->pass_frames;
	else
		sc->done = true;
}

bool pd_scenario_next(struct pd_scenario *sc, struct pd_frame *frame)
{
	if (sc->done)
		return false;
	render(sc, (int64_t)sc->k);
	*frame = (struct pd_frame){
		.seq = (uint32_t)sc->seq,
		.device_time_us = device_time_us(sc),
		.rows = sc->rows,
		.cols = sc->cols,
		.cell_bits = sc->cell_bits,
		.cells = sc->cells,
	};
	if (sc->kind == PD_KIND_ROLLER) {
		double turn = 2 * PI * ROLLER_RADIUS_MM;
		frame->encoder = (int32_t)lround(roller_body_mm(sc, (int64_t)sc->k) / turn * ROLLER_COUNTS_PER_REV);
		frame->has_encoder = true;
	}
	advance(sc, 1);
	return true;
}

void pd_scenario_skip(struct pd_scenario *sc, uint64_t n)
{
	if (!sc->done && n)
		advance(sc, n);
}

int pd_scenario_set_rate(struct pd_scenario *sc, float rate_hz)
{
	if (!(rate_hz >= 1 && rate_hz <= 2000))
		return -1;
	sc->base_us = device_time_us(sc);
	sc->base_seq = sc->seq;
	double t = (double)sc->k / sc->rate;
	sc->rate = rate_hz;
	pd_sc_snap_segments(sc);
	int64_t k = pd_sc_frame_at(t, sc->rate);
	sc->k = (uint64_t)(k > 0 ? k : 0);
	if (sc->k >= sc->pass_frames)
		advance(sc, 0);
	return 0;
}

double pd_roller_position_mm(const struct pd_device_info *info, int32_t encoder)
{
	if (!info->counts_per_rev)
		return 0;
	return (double)encoder / info->counts_per_rev * 2 * PI * info->radius_mm;
}
