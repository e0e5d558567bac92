/* See bounds.h. Every dataset is visited, whatever its name, so a file
 * of a future layout (or a crafted one) is held to the same bounds. */
#include "bounds.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void pd_rec_bounds_default(struct pd_rec_bounds *b)
{
	b->max_frames = 32000000;         /* 8.9 hours at 1000 frames/s */
	b->max_cells = 1u << 24;          /* 4096 × 4096: 32 MiB a frame of 16 bits */
	b->max_table_bytes = 256ull << 20; /* the per-frame times of 32 M frames */
	b->max_chunk_bytes = 64ull << 20; /* a few frames of the largest mat */
}

struct visit {
	const struct pd_rec_bounds *b;
	char *err;
	size_t errlen;
};

/* a × b, saturating: declared sizes may overflow on purpose. */
static uint64_t mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static int check_dataset(hid_t ds, const char *name, struct visit *v)
{
	const struct pd_rec_bounds *b = v->b;
	hsize_t dims[H5S_MAX_RANK] = { 0 }, chunk[H5S_MAX_RANK] = { 0 };
	hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds), pl = H5Dget_create_plist(ds);
	int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
	size_t cell = ty >= 0 ? H5Tget_size(ty) : 0;
	int crank = pl >= 0 && H5Pget_layout(pl) == H5D_CHUNKED ? H5Pget_chunk(pl, H5S_MAX_RANK, chunk) : 0;
	if (sp >= 0)
		H5Sclose(sp);
	if (ty >= 0)
		H5Tclose(ty);
	if (pl >= 0)
		H5Pclose(pl);
	if (rank < 0)
		return 0; /* the reader says what is wrong with it */
	uint64_t bytes = cell, per_row = cell;
	for (int i = 0; i < rank; i++) {
		bytes = mul(bytes, dims[i]);
		if (i > 0)
			per_row = mul(per_row, dims[i]);
	}
	uint64_t cbytes = cell;
	for (int i = 0; i < crank; i++)
		cbytes = mul(cbytes, chunk[i]);
	if (crank > 0 && cbytes > b->max_chunk_bytes) {
		snprintf(v->err, v->errlen, "/%s declares chunks of %" PRIu64 " bytes: over the limit of %" PRIu64
			 " (a crafted or foreign file?)", name, cbytes, b->max_chunk_bytes);
		return 1;
	}
	if (strcmp(name, "frames") == 0) {
		uint64_t cells = rank == 3 ? mul(dims[1], dims[2]) : 0;
		if (rank == 3 && cells > b->max_cells) {
			snprintf(v->err, v->errlen, "/frames declares frames of %" PRIu64 " × %" PRIu64 " cells: over the limit of %"
				 PRIu64 " cells a frame", (uint64_t)dims[1], (uint64_t)dims[2], b->max_cells);
			return 1;
		}
		if (rank >= 1 && dims[0] > b->max_frames) {
			snprintf(v->err, v->errlen, "/frames declares %" PRIu64 " frames: over the limit of %" PRIu64,
				 (uint64_t)dims[0], b->max_frames);
			return 1;
		}
		return 0;
	}
	(void)per_row;
	if (bytes > b->max_table_bytes) {
		snprintf(v->err, v->errlen, "/%s declares %" PRIu64 " bytes (%" PRIu64 " rows): over the limit of %" PRIu64
			 " bytes a dataset", name, bytes, rank ? (uint64_t)dims[0] : 1, b->max_table_bytes);
		return 1;
	}
	return 0;
}

static herr_t on_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	if (info->type != H5L_TYPE_HARD)
		return 0;
	H5O_info_t oi;
	if (H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET)
		return 0;
	hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
	if (ds < 0)
		return 0;
	int rc = check_dataset(ds, name, data);
	H5Dclose(ds);
	return rc;
}

int pd_rec_check_bounds(const char *path, const struct pd_rec_bounds *b, char *err, size_t errlen)
{
	H5E_auto2_t fn;
	void *fd;
	H5Eget_auto2(H5E_DEFAULT, &fn, &fd);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	/* As reader.c opens it: HDF5 refuses a second open of a file
	 * already open in this process with another close degree. */
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
	if (f < 0)
		f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	int rc = 0;
	if (f < 0) {
		snprintf(err, errlen, "cannot open it as HDF5");
		rc = -1;
	} else {
		struct visit v = { b, err, errlen };
		rc = H5Lvisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, on_link, &v) != 0 ? -1 : 0;
		H5Fclose(f);
	}
	H5Eclear2(H5E_DEFAULT);
	H5Eset_auto2(H5E_DEFAULT, fn, fd);
	return rc;
}
