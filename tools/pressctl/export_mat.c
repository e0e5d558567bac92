/* pressctl export FILE --mat OUT.mat: a recording as a MAT 5 file (with
 * libmatio) for GNU Octave, which has no h5read, and for MATLAB's `load`.
 *
 *   frames      uint8/uint16 [rows, cols, N], raw counts as recorded:
 *               frames(:,:,k) is frame k (MATLAB's image-stack habit);
 *               value = double(frames) * conversion, in `unit`
 *   unit, conversion, t, time (N×1 s), frame_seq (uint32 N×1), encoder
 *   (int32 N×1, rollers)
 *   tare        single [rows, cols, K] counts, tare_t (K×1): baseline k
 *               applies from device time tare_t(k) on
 *   recording, device, analysis, meta   structs of the file's attributes
 *   gaps        1×K struct array (after_seq, missing)
 *   events      a struct of 1×M struct arrays, one per table (presses,
 *               holds, pulses, strokes, rolls, marks, settings,
 *               pulse_durations), a field per column: numbers double,
 *               text char, `reached` logical; an empty table is 0×0.
 *
 * Text is stored as UTF-16, as MATLAB does. A MAT 5 variable
 * holds at most 2 GiB: a longer recording is refused with a pointer to
 * h5read. */
#include <ctype.h>
#include <math.h>
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "export.h"
#include "export_tables.h"

#define MAT_VAR_MAX ((size_t)2 << 30)
/* The arrays are compressed; structs are not: Octave 7 cannot inflate
 * the compressed structs libmatio 1.5 writes ("buf error from zlib"),
 * and they are small. */
#define ARRAYS MAT_COMPRESSION_ZLIB
#define STRUCTS MAT_COMPRESSION_NONE

static matvar_t *num(const char *name, double v)
{
	size_t dims[2] = { 1, 1 };
	return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, &v, 0);
}

/* Text as MATLAB keeps it, UTF-16 code units (miUINT16): Octave 7
 * misreads a struct whose char field is miUINT8 and longer than 4 bytes
 * (it loses its place in the struct), and libmatio sizes miUTF8 data at
 * 4 bytes a character. Bytes that are not UTF-8 become '?'. */
static matvar_t *text(const char *name, const char *s)
{
	size_t n = strlen(s), k = 0;
	uint16_t *u = malloc((n + 1) * 2 * sizeof *u);
	if (!u)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c = *p, len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		bool ok = len > 0;
		if (len > 1)
			c &= 0x7f >> len;
		for (uint32_t i = 1; ok && i < len; i++) {
			ok = (p[i] & 0xc0) == 0x80;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (!ok || (len == 3 && c >= 0xd800 && c < 0xe000)) {
			u[k++] = '?';
			p++;
			continue;
		}
		p += len;
		if (c >= 0x10000) { /* a surrogate pair */
			c -= 0x10000;
			u[k++] = (uint16_t)(0xd800 | c >> 10);
			u[k++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		} else {
			u[k++] = (uint16_t)c;
		}
	}
	size_t dims[2] = { 1, k };
	matvar_t *v = Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT16, 2, dims, u, 0);
	free(u);
	return v;
}

static matvar_t *logical(const char *name, bool b)
{
	size_t dims[2] = { 1, 1 };
	uint8_t v = b;
	return Mat_VarCreate(name, MAT_C_UINT8, MAT_T_UINT8, 2, dims, &v, MAT_F_LOGICAL);
}

/* A column vector; the data is copied. */
static matvar_t *column(const char *name, enum matio_classes cls, enum matio_types type, size_t n, const void *data)
{
	size_t dims[2] = { n, 1 };
	return Mat_VarCreate(name, cls, type, 2, dims, (void *)data, 0);
}

/* A field name MATLAB accepts: letters, digits, _, starting with a
 * letter, at most 63 characters (as matlab.lang.makeValidName does). */
