/* The line pump shared by every importer: getline keeps one buffer the
 * size of the longest line, so memory doesn't grow with the file. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "import.h"

int pi_feed_file(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, char *err,
		 size_t errlen)
{
	void *p = ops->open(sink);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	char why[PI_ERR_LEN] = "";
	int rc = 0;
	while ((n = getline(&buf, &cap, in)) >= 0) {
		lineno++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		if (memchr(buf, '\0', (size_t)n)) {
			snprintf(why, sizeof why, "a NUL byte in the text");
			rc = -1;
			break;
		}
		buf[n] = '\0';
		if (ops->line(p, buf, (size_t)n, why, sizeof why) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(in)) {
		snprintf(err, errlen, "read error after line %llu", (unsigned long long)lineno);
		rc = -2;
	} else if (rc == 0 && ops->finish(p, why, sizeof why) != 0) {
		lineno++;
		snprintf(err, errlen, "line %llu (end of file): %s", (unsigned long long)lineno, why);
		rc = -2;
	}
	if (rc == -1)
		snprintf(err, errlen, "line %llu: %s", (unsigned long long)lineno, why);
	free(buf);
	ops->close(p);
	return rc ? -1 : 0;
}

int pi_parse_fixed(const char *s, size_t n, int64_t *v, int *decimals)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	int64_t acc = 0;
	int digits = 0, dec = 0;
	bool point = false;
	for (; i < n; i++) {
		char c = s[i];
		if (c == '.' && !point) {
			point = true;
			continue;
		}
		if (c < '0' || c > '9')
			return -1;
		if (point && ++dec > PI_MAX_DECIMALS)
			return -1;
		if (++digits > 12)
			return -1;
		acc = acc * 10 + (c - '0');
	}
	if (digits == 0)
		return -1;
	for (int k = dec; k < PI_MAX_DECIMALS; k++)
		acc *= 10;
	*v = neg ? -acc : acc;
	/* significant decimals only: "1.50" needs one */
	int sig = PI_MAX_DECIMALS;
	for (int64_t a = acc; sig > 0 && a % 10 == 0; sig--)
		a /= 10;
	*decimals = acc ? sig : 0;
	return 0;
}
