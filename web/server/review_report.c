/* The review page's "PDF report" link: `pressctl report` run on the file,
 * as a clinic would run it, in a process of its own. The page gets the
 * very PDF the command line makes; cairo, pango and fontconfig stay out of
 * pressd-web (and their caches with them), and a report that fails or
 * crashes costs one request, not the server. */
#include "review_report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "web_options.h"

extern char **environ;

/* The limits (web_limits.h: report_jobs, report_queue, report_memory_mb,
 * report_timeout_s) and how many run and wait, under mu. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long jobs, queue, memory_mb, timeout_s;
	long running, waiting, most_running;
	unsigned long made, refused, failed;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 2, 8, 2048, 300, 0, 0, 0, 0, 0, 0 };

static void sweep_stale(void);

void review_report_limits(const struct web_limits *l)
{
	q.jobs = l->report_jobs;
	q.queue = l->report_queue;
	q.memory_mb = l->report_memory_mb;
	q.timeout_s = l->report_timeout_s;
	sweep_stale();
}

json_t *review_report_stats(void)
{
	pthread_mutex_lock(&q.mu);
	json_t *j = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "running", (json_int_t)q.running, "waiting",
			      (json_int_t)q.waiting, "most_running", (json_int_t)q.most_running, "made",
			      (json_int_t)q.made, "refused", (json_int_t)q.refused, "failed", (json_int_t)q.failed);
	pthread_mutex_unlock(&q.mu);
	return j;
}

/* A turn to run a report: 0, or 503 when report_queue already wait. */
static int take_turn(void)
{
	pthread_mutex_lock(&q.mu);
	if (q.running >= q.jobs && q.waiting >= q.queue) {
		q.refused++;
		pthread_mutex_unlock(&q.mu);
		return 503;
	}
	q.waiting++;
	while (q.running >= q.jobs)
		pthread_cond_wait(&q.cv, &q.mu);
	q.waiting--;
	q.running++;
	if (q.running > q.most_running)
		q.most_running = q.running;
	pthread_mutex_unlock(&q.mu);
	return 0;
}

static void end_turn(bool ok)
{
	pthread_mutex_lock(&q.mu);
	q.running--;
	if (ok)
		q.made++;
	else
		q.failed++;
	pthread_cond_signal(&q.cv);
	pthread_mutex_unlock(&q.mu);
}

static const char *tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && tmp[0] ? tmp : "/tmp";
}

/* Everything in a report's directory (the PDF, pressctl's .partial, what
 * a killed child left), then the directory. */
static void remove_work(const char *work)
{
	DIR *d = opendir(work);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(work);
}

/* Directories of an earlier pressd-web that was killed: named after its
 * pid, removed when that process is gone. */
static void sweep_stale(void)
{
	DIR *d = opendir(tmp_dir());
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		int pid;
		if (sscanf(e->d_name, "pressd-web-report-%d-", &pid) != 1 || pid <= 0 || pid == getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (EPERM: someone else's) */
		char work[4400];
		snprintf(work, sizeof work, "%s/%s", tmp_dir(), e->d_name);
		remove_work(work);
		pd_log(5, "removed %s, left by a pressd-web that is gone", work);
	}
	closedir(d);
}

/* pressctl beside pressd-web (a build tree's bin/, an install's bindir),
 * else the one on PATH. */
static void pressctl_path(char *out, size_t cap, bool *search)
{
	char exe[4096];
	*search = true;
	snprintf(out, cap, "pressctl");
	if (!web_exe_dir(exe, sizeof exe))
		return;
	char beside[4200];
	snprintf(beside, sizeof beside, "%s/pressctl", exe);
	if (access(beside, X_OK) == 0 && strlen(beside) < cap) {
		snprintf(out, cap, "%s", beside);
		*search = false;
	}
}

/* Collects the child's stderr until it closes (the child exits) or the
 * deadline passes. */
static bool read_messages(int fd, char *buf, size_t cap)
{
	size_t used = 0;
	double deadline = pd_mono_s() + (double)q.timeout_s;
	buf[0] = 0;
	for (;;) {
		double left = deadline - pd_mono_s();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return false;
		char scratch[512];
		ssize_t n = read(fd, used + 1 < cap ? buf + used : scratch,
				 used + 1 < cap ? cap - used - 1 : sizeof scratch);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (used + 1 < cap) {
			used += (size_t)n;
			buf[used] = 0;
		}
	}
}

static int make_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen);