static void valid_name(char *buf, size_t len, const char *s)
{
	size_t n = 0;
	if (!isalpha((unsigned char)*s) && n + 2 < len) {
		buf[n++] = 'x';
		buf[n++] = '_';
	}
	for (; *s && n + 1 < len && n < 63; s++)
		buf[n++] = isalnum((unsigned char)*s) ? *s : '_';
	buf[n] = '\0';
}

/* A struct of scalar fields: names and values given as text (numbers
 * when `number`). */
static matvar_t *attr_struct(const char *name, size_t n, const char **keys, const char **values, const bool *number)
{
	char (*names)[64] = calloc(n ? n : 1, sizeof *names);
	const char **fields = calloc(n ? n : 1, sizeof *fields);
	size_t dims[2] = { 1, 1 };
	for (size_t i = 0; i < n; i++) {
		valid_name(names[i], sizeof names[i], keys[i]);
		fields[i] = names[i];
	}
	matvar_t *s = Mat_VarCreateStruct(name, 2, dims, fields, (unsigned)n);
	for (size_t i = 0; s && i < n; i++)
		Mat_VarSetStructFieldByName(s, fields[i], 0,
					    number[i] ? num(NULL, strtod(values[i], NULL)) : text(NULL, values[i]));
	free(fields);
	free(names);
	return s;
}

static matvar_t *table_struct(const char *name, const struct pc_table *t)
{
	size_t m = json_array_size(t->rows);
	size_t dims[2] = { m ? 1 : 0, m };
	const char *fields[PC_TABLE_COLS];
	for (size_t c = 0; c < t->ncols; c++)
		fields[c] = t->col[c].name;
	matvar_t *s = Mat_VarCreateStruct(name, 2, dims, fields, (unsigned)t->ncols);
	for (size_t i = 0; s && i < m; i++) {
		json_t *row = json_array_get(t->rows, i);
		for (size_t c = 0; c < t->ncols; c++) {
			json_t *v = json_object_get(row, t->col[c].name);
			matvar_t *f;
			if (t->col[c].type == PD_REC_COL_TEXT)
				f = text(NULL, json_is_string(v) ? json_string_value(v) : "");
			else if (t->col[c].type == PD_REC_COL_BOOL)
				f = logical(NULL, json_is_true(v));
			else
				f = num(NULL, json_is_number(v) ? json_number_value(v) : NAN);
			Mat_VarSetStructFieldByName(s, fields[c], i, f);
		}
	}
	return s;
}

static matvar_t *events_struct(const struct pc_tables *ts)
{
	const char *fields[16];
	size_t n = 0;
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->t[i].name, "gaps"))
			fields[n++] = ts->t[i].name;
	size_t dims[2] = { 1, 1 };
	matvar_t *s = Mat_VarCreateStruct("events", 2, dims, fields, (unsigned)n);
	for (size_t i = 0; s && i < ts->n; i++)
		if (strcmp(ts->t[i].name, "gaps"))
			Mat_VarSetStructFieldByName(s, ts->t[i].name, 0, table_struct(NULL, &ts->t[i]));
	return s;
}

/* The per-frame variables: frames [rows, cols, N] (MATLAB's column-major
 * order: each frame transposed), t, time, frame_seq, encoder. */
