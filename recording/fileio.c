/* The recording file as a plain file: created exclusively with its mode
 * set explicitly, claimed by a lock a second pressd (or this one, at its
 * next start) can see, and its superblock's status flags read without
 * HDF5 (which refuses to open a file whose flags say a writer has it). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec_internal.h"

/* The name of try k: base.h5, base-1.h5, ... (hidden: .base.h5.partial, ...). */
static int name_of(char *path, size_t pathlen, const char *dir, const char *base, int k, bool hidden)
{
	if (hidden)
		return k ? snprintf(path, pathlen, "%s/.%s-%d.h5%s", dir, base, k, PD_REC_PARTIAL_SUFFIX)
			 : snprintf(path, pathlen, "%s/.%s.h5%s", dir, base, PD_REC_PARTIAL_SUFFIX);
	return k ? snprintf(path, pathlen, "%s/%s-%d.h5", dir, base, k) : snprintf(path, pathlen, "%s/%s.h5", dir, base);
}

int pd_file_create_excl(const char *dir, const char *base, char *path, size_t pathlen, char *err, size_t errlen)
{
	for (int k = 0; k < 1000; k++) {
		int n = name_of(path, pathlen, dir, base, k, true);
		if (n < 0 || (size_t)n >= pathlen) {
			pd_errorf(err, errlen, "recording path too long: %s/%s.h5", dir, base);
			return -1;
		}
		/* O_EXCL: an existing recording is never overwritten. */
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0) {
			pd_errorf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		/* open()'s mode is filtered by the umask; recordings are
		 * health data and must be 0640 whatever it is. */
		if (fchmod(fd, 0640) != 0) {
			pd_errorf(err, errlen, "cannot set the mode of %s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		return fd;
	}
	pd_errorf(err, errlen, "%s/.%s.h5%s and its -1 … -999 variants all exist", dir, base, PD_REC_PARTIAL_SUFFIX);
	return -1;
}

int pd_file_publish(const char *dir, const char *base, char *path, size_t pathlen, char *err, size_t errlen)
{
	char final[4096];
	for (int k = 0; k < 1000; k++) {
		int n = name_of(final, sizeof final, dir, base, k, false);
		if (n < 0 || (size_t)n >= sizeof final || (size_t)n >= pathlen) {
			pd_errorf(err, errlen, "recording path too long: %s/%s.h5", dir, base);
			return -1;
		}
		/* RENAME_NOREPLACE: an existing recording is never overwritten. */
		if (renameat2(AT_FDCWD, path, AT_FDCWD, final, RENAME_NOREPLACE) == 0) {
			snprintf(path, pathlen, "%s", final);
			/* The new name itself must survive a power cut. */
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				fsync(dfd);
				close(dfd);
			}
			return 0;
		}
		if (errno != EEXIST) {
			pd_errorf(err, errlen, "cannot name %s %s: %s", path, final, strerror(errno));
			return -1;
		}
	}
	pd_errorf(err, errlen, "%s/%s.h5 and its -1 … -999 variants all exist", dir, base);
	return -1;
}

int pd_file_lock(int fd)
{
	/* An open-file-description lock: released when the recorder closes
	 * the file or dies (kill -9 included), and in conflict with any other
	 * open of the file, in this process too. Linux keeps these apart
	 * from flock(), so HDF5's own locking is unaffected. */
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	return fcntl(fd, F_OFD_SETLK, &fl);
}

int pd_file_reserve(int fd, uint64_t from, uint64_t to)
{
	if (to <= from)
		return 0;
	/* fallocate does not check the file size limit when the size does
	 * not change, but the writes will. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && to > rl.rlim_cur) {
		errno = EFBIG;
		return -1;
	}
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)) == 0)
		return 0;
	if (errno == EOPNOTSUPP || errno == ENOSYS)
		return 1;
	return -1;
}

void pd_file_unreserve(int fd, uint64_t to)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return;
	/* Unknown (after a crash): anything up to 1 TiB past the end. */
	uint64_t end = to ? to : (uint64_t)st.st_size + ((uint64_t)1 << 40);
	if (end > (uint64_t)st.st_size)
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size, (off_t)(end - (uint64_t)st.st_size));
}

int pd_file_status_flags(int fd, unsigned *flags, char *err, size_t errlen)
{
	static const unsigned char sig[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
	struct stat st;
	if (fstat(fd, &st) != 0) {
		pd_errorf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* The superblock is at 0, or after a user block of 512 × 2^k bytes. */
	for (off_t at = 0; at + 24 <= st.st_size; at = at ? at * 2 : 512) {
		unsigned char b[24];
		ssize_t n = pread(fd, b, sizeof b, at);
		if (n < 0) {
			pd_errorf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		if (n < (ssize_t)sizeof b || memcmp(b, sig, sizeof sig) != 0)
			continue;
		if (b[8] >= 2) /* v2, v3: one byte after the sizes */
			*flags = b[11];
		else /* v0, v1: four bytes at 20 (unused by HDF5 1.10) */
			*flags = (unsigned)b[20] | (unsigned)b[21] << 8 | (unsigned)b[22] << 16 | (unsigned)b[23] << 24;
		return 0;
	}
	pd_errorf(err, errlen, "not an HDF5 file (no superblock)");
	return -1;
}

/* ---- fdatasync off the writer's thread ------------------------------------ */

static void *syncer_main(void *arg)
{
	struct pd_syncer *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->want && !s->quit)
			pthread_cond_wait(&s->cond, &s->lock);
		if (!s->want)
			break;
		s->want = false;
		pthread_mutex_unlock(&s->lock);
		int e = fdatasync(s->fd) == 0 ? 0 : errno;
		pthread_mutex_lock(&s->lock);
		if (e && !s->err)
			s->err = e;
		pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int pd_syncer_start(struct pd_syncer *s, int fd)
{
	*s = (struct pd_syncer){ .fd = -1 };
	/* Its own descriptor: the writer may close its own whenever it likes. */
	s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, syncer_main, s) != 0) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	s->running = true;
	return 0;
}

int pd_syncer_request(struct pd_syncer *s)
{
	pthread_mutex_lock(&s->lock);
	s->want = true; /* one sync covers every write made before it starts */
	int e = s->err;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return e;
}

int pd_syncer_stop(struct pd_syncer *s)
{
	if (!s->running)
		return 0;
	pthread_mutex_lock(&s->lock);
	s->quit = true; /* after the sync asked for, if any */
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	int e = s->err;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	close(s->fd);
	s->fd = -1;
	s->running = false;
	return e;
}
