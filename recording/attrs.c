/* Attributes: written as variable-length UTF-8 strings (h5py returns them
 * as str, MATLAB as char, hdf5r as character) and scalar numbers; read
 * back whatever their string flavour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec_internal.h"

/* Length of the UTF-8 sequence starting with byte b and whether the
 * continuation bytes follow: 0 if s does not start a valid character. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 2 && s[0] < 0xc2)
		return 0; /* overlong */
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void pd_utf8_copy(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) {
			/* Devices name themselves in bytes that need not be
			 * UTF-8; readers decode attributes as UTF-8. */
			if (o + 1 >= len)
				break;
			buf[o++] = '?';
			p++;
			continue;
		}
		if (o + n >= len)
			break; /* never half a character */
		memcpy(buf + o, p, n);
		o += n;
		p += n;
	}
	if (len)
		buf[o] = '\0';
}

int pd_attr_str(hid_t obj, const char *name, const char *value)
{
	size_t n = strlen(value ? value : "") + 1;
	char stack[512];
	char *clean = n <= sizeof stack ? stack : malloc(n);
	if (!clean)
		return -1;
	pd_utf8_copy(clean, n, value);
	hid_t type = H5Tcopy(H5T_C_S1);
	H5Tset_size(type, H5T_VARIABLE);
	H5Tset_cset(type, H5T_CSET_UTF8);
	hid_t space = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
	const char *p = clean;
	int rc = a >= 0 && H5Awrite(a, type, &p) >= 0 ? 0 : -1;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(space);
	H5Tclose(type);
	if (clean != stack)
		free(clean);
	return rc;
}

int pd_attr_num(hid_t obj, const char *name, hid_t type, const void *value)
{
	/* The file type is the little-endian twin of the native memory type. */
	hid_t ftype = H5Tcopy(type);
	H5Tset_order(ftype, H5T_ORDER_LE);
	hid_t space = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
	int rc = a >= 0 && H5Awrite(a, type, value) >= 0 ? 0 : -1;
	if (a >= 0)
		H5Aclose(a);
	H5Sclose(space);
	H5Tclose(ftype);
	return rc;
}

int pd_attr_read_str(hid_t obj, const char *name, char *buf, size_t len)
{
	if (!len)
		return -1;
	buf[0] = '\0';
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0)
		return -1;
	int rc = -1;
	hid_t ft = H5Aget_type(a);
	hid_t space = H5Aget_space(a);
	if (ft >= 0 && H5Tget_class(ft) == H5T_STRING && H5Sget_simple_extent_npoints(space) == 1) {
		hid_t mt = H5Tcopy(H5T_C_S1);
		if (H5Tis_variable_str(ft) > 0) {
			char *s = NULL;
			H5Tset_size(mt, H5T_VARIABLE);
			H5Tset_cset(mt, H5Tget_cset(ft));
			if (H5Aread(a, mt, &s) >= 0) {
				snprintf(buf, len, "%s", s ? s : "");
				H5free_memory(s);
				rc = 0;
			}
		} else {
			size_t n = H5Tget_size(ft);
			char *s = calloc(1, n + 1);
			H5Tset_size(mt, n + 1);
			H5Tset_cset(mt, H5Tget_cset(ft));
			if (s && H5Aread(a, mt, s) >= 0) {
				snprintf(buf, len, "%s", s);
				rc = 0;
			}
			free(s);
		}
		H5Tclose(mt);
	}
	if (space >= 0)
		H5Sclose(space);
	if (ft >= 0)
		H5Tclose(ft);
	H5Aclose(a);
	return rc;
}

int pd_attr_read_num(hid_t obj, const char *name, double *v)
{
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0)
		return -1;
	hid_t ft = H5Aget_type(a);
	H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
	int rc = (cls == H5T_INTEGER || cls == H5T_FLOAT) && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0 ? 0 : -1;
	if (ft >= 0)
		H5Tclose(ft);
	H5Aclose(a);
	return rc;
}