static int frame_vars(mat_t *mat, struct pd_rec_reader *rd, const char *file)
{
	const struct pd_rec_file_info *fi = pd_rec_reader_info(rd);
	const struct pd_device_info *d = &fi->device;
	size_t n = (size_t)fi->frames, cells = (size_t)d->rows * d->cols, cb = d->cell_bits / 8;
	if (n && cells * cb > MAT_VAR_MAX / n) {
		fprintf(stderr,
			"pressctl: %s: %zu frames of %zu cells do not fit a MAT file (2 GiB a variable); read the "
			"HDF5 file itself (MATLAB: h5read)\n",
			file, n, cells);
		return 1;
	}
	uint8_t *cellv = malloc(n * cells * cb + 1);
	double *tv = malloc(n * sizeof *tv + 1), *timev = malloc(n * sizeof *timev + 1);
	uint32_t *seqv = malloc(n * sizeof *seqv + 1);
	int32_t *encv = malloc(n * sizeof *encv + 1);
	int rc = cellv && tv && timev && seqv && encv ? 0 : EX_OSERR;
	for (size_t k = 0; !rc && k < n; k++) {
		struct pd_frame f;
		if (pd_rec_reader_frame(rd, k, &f, &tv[k], &timev[k]) != 0) {
			fprintf(stderr, "pressctl: %s: frame %zu: %s\n", file, k, pd_rec_reader_error(rd));
			rc = 1;
			break;
		}
		seqv[k] = f.seq;
		encv[k] = f.encoder;
		for (size_t r = 0; r < d->rows; r++)
			for (size_t c = 0; c < d->cols; c++) {
				size_t to = r + d->rows * (c + d->cols * k);
				unsigned v = pd_frame_cell(&f, r * d->cols + c);
				if (cb == 2)
					((uint16_t *)cellv)[to] = (uint16_t)v;
				else
					cellv[to] = (uint8_t)v;
			}
	}
	if (rc == EX_OSERR)
		fprintf(stderr, "pressctl: out of memory for %zu frames\n", n);
	size_t dims[3] = { d->rows, d->cols, n };
	matvar_t *vars[6] = { NULL };
	if (!rc) {
		vars[0] = Mat_VarCreate("frames", cb == 2 ? MAT_C_UINT16 : MAT_C_UINT8, cb == 2 ? MAT_T_UINT16 : MAT_T_UINT8,
					3, dims, cellv, MAT_F_DONT_COPY_DATA);
		vars[1] = column("t", MAT_C_DOUBLE, MAT_T_DOUBLE, n, tv);
		vars[2] = column("time", MAT_C_DOUBLE, MAT_T_DOUBLE, n, timev);
		vars[3] = column("frame_seq", MAT_C_UINT32, MAT_T_UINT32, n, seqv);
		if (fi->has_encoder)
			vars[4] = column("encoder", MAT_C_INT32, MAT_T_INT32, n, encv);
	}
	for (size_t i = 0; i < 5; i++) {
		if (!rc && vars[i] && Mat_VarWrite(mat, vars[i], ARRAYS) != 0)
			rc = EX_IOERR;
		Mat_VarFree(vars[i]);
	}
	free(cellv);
	free(tv);
	free(timev);
	free(seqv);
	free(encv);
	return rc;
}

static int tare_vars(mat_t *mat, struct pd_rec_reader *rd)
{
	const struct pd_device_info *d = &pd_rec_reader_info(rd)->device;
	size_t k = pd_rec_reader_tare_count(rd), cells = (size_t)d->rows * d->cols;
	float *v = malloc(k * cells * sizeof *v + 1);
	double *tv = malloc(k * sizeof *tv + 1);
	if (!v || !tv) {
		free(v);
		free(tv);
		return EX_OSERR;
	}
	for (size_t i = 0; i < k; i++) {
		const float *b = pd_rec_reader_tare_at(rd, i, &tv[i]);
		for (size_t r = 0; r < d->rows; r++)
			for (size_t c = 0; c < d->cols; c++)
				v[r + d->rows * (c + d->cols * i)] = b[r * d->cols + c];
	}
	size_t dims[3] = { d->rows, d->cols, k };
	matvar_t *tare = Mat_VarCreate("tare", MAT_C_SINGLE, MAT_T_SINGLE, 3, dims, v, 0);
	matvar_t *tare_t = column("tare_t", MAT_C_DOUBLE, MAT_T_DOUBLE, k, tv);
	int rc = !tare || !tare_t || Mat_VarWrite(mat, tare, ARRAYS) ||
		 Mat_VarWrite(mat, tare_t, ARRAYS);
	Mat_VarFree(tare);
	Mat_VarFree(tare_t);
	free(v);
	free(tv);
	return rc ? EX_IOERR : 0;
}

/* recording, device, frames' unit and conversion (as their own
 * variables), analysis and meta. */
