/* Strict number parsing for the command line, config and URIs: the whole
 * string must be the number, in range, or the caller reports it; and the
 * way back, numbers as text that parses to the same value. */
#ifndef PD_PARSE_H
#define PD_PARSE_H

#include <stdbool.h>
#include <stddef.h>

bool pd_parse_long(const char *s, long min, long max, long *out);
bool pd_parse_double(const char *s, double min, double max, double *out);
bool pd_parse_bool(const char *s, bool *out);

/* The shortest "%g" text (15 to 17 digits) that reads back as exactly v:
 * 0.1, not 0.10000000000000001. cap ≥ 32 holds any. */
void pd_format_double(char *buf, size_t cap, double v);

#endif
