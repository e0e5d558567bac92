/* Test hooks: not for pressd itself. */
#ifndef PD_REC_TESTING_H
#define PD_REC_TESTING_H

#include "recording.h"

/* From now on every write HDF5 makes to this recording's file fails
 * (ENOSPC, from /dev/full put in place of its descriptor) while our own
 * preallocation still succeeds: an I/O error inside HDF5, the case the
 * space reservation cannot foresee. */
void pd_rec_test_break_io(struct pd_rec *r);

#endif
