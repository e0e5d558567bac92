/* Reading a recording back: what replay and pressctl info/export/report
 * need. Frames are read into the reader's own buffers, never one by one:
 * the cells a /frames chunk at a time, decoded by chunks.c (or, for chunks
 * it does not know, whole chunks through H5Dread), and the per-frame 1-D
 * datasets (seq, t, time, encoder) META_FRAMES rows at a time, since each
 * HDF5 read costs microseconds whatever its size. Going through a file in
 * order costs one decompression per chunk; a frame anywhere, one chunk's
 * decompression and at most one read of each 1-D dataset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "rec_internal.h"

/* Rows of the 1-D datasets read at a time: one of their chunks (layout.c),
 * 96 KiB, a tenth of a millisecond to read. */
#define META_FRAMES 4096u

struct pd_rec_reader {
	char err[512];
	hid_t file, frames, seq, t, time, encoder, gaps;
	hid_t events[PD_NTABLES];
	hid_t pulse_durations, tare_ds, tare_t_ds; /* version 2 */
	bool swmr;
	struct pd_rec_file_info info;
	struct pd_rec_meta *meta, *analysis;
	size_t nmeta, nanalysis;
	float *tare;      /* ntares × rows × cols */
	double *tare_t;
	size_t ntares;
	struct pd_duration { uint32_t pulse_id, index; double duration; } *durv; /* /events/pulse_durations */
	size_t ndur;
	struct pd_rec_gap *gapv;
	size_t ngaps;
	uint64_t nrows[PD_NTABLES];
	/* the cells in memory: frames [block0, block0 + blockn) */
	size_t frame_bytes;
	uint8_t *cells;
	uint64_t block0, blockn;
	uint32_t block_frames; /* one chunk (chunks.c), else whole chunks, ~256 KiB */
	struct pd_chunks *chunks; /* NULL: /frames is read with H5Dread */
	/* seq, t, time, encoder of frames [meta0, meta0 + metan) */
	uint32_t *seqv;
	double *tv, *timev;
	int32_t *encv;
	uint64_t meta0, metan;
	uint8_t *row;
};

static int fail(struct pd_rec_reader *rd, const char *what)
{
	pd_h5_errorf(rd->err, sizeof rd->err, "%s", what);
	return -1;
}

static hid_t open_ds(struct pd_rec_reader *rd, const char *name, bool required)
{
	if (H5Lexists(rd->file, name, H5P_DEFAULT) <= 0) {
		if (required)
			pd_errorf(rd->err, sizeof rd->err, "%s is missing: not a pressd recording", name);
		H5Eclear2(H5E_DEFAULT);
		return H5I_INVALID_HID;
	}
	hid_t d = H5Dopen2(rd->file, name, H5P_DEFAULT);
	if (d < 0)
		pd_h5_errorf(rd->err, sizeof rd->err, "cannot open %s", name);
	return d;
}

static uint64_t length(hid_t ds)
{
	hsize_t dims[3] = { 0 };
	hid_t sp = H5Dget_space(ds);
	if (sp < 0)
		return 0;
	H5Sget_simple_extent_dims(sp, dims, NULL);
	H5Sclose(sp);
	return dims[0];
}

/* N: the shortest of the per-frame datasets (they are equal in a closed
 * file; a live one may show the 1-D ones ahead of /frames for a moment). */
static void count_frames(struct pd_rec_reader *rd)
{
	uint64_t n = length(rd->frames);
	hid_t others[] = { rd->seq, rd->t, rd->time, rd->encoder };
	for (size_t i = 0; i < 4; i++)
		if (others[i] >= 0 && length(others[i]) < n)
			n = length(others[i]);
	rd->info.frames = n;
}

static double num_or(hid_t obj, const char *name, double dflt)
{
	double v;
	if (pd_attr_read_num(obj, name, &v) == 0)
		return v;
	H5Eclear2(H5E_DEFAULT);
	return dflt;
}

static bool float32_attr(hid_t obj, const char *name)
{
	if (H5Aexists(obj, name) <= 0)
		return false;
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	hid_t t = a >= 0 ? H5Aget_type(a) : -1;
	bool f32 = t >= 0 && H5Tget_class(t) == H5T_FLOAT && H5Tget_size(t) == 4;
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return f32;
}

