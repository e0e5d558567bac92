/* `pressctl status` for people: one table row per device, then its info
 * and stats in full, so nothing the daemon said is hidden. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "format.h"

enum { NCOLS = 9 };
static const char *const headers[NCOLS] = { "DEVICE", "STATE", "KIND", "SIZE", "RATE",
					    "FRAMES", "LOST", "ERRORS", "RECORDING" };

/* A value as pc_put_value prints it, in a string to free(). */
static char *value_str(json_t *v)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	if (!f)
		return NULL;
	if (v)
		pc_put_value(f, v);
	else
		fputc('-', f);
	fclose(f);
	return s;
}

static char *fmt_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_str(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Terminal columns of a UTF-8 string (one per code point: good enough). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* `recording` is the path (a string), or an object with one. */
static json_t *recording_path(json_t *dev)
{
	json_t *r = json_object_get(dev, "recording");
	return json_is_object(r) ? json_object_get(r, "path") : r;
}

static void row_cells(json_t *dev, char *cell[NCOLS])
{
	json_t *info = json_object_get(dev, "info"), *stats = json_object_get(dev, "stats");
	cell[0] = value_str(json_object_get(dev, "id"));
	cell[1] = value_str(json_object_get(dev, "state"));
	cell[2] = value_str(json_object_get(info, "kind"));
	json_t *rows = json_object_get(info, "rows"), *cols = json_object_get(info, "cols");
	if (json_is_number(rows) && json_is_number(cols))
		cell[3] = fmt_str("%gx%g", json_number_value(rows), json_number_value(cols));
	else
		cell[3] = value_str(NULL);
	json_t *rate = json_object_get(info, "rate_hz");
	cell[4] = json_is_number(rate) ? fmt_str("%g Hz", json_number_value(rate)) : value_str(NULL);
	cell[5] = value_str(json_object_get(stats, "frames"));
	cell[6] = value_str(json_object_get(stats, "frames_lost"));
	json_t *crc = json_object_get(stats, "crc_errors"), *dec = json_object_get(stats, "decode_errors");
	if (json_is_number(crc) || json_is_number(dec))
		cell[7] = fmt_str("%g", json_number_value(crc) + json_number_value(dec));
	else
		cell[7] = value_str(NULL);
	cell[8] = value_str(recording_path(dev));
}

static void print_object_line(FILE *out, const char *label, json_t *obj)
{
	if (!json_is_object(obj) || json_object_size(obj) == 0)
		return;
	fprintf(out, "  %s", label);
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		fputc(' ', out);
		pc_put_safe(out, key);
		fputc('=', out);
		pc_put_value(out, v);
	}
	fputc('\n', out);
}

void pc_status_print(FILE *out, json_t *reply)
{
	/* anything the daemon says besides its devices, first */
	const char *key;
	json_t *v;
	json_object_foreach(reply, key, v) {
		if (strcmp(key, "ok") == 0 || strcmp(key, "devices") == 0)
			continue;
		pc_put_safe(out, key);
		fputs(": ", out);
		pc_put_value(out, v);
		fputc('\n', out);
	}
	json_t *devices = json_object_get(reply, "devices");
	size_t n = json_array_size(devices);
	if (n == 0) {
		fputs("no devices\n", out);
		return;
	}
	char *(*cells)[NCOLS] = calloc(n, sizeof *cells);
	if (!cells)
		return;
	size_t w[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		w[c] = strlen(headers[c]);
	for (size_t i = 0; i < n; i++) {
		row_cells(json_array_get(devices, i), cells[i]);
		for (int c = 0; c < NCOLS; c++)
			if (cells[i][c] && width(cells[i][c]) > w[c])
				w[c] = width(cells[i][c]);
	}
	for (int c = 0; c < NCOLS - 1; c++)
		fprintf(out, "%-*s  ", (int)w[c], headers[c]);
	fprintf(out, "%s\n", headers[NCOLS - 1]);
	for (size_t i = 0; i < n; i++) {
		json_t *dev = json_array_get(devices, i);
		for (int c = 0; c < NCOLS; c++) {
			const char *s = cells[i][c] ? cells[i][c] : "?";
			fputs(s, out);
			if (c < NCOLS - 1)
				fprintf(out, "%*s", (int)(w[c] - width(s) + 2), "");
			free(cells[i][c]);
		}
		fputc('\n', out);
		const char *err = json_string_value(json_object_get(dev, "error"));
		if (err) {
			fputs("  error: ", out);
			pc_put_safe(out, err);
			fputc('\n', out);
		}
		print_object_line(out, "info: ", json_object_get(dev, "info"));
		print_object_line(out, "stats:", json_object_get(dev, "stats"));
	}
	free(cells);
}
