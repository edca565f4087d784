/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental Internet checksum update (RFC 1624) for rewritten headers.
 *
 * All sums are taken over 16-bit words loaded in host order straight from
 * packet memory; the ones-complement sum is byte-order independent
 * (RFC 1071 section 2(B)), so a checksum field loaded and stored the same
 * way stays correct without byte swaps.
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stdint.h>
#include <string.h>

/* Sum of n 16-bit words at p (unaligned ok), not folded. */
static inline uint32_t
dp_sum16(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	uint16_t w;
	unsigned i;

	for (i = 0; i < n; i++) {
		memcpy(&w, b + 2 * i, sizeof(w));
		s += w;
	}
	return s;
}

/* Fold a 32-bit accumulator to 16 bits (RFC 1071 section 4.1). */
static inline uint16_t
dp_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * RFC 1624 equation 3: HC' = ~(~HC + ~m + m'), where m is the sum of the
 * replaced words and m' the sum of their replacements.  csum and the
 * result are as loaded/stored from/to the packet.
 */
static inline uint16_t
dp_csum_update(uint16_t csum, uint32_t old_sum, uint32_t new_sum)
{
	uint32_t s = (uint16_t)~csum;

	s += (uint16_t)~dp_fold(old_sum);
	s += dp_fold(new_sum);
	return (uint16_t)~dp_fold(s);
}

#endif /* DP_CSUM_H */
