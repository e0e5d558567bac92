/* recording.md's layout, all of it, made before SWMR writing starts: an
 * SWMR writer cannot add objects or attributes that readers would see, so
 * everything a reader may look for exists from the first moment, empty
 * where nothing was recorded yet. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"
#include "rec_internal.h"

/* How long a /frames chunk is. An SWMR writer never frees the space of
 * a chunk it rewrites (HDF5 keeps the old copy for readers that may still
 * follow an old index), and every flush rewrites the chunk being filled:
 * each flush leaves about half a chunk behind, a waste of about
 * chunk duration / 2 per second of flush interval. Against that, every
 * chunk costs its index entry and its deflate block headers (~100 bytes),
 * and big chunks compress a little better and are written a little
 * faster. bench/bench_recording measured both (docs/recording.md):
 *  - a chunk holds CHUNK_SECONDS of frames (50 ms: ~2 % left behind),
 *  - but at least CHUNK_MIN_BYTES of cells (small devices: the headers),
 *  - and at most CHUNK_MAX_BYTES (past it nothing gets faster).
 * 64×64 u16 at 2 kHz: 32 frames (16 ms, 0.8 % left behind); 32×32 u16 at
 * 100 Hz: 5 frames (50 ms, 2 %); a 16-cell roller at 100 Hz: 32 frames
 * (0.32 s, ~5 %); 16×16 u8 at 30 Hz: 4 frames. Each within a few per cent
 * of the best length measured for it. */
#define CHUNK_SECONDS 0.05
#define CHUNK_MIN_BYTES 1024u
#define CHUNK_MAX_BYTES (256u * 1024u)
#define CHUNK_MAX_FRAMES 8192u
/* The per-frame 1-D datasets are stored unfiltered, in chunks of 4096
 * rows: a chunk of constant size is rewritten in place, so flushing
 * leaves nothing behind, and they are a few per cent of a file. */
#define CHUNK_1D 4096u

uint32_t pd_layout_chunk_frames(const struct pd_device_info *info)
{
	size_t fb = pd_frame_cells_bytes(info->rows, info->cols, info->cell_bits);
	double rate = info->rate_hz >= 1 ? info->rate_hz : 100;
	size_t c = (size_t)(rate * CHUNK_SECONDS + 0.5);
	if (fb && c * fb < CHUNK_MIN_BYTES)
		c = (CHUNK_MIN_BYTES + fb - 1) / fb;
	if (fb && c * fb > CHUNK_MAX_BYTES)
		c = CHUNK_MAX_BYTES / fb;
	if (c < 1)
		c = 1;
	if (c > CHUNK_MAX_FRAMES)
		c = CHUNK_MAX_FRAMES;
	return (uint32_t)c;
}

uint32_t pd_rec_default_chunk_frames(const struct pd_device_info *info)
{
	return pd_layout_chunk_frames(info);
}

const char *pd_layout_software(const struct pd_rec_params *p, char *buf, size_t len)
{
	snprintf(buf, len, "pressd %s", p->software_version ? p->software_version : PRESSD_VERSION);
	return buf;
}

static const char *const reserved_root[] = { "format", "format_version", "software", "device_id",
					     "session_start_time" };

static bool reserved(const char *key)
{
	for (size_t i = 0; i < sizeof reserved_root / sizeof *reserved_root; i++)
		if (!strcmp(key, reserved_root[i]))
			return true;
	return false;
}

/* ISO 8601, UTC, microseconds: "2026-11-21T17:12:42.123456+00:00" (the
 * offset form, which Python's datetime.fromisoformat reads before 3.11). */
static void iso_utc(char *buf, size_t len, int64_t ns)
{
	int64_t s = ns / 1000000000, r = ns % 1000000000;
	if (r < 0)
		s -= 1, r += 1000000000;
	time_t tt = (time_t)s;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char head[32];
	strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06d+00:00", head, (int)(r / 1000));
}

