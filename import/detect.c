/* Which vendor wrote a file, from its first bytes: each format has a
 * signature near the top, whatever the file is called. The one list of
 * formats is `formats` below: a new importer adds its line there. */
#include <string.h>

#include "import.h"

static bool has(const char *head, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(head + i, needle, k))
			return true;
	return false;
}

static bool starts(const char *head, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		head += 3, n -= 3;
	return n >= k && !memcmp(head, prefix, k);
}

static bool is_tekscan(const char *h, size_t n)
{
	return starts(h, n, "DATA_TYPE MOVIE") || (has(h, n, "ASCII_DATA @@") && has(h, n, "SECONDS_PER_FRAME"));
}

static bool is_xsensor(const char *h, size_t n)
{
	return has(h, n, "\nFRAME,") && has(h, n, "Units:,");
}

static bool is_emed(const char *h, size_t n)
{
	return has(h, n, "Pict-No.") || has(h, n, "Time/picture");
}

static bool is_novel_asc(const char *h, size_t n)
{
	return has(h, n, "time per frame [secs]") || has(h, n, "scanning rate [Hz]");
}

static bool is_stappone(const char *h, size_t n)
{
	return (starts(h, n, "sole_id,") || starts(h, n, "timestamp,")) && has(h, n, ",pressure_");
}

static const struct {
	bool (*is)(const char *head, size_t n);
	const struct pi_parser_ops *ops;
} formats[] = {
	{ is_tekscan, &pi_tekscan },
	{ is_xsensor, &pi_xsensor },
	{ is_emed, &pi_emed },
	{ is_novel_asc, &pi_novel_asc },
	{ is_stappone, &pi_stappone },
};

const struct pi_parser_ops *pi_detect(const char *head, size_t n, const char **what)
{
	*what = NULL; /* every format recognised has its importer now */
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (formats[i].is(head, n))
			return formats[i].ops;
	return NULL;
}
