/* pressctl import's command line: its help (the formats come from the
 * importers' registry, import/formats/) and the plain matrix's options. */
#ifndef PC_IMPORT_CLI_H
#define PC_IMPORT_CLI_H

#include <stdio.h>

#include "args.h"
#include "vendor_parser.h"

#define PC_IMPORT_SYNOPSIS                                                                                     \
	"import FILE... [-o OUT.h5 | -d DIR]\n"                                                                \
	"       pressctl import --matrix ROWSxCOLS --rate HZ --pitch MM[xMM] --unit UNIT [--order rows|cols]\n" \
	"              [--flip-rows] [--flip-cols] FILE... [-o OUT.h5 | -d DIR]"

/* Every format: its title, what it becomes and an example line. */
void pc_import_list_formats(FILE *out);

/* pressctl import --help */
void pc_import_help(void);

/* The plain matrix's options: 1 and *g filled when --matrix is given, 0
 * when none of them is, -1 (said on stderr) when they are wrong. */
int pc_import_given(const struct pc_args *a, struct pi_given *g);

#endif
