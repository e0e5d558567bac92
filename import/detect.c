/* Which format wrote a file, from its first bytes: every registered
 * format (import/formats/) says how sure it is, the surest wins, so the
 * order of the registry does not matter. Signatures are matched in any
 * case, as the parsers read keys. */
#include <string.h>
#include <strings.h>

#include "vendor_parser.h"

bool pi_head_has(const char *head, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(head + i, needle, k))
			return true;
	return false;
}

bool pi_head_starts(const char *head, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		head += 3, n -= 3;
	return n >= k && !strncasecmp(head, prefix, k);
}

const struct pi_format *pi_detect(const char *head, size_t n)
{
	const struct pi_format *best = NULL;
	int best_score = 0;
	for (size_t i = 0; i < pi_nformats; i++) {
		int s = pi_formats[i]->detect ? pi_formats[i]->detect(head, n) : 0;
		if (s > best_score)
			best = pi_formats[i], best_score = s;
	}
	return best;
}

const struct pi_format *pi_format_named(const char *name)
{
	for (size_t i = 0; i < pi_nformats; i++)
		if (!strcmp(pi_formats[i]->name, name))
			return pi_formats[i];
	return NULL;
}