static int read_info(struct pd_rec_reader *rd)
{
	struct pd_rec_file_info *in = &rd->info;
	char format[64] = "";
	pd_attr_read_str(rd->file, "format", format, sizeof format);
	if (strcmp(format, PD_REC_FORMAT)) {
		pd_errorf(rd->err, sizeof rd->err, "not a pressd recording (format '%s')", format);
		return -1;
	}
	in->format_version = (int)num_or(rd->file, "format_version", 0);
	if (in->format_version < 1 || in->format_version > PD_REC_FORMAT_VERSION) {
		pd_errorf(rd->err, sizeof rd->err, "recording format version %d (this pressd reads 1 to %d)",
			  in->format_version, PD_REC_FORMAT_VERSION);
		return -1;
	}
	pd_attr_read_str(rd->file, "device_id", in->device_id, sizeof in->device_id);
	pd_attr_read_str(rd->file, "software", in->software, sizeof in->software);
	pd_attr_read_str(rd->file, "session_start_time", in->session_start_time, sizeof in->session_start_time);

	hid_t g = H5Gopen2(rd->file, "device", H5P_DEFAULT);
	if (g < 0)
		return fail(rd, "/device is missing");
	struct pd_device_info *d = &in->device;
	char kind[16] = "";
	pd_attr_read_str(g, "kind", kind, sizeof kind);
	d->kind = !strcmp(kind, "roller") ? PD_KIND_ROLLER : PD_KIND_MAT;
	d->protocol_version = 1;
	pd_attr_read_str(g, "model", d->model, sizeof d->model);
	pd_attr_read_str(g, "serial", d->serial, sizeof d->serial);
	pd_attr_read_str(g, "firmware", d->firmware, sizeof d->firmware);
	pd_attr_read_str(g, "protocol", in->protocol, sizeof in->protocol);
	pd_attr_read_str(g, "uri", in->uri, sizeof in->uri);
	d->rows = (uint16_t)num_or(g, "rows", 0);
	d->cols = (uint16_t)num_or(g, "cols", 0);
	d->pitch_x_mm = (float)num_or(g, "pitch_x_mm", 0);
	d->pitch_y_mm = (float)num_or(g, "pitch_y_mm", 0);
	d->rate_hz = (float)num_or(g, "rate_hz", 0);
	d->cell_bits = (uint8_t)num_or(g, "cell_bits", 0);
	d->full_scale = (uint32_t)num_or(g, "full_scale", 0);
	d->radius_mm = (float)num_or(g, "radius_mm", 0);
	d->counts_per_rev = (uint32_t)num_or(g, "counts_per_rev", 0);
	H5Gclose(g);
	H5Eclear2(H5E_DEFAULT);

	pd_attr_read_str(rd->frames, "unit", in->unit, sizeof in->unit);
	in->conversion = num_or(rd->frames, "conversion", 1);
	if (float32_attr(rd->frames, "conversion")) /* an older file's: 0.550000008 means 0.55 */
		in->conversion = pd_conversion_decimal((float)in->conversion);
	d->unit = !strcmp(in->unit, "kPa") ? PD_UNIT_KPA : !strcmp(in->unit, "N") ? PD_UNIT_NEWTON : !strcmp(in->unit, "mmHg") ? PD_UNIT_MMHG : PD_UNIT_COUNTS;
	d->units_per_count = d->unit == PD_UNIT_COUNTS ? 0 : (float)in->conversion;

	/* The geometry the data has is the one that counts. */
	hsize_t dims[3] = { 0 }, chunk[3] = { 0 };
	hid_t sp = H5Dget_space(rd->frames);
	int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
	if (sp >= 0)
		H5Sclose(sp);
	hid_t ft = H5Dget_type(rd->frames);
	size_t cell = ft >= 0 ? H5Tget_size(ft) : 0;
	if (ft >= 0)
		H5Tclose(ft);
	hid_t dcpl = H5Dget_create_plist(rd->frames);
	if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED)
		H5Pget_chunk(dcpl, 3, chunk);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (rank != 3 || (cell != 1 && cell != 2) || dims[1] != d->rows || dims[2] != d->cols || !d->rows || !d->cols) {
		pd_errorf(rd->err, sizeof rd->err, "/frames is not [N, %u, %u] of uint8/uint16", d->rows, d->cols);
		return -1;
	}
	d->cell_bits = (uint8_t)(cell * 8);
	in->chunk_frames = chunk[0] ? (uint32_t)chunk[0] : 1;
	in->has_encoder = rd->encoder >= 0;
	H5Eclear2(H5E_DEFAULT);
	return 0;
}

