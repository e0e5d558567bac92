/* pressctl import's help and the plain matrix's options (import_cli.h).
 * The list of formats is the registry's: a new importer appears here by
 * being in import/formats/. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import_cli.h"
#include "parse.h"

void pc_import_list_formats(FILE *out)
{
	for (size_t i = 0; i < pi_nformats; i++) {
		const struct pi_format *f = pi_formats[i];
		fprintf(out, "  %-10s %s%s\n", f->name, f->title, f->needs_given ? " (with --matrix, never guessed)" : "");
		fprintf(out, "             %s\n", f->keeps);
		fprintf(out, "             e.g. %s\n", f->example);
	}
}

void pc_import_help(void)
{
	printf("usage: pressctl %s\n\n", PC_IMPORT_SYNOPSIS);
	fputs("Other vendors' recordings as pressd recordings, one per FILE (default\n"
	      "./NAME.h5), the format told by the content. Each keeps its header fields\n"
	      "as root attributes, the values exactly (or rounded to the decimals 16\n"
	      "bits hold: import_rounding says), its unit, pitch, rate, per-frame times\n"
	      "and the start its header states (session_start_source says where the\n"
	      "start came from). Header keys in any case, tabs or runs of spaces, CRLF\n"
	      "or LF and a UTF-8 byte-order mark are all read.\n\n"
	      "A plain matrix (no header: one frame per line, or per block of ROWS\n"
	      "lines; tab-, comma- or space-separated) imports with --matrix ROWSxCOLS,\n"
	      "--rate HZ, --pitch MM or MMxMM (along columns x along rows), --unit\n"
	      "kPa|mmHg|N|counts; --order cols when each line runs down the columns;\n"
	      "--flip-rows/--flip-cols when the file's first row/column is the mat's last.\n\n"
	      "Formats:\n",
	      stdout);
	pc_import_list_formats(stdout);
	fputs("\nExit 65 when a file is not a complete recording (the file and line say\n"
	      "why), 66 when it cannot be read twice (a pipe); no output then.\n",
	      stdout);
}

/* "32x64" */
static bool two_numbers(const char *s, double lo, double hi, double *a, double *b, bool second_optional)
{
	char *end;
	*a = strtod(s, &end);
	if (end == s || !(*a >= lo && *a <= hi))
		return false;
	if (*end == '\0' && second_optional) {
		*b = *a;
		return true;
	}
	if (*end != 'x' && *end != 'X')
		return false;
	const char *t = end + 1;
	*b = strtod(t, &end);
	return end != t && *end == '\0' && *b >= lo && *b <= hi;
}

int pc_import_given(const struct pc_args *a, struct pi_given *g)
{
	static const char *const needs[] = { "rate", "pitch", "unit", "order", "flip-rows", "flip-cols" };
	const char *m = pc_args_get(a, "matrix");
	memset(g, 0, sizeof *g);
	if (!m) {
		for (size_t i = 0; i < sizeof needs / sizeof *needs; i++)
			if (pc_args_has(a, needs[i])) {
				pc_args_usage(a, "--%s goes with --matrix", needs[i]);
				return -1;
			}
		return 0;
	}
	double r, c;
	if (!two_numbers(m, 1, 65535, &r, &c, false) || r != (unsigned)r || c != (unsigned)c) {
		pc_args_usage(a, "--matrix '%s' is not ROWSxCOLS (1 to 65535 each)", m);
		return -1;
	}
	g->rows = (unsigned)r, g->cols = (unsigned)c;
	const char *rate = pc_args_get(a, "rate"), *pitch = pc_args_get(a, "pitch"), *unit = pc_args_get(a, "unit");
	if (!rate || !pitch || !unit) {
		pc_args_usage(a, "--matrix needs --rate, --pitch and --unit too");
		return -1;
	}
	if (!pd_parse_double(rate, 1.0 / 3600, 1e6, &g->rate_hz)) {
		pc_args_usage(a, "--rate '%s' is not frames a second (1/3600 to 1e6)", rate);
		return -1;
	}
	if (!two_numbers(pitch, 1e-3, 1e4, &g->pitch_x_mm, &g->pitch_y_mm, true)) {
		pc_args_usage(a, "--pitch '%s' is not MM or MMxMM (0.001 to 10000)", pitch);
		return -1;
	}
	static const char *const units[] = { "kPa", "mmHg", "N", "counts" };
	for (size_t i = 0; i < 4; i++)
		if (!strcasecmp(unit, units[i]))
			snprintf(g->unit, sizeof g->unit, "%s", units[i]);
	if (!g->unit[0]) {
		pc_args_usage(a, "--unit '%s' is none of kPa, mmHg, N, counts", unit);
		return -1;
	}
	const char *order = pc_args_get(a, "order");
	if (order && strcmp(order, "rows") && strcmp(order, "cols")) {
		pc_args_usage(a, "--order '%s' is neither rows nor cols", order);
		return -1;
	}
	g->by_cols = order && !strcmp(order, "cols");
	g->flip_rows = pc_args_has(a, "flip-rows");
	g->flip_cols = pc_args_has(a, "flip-cols");
	return 1;
}
