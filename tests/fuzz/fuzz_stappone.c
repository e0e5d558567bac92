/* libFuzzer target: stappone insole CSV (import/stappone.c) through the line pump as pressctl import feeds
 * it; the checks are fuzz_import.h's. Seeds: seeds/stappone/, cut from the
 * pressuRe fixture (MIT, the pressuRe authors). */
#define FUZZ_IMPORT_OPS pi_stappone
#include "fuzz_import.h"