static const char *const own_attrs[] = { "format", "format_version", "software", "device_id",
					 "session_start_time" };

struct attr_list {
	struct pd_rec_meta **v;
	size_t *n;
	bool skip_own; /* the root: leave out the format's own attributes */
};

/* Attributes as text, numbers formatted exactly. */
static herr_t meta_cb(hid_t loc, const char *name, const H5A_info_t *ai, void *data)
{
	struct attr_list *l = data;
	(void)ai;
	for (size_t i = 0; l->skip_own && i < sizeof own_attrs / sizeof *own_attrs; i++)
		if (!strcmp(name, own_attrs[i]))
			return 0;
	char value[4096];
	double v;
	if (pd_attr_read_str(loc, name, value, sizeof value) != 0) {
		if (pd_attr_read_num(loc, name, &v) == 0) {
			pd_format_double(value, sizeof value, v);
		}
		else
			snprintf(value, sizeof value, "(unreadable)");
	}
	H5Eclear2(H5E_DEFAULT);
	size_t n = *l->n;
	struct pd_rec_meta *m = realloc(*l->v, (n + 1) * sizeof *m);
	if (!m)
		return -1;
	*l->v = m;
	m[n].key = strdup(name);
	m[n].value = strdup(value);
	if (!m[n].key || !m[n].value) {
		free((void *)m[n].key);
		free((void *)m[n].value);
		return -1;
	}
	*l->n = n + 1;
	return 0;
}

static void free_list(struct pd_rec_meta *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)m[i].key);
		free((void *)m[i].value);
	}
	free(m);
}

static int read_attrs(struct pd_rec_reader *rd)
{
	struct attr_list root = { &rd->meta, &rd->nmeta, true }, an = { &rd->analysis, &rd->nanalysis, false };
	if (H5Aiterate2(rd->file, H5_INDEX_NAME, H5_ITER_INC, NULL, meta_cb, &root) < 0)
		return fail(rd, "cannot read the root attributes");
	if (H5Lexists(rd->file, "analysis", H5P_DEFAULT) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0; /* version 1 */
	}
	hid_t g = H5Gopen2(rd->file, "analysis", H5P_DEFAULT);
	herr_t rc = g < 0 ? -1 : H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, NULL, meta_cb, &an);
	if (g >= 0)
		H5Gclose(g);
	return rc < 0 ? fail(rd, "cannot read /analysis") : 0;
}

/* Version 1: one [rows, cols] baseline, or none; version 2: [K, rows,
 * cols] with /tare_t, read again at every refresh (a live file grows). */
static int read_tare(struct pd_rec_reader *rd)
{
	if (H5Lexists(rd->file, "tare", H5P_DEFAULT) <= 0) {
		H5Eclear2(H5E_DEFAULT);
		return 0;
	}
	if (rd->tare_ds < 0 && (rd->tare_ds = H5Dopen2(rd->file, "tare", H5P_DEFAULT)) < 0)
		return fail(rd, "cannot open /tare");
	const struct pd_device_info *dv = &rd->info.device;
	hsize_t dims[3] = { 0 };
	hid_t sp = H5Dget_space(rd->tare_ds);
	int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
	if (sp >= 0)
		H5Sclose(sp);
	hsize_t k = rank == 2 ? 1 : dims[0];
	const hsize_t *geo = rank == 2 ? dims : dims + 1;
	if ((rank != 2 && rank != 3) || geo[0] != dv->rows || geo[1] != dv->cols)
		return fail(rd, "/tare is not [K, rows, cols] (or version 1's [rows, cols])");
	size_t cells = (size_t)dv->rows * dv->cols;
	float *v = k ? malloc(k * cells * sizeof *v) : NULL;
	double *tv = k ? malloc(k * sizeof *tv) : NULL;
	if (k && (!v || !tv)) {
		free(v);
		free(tv);
		return fail(rd, "out of memory");
	}
	hsize_t start[3] = { 0 }, count[3] = { k, dv->rows, dv->cols };
	int rc = k ? pd_slab_io(rd->tare_ds, H5T_NATIVE_FLOAT, rank, start, rank == 2 ? count + 1 : count, v, false) : 0;
	for (hsize_t i = 0; i < k; i++)
		tv[i] = NAN;
	if (rc == 0 && k && rank == 3) {
		if (rd->tare_t_ds < 0)
			rd->tare_t_ds = H5Dopen2(rd->file, "tare_t", H5P_DEFAULT);
		rc = rd->tare_t_ds < 0 || length(rd->tare_t_ds) < k
			     ? -1 : pd_slab_io(rd->tare_t_ds, H5T_NATIVE_DOUBLE, 1, start, count, tv, false);
	}
	if (rc) {
		free(v);
		free(tv);
		return fail(rd, "cannot read /tare");
	}
	free(rd->tare);
	free(rd->tare_t);
	rd->tare = v;
	rd->tare_t = tv;
	rd->ntares = (size_t)k;
	rd->info.has_tare = k > 0;
	return 0;
}

