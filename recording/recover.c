/* After a crash. An SWMR writer that dies leaves two things behind: the
 * superblock's status flags still say "open for (SWMR) writing", so HDF5
 * refuses to open the file normally, and the end-of-allocation (EOA) the
 * superblock records is older than the data (an SWMR writer does not
 * rewrite the superblock as the file grows), so even with the flags
 * cleared HDF5 would refuse to read chunks past it.
 *
 * `h5clear -s --increment` fixes both, and HDF5 1.10 has no public call
 * for it: h5clear sets three of the library's own file-access properties
 * (clear_status_flags, skip_eof_check, null_fsm_addr) with H5Pset, opens
 * the file read-write and calls H5Fincrement_filesize, which sets the EOA
 * to max(EOA, EOF) + an increment. We do the same, with H5Pexist checking
 * that this libhdf5 has them. Then the per-frame datasets are trimmed to
 * their common length (a commit cut off half-way may have extended some
 * and not the others), and the file is reopened normally to prove it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "rec_internal.h"

/* h5clear's default is 1 MiB; nothing the library wrote lies past EOF (a
 * flushed object is on disk whole, else nothing points at it), so the
 * EOA only needs to reach the end of the file. */
#define EOA_INCREMENT 0

static const char *const clear_props[] = { "clear_status_flags", "skip_eof_check", "null_fsm_addr" };

static int read_flags(const char *path, unsigned *flags, bool *locked, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pd_errorf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char why[160];
	int rc = pd_file_status_flags(fd, flags, why, sizeof why);
	if (rc)
		pd_errorf(err, errlen, "%s: %s", path, why);
	if (locked) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		*locked = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	}
	close(fd);
	return rc;
}

int pd_rec_is_unfinished(const char *path, char *err, size_t errlen)
{
	unsigned flags = 0;
	bool locked = false;
	if (read_flags(path, &flags, &locked, err, errlen)) {
		/* A recorder between creating the file and HDF5's first
		 * bytes: in use, not broken. */
		return locked ? PD_REC_IN_USE : -1;
	}
	if (locked)
		return PD_REC_IN_USE;
	return flags ? PD_REC_UNFINISHED : PD_REC_CLEAN;
}

/* The four (five) per-frame datasets cut to the shortest. */
static int trim(hid_t file, char *err, size_t errlen)
{
	static const char *const names[] = { "frames", "frame_seq", "t", "time", "encoder" };
	hid_t ds[5];
	hsize_t n = (hsize_t)-1, dims[5][3];
	int rc = 0;
	for (size_t i = 0; i < 5; i++) {
		ds[i] = H5I_INVALID_HID;
		if (H5Lexists(file, names[i], H5P_DEFAULT) <= 0) {
			if (i < 4) {
				pd_errorf(err, errlen, "/%s is missing: not a pressd recording", names[i]);
				rc = -1;
			}
			continue;
		}
		ds[i] = H5Dopen2(file, names[i], H5P_DEFAULT);
		hid_t sp = ds[i] >= 0 ? H5Dget_space(ds[i]) : H5I_INVALID_HID;
		if (sp < 0 || H5Sget_simple_extent_dims(sp, dims[i], NULL) < 0) {
			pd_h5_errorf(err, errlen, "reading the length of /%s", names[i]);
			rc = -1;
		} else if (dims[i][0] < n) {
			n = dims[i][0];
		}
		if (sp >= 0)
			H5Sclose(sp);
	}
	for (size_t i = 0; rc == 0 && i < 5; i++) {
		if (ds[i] < 0 || dims[i][0] == n)
			continue;
		dims[i][0] = n;
		if (H5Dset_extent(ds[i], dims[i]) < 0) {
			pd_h5_errorf(err, errlen, "trimming /%s", names[i]);
			rc = -1;
		}
	}
	for (size_t i = 0; i < 5; i++)
		if (ds[i] >= 0)
			H5Dclose(ds[i]);
	return rc;
}