static int root_attrs(hid_t root, const struct pd_rec_params *p, char *err, size_t errlen)
{
	char sw[80], start[48];
	int32_t version = PD_REC_FORMAT_VERSION;
	iso_utc(start, sizeof start, p->start_utc_ns);
	if (pd_attr_str(root, "format", PD_REC_FORMAT) || pd_attr_num(root, "format_version", H5T_NATIVE_INT32, &version) ||
	    pd_attr_str(root, "software", pd_layout_software(p, sw, sizeof sw)) ||
	    pd_attr_str(root, "device_id", p->device_id) || pd_attr_str(root, "session_start_time", start)) {
		pd_h5_errorf(err, errlen, "cannot write the root attributes");
		return -1;
	}
	for (size_t i = 0; i < p->nmeta; i++) {
		const char *k = p->meta[i].key;
		if (!k || !*k) {
			pd_errorf(err, errlen, "meta: empty key");
			return -1;
		}
		if (reserved(k)) {
			pd_errorf(err, errlen, "meta: '%s' is a name the format uses itself", k);
			return -1;
		}
		if (H5Aexists(root, k) > 0) {
			pd_errorf(err, errlen, "meta: '%s' given twice", k);
			return -1;
		}
		if (pd_attr_str(root, k, p->meta[i].value ? p->meta[i].value : "")) {
			pd_h5_errorf(err, errlen, "meta: cannot store '%s'", k);
			return -1;
		}
	}
	return 0;
}

static int device_attrs(hid_t file, const struct pd_rec_params *p, char *err, size_t errlen)
{
	const struct pd_device_info *in = p->info;
	hid_t g = H5Gcreate2(file, "device", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		pd_h5_errorf(err, errlen, "cannot create /device");
		return -1;
	}
	/* The INFO fields at their INFO widths (serial-protocols.md §1), so
	 * a replay rebuilds the device's description bit for bit. */
	int bad = pd_attr_str(g, "kind", pd_kind_name(in->kind)) || pd_attr_str(g, "model", in->model) ||
		  pd_attr_str(g, "serial", in->serial) || pd_attr_str(g, "firmware", in->firmware) ||
		  pd_attr_str(g, "protocol", p->protocol ? p->protocol : "") ||
		  pd_attr_str(g, "uri", p->uri ? p->uri : "") ||
		  pd_attr_num(g, "rows", H5T_NATIVE_UINT16, &in->rows) ||
		  pd_attr_num(g, "cols", H5T_NATIVE_UINT16, &in->cols) ||
		  pd_attr_num(g, "pitch_x_mm", H5T_NATIVE_FLOAT, &in->pitch_x_mm) ||
		  pd_attr_num(g, "pitch_y_mm", H5T_NATIVE_FLOAT, &in->pitch_y_mm) ||
		  pd_attr_num(g, "rate_hz", H5T_NATIVE_FLOAT, &in->rate_hz) ||
		  pd_attr_num(g, "cell_bits", H5T_NATIVE_UINT8, &in->cell_bits) ||
		  pd_attr_num(g, "full_scale", H5T_NATIVE_UINT32, &in->full_scale);
	if (!bad && in->kind == PD_KIND_ROLLER)
		bad = pd_attr_num(g, "radius_mm", H5T_NATIVE_FLOAT, &in->radius_mm) ||
		      pd_attr_num(g, "counts_per_rev", H5T_NATIVE_UINT32, &in->counts_per_rev);
	H5Gclose(g);
	if (bad)
		pd_h5_errorf(err, errlen, "cannot write the /device attributes");
	return bad ? -1 : 0;
}

/* A parameter as the config has it: a number as a number, "4%" (or
 * "false") as text. */
double pd_conversion_decimal(float f)
{
	char buf[32];
	for (int digits = 1; digits <= 9; digits++) { /* the shortest decimal that is this float */
		snprintf(buf, sizeof buf, "%.*g", digits, (double)f);
		if (strtof(buf, NULL) == f)
			return strtod(buf, NULL);
	}
	return (double)f;
}

static int analysis_value(hid_t g, const char *key, const char *value)
{
	char *end;
	double d = value && *value ? strtod(value, &end) : 0;
	if (value && *value && !*end && isfinite(d))
		return pd_attr_num(g, key, H5T_NATIVE_DOUBLE, &d);
	return pd_attr_str(g, key, value ? value : "");
}

static int analysis_attrs(hid_t file, const struct pd_rec_params *p, char *err, size_t errlen)
{
	hid_t g = H5Gcreate2(file, "analysis", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		pd_h5_errorf(err, errlen, "cannot create /analysis");
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; !bad && i < p->nanalysis; i++) {
		const char *k = p->analysis[i].key;
		if (!k || !*k || !strcmp(k, "units") || H5Aexists(g, k) > 0) {
			H5Gclose(g);
			pd_errorf(err, errlen, "analysis: bad or repeated parameter name '%s'", k ? k : "");
			return -1;
		}
		bad = analysis_value(g, k, p->analysis[i].value);
	}
	if (!bad)
		bad = pd_attr_str(g, "units", p->analysis_units ? p->analysis_units : "counts");
	H5Gclose(g);
	if (bad)
		pd_h5_errorf(err, errlen, "cannot write the /analysis attributes");
	return bad ? -1 : 0;
}