/* Version 2's /events/pulse_durations, all of it (a few rows a minute). */
static int read_durations(struct pd_rec_reader *rd)
{
	if (rd->pulse_durations < 0)
		return 0;
	uint64_t n = length(rd->pulse_durations);
	struct pd_duration *v = n ? malloc(n * sizeof *v) : NULL;
	if (n && !v)
		return fail(rd, "out of memory");
	if (n) {
		hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof *v);
		H5Tinsert(mt, "pulse_id", offsetof(struct pd_duration, pulse_id), H5T_NATIVE_UINT32);
		H5Tinsert(mt, "index", offsetof(struct pd_duration, index), H5T_NATIVE_UINT32);
		H5Tinsert(mt, "duration", offsetof(struct pd_duration, duration), H5T_NATIVE_DOUBLE);
		hsize_t start = 0, cnt = n;
		int rc = pd_slab_io(rd->pulse_durations, mt, 1, &start, &cnt, v, false);
		H5Tclose(mt);
		if (rc) {
			free(v);
			return fail(rd, "cannot read /events/pulse_durations");
		}
	}
	free(rd->durv);
	rd->durv = v;
	rd->ndur = (size_t)n;
	return 0;
}

static int read_gaps(struct pd_rec_reader *rd)
{
	uint64_t n = length(rd->gaps);
	struct pd_rec_gap *g = n ? malloc(n * sizeof *g) : NULL;
	if (n && !g)
		return fail(rd, "out of memory");
	if (n) {
		/* The memory layout: two native u32 named as in the file. */
		hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof *g);
		H5Tinsert(mt, "after_seq", offsetof(struct pd_rec_gap, after_seq), H5T_NATIVE_UINT32);
		H5Tinsert(mt, "missing", offsetof(struct pd_rec_gap, missing), H5T_NATIVE_UINT32);
		hsize_t start = 0, cnt = n;
		int rc = pd_slab_io(rd->gaps, mt, 1, &start, &cnt, g, false);
		H5Tclose(mt);
		if (rc < 0) {
			free(g);
			return fail(rd, "cannot read /gaps");
		}
	}
	free(rd->gapv);
	rd->gapv = g;
	rd->ngaps = (size_t)n;
	return 0;
}

static void count_rows(struct pd_rec_reader *rd)
{
	for (size_t i = 0; i < PD_NTABLES; i++)
		rd->nrows[i] = rd->events[i] >= 0 ? length(rd->events[i]) : 0;
}