int pd_recover_locked(const char *path, char *err, size_t errlen)
{
	pd_h5_init();
	unsigned flags = 0;
	if (read_flags(path, &flags, NULL, err, errlen))
		return -1;
	if (!flags)
		return 0;

	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	hbool_t on = true;
	for (size_t i = 0; i < sizeof clear_props / sizeof *clear_props; i++) {
		if (H5Pexist(fapl, clear_props[i]) <= 0 || H5Pset(fapl, clear_props[i], &on) < 0) {
			pd_h5_errorf(err, errlen, "this libhdf5 has no '%s' file-access property (h5clear's)",
				     clear_props[i]);
			H5Pclose(fapl);
			return -1;
		}
	}
	hid_t file = H5Fopen(path, H5F_ACC_RDWR, fapl);
	H5Pclose(fapl);
	if (file < 0) {
		pd_h5_errorf(err, errlen, "cannot open %s to repair it", path);
		return -1;
	}
	int rc = 0;
	if (H5Fincrement_filesize(file, EOA_INCREMENT) < 0) {
		pd_h5_errorf(err, errlen, "cannot set the end of allocation of %s", path);
		rc = -1;
	}
	if (rc == 0)
		rc = trim(file, err, errlen);
	/* The close writes the superblock: flags cleared, the new EOA. */
	if (H5Fclose(file) < 0 && rc == 0) {
		pd_h5_errorf(err, errlen, "cannot close %s after repairing it", path);
		rc = -1;
	}
	if (rc)
		return -1;

	fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	if (file < 0) {
		pd_h5_errorf(err, errlen, "%s still does not open after the repair", path);
		return -1;
	}
	H5Fclose(file);
	return 0;
}

int pd_rec_recover(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pd_errorf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pd_file_lock(fd) != 0) {
		if (errno == EAGAIN || errno == EACCES)
			pd_errorf(err, errlen, "%s is being recorded right now", path);
		else
			pd_errorf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	int rc = pd_recover_locked(path, err, errlen);
	if (rc == 0) /* what the dead writer had reserved past the end */
		pd_file_unreserve(fd, 0);
	close(fd);
	return rc;
}

/* ---- a directory ---------------------------------------------------------- */

static void say(pd_rec_say_fn *fn, void *ctx, int priority, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void say(pd_rec_say_fn *fn, void *ctx, int priority, const char *fmt, ...)
{
	char msg[PATH_MAX + 512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (fn)
		fn(ctx, priority, msg);
}

/* A file that can never open as a recording (a crash before this pressd
 * created recordings under a temporary name left some): renamed out of
 * the way of every script that opens each .h5 there, not deleted. */
static void move_aside(const char *path, const char *why, pd_rec_say_fn *fn, void *ctx)
{
	char aside[PATH_MAX + 16];
	snprintf(aside, sizeof aside, "%s.broken", path);
	if (rename(path, aside) == 0)
		say(fn, ctx, LOG_WARNING, "%s cannot be opened as a recording (%s): moved aside to %s", path, why, aside);
	else
		say(fn, ctx, LOG_ERR, "%s cannot be opened as a recording (%s), nor moved aside: %s", path, why,
		    strerror(errno));
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);
	return n >= m && !strcmp(s + n - m, tail);
}

void pd_rec_recover_dir(const char *dir, pd_rec_say_fn *fn, void *ctx)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return;
	struct dirent *e;
	while ((e = readdir(dp))) {
		char path[PATH_MAX], err[256];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' && ends_with(e->d_name, ".h5" PD_REC_PARTIAL_SUFFIX)) {
			if (pd_rec_is_unfinished(path, err, sizeof err) == PD_REC_IN_USE)
				continue; /* being created right now, by another pressd */
			if (unlink(path) == 0)
				say(fn, ctx, LOG_NOTICE, "removed %s: a crash interrupted its creation, before its first frame",
				    path);
			continue;
		}
		if (!ends_with(e->d_name, ".h5"))
			continue;
		int state = pd_rec_is_unfinished(path, err, sizeof err);
		if (state < 0) {
			move_aside(path, err, fn, ctx);
			continue;
		}
		if (state != PD_REC_UNFINISHED)
			continue;
		if (pd_rec_recover(path, err, sizeof err) == 0)
			say(fn, ctx, LOG_NOTICE, "recovered %s, which a crash had left unfinished", path);
		else
			move_aside(path, err, fn, ctx);
	}
	closedir(dp);
}
