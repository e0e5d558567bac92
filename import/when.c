/* The dates and times vendors write in their headers and frame lines,
 * read liberally: words and numbers in any of the orders the exports
 * use, a clock with ':' (or '.' after a dotted date, novel's "15.21"),
 * a.m./p.m. in any spelling, weekday names skipped. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"

static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
				      "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const weekdays[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int word_index(const char *t, size_t n, const char *const *list, int count)
{
	if (n < 3)
		return -1;
	for (int i = 0; i < count; i++)
		if (!strncasecmp(t, list[i], 3))
			return i;
	return -1;
}

/* "am", "a.m.", "PM", "p.m": 0 am, 12 pm, -1 neither */
static int meridiem(const char *t, size_t n)
{
	char c[2];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '.')
			continue;
		if (k == 2)
			return -1;
		c[k++] = (char)tolower((unsigned char)t[i]);
	}
	if (k != 2 || c[1] != 'm')
		return -1;
	return c[0] == 'a' ? 0 : c[0] == 'p' ? 12 : -1;
}

/* Up to 3 unsigned numbers separated by sep; the last may have a fraction
 * (when frac_ok). Returns how many, or 0 when the token is something else. */
static int numbers(const char *t, size_t n, char sep, bool frac_ok, double v[3])
{
	int k = 0;
	size_t i = 0;
	while (i < n && k < 3) {
		size_t a = i;
		double x = 0;
		while (i < n && isdigit((unsigned char)t[i]))
			x = x * 10 + (t[i++] - '0');
		if (i == a || i - a > 4)
			return 0;
		if (frac_ok && i < n && t[i] == '.' && sep != '.') {
			double s = 0.1;
			for (i++; i < n && isdigit((unsigned char)t[i]); i++, s /= 10)
				x += (t[i] - '0') * s;
		}
		v[k++] = x;
		if (i < n && t[i] != sep)
			break;
		if (i < n)
			i++;
	}
	return i == n ? k : 0;
}

static bool set_clock(struct pi_when *w, double h, double m, double s, int mer)
{
	if (mer >= 0) {
		if (h < 1 || h > 12)
			return false;
		h = (int)h % 12 + mer;
	}
	if (h > 23 || m > 59 || s >= 61)
		return false;
	w->hour = (int)h, w->minute = (int)m, w->second = s;
	return true;
}

bool pi_parse_when(const char *s, size_t n, struct pi_when *out)
{
	struct pi_when w = { 0 };
	bool have_date = false, have_clock = false;
	int mon = -1, nplain = 0, plain[3] = { 0 }, pending_mer = -1;
	double clk[3] = { 0 };
	int nclk = 0;
	for (size_t i = 0; i < n;) {
		while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '\t'))
			i++;
		size_t a = i;
		while (i < n && s[i] != ' ' && s[i] != ',' && s[i] != '\t')
			i++;
		const char *t = s + a;
		size_t len = i - a;
		if (len == 0)
			break;
		/* "6:21:52.34PM": a clock with its meridiem glued on */
		size_t core = len;
		int mer = -1;
		if (len > 2 && isdigit((unsigned char)t[0]) && isalpha((unsigned char)t[len - 1])) {
			size_t k = len;
			while (k > 0 && (isalpha((unsigned char)t[k - 1]) || t[k - 1] == '.'))
				k--;
			if ((mer = meridiem(t + k, len - k)) < 0)
				return false;
			core = k;
		}
		double v[3];
		int k;
		const char *T = memchr(t, 'T', core);
		if (!have_date && T && numbers(t, (size_t)(T - t), '-', false, v) == 3) { /* ISO: 2019-12-02T18:21:52 */
			w.year = (int)v[0], w.month = (int)v[1], w.day = (int)v[2];
			have_date = true;
			size_t rest = core - (size_t)(T + 1 - t);
			if ((nclk = numbers(T + 1, rest, ':', true, clk)) < 2)
				return false;
			have_clock = true;
			pending_mer = mer;
		} else if (memchr(t, ':', core)) {
			if (have_clock || (nclk = numbers(t, core, ':', true, clk)) < 2)
				return false;
			have_clock = true;
			pending_mer = mer;
		} else if (mer < 0 && meridiem(t, len) >= 0 && have_clock) {
			pending_mer = meridiem(t, len);
		} else if (!have_date && (k = numbers(t, core, '/', false, v)) == 3 && memchr(t, '/', core)) {
			w.month = (int)v[0], w.day = (int)v[1], w.year = (int)v[2]; /* Tekscan: US order */
			have_date = true;
		} else if (!have_date && (k = numbers(t, core, '-', false, v)) == 3 && memchr(t, '-', core)) {
			w.year = (int)v[0], w.month = (int)v[1], w.day = (int)v[2];
			have_date = true;
		} else if (!have_date && (k = numbers(t, core, '.', false, v)) == 3) {
			w.day = (int)v[0], w.month = (int)v[1], w.year = (int)v[2]; /* novel: 17.06.23 */
			have_date = true;
		} else if (have_date && !have_clock && (k = numbers(t, core, '.', false, v)) == 2) {
			clk[0] = v[0], clk[1] = v[1], nclk = 2; /* novel: 15.21 */
			have_clock = true;
		} else if (isalpha((unsigned char)t[0])) {
			int m = word_index(t, len, months, 12);
			if (m >= 0 && mon < 0)
				mon = m;
			else if (word_index(t, len, weekdays, 7) < 0)
				return false;
		} else if (numbers(t, core, ' ', false, v) == 1 && nplain < 3) {
			plain[nplain++] = (int)v[0];
		} else {
			return false;
		}
	}
	if (mon >= 0 && !have_date && nplain == 2) { /* "16 February 2017", "2022 Aug 16" */
		w.month = mon + 1;
		if (plain[0] > 31)
			w.year = plain[0], w.day = plain[1];
		else
			w.day = plain[0], w.year = plain[1];
		have_date = true;
	} else if (nplain) {
		return false;
	}
	if (!have_date)
		return false;
	if (w.year < 100)
		w.year += 2000;
	if (w.year < 1970 || w.year > 2200 || w.month < 1 || w.month > 12 || w.day < 1 || w.day > 31)
		return false;
	if (have_clock && !set_clock(&w, clk[0], clk[1], nclk > 2 ? clk[2] : 0, pending_mer))
		return false;
	w.set = true;
	pi_text(w.text, sizeof w.text, s, n);
	*out = w;
	return true;
}

/* days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil) */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

double pi_when_seconds(const struct pi_when *w)
{
	return (double)days_from_civil(w->year, (unsigned)w->month, (unsigned)w->day) * 86400.0 + w->hour * 3600.0 +
	       w->minute * 60.0 + w->second;
}