int pd_rec_reader_open(struct pd_rec_reader **out, const char *path, char *err, size_t errlen)
{
	*out = NULL;
	pd_h5_init();
	pd_schema_init();
	struct pd_rec_reader *rd = calloc(1, sizeof *rd);
	if (!rd) {
		pd_errorf(err, errlen, "out of memory");
		return -1;
	}
	rd->frames = rd->seq = rd->t = rd->time = rd->encoder = rd->gaps = H5I_INVALID_HID;
	rd->pulse_durations = rd->tare_ds = rd->tare_t_ds = H5I_INVALID_HID;
	for (size_t i = 0; i < PD_NTABLES; i++)
		rd->events[i] = H5I_INVALID_HID;
	/* As an SWMR reader first: that also opens a file being recorded.
	 * A file in an older format than SWMR's opens the plain way. */
	rd->swmr = true;
	/* The close degree every file of ours is opened with (HDF5 wants
	 * the same for two opens of one file in a process: a reader in the
	 * process that records it). It closes only what this open opened. */
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	rd->file = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
	if (rd->file < 0) {
		H5Eclear2(H5E_DEFAULT);
		rd->swmr = false;
		rd->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	}
	H5Pclose(fapl);
	if (rd->file < 0) {
		pd_h5_errorf(err, errlen, "cannot open %s", path);
		free(rd);
		return -1;
	}
	int rc = 0;
	if ((rd->frames = open_ds(rd, "frames", true)) < 0 || (rd->seq = open_ds(rd, "frame_seq", true)) < 0 ||
	    (rd->t = open_ds(rd, "t", true)) < 0 || (rd->time = open_ds(rd, "time", true)) < 0 ||
	    (rd->gaps = open_ds(rd, "gaps", true)) < 0)
		rc = -1;
	if (rc == 0)
		rd->encoder = open_ds(rd, "encoder", false);
	if (rc == 0)
		rc = read_info(rd);
	/* Version 1 had no settings and no pulse_durations; files written
	 * before stage 9 have no sites. */
	bool v2 = rd->info.format_version >= 2;
	for (size_t i = 0; rc == 0 && i < PD_NTABLES; i++) {
		bool required = strcmp(pd_event_tables[i].type, "site") && (v2 || strcmp(pd_event_tables[i].type, "setting"));
		if ((rd->events[i] = open_ds(rd, pd_event_tables[i].path, required)) < 0 && required)
			rc = -1;
	}
	if (rc == 0 && v2 && (rd->pulse_durations = open_ds(rd, pd_pulse_duration_table.path, true)) < 0)
		rc = -1;
	if (rc == 0)
		rc = read_attrs(rd);
	if (rc == 0)
		rc = read_tare(rd);
	if (rc == 0)
		rc = read_durations(rd);
	if (rc == 0)
		rc = read_gaps(rd);
	if (rc == 0) {
		count_frames(rd);
		count_rows(rd);
		const struct pd_device_info *d = &rd->info.device;
		rd->frame_bytes = pd_frame_cells_bytes(d->rows, d->cols, d->cell_bits);
		/* One chunk decoded by chunks.c; else H5Dread of whole
		 * chunks, a few of them when they are small: fewer HDF5 calls
		 * per frame. */
		rd->chunks = pd_chunks_open(rd->frames, d->rows, d->cols);
		size_t c = rd->info.chunk_frames, row = 0;
		if (rd->chunks)
			c = pd_chunks_frames(rd->chunks);
		else
			while (c * 2 * rd->frame_bytes <= (256u << 10) && c * 2 <= 8192)
				c *= 2;
		rd->block_frames = (uint32_t)c;
		for (size_t i = 0; i < PD_NTABLES; i++)
			if (pd_event_tables[i].row_bytes > row)
				row = pd_event_tables[i].row_bytes;
		if (pd_pulses_v1_table.row_bytes > row)
			row = pd_pulses_v1_table.row_bytes;
		rd->cells = malloc(c * rd->frame_bytes);
		rd->seqv = malloc(META_FRAMES * sizeof *rd->seqv);
		rd->tv = malloc(META_FRAMES * sizeof *rd->tv);
		rd->timev = malloc(META_FRAMES * sizeof *rd->timev);
		rd->encv = malloc(META_FRAMES * sizeof *rd->encv);
		rd->row = malloc(row);
		if (!rd->cells || !rd->seqv || !rd->tv || !rd->timev || !rd->encv || !rd->row)
			rc = fail(rd, "out of memory");
	}
	if (rc) {
		pd_errorf(err, errlen, "%s: %s", path, rd->err);
		pd_rec_reader_close(rd);
		return -1;
	}
	*out = rd;
	return 0;
}

void pd_rec_reader_close(struct pd_rec_reader *rd)
{
	if (!rd)
		return;
	pd_h5_quiet();
	hid_t ids[] = { rd->frames, rd->seq, rd->t, rd->time, rd->encoder, rd->gaps,
			rd->pulse_durations, rd->tare_ds, rd->tare_t_ds };
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		if (ids[i] >= 0)
			H5Dclose(ids[i]);
	for (size_t i = 0; i < PD_NTABLES; i++)
		if (rd->events[i] >= 0)
			H5Dclose(rd->events[i]);
	if (rd->file >= 0)
		H5Fclose(rd->file);
	H5Eclear2(H5E_DEFAULT);
	free_list(rd->meta, rd->nmeta);
	free_list(rd->analysis, rd->nanalysis);
	free(rd->tare);
	free(rd->tare_t);
	free(rd->durv);
	free(rd->gapv);
	pd_chunks_free(rd->chunks);
	free(rd->cells);
	free(rd->seqv);
	free(rd->tv);
	free(rd->timev);
	free(rd->encv);
	free(rd->row);
	free(rd);
}

