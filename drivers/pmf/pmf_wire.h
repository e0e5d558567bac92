/* Little-endian field access for pmf payloads. Private to drivers/pmf.
 * Byte by byte, so it is right on any host and needs no alignment. */
#ifndef PD_PMF_WIRE_H
#define PD_PMF_WIRE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t pmf_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t pmf_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pmf_get_u64(const uint8_t *p)
{
	return (uint64_t)pmf_get_u32(p) | (uint64_t)pmf_get_u32(p + 4) << 32;
}

static inline float pmf_get_f32(const uint8_t *p)
{
	uint32_t u = pmf_get_u32(p);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static inline void pmf_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void pmf_put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void pmf_put_u64(uint8_t *p, uint64_t v)
{
	pmf_put_u32(p, (uint32_t)v);
	pmf_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline void pmf_put_f32(uint8_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	pmf_put_u32(p, u);
}

#endif
