#include "cert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool pd_z85_key_valid(const char *s)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       ".-:+=^!/*?&<>()[]{}@%$#";
	if (strlen(s) != PD_Z85_KEY_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!strchr(alphabet, *p))
			return false;
	return true;
}

/* `  public-key = "..."`: the value of NAME on this line, unquoted, or
 * NULL when the line is about something else. */
static char *value_of(char *line, const char *name)
{
	line += strspn(line, " \t");
	size_t n = strlen(name);
	if (strncmp(line, name, n))
		return NULL;
	line += n;
	line += strspn(line, " \t");
	if (*line != '=')
		return NULL;
	line++;
	line += strspn(line, " \t\"'");
	line[strcspn(line, "\"' \t\r\n")] = '\0';
	return line;
}

int pd_cert_load(const char *path, bool need_secret, struct pd_cert *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[512];
	int lineno = 0, rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		lineno++;
		char *key = value_of(line, "public-key");
		char *dst = out->public_key;
		if (!key) {
			key = value_of(line, "secret-key");
			dst = out->secret_key;
		}
		if (!key)
			continue;
		if (!pd_z85_key_valid(key)) {
			snprintf(err, errlen, "%s:%d: not a Z85 CURVE key (40 characters expected)", path, lineno);
			rc = -1;
		} else {
			memcpy(dst, key, PD_Z85_KEY_LEN + 1);
		}
	}
	if (!rc && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc)
		return rc;
	if (!out->public_key[0]) {
		snprintf(err, errlen, "%s: no public-key (is it a CURVE certificate?)", path);
		return -1;
	}
	if (need_secret && !out->secret_key[0]) {
		snprintf(err, errlen, "%s: no secret-key (give the .key_secret file, not the public .key)", path);
		return -1;
	}
	return 0;
}

static int write_cert(const char *path, mode_t mode, const struct pd_cert *c, bool secret, const char *generator,
		      char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime_r(&now, &tm));
	fprintf(f, "#   ****  Generated on %s UTC by %s  ****\n", when, generator);
	if (secret)
		fprintf(f, "#   ZeroMQ CURVE **Secret** Certificate\n"
			   "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n");
	else
		fprintf(f, "#   ZeroMQ CURVE Public Certificate\n"
			   "#   Exchange securely, or use a secure mechanism to verify the contents\n"
			   "#   of this file after exchange. Store public certificates in your home\n"
			   "#   directory, in the .curve subdirectory.\n\n");
	fprintf(f, "metadata\ncurve\n    public-key = \"%s\"\n", c->public_key);
	if (secret)
		fprintf(f, "    secret-key = \"%s\"\n", c->secret_key);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		unlink(path);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int pd_cert_save(const char *base, const struct pd_cert *c, const char *generator, char *err, size_t errlen)
{
	char pub[4096], sec[4096];
	if ((size_t)snprintf(pub, sizeof pub, "%s.key", base) >= sizeof pub ||
	    (size_t)snprintf(sec, sizeof sec, "%s.key_secret", base) >= sizeof sec) {
		snprintf(err, errlen, "%s: name too long", base);
		return -1;
	}
	/* The secret first: a failure then leaves no public half pointing at
	 * a key nobody holds. */
	if (write_cert(sec, 0600, c, true, generator, err, errlen) != 0)
		return -1;
	if (write_cert(pub, 0644, c, false, generator, err, errlen) != 0) {
		unlink(sec);
		return -1;
	}
	return 0;
}
