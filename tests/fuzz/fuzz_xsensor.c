/* libFuzzer target: XSENSOR CSV exports (import/xsensor.c) through the line pump as pressctl import feeds
 * it; the checks are fuzz_import.h's. Seeds: seeds/xsensor/, cut from the
 * pressuRe fixture (MIT, the pressuRe authors). */
#define FUZZ_IMPORT_OPS pi_xsensor
#include "fuzz_import.h"
