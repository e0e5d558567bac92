/* libFuzzer target: novel pliance and pedar .asc exports (import/novel_asc.c, novel_layout.c) through the line pump as pressctl import feeds
 * it; the checks are fuzz_import.h's. Seeds: seeds/novel_asc/, cut from the
 * pressuRe fixture (MIT, the pressuRe authors). */
#define FUZZ_IMPORT_OPS pi_novel_asc
#include "fuzz_import.h"
