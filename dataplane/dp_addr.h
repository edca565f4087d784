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

#include "dp_types.h"

/* IPv6 multicast ff00::/8 and link-local unicast fe80::/10 (RFC 4291 2.4). */
#define DP_IPV6_MCAST_BYTE    0xff
#define DP_IPV6_LL_BYTE0      0xfe
#define DP_IPV6_LL_BYTE1_MASK 0xc0
#define DP_IPV6_LL_BYTE1      0x80

/*
 * Index of the appliance address equal to pi's destination, or -1.
 * Linear over the family's addresses (an appliance has a handful); about 2
 * cycles per address.
 */
static inline int
dp_local_lookup(const struct dp_local *l, const struct sn_pkt_info *pi)
{
	unsigned i;

	if (pi->family == SN_FAM_IPV4) {
		uint32_t d;

		memcpy(&d, pi->dst, sizeof(d));
		for (i = 0; i < l->n4; i++)
			if (l->v4[i] == d)
				return l->idx4[i];
	} else {
		uint64_t d[2];

		memcpy(d, pi->dst, sizeof(d));
		for (i = 0; i < l->n6; i++)
			if (l->v6[i][0] == d[0] && l->v6[i][1] == d[1])
				return l->idx6[i];
	}
	return -1;
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
