/* The line pump shared by every importer: getline keeps one buffer the
 * size of the longest line, so memory doesn't grow with the file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"

/* A 64-bit digest of the bytes, eight at a time (FNV-1a's prime, with a
 * shift so high bits reach low ones): enough to tell that a file changed
 * between the passes, at a small part of what parsing costs. */
static uint64_t digest_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* One pass over the file: every line, its ending (LF, CRLF or CR LF
 * runs) cut and line 1's UTF-8 byte-order mark dropped, to fn. 0; -1
 * with "why" for the line *lineno; -2 on a read error. *digest: of every
 * byte read. */
static int pump(int (*fn)(void *, const char *, size_t, char *, size_t), void *p, FILE *in, char **buf,
		size_t *cap, uint64_t *lineno, uint64_t *digest, char *why, size_t whylen)
{
	ssize_t n;
	*lineno = 0;
	*digest = 0xcbf29ce484222325ULL;
	while ((n = getline(buf, cap, in)) >= 0) {
		++*lineno;
		char *b = *buf;
		*digest = digest_bytes(*digest, b, (size_t)n);
		while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
			n--;
		if (*lineno == 1 && n >= 3 && !memcmp(b, "\xef\xbb\xbf", 3)) {
			b += 3;
			n -= 3;
		}
		if (memchr(b, '\0', (size_t)n)) {
			snprintf(why, whylen, "a NUL byte in the text");
			return -1;
		}
		b[n] = '\0';
		if (fn(p, b, (size_t)n, why, whylen) != 0)
			return -1;
	}
	return ferror(in) ? -2 : 0;
}

int pi_feed_file(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, char *err,
		 size_t errlen)
{
	uint64_t digest;
	return pi_feed_file_digest(ops, in, sink, &digest, err, errlen);
}

int pi_feed_file_digest(const struct pi_parser_ops *ops, FILE *in, const struct pi_sink *sink, uint64_t *digest,
			char *err, size_t errlen)
{
	void *p = ops->open(sink);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char *buf = NULL;
	size_t cap = 0;
	uint64_t lineno = 0;
	char why[PI_ERR_LEN] = "";
	int rc = 0;
	if (ops->survey) {
		rc = pump(ops->survey, p, in, &buf, &cap, &lineno, digest, why, sizeof why);
		if (rc == 0 && fseek(in, 0, SEEK_SET) != 0) {
			snprintf(err, errlen, "line 1: the file cannot be read twice (a pipe?): this format needs it");
			rc = -3;
		}
	}
	if (rc == 0)
		rc = pump(ops->line, p, in, &buf, &cap, &lineno, digest, why, sizeof why);
	if (rc == -2) {
		snprintf(err, errlen, "read error after line %llu", (unsigned long long)lineno);
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

int pi_parse_value(const char *s, size_t n, int64_t *v, int *decimals)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	int dec;
	if (pi_parse_fixed(s, n, v, &dec) != 0 || *v < 0)
		return -1;
	if (dec > *decimals)
		*decimals = dec;
	return 0;
}

void pi_fields_init(struct pi_fields *f, const char *s, size_t n, char sep)
{
	*f = (struct pi_fields){ .s = s, .n = n, .sep = sep };
}

static bool blank_run_next(struct pi_fields *f, const char **field, size_t *len)
{
	size_t a = f->at;
	while (a < f->n && (f->s[a] == ' ' || f->s[a] == '\t'))
		a++;
	if (a >= f->n) {
		f->done = true;
		return false;
	}
	size_t b = a;
	while (b < f->n && f->s[b] != ' ' && f->s[b] != '\t')
		b++;
	f->at = b;
	*field = f->s + a;
	*len = b - a;
	return true;
}

bool pi_fields_next(struct pi_fields *f, const char **field, size_t *len)
{
	if (f->done)
		return false;
	if (f->sep == ' ')
		return blank_run_next(f, field, len);
	size_t a = f->at, b = a;
	while (b < f->n && f->s[b] != f->sep)
		b++;
	f->done = b >= f->n;
	f->at = b + 1;
	size_t e = b;
	while (a < e && (f->s[a] == ' ' || f->s[a] == '\t'))
		a++;
	while (e > a && (f->s[e - 1] == ' ' || f->s[e - 1] == '\t'))
		e--;
	*field = f->s + a;
	*len = e - a;
	return true;
}

void pi_text(char *buf, size_t len, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t o = 0;
	for (size_t i = 0; i < n && len > 0;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 && c >= 0xc2 ? 2 : (c & 0xf0) == 0xe0 ? 3
			 : (c & 0xf8) == 0xf0 && c < 0xf5 ? 4 : 0;
		for (size_t j = 1; j < k; j++)
			if (i + j >= n || ((unsigned char)s[i + j] & 0xc0) != 0x80)
				k = 0;
		if (k == 0) { /* Latin-1: two bytes of UTF-8 */
			if (o + 2 >= len)
				break;
			buf[o++] = (char)(0xc0 | c >> 6);
			buf[o++] = (char)(0x80 | (c & 0x3f));
			i++;
			continue;
		}
		if (o + k >= len)
			break;
		memcpy(buf + o, s + i, k);
		o += k;
		i += k;
	}
	if (len)
		buf[o] = '\0';
}

double pi_parse_clock(const char *s, size_t n)
{
	while (n > 0 && *s == ' ')
		s++, n--;
	if (n < 8 || s[2] != ':' || s[5] != ':')
		return -1;
	int h = 0, m = 0, sec = 0;
	for (int i = 0; i < 8; i++) {
		if (i == 2 || i == 5)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	sec = (s[6] - '0') * 10 + (s[7] - '0');
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	double frac = 0, scale = 0.1;
	size_t i = 8;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		for (; i < n && s[i] >= '0' && s[i] <= '9' && i - d < 9; i++, scale /= 10)
			frac += (s[i] - '0') * scale;
		if (i == d)
			return -1;
	}
	while (i < n && s[i] == ' ')
		i++;
	if (i != n)
		return -1;
	return h * 3600.0 + m * 60.0 + sec + frac;
}

bool pi_length_mm(const char *s, size_t n, double *mm)
{
	char buf[64];
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	double v = strtod(buf, &end);
	if (end == buf || !isfinite(v) || !(v > 0))
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	size_t k = strlen(end);
	while (k > 0 && (end[k - 1] == ' ' || end[k - 1] == '\t' || end[k - 1] == '.'))
		end[--k] = '\0';
	static const struct {
		const char *word;
		double mm;
	} units[] = {
		{ "", 1 },		{ "mm", 1 },	       { "millimeter", 1 }, { "millimeters", 1 },
		{ "millimetre", 1 },	{ "millimetres", 1 }, { "cm", 10 },	    { "centimeter", 10 },
		{ "centimeters", 10 }, { "centimetre", 10 }, { "centimetres", 10 }, { "in", 25.4 },
		{ "inch", 25.4 },	{ "inches", 25.4 },    { "\"", 25.4 },	    { "m", 1000 },
		{ "meter", 1000 },	{ "meters", 1000 },    { "metre", 1000 },   { "metres", 1000 },
	};
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (!strcasecmp(end, units[i].word)) {
			*mm = v * units[i].mm;
			return *mm <= 1e5;
		}
	return false;
}