/* NWB's habit: what a dataset holds, said in the file. */
static int describe(hid_t obj, const char *unit, const char *description)
{
	return (unit && pd_attr_str(obj, "unit", unit)) || pd_attr_str(obj, "description", description);
}

/* An extendible dataset along time: [0, dims...], chunked [chunk, dims...],
 * shuffle + deflate (or no filters for the small tables). */
static hid_t extendible(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims1, hsize_t chunk,
			int level, bool no_cache)
{
	hsize_t cur[3] = { 0 }, max[3] = { H5S_UNLIMITED }, ch[3] = { chunk };
	for (int i = 1; i < rank; i++)
		cur[i] = max[i] = ch[i] = dims1[i - 1];
	hid_t space = H5Screate_simple(rank, cur, max);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
	H5Pset_chunk(dcpl, rank, ch);
	if (level > 0) {
		H5Pset_shuffle(dcpl);
		H5Pset_deflate(dcpl, (unsigned)level);
	}
	/* Chunks we write ourselves (H5Dwrite_chunk) never pass through
	 * HDF5's chunk cache: no memory for it. */
	if (no_cache)
		H5Pset_chunk_cache(dapl, 0, 0, 1.0);
	hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, dapl);
	H5Pclose(dapl);
	H5Pclose(dcpl);
	H5Sclose(space);
	return d;
}

static int frame_datasets(struct pd_layout *l, const struct pd_rec_params *p, int level, char *err, size_t errlen)
{
	const struct pd_device_info *in = p->info;
	hsize_t geo[2] = { in->rows, in->cols };
	hid_t ctype = in->cell_bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE;
	l->frames = extendible(l->file, "frames", ctype, 3, geo, l->chunk_frames, level, true);
	if (l->frames < 0) {
		pd_h5_errorf(err, errlen, "cannot create /frames");
		return -1;
	}
	/* NWB's habit: the unit, and the factor from stored numbers to it;
	 * float64, the decimal the device's float stands for (0.55, not
	 * 0.550000008). */
	double conversion = pd_info_calibrated(in) ? pd_conversion_decimal(in->units_per_count) : 1.0;
	if (pd_attr_str(l->frames, "unit", pd_info_units(in)) ||
	    pd_attr_num(l->frames, "conversion", H5T_NATIVE_DOUBLE, &conversion) ||
	    describe(l->frames, NULL,
		     "The cells of each frame exactly as the device sent them (no tare, no calibration), "
		     "[frame, row, column]; multiply by `conversion` for `unit`.")) {
		pd_h5_errorf(err, errlen, "cannot write the /frames attributes");
		return -1;
	}
	/* The 1-D datasets unfiltered: see CHUNK_1D. */
	l->frame_seq = extendible(l->file, "frame_seq", H5T_STD_U32LE, 1, NULL, l->chunk_1d, 0, true);
	l->t = extendible(l->file, "t", H5T_IEEE_F64LE, 1, NULL, l->chunk_1d, 0, true);
	l->time = extendible(l->file, "time", H5T_IEEE_F64LE, 1, NULL, l->chunk_1d, 0, true);
	if (in->kind == PD_KIND_ROLLER)
		l->encoder = extendible(l->file, "encoder", H5T_STD_I32LE, 1, NULL, l->chunk_1d, 0, true);
	if (l->frame_seq < 0 || l->t < 0 || l->time < 0 || (in->kind == PD_KIND_ROLLER && l->encoder < 0)) {
		pd_h5_errorf(err, errlen, "cannot create the per-frame datasets");
		return -1;
	}
	if (describe(l->frame_seq, NULL, "The device's sequence number of each frame of /frames.") ||
	    describe(l->t, "seconds", "Device time of each frame of /frames.") ||
	    describe(l->time, "seconds", "Host UTC time each frame of /frames arrived, seconds since 1970.") ||
	    (l->encoder >= 0 && describe(l->encoder, "counts",
					 "The roller's encoder position at each frame (counts_per_rev a turn)."))) {
		pd_h5_errorf(err, errlen, "cannot describe the per-frame datasets");
		return -1;
	}
	return 0;
}

