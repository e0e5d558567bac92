/* sensitronics encoder (the emulator's side of sens_decoder.h). */
#include "sensitronics.h"

size_t sens_encode_frame(uint8_t *out, size_t cap, const uint8_t *cells, size_t ncells)
{
	size_t o = 0;

	for (size_t i = 0; i < ncells;) {
		uint8_t v = cells[i];
		if (v != 0) {
			if (cap - o < 1)
				return 0;
			out[o++] = v > SENS_MAX_VALUE ? SENS_MAX_VALUE : v;
			i++;
			continue;
		}
		size_t run = 1;
		while (i + run < ncells && run < SENS_MAX_VALUE && cells[i + run] == 0)
			run++;
		if (cap - o < 2)
			return 0;
		out[o++] = 0;
		out[o++] = (uint8_t)run;
		i += run;
	}
	if (cap - o < 1)
		return 0;
	out[o++] = SENS_END;
	return o;
}
