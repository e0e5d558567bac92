/* ascii: "# key=value" header comments and the device info they (with the
 * stream params) describe. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ascii_decoder.h"

uint16_t ascii_dec_rows(const struct ascii_dec *d)
{
	return d->hdr_rows ? d->hdr_rows : d->params.rows ? d->params.rows : d->blk_geom_rows;
}

uint16_t ascii_dec_cols(const struct ascii_dec *d)
{
	return d->hdr_cols ? d->hdr_cols : d->params.cols ? d->params.cols : d->blk_geom_cols;
}

void ascii_dec_info(const struct ascii_dec *d, uint16_t rows, uint16_t cols, struct pd_device_info *info)
{
	memset(info, 0, sizeof *info);
	info->protocol_version = 0; /* not a pmf device */
	info->kind = PD_KIND_MAT;
	info->full_scale = d->hdr_full_scale ? d->hdr_full_scale
			 : d->params.full_scale ? d->params.full_scale
			 : ASCII_DEFAULT_FULL_SCALE;
	info->cell_bits = info->full_scale <= 255 ? 8 : 16;
	info->unit = d->params.unit > PD_UNIT_COUNTS && d->params.unit <= PD_UNIT_NEWTON
		     ? (uint8_t)d->params.unit : PD_UNIT_COUNTS;
	info->units_per_count = info->unit == PD_UNIT_COUNTS ? 0.0f : d->params.units_per_count;
	info->rows = rows;
	info->cols = cols;
	info->pitch_x_mm = info->pitch_y_mm = d->hdr_pitch_mm > 0 ? d->hdr_pitch_mm : d->params.pitch_mm;
	info->rate_hz = d->hdr_rate;
	memcpy(info->model, d->hdr_model, sizeof info->model);
	memcpy(info->serial, d->hdr_serial, sizeof info->serial);
}

/* Field by field: memcmp would compare padding too. */
static int same_info(const struct pd_device_info *a, const struct pd_device_info *b)
{
	return a->protocol_version == b->protocol_version && a->kind == b->kind &&
	       a->cell_bits == b->cell_bits && a->unit == b->unit && a->rows == b->rows &&
	       a->cols == b->cols && a->pitch_x_mm == b->pitch_x_mm &&
	       a->pitch_y_mm == b->pitch_y_mm && a->rate_hz == b->rate_hz &&
	       a->units_per_count == b->units_per_count && a->full_scale == b->full_scale &&
	       a->radius_mm == b->radius_mm && a->counts_per_rev == b->counts_per_rev &&
	       strcmp(a->model, b->model) == 0 && strcmp(a->serial, b->serial) == 0 &&
	       strcmp(a->firmware, b->firmware) == 0;
}

void ascii_dec_announce(struct ascii_dec *d, const struct pd_device_info *info)
{
	if (d->info_sent && same_info(&d->sent, info))
		return;
	d->sent = *info;
	d->info_sent = 1;
	if (d->sink->info)
		d->sink->info(d->sink->ctx, &d->sent);
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, uint32_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_float(const char *s, float *out)
{
	if (!*s)
		return -1;
	char *end;
	errno = 0;
	float v = strtof(s, &end);
	if (errno || *end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

static void copy_word(char *dst, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* One "key=value" word; 1 if it set something, 0 if the key is not ours,
 * -1 for a bad value. */
static int set_key(struct ascii_dec *d, const char *key, const char *val)
{
	uint32_t u;
	float f;

	if (strcmp(key, "rows") == 0 || strcmp(key, "cols") == 0) {
		if (parse_uint(val, 1, 65535, &u) < 0)
			return -1;
		if (key[0] == 'r')
			d->hdr_rows = (uint16_t)u;
		else
			d->hdr_cols = (uint16_t)u;
	} else if (strcmp(key, "full_scale") == 0) {
		if (parse_uint(val, 1, 65535, &u) < 0)
			return -1;
		d->hdr_full_scale = u;
	} else if (strcmp(key, "pitch_mm") == 0) {
		if (parse_float(val, &f) < 0)
			return -1;
		d->hdr_pitch_mm = f;
	} else if (strcmp(key, "rate") == 0) {
		if (parse_float(val, &f) < 0)
			return -1;
		d->hdr_rate = f;
	} else if (strcmp(key, "model") == 0) {
		copy_word(d->hdr_model, sizeof d->hdr_model, val);
	} else if (strcmp(key, "serial") == 0) {
		copy_word(d->hdr_serial, sizeof d->hdr_serial, val);
	} else {
		return 0;
	}
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == ',' || c == ';';
}

void ascii_dec_header(struct ascii_dec *d, const char *text, size_t len)
{
	char buf[ASCII_COMMENT_MAX + 1];
	int changed = 0;
	uint16_t old_rows = d->hdr_rows, old_cols = d->hdr_cols;

	if (len > ASCII_COMMENT_MAX)
		len = ASCII_COMMENT_MAX;
	memcpy(buf, text, len);
	buf[len] = '\0';

	for (char *p = buf; *p;) {
		while (*p && is_blank(*p))
			p++;
		char *word = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
		char *eq = strchr(word, '=');
		if (!eq || eq == word)
			continue;
		*eq = '\0';
		int r = set_key(d, word, eq + 1);
		if (r < 0)
			d->stats->decode_errors++;
		else if (r > 0)
			changed = 1;
	}

	/* The geometry of a line is taken or refused as a whole. */
	uint16_t rows = ascii_dec_rows(d), cols = ascii_dec_cols(d);
	if ((size_t)rows * cols > ASCII_MAX_CELLS) {
		d->stats->decode_errors++;
		d->hdr_rows = old_rows;
		d->hdr_cols = old_cols;
		rows = ascii_dec_rows(d);
		cols = ascii_dec_cols(d);
	}
	if (changed && rows && cols) {
		struct pd_device_info info;
		ascii_dec_info(d, rows, cols, &info);
		ascii_dec_announce(d, &info);
	}
}