const char *pd_rec_reader_error(const struct pd_rec_reader *rd)
{
	return rd ? rd->err : "";
}

const struct pd_rec_file_info *pd_rec_reader_info(const struct pd_rec_reader *rd)
{
	return &rd->info;
}

size_t pd_rec_reader_meta_count(const struct pd_rec_reader *rd)
{
	return rd->nmeta;
}

const struct pd_rec_meta *pd_rec_reader_meta(const struct pd_rec_reader *rd, size_t i)
{
	return i < rd->nmeta ? &rd->meta[i] : NULL;
}

size_t pd_rec_reader_analysis_count(const struct pd_rec_reader *rd)
{
	return rd->nanalysis;
}

const struct pd_rec_meta *pd_rec_reader_analysis(const struct pd_rec_reader *rd, size_t i)
{
	return i < rd->nanalysis ? &rd->analysis[i] : NULL;
}

size_t pd_rec_reader_tare_count(const struct pd_rec_reader *rd)
{
	return rd->ntares;
}

const float *pd_rec_reader_tare_at(const struct pd_rec_reader *rd, size_t k, double *t)
{
	if (k >= rd->ntares)
		return NULL;
	if (t)
		*t = rd->tare_t[k];
	return rd->tare + k * (size_t)rd->info.device.rows * rd->info.device.cols;
}

const float *pd_rec_reader_tare(const struct pd_rec_reader *rd)
{
	return pd_rec_reader_tare_at(rd, 0, NULL);
}

const struct pd_rec_gap *pd_rec_reader_gaps(const struct pd_rec_reader *rd, size_t *n)
{
	*n = rd->ngaps;
	return rd->gapv;
}

/* Rows [first, first + n) of a per-frame dataset into buf. */
static int read_rows(hid_t ds, hid_t mtype, int rank, const struct pd_device_info *d, uint64_t first, uint64_t n,
		     void *buf)
{
	hsize_t start[3] = { first, 0, 0 }, count[3] = { n, d->rows, d->cols };
	return pd_slab_io(ds, mtype, rank, start, count, buf, false);
}

/* The rows around frame i: [first, first + n), first a multiple of c. */
static uint64_t window(const struct pd_rec_reader *rd, uint64_t i, uint64_t c, uint64_t *n)
{
	uint64_t first = i / c * c;
	*n = rd->info.frames - first < c ? rd->info.frames - first : c;
	return first;
}

static int load_cells(struct pd_rec_reader *rd, uint64_t i)
{
	const struct pd_device_info *d = &rd->info.device;
	uint64_t n, first = window(rd, i, rd->block_frames, &n);
	/* Cells as stored: little-endian, which is this host's order. */
	hid_t cell = d->cell_bits == 16 ? H5T_STD_U16LE : H5T_STD_U8LE;
	rd->blockn = 0;
	if ((!rd->chunks || pd_chunks_read(rd->chunks, first / rd->block_frames, rd->cells) != 0) &&
	    read_rows(rd->frames, cell, 3, d, first, n, rd->cells) < 0)
		return fail(rd, "cannot read frames");
	rd->block0 = first;
	rd->blockn = n;
	return 0;
}

static int load_meta(struct pd_rec_reader *rd, uint64_t i)
{
	const struct pd_device_info *d = &rd->info.device;
	uint64_t n, first = window(rd, i, META_FRAMES, &n);
	rd->metan = 0;
	if (read_rows(rd->seq, H5T_NATIVE_UINT32, 1, d, first, n, rd->seqv) < 0 ||
	    read_rows(rd->t, H5T_NATIVE_DOUBLE, 1, d, first, n, rd->tv) < 0 ||
	    read_rows(rd->time, H5T_NATIVE_DOUBLE, 1, d, first, n, rd->timev) < 0 ||
	    (rd->encoder >= 0 && read_rows(rd->encoder, H5T_NATIVE_INT32, 1, d, first, n, rd->encv) < 0))
		return fail(rd, "cannot read frames");
	rd->meta0 = first;
	rd->metan = n;
	return 0;
}

