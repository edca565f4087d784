/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address checks on the fast path: is a destination one of the appliance's
 * addresses, and is an address acceptable as a relay peer.
 */
#ifndef DP_ADDR_H
#define DP_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp_crc.h"

#include "dp_types.h"

/* IPv6 multicast ff00::/8 and link-local unicast fe80::/10 (RFC 4291 2.4). */
#define DP_IPV6_MCAST_BYTE    0xff
#define DP_IPV6_LL_BYTE0      0xfe
#define DP_IPV6_LL_BYTE1_MASK 0xc0
#define DP_IPV6_LL_BYTE1      0x80

/* Home slot of an address in struct dp_local. */
/* Equal addresses of family (4 or 16 bytes, as in packets and slots); no alignment needed. */
static inline bool
dp_addr_eq(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];
	uint32_t u, v;

	if (family == SN_FAM_IPV4) {
		memcpy(&u, a, sizeof(u));
		memcpy(&v, b, sizeof(v));
		return u == v;
	}
	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline unsigned
dp_local_hash4(uint32_t a)
{
	return dp_crc32c_4(a, 0) & (DP_LOCAL_SLOTS - 1);
}

static inline unsigned
dp_local_hash6(const uint64_t a[2])
{
	return dp_crc32c_8(a[1], dp_crc32c_8(a[0], 0)) & (DP_LOCAL_SLOTS - 1);
}

/*
 * Index of the appliance address (family, a), or -1.  O(1): a crc32 and
 * usually one slot (load <= 25%), ~5 cycles whatever the number of
 * addresses.
 */
static inline int
dp_local_index(const struct dp_local *l, uint8_t family, const uint8_t *a)
{
	unsigned h;

	if (likely(family == SN_FAM_IPV4)) {
		uint32_t d;

		memcpy(&d, a, sizeof(d));
		for (h = dp_local_hash4(d);; h = (h + 1) & (DP_LOCAL_SLOTS - 1)) {
			const struct dp_local4 *e = &l->v4[h];

			if (e->addr == d && e->idx != DP_LOCAL_NONE)
				return (int)e->idx;
			if (e->idx == DP_LOCAL_NONE)
				return -1;
		}
	} else {
		uint64_t d[2];

		memcpy(d, a, sizeof(d));
		for (h = dp_local_hash6(d);; h = (h + 1) & (DP_LOCAL_SLOTS - 1)) {
			const struct dp_local6 *e = &l->v6[h];

			if (e->idx == DP_LOCAL_NONE)
				return -1;
			if (e->addr[0] == d[0] && e->addr[1] == d[1])
				return (int)e->idx;
		}
	}
}

/* Index of the appliance address equal to pi's destination, or -1. */
static inline int
dp_local_lookup(const struct dp_local *l, const struct sn_pkt_info *pi)
{
	return dp_local_index(l, pi->family, pi->dst);
}

/* IPv6 destination that is link-scoped: multicast or fe80::/10. */
static inline bool
dp_ipv6_link_scope(const uint8_t *a)
{
	return a[0] == DP_IPV6_MCAST_BYTE ||
	       (a[0] == DP_IPV6_LL_BYTE0 && (a[1] & DP_IPV6_LL_BYTE1_MASK) == DP_IPV6_LL_BYTE1);
}

/*
 * True when (family, a) must never be a relay peer or a STUN client:
 * IPv4 0/8, 127/8, 169.254/16, 224/4 and 240/4 incl. broadcast (RFC 6890);
 * IPv6 ff00::/8, fe80::/10, ::/96 (unspecified, loopback, IPv4-compatible),
 * ::ffff:0:0/96 (IPv4-mapped) (RFC 4291), and forbidden IPv4 addresses
 * embedded in 64:ff9b::/96 (RFC 6052) or 2002::/16 (RFC 3056).  Private
 * ranges are policy for sn-control, not here.
 */
bool dp_addr_forbidden(uint8_t family, const uint8_t *a);

/* Fill dp.local and the per-address tables from the config. */
void dp_addr_init(void);

#endif /* DP_ADDR_H */