static int attr_vars(mat_t *mat, struct pd_rec_reader *rd, const char *file)
{
	struct pc_attr a[64];
	size_t n = pc_export_attrs(rd, file, a, sizeof a / sizeof *a);
	const char *keys[64], *values[64];
	bool number[64];
	matvar_t *vars[8] = { NULL };
	size_t nv = 0;
	static const char *const groups[] = { "", "device." };
	static const char *const names[] = { "recording", "device" };
	for (size_t g = 0; g < 2; g++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(a[i].group, groups[g])) {
				keys[m] = a[i].key;
				values[m] = a[i].value;
				number[m++] = a[i].number;
			}
		vars[nv++] = attr_struct(names[g], m, keys, values, number);
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(a[i].group, "frames."))
			vars[nv++] = a[i].number ? num(a[i].key, strtod(a[i].value, NULL)) : text(a[i].key, a[i].value);
	/* analysis: numbers as numbers, "4%" and "false" as text */
	size_t m = pd_rec_reader_analysis_count(rd);
	for (size_t i = 0; i < m && i < 64; i++) {
		const struct pd_rec_meta *x = pd_rec_reader_analysis(rd, i);
		char *end;
		strtod(x->value, &end);
		keys[i] = x->key;
		values[i] = x->value;
		number[i] = *x->value && !*end;
	}
	vars[nv++] = attr_struct("analysis", m < 64 ? m : 64, keys, values, number);
	m = pd_rec_reader_meta_count(rd);
	for (size_t i = 0; i < m && i < 64; i++) {
		keys[i] = pd_rec_reader_meta(rd, i)->key;
		values[i] = pd_rec_reader_meta(rd, i)->value;
		number[i] = false; /* meta is text, as record_start gave it */
	}
	vars[nv++] = attr_struct("meta", m < 64 ? m : 64, keys, values, number);
	int rc = 0;
	for (size_t i = 0; i < nv; i++) {
		if (!rc && (!vars[i] || Mat_VarWrite(mat, vars[i], STRUCTS) != 0))
			rc = EX_IOERR;
		Mat_VarFree(vars[i]);
	}
	return rc;
}

int pc_export_mat(struct pd_rec_reader *rd, const char *file, const char *out)
{
	struct pc_tables ts;
	if (pc_tables_load(rd, file, &ts) != 0)
		return 1;
	char header[116];
	snprintf(header, sizeof header, "MATLAB 5.0 MAT-file, pressd recording %s", pd_rec_reader_info(rd)->device_id);
	mat_t *mat = Mat_CreateVer(out, header, MAT_FT_MAT5);
	if (!mat) {
		fprintf(stderr, "pressctl: cannot create %s\n", out);
		pc_tables_free(&ts);
		return EX_CANTCREAT;
	}
	int rc = frame_vars(mat, rd, file);
	if (!rc)
		rc = tare_vars(mat, rd);
	if (!rc)
		rc = attr_vars(mat, rd, file);
	for (size_t i = 0; !rc && i < ts.n; i++)
		if (!strcmp(ts.t[i].name, "gaps")) {
			matvar_t *g = table_struct("gaps", &ts.t[i]);
			if (!g || Mat_VarWrite(mat, g, STRUCTS) != 0)
				rc = EX_IOERR;
			Mat_VarFree(g);
		}
	if (!rc) {
		matvar_t *ev = events_struct(&ts);
		if (!ev || Mat_VarWrite(mat, ev, STRUCTS) != 0)
			rc = EX_IOERR;
		Mat_VarFree(ev);
	}
	Mat_Close(mat);
	pc_tables_free(&ts);
	if (rc == EX_IOERR)
		fprintf(stderr, "pressctl: %s: write failed\n", out);
	if (rc)
		remove(out); /* no half-written file that looks like an export */
	else
		printf("%s: %llu frames to %s\n", file, (unsigned long long)pd_rec_reader_info(rd)->frames, out);
	return rc;
}
