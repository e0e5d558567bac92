/* Strict number parsing for the command line, config and URIs: the whole
 * string must be the number, in range, or the caller reports it. */
#ifndef PD_PARSE_H
#define PD_PARSE_H

#include <stdbool.h>

bool pd_parse_long(const char *s, long min, long max, long *out);
bool pd_parse_double(const char *s, double min, double max, double *out);
bool pd_parse_bool(const char *s, bool *out);

#endif
