/* What a wire protocol adds to the emulated device: the bytes, and the
 * conversation. Each outlet_<name>.c here defines one, at the start of a
 * line, as
 *     const struct outlet_ops outlet_<name> = {
 * with an `.order = N,` line, and so registers itself: CMakeLists.txt
 * lists them in sim_outlets (cmake/PressdRegistry.cmake), which --protocol,
 * --help and the device go by. */
#ifndef PDSIM_SIM_OUTLET_H
#define PDSIM_SIM_OUTLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

struct device;
struct sim_opts;

struct outlet_ops {
	const char *name; /* as --protocol NAME; the protocol's name in drivers/ */
	unsigned order;   /* place in --help's list; the first is the default */
	bool roller;      /* carries a roller (one row of cells and an encoder) */

	/* Checks and completes the options for this protocol (its cell size,
	 * say) once all are read; 0, or -1 with the reason printed. NULL:
	 * anything goes. */
	int (*check)(struct sim_opts *o, bool cell_bits_given);

	int (*init)(struct device *d, char *err, size_t errlen);
	void (*fini)(struct device *d);
	/* A reader appeared: what the device says first (queued via
	 * device_send). The device streams from then on unless hello says
	 * otherwise (device_set_streaming). */
	void (*hello)(struct device *d);
	/* One frame into out; its size, or 0 if it does not fit. */
	size_t (*frame)(struct device *d, const struct pd_frame *f, uint8_t *out, size_t cap);
	/* Bytes the host sent. */
	void (*input)(struct device *d, const uint8_t *data, size_t len);

	/* --garbage: n junk bytes into out (room for n + 4), shaped so that
	 * they never swallow the frame after them, drawn with faults_random;
	 * returns how many were written. */
	size_t (*garbage)(struct device *d, uint8_t *out, size_t n);
	/* --corrupt-crc: spoils this frame's bytes if their turn has come
	 * (faults_corrupt_due); true if so. NULL: the protocol has no CRC. */
	bool (*spoil)(struct device *d, uint8_t *frame, size_t len);
};

/* Every outlet, in .order; NULL-terminated. Generated (outlet_table.c). */
extern const struct outlet_ops *const sim_outlets[];

/* The outlet called name, or NULL. */
const struct outlet_ops *sim_outlet_find(const char *name);

#endif