int pd_rec_reader_frame(struct pd_rec_reader *rd, uint64_t i, struct pd_frame *f, double *t, double *time)
{
	pd_h5_quiet();
	if (i >= rd->info.frames) {
		pd_errorf(rd->err, sizeof rd->err, "frame %llu of %llu", (unsigned long long)i,
			  (unsigned long long)rd->info.frames);
		return -1;
	}
	if ((i < rd->block0 || i >= rd->block0 + rd->blockn) && load_cells(rd, i))
		return -1;
	if ((i < rd->meta0 || i >= rd->meta0 + rd->metan) && load_meta(rd, i))
		return -1;
	size_t k = (size_t)(i - rd->meta0);
	const struct pd_device_info *d = &rd->info.device;
	double tt = rd->tv[k], utc = rd->timev[k];
	*f = (struct pd_frame){
		.seq = rd->seqv[k],
		.device_time_us = tt > 0 ? (uint64_t)llround(tt * 1e6) : 0,
		.rx = { .utc_ns = (int64_t)llround(utc * 1e9), .mono_ns = 0 },
		.encoder = rd->encoder >= 0 ? rd->encv[k] : 0,
		.has_encoder = rd->encoder >= 0,
		.rows = d->rows,
		.cols = d->cols,
		.cell_bits = d->cell_bits,
		.cells = rd->cells + (size_t)(i - rd->block0) * rd->frame_bytes,
	};
	if (t)
		*t = tt;
	if (time)
		*time = utc;
	return 0;
}

int pd_rec_reader_times(struct pd_rec_reader *rd, uint64_t first, size_t n, double *t, double *time)
{
	pd_h5_quiet();
	if (first > rd->info.frames || n > rd->info.frames - first) {
		pd_errorf(rd->err, sizeof rd->err, "frames %llu..%llu of %llu", (unsigned long long)first,
			  (unsigned long long)(first + n), (unsigned long long)rd->info.frames);
		return -1;
	}
	if (!n)
		return 0;
	const struct pd_device_info *d = &rd->info.device;
	if ((t && read_rows(rd->t, H5T_NATIVE_DOUBLE, 1, d, first, n, t) < 0) ||
	    (time && read_rows(rd->time, H5T_NATIVE_DOUBLE, 1, d, first, n, time) < 0))
		return fail(rd, "cannot read /t or /time");
	return 0;
}

uint64_t pd_rec_reader_event_count(const struct pd_rec_reader *rd, enum pd_event_type type)
{
	const struct pd_table *t = pd_schema_table(type);
	return t ? rd->nrows[t - pd_event_tables] : 0;
}

/* One stored column back into the event. */
static void column_back(const struct pd_col *c, const uint8_t *p, struct pd_event *ev)
{
	switch (c->env) {
	case PD_ENV_SEQ: memcpy(&ev->seq, p, 8); return;
	case PD_ENV_T: memcpy(&ev->t, p, 8); return;
	case PD_ENV_TIME: memcpy(&ev->time, p, 8); return;
	case PD_ENV_FRAME_SEQ: memcpy(&ev->frame, p, 4); return;
	case PD_ENV_NONE: break;
	}
	const struct pd_field *f = c->field;
	if (!f)
		return; /* version 1's durations: durations() */
	void *dst = pd_field_ptr(f, ev);
	switch (c->kind) {
	case PD_COL_U32:
	case PD_COL_I32: memcpy(dst, p, 4); return;
	case PD_COL_U64: memcpy(dst, p, 8); return;
	case PD_COL_F64:
		memcpy(dst, p, 8);
		if (f->when == PD_FW_IF_SET)
			*(bool *)((char *)ev + f->count_offset) = !isnan(*(double *)dst);
		return;
	case PD_COL_BOOL: *(bool *)dst = *p != 0; return;
	case PD_COL_STR: {
		char s[PD_REC_LABEL_BYTES + 1];
		memcpy(s, p, c->len);
		s[c->len] = '\0';
		if (f->kind == PD_FK_UNITS) {
			/* Units the file does not know are counts: values
			 * with no unit to convert them by. */
			const char *u = pd_units_static(s);
			ev->units = u ? u : "counts";
			return;
		}
		size_t cap = f->kind == PD_FK_LABEL ? PD_EV_LABEL_BYTES : PD_EV_KEY_BYTES;
		pd_utf8_copy(dst, cap, s);
		return;
	}
	case PD_COL_F64_ARRAY: return;
	}
}

