/* The review page's "PDF report" link: `pressctl report` run on the file,
 * as a clinic would run it, in a process of its own. The page gets the
 * very PDF the command line makes; cairo, pango and fontconfig stay out of
 * pressd-web (and their caches with them), and a report that fails or
 * crashes costs one request, not the server. */
#include "review_report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "web_options.h"

#define REPORT_TIMEOUT_S 300 /* a report of ten hours takes about a minute */

extern char **environ;

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
	double deadline = pd_mono_s() + REPORT_TIMEOUT_S;
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

int review_report_pdf(const char *dir, const char *name, char *out, size_t cap, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char work[4096];
	snprintf(work, sizeof work, "%s/pressd-web-report-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(work)) {
		snprintf(err, errlen, "cannot make a temporary directory in %s: %s", tmp && tmp[0] ? tmp : "/tmp",
			 strerror(errno));
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
	unlink(pdf);
	rmdir(work);
	if (!finished) {
		snprintf(err, errlen, "the report of %s took over %d s: stopped", name, REPORT_TIMEOUT_S);
		return 504;
	}
	/* pressctl's own message names the file and what was wrong. */
	snprintf(err, errlen, "%s", msg[0] ? msg : "pressctl report failed");
	pd_log(4, "report of %s: %s (exit status %d)", name, err, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
	return WIFEXITED(ws) && WEXITSTATUS(ws) == 1 ? 422 : 500;
}

void review_report_done(const char *pdf)
{
	unlink(pdf);
	char work[4200];
	snprintf(work, sizeof work, "%s", pdf);
	char *slash = strrchr(work, '/');
	if (slash) {
		*slash = 0;
		rmdir(work);
	}
}
