/* A recording's life: create (file, layout, SWMR), flush, close, and what
 * happens when writing fails. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testing.h"
#include "writer.h"

int pd_rec_reject(struct pd_rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return PD_REC_REJECTED;
}

/* Cuts HDF5 off from the file after one of its calls failed. Whatever it
 * still holds dirty (the extent of a commit that failed half-way, a table
 * row) would otherwise be written by the close, into a file that must stay
 * as the last successful flush left it. Its descriptor is replaced (dup3)
 * by a memfd: the close's writes land there and vanish, and succeed, which
 * matters (h5err.c: a failing H5Fclose leaves a poisoned id behind). */
static void disconnect(struct pd_rec *r)
{
	void *handle = NULL;
	if (r->l.file < 0 || H5Fget_vfd_handle(r->l.file, H5P_DEFAULT, &handle) < 0 || !handle) {
		H5Eclear2(H5E_DEFAULT);
		return;
	}
	int h5fd = *(int *)handle; /* the sec2 driver's handle is its fd */
	int sink = memfd_create("pressd-recording-discard", MFD_CLOEXEC);
	if (sink < 0) /* writes then fail (EBADF), which is still safe */
		sink = open(r->path, O_RDONLY | O_CLOEXEC);
	if (sink >= 0) {
		dup3(sink, h5fd, O_CLOEXEC);
		close(sink);
	}
}

int pd_rec_fail(struct pd_rec *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	pd_h5_errorf(r->err, sizeof r->err, "%s", what);
	r->failed = r->broken = true;
	disconnect(r);
	return PD_REC_FAILED;
}

int pd_rec_stop(struct pd_rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->failed = true;
	return PD_REC_FAILED;
}

/* File names carry the device id: keep them to portable characters. */
static void file_base(char *buf, size_t len, const char *device, int64_t ns)
{
	char dev[64];
	size_t n = 0;
	for (const char *p = device; *p && n + 1 < sizeof dev; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  *p == '-' || *p == '_' || (*p == '.' && n > 0);
		dev[n++] = ok ? *p : '_';
	}
	dev[n] = '\0';
	int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);
	time_t tt = (time_t)s;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char stamp[24];
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s-%s", dev, stamp);
}

static int check_params(const struct pd_rec_params *p, char *err, size_t errlen)
{
	if (!p || !p->dir || !p->device_id || !*p->device_id || !p->info) {
		pd_errorf(err, errlen, "recording: directory, device id and device info are required");
		return -1;
	}
	const struct pd_device_info *in = p->info;
	if (in->rows == 0 || in->cols == 0 || (in->cell_bits != 8 && in->cell_bits != 16)) {
		pd_errorf(err, errlen, "recording: unusable geometry %u × %u × %u bits", in->rows, in->cols,
			  in->cell_bits);
		return -1;
	}
	if (p->deflate_level < 0 || p->deflate_level > 9) {
		pd_errorf(err, errlen, "recording: deflate level %d (1..9)", p->deflate_level);
		return -1;
	}
	return 0;
}