static hid_t table(hid_t file, const struct pd_table *t)
{
	hid_t type = pd_schema_h5type(t);
	if (type < 0)
		return H5I_INVALID_HID;
	/* Rows come a few a second at most: small chunks, no filters. */
	hsize_t chunk = t->row_bytes >= 4096 ? 1 : 4096 / t->row_bytes;
	hid_t d = extendible(file, t->path, type, 1, NULL, chunk, 0, false);
	H5Tclose(type);
	if (d >= 0 && describe(d, NULL, t->description) != 0) {
		H5Dclose(d);
		return H5I_INVALID_HID;
	}
	return d;
}

static int tables(struct pd_layout *l, char *err, size_t errlen)
{
	hid_t g = H5Gcreate2(l->file, "events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0) {
		pd_h5_errorf(err, errlen, "cannot create /events");
		return -1;
	}
	H5Gclose(g);
	pd_schema_init();
	l->gaps = table(l->file, &pd_gap_table);
	if (l->gaps < 0) {
		pd_h5_errorf(err, errlen, "cannot create /gaps");
		return -1;
	}
	for (size_t i = 0; i < PD_NTABLES; i++) {
		l->events[i] = table(l->file, &pd_event_tables[i]);
		if (l->events[i] < 0) {
			pd_h5_errorf(err, errlen, "cannot create %s", pd_event_tables[i].path);
			return -1;
		}
	}
	l->pulse_durations = table(l->file, &pd_pulse_duration_table);
	if (l->pulse_durations < 0) {
		pd_h5_errorf(err, errlen, "cannot create %s", pd_pulse_duration_table.path);
		return -1;
	}
	return 0;
}

/* /tare and /tare_t, empty: every baseline is appended (pd_rec_append_tare),
 * the one in force at the start first. */
static int tare(struct pd_layout *l, const struct pd_rec_params *p, char *err, size_t errlen)
{
	hsize_t geo[2] = { p->info->rows, p->info->cols };
	l->tare = extendible(l->file, "tare", H5T_IEEE_F32LE, 3, geo, 1, 0, false);
	l->tare_t = extendible(l->file, "tare_t", H5T_IEEE_F64LE, 1, NULL, 64, 0, false);
	if (l->tare < 0 || l->tare_t < 0 ||
	    describe(l->tare, "counts",
		     "Every zero baseline in force during the file, [baseline, row, column], in counts: the one "
		     "in force at the start first (if any), then each one taken during the file. Subtract it "
		     "from /frames from its /tare_t on.") ||
	    describe(l->tare_t, "seconds", "Device time from which each baseline of /tare applied.")) {
		pd_h5_errorf(err, errlen, "cannot create /tare");
		return -1;
	}
	return 0;
}

int pd_layout_create(struct pd_layout *l, const struct pd_rec_params *p, char *err, size_t errlen)
{
	int level = p->deflate_level > 0 ? p->deflate_level : 1;
	l->chunk_frames = p->chunk_frames ? p->chunk_frames : pd_layout_chunk_frames(p->info);
	l->chunk_1d = CHUNK_1D;
	hid_t root = H5Gopen2(l->file, "/", H5P_DEFAULT);
	int rc = root < 0 ? -1 : root_attrs(root, p, err, errlen);
	if (root >= 0)
		H5Gclose(root);
	if (root < 0)
		pd_h5_errorf(err, errlen, "cannot open the root group");
	if (rc || device_attrs(l->file, p, err, errlen) || analysis_attrs(l->file, p, err, errlen) ||
	    frame_datasets(l, p, level, err, errlen) || tables(l, err, errlen) || tare(l, p, err, errlen))
		return -1;
	return 0;
}

void pd_layout_close(struct pd_layout *l)
{
	hid_t *ids[] = { &l->frames, &l->frame_seq, &l->t, &l->time, &l->encoder, &l->gaps,
			 &l->pulse_durations, &l->tare, &l->tare_t };
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		if (*ids[i] >= 0)
			H5Dclose(*ids[i]), *ids[i] = H5I_INVALID_HID;
	for (size_t i = 0; i < PD_NTABLES; i++)
		if (l->events[i] >= 0)
			H5Dclose(l->events[i]), l->events[i] = H5I_INVALID_HID;
}
