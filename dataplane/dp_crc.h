/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32-C (Castagnoli) of one 4- or 8-byte word: the hash of the fast
 * path's tables (flow, client and local-address keys).  The same values
 * as rte_hash_crc_4byte()/_8byte(), without their run-time choice of
 * algorithm (a global's load and a branch per call): the crc32
 * instruction when the build targets SSE4.2 (Debian's libdpdk.pc sets
 * -march=corei7), DPDK's functions otherwise.  test_dp_flow checks the
 * equality.
 */
#ifndef DP_CRC_H
#define DP_CRC_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

static __rte_always_inline uint32_t
dp_crc32c_4(uint32_t data, uint32_t init)
{
#ifdef __SSE4_2__
	return _mm_crc32_u32(init, data);
#else
	return rte_hash_crc_4byte(data, init);
#endif
}

static __rte_always_inline uint32_t
dp_crc32c_8(uint64_t data, uint32_t init)
{
#ifdef __SSE4_2__
	return (uint32_t)_mm_crc32_u64(init, data);
#else
	return rte_hash_crc_8byte(data, init);
#endif
}

#endif /* DP_CRC_H */