/* A pulse set's durations as published: version 2 from its rows of
 * /events/pulse_durations, version 1 from its array field (the first
 * min(count, 64)). */
static void durations(struct pd_rec_reader *rd, uint64_t row, struct pd_ev_pulses *p)
{
	p->ndurations = 0;
	if (rd->info.format_version >= 2) {
		for (size_t i = 0; i < rd->ndur && p->ndurations < PD_PULSES_MAX_LISTED; i++)
			if (rd->durv[i].pulse_id == p->id && rd->durv[i].index == p->ndurations)
				p->durations[p->ndurations++] = rd->durv[i].duration;
		return;
	}
	double v[PD_REC_PULSE_DURATIONS];
	hsize_t dn = PD_REC_PULSE_DURATIONS, start = row, one = 1;
	hid_t arr = H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, &dn);
	hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof v);
	H5Tinsert(mt, "durations", 0, arr);
	size_t k = (size_t)(pd_schema_table(PD_EV_PULSES) - pd_event_tables);
	int rc = pd_slab_io(rd->events[k], mt, 1, &start, &one, v, false);
	H5Tclose(mt);
	H5Tclose(arr);
	for (uint32_t i = 0; rc == 0 && i < p->count && i < PD_REC_PULSE_DURATIONS && !isnan(v[i]); i++)
		p->durations[p->ndurations++] = v[i];
	H5Eclear2(H5E_DEFAULT);
}

int pd_rec_reader_event(struct pd_rec_reader *rd, enum pd_event_type type, uint64_t i, struct pd_event *out)
{
	pd_h5_quiet();
	const struct pd_table *t = pd_schema_table(type);
	if (!t)
		return pd_errorf(rd->err, sizeof rd->err, "no table of %s events", pd_event_type_name(type)), -1;
	size_t k = (size_t)(t - pd_event_tables);
	if (i >= rd->nrows[k])
		return pd_errorf(rd->err, sizeof rd->err, "%s row %llu of %llu", t->path, (unsigned long long)i,
				 (unsigned long long)rd->nrows[k]),
		       -1;
	/* Version 2's columns: HDF5 converts a version 1 row by name. */
	hsize_t start = i, one = 1;
	hid_t type_id = pd_schema_h5type(t);
	int rc = type_id < 0 ? -1 : pd_slab_io(rd->events[k], type_id, 1, &start, &one, rd->row, false);
	if (type_id >= 0)
		H5Tclose(type_id);
	if (rc < 0)
		return fail(rd, "cannot read an event");
	pd_event_init(out, type);
	out->phase = t->phase;
	for (size_t c = 0; c < t->ncols; c++)
		column_back(&t->cols[c], rd->row + t->offset[c], out);
	if (type == PD_EV_PULSES)
		durations(rd, i, &out->u.pulses);
	return 0;
}

int pd_rec_reader_refresh(struct pd_rec_reader *rd)
{
	pd_h5_quiet();
	if (rd->swmr) {
		hid_t ids[] = { rd->frames, rd->seq, rd->t, rd->time, rd->encoder, rd->gaps };
		for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
			if (ids[i] >= 0 && H5Drefresh(ids[i]) < 0)
				return fail(rd, "cannot refresh");
		for (size_t i = 0; i < PD_NTABLES; i++)
			if (rd->events[i] >= 0 && H5Drefresh(rd->events[i]) < 0)
				return fail(rd, "cannot refresh");
		hid_t v2[] = { rd->pulse_durations, rd->tare_ds, rd->tare_t_ds };
		for (size_t i = 0; i < sizeof v2 / sizeof *v2; i++)
			if (v2[i] >= 0 && H5Drefresh(v2[i]) < 0)
				return fail(rd, "cannot refresh");
	}
	count_frames(rd);
	count_rows(rd);
	rd->blockn = rd->metan = 0; /* the last blocks may have grown */
	if (read_gaps(rd) || read_durations(rd))
		return -1;
	return rd->info.format_version >= 2 ? read_tare(rd) : 0;
}
