/* See web_limits.h. */
#include "web_limits.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

static const struct {
	const char *key;
	size_t off;
	long min, max, dflt;
} keys[] = {
#define L(k, lo, hi, d) { #k, offsetof(struct web_limits, k), lo, hi, d }
	/* 256 workers: 128 pages and 64 slow clients leave room for the rest. */
	L(max_connections, 8, 4096, 256),
	L(max_client_connections, 1, 4096, 64),
	L(max_websockets, 1, 4096, 128),
	L(request_timeout_s, 1, 3600, 10),
	/* The page sends control requests of a few hundred bytes. */
	L(max_message_bytes, 128, 1L << 30, 65536),
	/* 512 × 512: its three session maps are 786,432 numbers of JSON. */
	L(max_cells, 1, 1L << 30, 1L << 18),
	/* Over two hours at 1000 frames/s: 16 bytes a frame kept (its times). */
	L(max_frames, 1, 1L << 40, 10000000),
	/* A press a second for two days; each about 300 bytes of JSON. */
	L(max_events, 1, 1L << 30, 200000),
	L(max_table_mb, 1, 1L << 20, 256),
	L(review_cache_mb, 1, 1L << 20, 512),
	L(report_jobs, 1, 64, 2),
	L(report_queue, 0, 1024, 8),
	L(report_memory_mb, 64, 1L << 20, 2048),
	L(report_timeout_s, 1, 86400, 300),
#undef L
};

void web_limits_default(struct web_limits *l)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		*(long *)((char *)l + keys[i].off) = keys[i].dflt;
}

int web_limits_set(struct web_limits *l, const char *key, const char *val, char *bad, size_t badlen)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(keys[i].key, key) != 0)
			continue;
		long v;
		if (!pd_parse_long(val, keys[i].min, keys[i].max, &v)) {
			snprintf(bad, badlen, "web.%s: '%s' is not a whole number from %ld to %ld", key, val, keys[i].min,
				 keys[i].max);
			return 0;
		}
		*(long *)((char *)l + keys[i].off) = v;
		return 1;
	}
	return -1;
}
