/* Reading and writing a block of rows of a dataset: the hyperslab
 * bookkeeping every table, baseline and frame read needs. */
#include "rec_internal.h"

int pd_slab_io(hid_t ds, hid_t mtype, int rank, const hsize_t *start, const hsize_t *count, void *buf, bool write)
{
	hid_t fs = H5Dget_space(ds);
	hid_t ms = H5Screate_simple(rank, count, NULL);
	herr_t rc = fs < 0 || ms < 0 ? -1 : H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
	if (rc >= 0)
		rc = write ? H5Dwrite(ds, mtype, ms, fs, H5P_DEFAULT, buf) : H5Dread(ds, mtype, ms, fs, H5P_DEFAULT, buf);
	if (ms >= 0)
		H5Sclose(ms);
	if (fs >= 0)
		H5Sclose(fs);
	return rc < 0 ? -1 : 0;
}

int pd_slab_append(hid_t ds, hid_t mtype, int rank, const hsize_t *dims1, uint64_t *nrows, const void *buf)
{
	hsize_t start[3] = { *nrows }, count[3] = { 1 }, extent[3] = { *nrows + 1 };
	for (int i = 1; i < rank; i++)
		count[i] = extent[i] = dims1[i - 1];
	if (H5Dset_extent(ds, extent) < 0 || pd_slab_io(ds, mtype, rank, start, count, (void *)buf, true) != 0)
		return -1;
	*nrows += 1;
	return 0;
}