int review_report_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen)
{
	if (take_turn() != 0) {
		snprintf(err, errlen, "%ld reports are being made and %ld wait (web.report_jobs, web.report_queue): "
			 "try again later", q.jobs, q.queue);
		return 503;
	}
	int status = make_pdf(dir, name, out, cap, err, errlen);
	end_turn(status == 200);
	return status;
}

/* The child's limits, set from outside: posix_spawn has no hook for them.
 * Under ASan, whose shadow memory is terabytes of address space, the
 * address-space limit would stop every child: time alone then. */
static void limit_child(pid_t pid)
{
#if !defined(__SANITIZE_ADDRESS__)
	struct rlimit as = { (rlim_t)q.memory_mb << 20, (rlim_t)q.memory_mb << 20 };
	if (prlimit(pid, RLIMIT_AS, &as, NULL) != 0)
		pd_log(4, "cannot limit a report's memory: %s", strerror(errno));
#else
	(void)pid;
#endif
}

static int make_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen)
{
	char work[4096];
	snprintf(work, sizeof work, "%s/pressd-web-report-%d-XXXXXX", tmp_dir(), (int)getpid());
	if (!mkdtemp(work)) {
		snprintf(err, errlen, "cannot make a temporary directory in %s: %s", tmp_dir(), strerror(errno));
		return 500;
	}
	char input[8192], pdf[4200], exe[4096];
	snprintf(input, sizeof input, "%s/%s", dir, name);
	snprintf(pdf, sizeof pdf, "%s/report.pdf", work);
	bool search;
	pressctl_path(exe, sizeof exe, &search);

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		rmdir(work);
		return 500;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	char *argv[] = { "pressctl", "report", input, "-o", pdf, NULL };
	pid_t pid;
	int rc = search ? posix_spawnp(&pid, exe, &fa, NULL, argv, environ)
			: posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		rmdir(work);
		snprintf(err, errlen, "cannot run %s: %s", exe, strerror(rc));
		return 500;
	}
	limit_child(pid);
	char msg[2048];
	bool finished = read_messages(pipefd[0], msg, sizeof msg);
	close(pipefd[0]);
	if (!finished)
		kill(pid, SIGKILL);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	msg[strcspn(msg, "\n")] = 0;
	if (finished && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) {
		snprintf(out, cap, "%s", pdf);
		return 200;
	}
	remove_work(work);
	if (!finished) {
		snprintf(err, errlen, "the report of %s took over %ld s (web.report_timeout_s): stopped", name, q.timeout_s);
		pd_log(4, "report of %s: %s", name, err);
		return 504;
	}
	if (WIFSIGNALED(ws)) {
		snprintf(err, errlen, "the report of %s was stopped by signal %d (web.report_memory_mb is %ld)%s%s", name,
			 WTERMSIG(ws), q.memory_mb, msg[0] ? ": " : "", msg);
		pd_log(4, "report of %s: %s", name, err);
		return 500;
	}
	/* pressctl's own message names the file and what was wrong. */
	snprintf(err, errlen, "%s", msg[0] ? msg : "pressctl report failed");
	pd_log(4, "report of %s: %s (exit status %d)", name, err, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	return WIFEXITED(ws) && WEXITSTATUS(ws) == 1 ? 422 : 500;
}

void review_report_done(const char *pdf)
{
	char work[4200];
	snprintf(work, sizeof work, "%s", pdf);
	char *slash = strrchr(work, '/');
	if (slash) {
		*slash = 0;
		remove_work(work);
	}
}
