/* libFuzzer target: novel emed .lst listings (import/emed.c) through the line pump as pressctl import feeds
 * it; the checks are fuzz_import.h's. Seeds: seeds/emed/, cut from the
 * pressuRe fixture (MIT, the pressuRe authors). */
#define FUZZ_IMPORT_OPS pi_emed
#include "fuzz_import.h"