static void destroy(struct pd_rec *r)
{
	pd_syncer_stop(&r->syncer);
	pd_frames_free(r);
	free(r->row);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

int pd_rec_create(struct pd_rec **out, const struct pd_rec_params *p, char *err, size_t errlen)
{
	*out = NULL;
	pd_h5_init();
	pd_schema_init();
	if (check_params(p, err, errlen))
		return -1;
	struct pd_rec *r = calloc(1, sizeof *r);
	if (!r) {
		pd_errorf(err, errlen, "recording: out of memory");
		return -1;
	}
	r->fd = -1;
	r->l.file = r->l.frames = r->l.frame_seq = r->l.t = r->l.time = r->l.encoder = r->l.gaps = H5I_INVALID_HID;
	r->l.pulse_durations = r->l.tare = r->l.tare_t = H5I_INVALID_HID;
	for (size_t i = 0; i < PD_NTABLES; i++)
		r->l.events[i] = H5I_INVALID_HID;
	r->info = *p->info;
	r->no_sync = p->no_sync;

	char base[128];
	file_base(base, sizeof base, p->device_id, p->start_utc_ns);
	r->fd = pd_file_create_excl(p->dir, base, r->path, sizeof r->path, err, errlen);
	if (r->fd < 0) {
		free(r);
		return -1;
	}
	if (pd_file_lock(r->fd) != 0) {
		pd_errorf(err, errlen, "cannot lock %s: %s", r->path, strerror(errno));
		goto fail_unlink;
	}

	/* SWMR needs the latest file format (1.10's); a strong close degree
	 * makes H5Fclose close whatever is still open, even after errors. */
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	/* We made the (empty) file ourselves, for O_EXCL and the mode:
	 * HDF5 truncates it and writes its own. */
	r->l.file = H5Fcreate(r->path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	H5Pclose(fapl);
	if (r->l.file < 0) {
		pd_h5_errorf(err, errlen, "cannot create %s", r->path);
		goto fail_unlink;
	}
	size_t row = pd_gap_table.row_bytes > pd_pulse_duration_table.row_bytes ? pd_gap_table.row_bytes
										 : pd_pulse_duration_table.row_bytes;
	for (size_t i = 0; i < PD_NTABLES; i++)
		if (pd_event_tables[i].row_bytes > row)
			row = pd_event_tables[i].row_bytes;
	r->row = calloc(1, row);
	if (!r->row || pd_layout_create(&r->l, p, err, errlen))
		goto fail_close;
	if (pd_frames_init(r, p->info->rate_hz, p->deflate_level)) {
		pd_errorf(err, errlen, "recording: out of memory");
		goto fail_close;
	}
	if (p->tare && pd_rec_append_tare(r, p->tare_t, p->tare) != 0) {
		pd_errorf(err, errlen, "%s", r->err);
		goto fail_close;
	}
	/* From here on readers may open the file; nothing is created any
	 * more, only appended. */
	if (H5Fstart_swmr_write(r->l.file) < 0) {
		pd_h5_errorf(err, errlen, "cannot start SWMR writing %s", r->path);
		goto fail_close;
	}
	if (!r->no_sync && fdatasync(r->fd) != 0) {
		pd_errorf(err, errlen, "cannot sync %s: %s", r->path, strerror(errno));
		goto fail_close;
	}
	/* Its layout is on disk: now it may have its name. */
	if (pd_file_publish(p->dir, base, r->path, sizeof r->path, err, errlen) != 0)
		goto fail_close;
	struct stat st;
	if (fstat(r->fd, &st) == 0)
		r->file_bytes = (uint64_t)st.st_size;
	if (!r->no_sync)
		pd_syncer_start(&r->syncer, r->fd); /* else each flush syncs in line */
	*out = r;
	return 0;

fail_close:
	/* The file goes: HDF5's last writes may go too (a full disk would
	 * make its close fail, h5err.c). */
	disconnect(r);
	pd_layout_close(&r->l);
	if (r->l.file >= 0 && H5Fclose(r->l.file) < 0 && H5Iis_valid(r->l.file) > 0)
		pd_h5_poison();
	H5Eclear2(H5E_DEFAULT);
fail_unlink:
	/* Nothing was recorded: leave nothing behind. */
	unlink(r->path);
	destroy(r);
	return -1;
}

int pd_rec_append_frame(struct pd_rec *r, const struct pd_frame *f)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	if (f->rows != r->info.rows || f->cols != r->info.cols || f->cell_bits != r->info.cell_bits || !f->cells)
		return pd_rec_reject(r, "frame %u: %u × %u × %u bits, the recording is %u × %u × %u bits", f->seq, f->rows,
				     f->cols, f->cell_bits, r->info.rows, r->info.cols, r->info.cell_bits);
	pd_h5_quiet();
	return pd_frames_append(r, f);
}

int pd_rec_flush(struct pd_rec *r)
{
	if (!r || r->failed)
		return PD_REC_FAILED;
	pd_h5_quiet();
	if (pd_frames_commit(r))
		return PD_REC_FAILED;
	/* H5Fflush hands the bytes to the kernel: enough for kill -9, not
	 * for a power cut. The fdatasync for that runs meanwhile on the
	 * syncer's thread (a lossless consumer's wait is the reader's); one
	 * that failed stops the recording here, at the next flush. */
	if (!r->no_sync) {
		int e = r->syncer.running ? pd_syncer_request(&r->syncer) : fdatasync(r->fd) == 0 ? 0 : errno;
		if (e)
			return pd_rec_stop(r, "syncing %s: %s", r->path, strerror(e));
	}
	/* Writes into a file someone deleted (or whose directory went) all
	 * succeed, and end in nothing: say so rather than record into the void. */
	struct stat st;
	if (fstat(r->fd, &st) == 0 && st.st_nlink == 0)
		return pd_rec_stop(r, "%s was deleted (its directory removed?)", r->path);
	return 0;
}

/* H5Fclose, and what to do when it fails. */
static int close_h5(struct pd_rec *r)
{
	pd_layout_close(&r->l);
	herr_t rc = H5Fclose(r->l.file);
	if (rc < 0 && H5Iis_valid(r->l.file) > 0)
		pd_h5_poison();
	H5Eclear2(H5E_DEFAULT);
	r->l.file = H5I_INVALID_HID;
	return rc < 0 ? -1 : 0;
}

static void append_err(struct pd_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append_err(struct pd_rec *r, const char *fmt, ...)
{
	size_t n = strlen(r->err);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof r->err - n, fmt, ap);
	va_end(ap);
}

int pd_rec_close(struct pd_rec *r, char *err, size_t errlen)
{
	return pd_rec_close_kept(r, NULL, err, errlen);
}

int pd_rec_close_kept(struct pd_rec *r, struct pd_rec_kept *kept, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (kept)
		*kept = (struct pd_rec_kept){ 0 };
	if (!r)
		return 0;
	pd_h5_quiet();
	if (!r->failed)
		pd_frames_commit(r);
	/* The close appends no frame: what the last commit left is what the
	 * file holds (repaired, if the close fails). */
	if (kept)
		*kept = (struct pd_rec_kept){ r->visible, r->visible > 0, r->visible_seq };
	int rc = r->failed ? PD_REC_FAILED : 0;
	bool clean = false;
	if (!r->broken) {
		/* HDF5 is fine (also when the recording stopped for want of
		 * room: nothing of that commit was written, and what the
		 * close writes fits in what was reserved). The close clears
		 * the superblock's "open for writing" flags. */
		if (close_h5(r) == 0) {
			clean = true;
		} else {
			pd_h5_errorf(r->err, sizeof r->err, "closing %s", r->path);
			rc = PD_REC_FAILED;
		}
	} else {
		/* disconnect() made the close harmless: it only frees. */
		close_h5(r);
	}
	if (!clean) {
		/* The file is as the last successful flush left it, still
		 * marked open: repair it now if the disk lets us (it takes a
		 * few bytes, in place), else pd_rec_recover will, later. */
		char why[256];
		if (pd_h5_poisoned())
			append_err(r, "; %s left marked open (HDF5 could not close it): recover it later", r->path);
		else if (pd_recover_locked(r->path, why, sizeof why) != 0)
			append_err(r, "; %s left marked open (%s): recover it later", r->path, why);
		else
			clean = true;
	}
	pd_file_unreserve(r->fd, r->reserved);
	if (clean && rc)
		append_err(r, "; %s holds what was flushed before", r->path);
	int sync_err = pd_syncer_stop(&r->syncer);
	if (clean && !r->no_sync && !sync_err && fdatasync(r->fd) != 0)
		sync_err = errno;
	if (clean && sync_err) {
		append_err(r, "%ssyncing %s: %s", r->err[0] ? "; " : "", r->path, strerror(sync_err));
		rc = PD_REC_FAILED;
	}
	if (rc && err && errlen)
		snprintf(err, errlen, "%s", r->err);
	destroy(r);
	return rc;
}

uint64_t pd_rec_frames(const struct pd_rec *r)
{
	return r ? r->frames : 0;
}

uint64_t pd_rec_bytes(const struct pd_rec *r)
{
	return r ? r->file_bytes + r->arena_used : 0;
}

const char *pd_rec_path(const struct pd_rec *r)
{
	return r ? r->path : "";
}

const char *pd_rec_error(const struct pd_rec *r)
{
	return r ? r->err : "";
}

bool pd_rec_failed(const struct pd_rec *r)
{
	return r && r->failed;
}

void pd_rec_shutdown(void)
{
	if (!pd_h5_poisoned())
		H5close();
}

void pd_rec_test_break_io(struct pd_rec *r)
{
	void *handle = NULL;
	if (H5Fget_vfd_handle(r->l.file, H5P_DEFAULT, &handle) < 0 || !handle)
		return;
	int full = open("/dev/full", O_RDWR | O_CLOEXEC);
	if (full >= 0) {
		dup3(full, *(int *)handle, O_CLOEXEC);
		close(full);
	}
}
