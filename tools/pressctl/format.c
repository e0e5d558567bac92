#include "format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fields every message carries (events.md): not repeated in a line. */
static const char *const common_fields[] = { "v", "type", "device", "seq", "t", "time", "frame", "phase" };

void pc_put_safe(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) { /* U+0080..U+009F, the C1 controls */
			fputc('?', out);
			p++;
			continue;
		}
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
	}
}

void pc_put_value(FILE *out, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		pc_put_safe(out, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%.6g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", out);
		break;
	case JSON_FALSE:
		fputs("false", out);
		break;
	case JSON_NULL:
		fputs("-", out);
		break;
	default: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s)
			pc_put_safe(out, s);
		free(s);
	}
	}
}

void pc_format_clock(double utc, char *buf, size_t len)
{
	double whole = floor(utc);
	time_t secs = (time_t)whole;
	int ms = (int)((utc - whole) * 1000);
	if (ms > 999)
		ms = 999;
	struct tm tm;
	if (!localtime_r(&secs, &tm)) {
		snprintf(buf, len, "??:??:??.???");
		return;
	}
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static bool num(json_t *ev, const char *key, double *v)
{
	json_t *j = json_object_get(ev, key);
	if (!json_is_number(j))
		return false;
	*v = json_number_value(j);
	return true;
}

/* " label=value" when the field is there. */
static void kv(FILE *o, json_t *ev, const char *key, const char *label)
{
	json_t *j = json_object_get(ev, key);
	if (!j)
		return;
	fprintf(o, " %s=", label ? label : key);
	pc_put_value(o, j);
}

/* " label=12.3unit" with a fixed number of decimals. */
static void kvf(FILE *o, json_t *ev, const char *key, const char *label, int decimals, const char *unit)
{
	double v;
	if (num(ev, key, &v))
		fprintf(o, " %s=%.*f%s", label ? label : key, decimals, v, unit ? unit : "");
}

static void fmt_status(FILE *o, json_t *ev)
{
	const char *state = json_string_value(json_object_get(ev, "state"));
	if (state) {
		fputc(' ', o);
		pc_put_safe(o, state);
	}
	const char *err = json_string_value(json_object_get(ev, "error"));
	if (err) {
		fputs(" error=\"", o);
		pc_put_safe(o, err);
		fputc('"', o);
	}
	json_t *info = json_object_get(ev, "info");
	double rows, cols, rate;
	if (num(info, "rows", &rows) && num(info, "cols", &cols))
		fprintf(o, " %g×%g", rows, cols);
	if (num(info, "rate_hz", &rate))
		fprintf(o, "@%gHz", rate);
	json_t *stats = json_object_get(ev, "stats");
	kv(o, stats, "frames", NULL);
	kv(o, stats, "frames_lost", "lost");
	double crc = 0, dec = 0;
	bool has_crc = num(stats, "crc_errors", &crc);
	bool has_dec = num(stats, "decode_errors", &dec);
	if (has_crc || has_dec)
		fprintf(o, " errors=%g", crc + dec);
	kv(o, stats, "publish_dropped", "dropped");
	double lag;
	if (num(stats, "archive_lag", &lag) && lag > 0)
		fprintf(o, " archive_lag=%g", lag);
}

static void fmt_frame(FILE *o, json_t *ev, const struct pc_frame *f)
{
	kv(o, ev, "frame", NULL);
	kvf(o, ev, "t", NULL, 3, NULL);
	double rows, cols;
	if (num(ev, "rows", &rows) && num(ev, "cols", &cols))
		fprintf(o, " %g×%g", rows, cols);
	const char *dtype = json_string_value(json_object_get(ev, "dtype"));
	if (dtype) {
		fputc(' ', o);
		pc_put_safe(o, dtype);
	}
	if (f) {
		char v[64];
		pc_frame_value_str(f, pc_frame_max(f), v, sizeof v);
		fputs(" max=", o);
		pc_put_safe(o, v);
	} else {
		fputs(" (cells do not match the header)", o);
	}
}

static void fmt_recording(FILE *o, json_t *ev)
{
	const char *path = json_string_value(json_object_get(ev, "path"));
	if (path) {
		fputc(' ', o);
		pc_put_safe(o, path);
	}
	kv(o, ev, "frames", NULL);
}

/* A type this client does not know: every field beyond the common ones. */
static void fmt_other(FILE *o, json_t *ev)
{
	const char *key;
	json_t *v;
	json_object_foreach(ev, key, v) {
		bool common = false;
		for (size_t i = 0; i < sizeof common_fields / sizeof common_fields[0]; i++)
			common |= strcmp(key, common_fields[i]) == 0;
		if (common)
			continue;
		fputc(' ', o);
		pc_put_safe(o, key);
		fputc('=', o);
		pc_put_value(o, v);
	}
}

void pc_format_event(FILE *o, const char *type, const char *device, json_t *ev, const struct pc_frame *frame,
		     double now_utc)
{
	double utc;
	if (!num(ev, "time", &utc))
		utc = now_utc;
	char clock[32];
	pc_format_clock(utc, clock, sizeof clock);
	fprintf(o, "%s ", clock);
	pc_put_safe(o, type);
	fputc('/', o);
	pc_put_safe(o, device);
	const char *phase = json_string_value(json_object_get(ev, "phase"));
	if (phase) {
		fputc(' ', o);
		pc_put_safe(o, phase);
	}
	if (strcmp(type, "status") == 0)
		fmt_status(o, ev);
	else if (strcmp(type, "frame") == 0)
		fmt_frame(o, ev, frame);
	else if (strcmp(type, "recording") == 0)
		fmt_recording(o, ev);
	else if (!pc_format_declared(o, type, ev, phase)) /* the analysis' events and marks: format_event.c */
		fmt_other(o, ev);
}
