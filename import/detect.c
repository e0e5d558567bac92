/* Which vendor wrote a file, from its first bytes: each format has a
 * signature line near the top, whatever the file is called. */
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

const struct pi_parser_ops *pi_detect(const char *head, size_t n, const char **what)
{
	*what = NULL;
	if (n >= 15 && !memcmp(head, "DATA_TYPE MOVIE", 15))
		return &pi_tekscan;
	if (has(head, n, "ASCII_DATA @@") && has(head, n, "SECONDS_PER_FRAME"))
		return &pi_tekscan;
	if (has(head, n, "\nFRAME,") && has(head, n, "Units:,"))
		*what = "XSENSOR CSV";
	else if (has(head, n, "Pict-No.") || has(head, n, "Time/picture"))
		*what = "novel emed .lst";
	else if (has(head, n, "time per frame [secs]") || has(head, n, "scanning rate [Hz]"))
		*what = "novel pliance/pedar .asc";
	return NULL;
}
