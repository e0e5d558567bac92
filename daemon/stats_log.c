#include "stats_log.h"

#include <inttypes.h>
#include <stdio.h>

#include "log.h"

void pd_stats_log(int level, struct pd_device *d)
{
	struct pd_device_status s;
	pd_device_snapshot(d, &s);
	const struct pd_device_stats *t = &s.stats;
	pd_log(level,
	       "%s: %s protocol=%s frames=%" PRIu64 " bytes=%" PRIu64 " crc_errors=%" PRIu64
	       " decode_errors=%" PRIu64 " resyncs=%" PRIu64 " garbage_bytes=%" PRIu64 " seq_gaps=%" PRIu64
	       " frames_lost=%" PRIu64 " streams=%" PRIu64 " disconnects=%" PRIu64 " archive_frames=%" PRIu64
	       " archive_lost=%" PRIu64 " analysis_lost=%" PRIu64 "%s%s",
	       d->id, pd_device_state_name(s.state), s.protocol ? s.protocol : "-", t->frames, t->bytes,
	       t->crc_errors, t->decode_errors, t->resyncs, t->garbage_bytes, t->seq_gaps, t->frames_lost,
	       t->streams, t->disconnects, t->archive_frames, t->archive_lost, t->analysis_lost, s.error[0] ? " error=" : "", s.error);
}

void pd_stats_summary(char *out, size_t cap, struct pd_device *devs, int n)
{
	size_t used = 0;
	out[0] = '\0';
	if (n == 0)
		snprintf(out, cap, "no devices");
	for (int i = 0; i < n && used < cap; i++) {
		struct pd_device_status s;
		pd_device_snapshot(&devs[i], &s);
		int w = snprintf(out + used, cap - used, "%s%s %s %" PRIu64 " frames", i ? "; " : "", devs[i].id,
				 pd_device_state_name(s.state), s.stats.frames);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
