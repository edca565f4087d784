/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Appliance address tables and the relay-peer address policy.
 */
#include <string.h>

#include "dp_addr.h"
#include "dp_types.h"

/* RFC 6890 special-purpose IPv4 blocks that are never a peer (first octet). */
#define DP_V4_THIS_NET	0   /* 0.0.0.0/8 */
#define DP_V4_LOOPBACK	127 /* 127.0.0.0/8 */
#define DP_V4_LL0	169 /* 169.254.0.0/16 */
#define DP_V4_LL1	254
#define DP_V4_MCAST_MIN 224 /* 224.0.0.0/4 multicast, 240.0.0.0/4 reserved */

/* IPv6 forms that embed an IPv4 address */
#define DP_V6_EMBED96_LEN 12   /* ::/96, ::ffff:0:0/96, 64:ff9b::/96: v4 in bytes 12..15 */
#define DP_V6_6TO4_0	  0x20 /* 2002::/16 (RFC 3056): v4 in bytes 2..5 */
#define DP_V6_6TO4_1	  0x02
#define DP_V6_6TO4_V4_OFF 2

static const uint8_t v6_compat_prefix[DP_V6_EMBED96_LEN]; /* ::/96 */
static const uint8_t v6_mapped_prefix[DP_V6_EMBED96_LEN] = {[10] = 0xff, [11] = 0xff};
static const uint8_t v6_nat64_prefix[DP_V6_EMBED96_LEN] = {0x00, 0x64, 0xff, 0x9b}; /* RFC 6052 */

static bool
v4_forbidden(const uint8_t *a)
{
	return a[0] == DP_V4_THIS_NET || a[0] == DP_V4_LOOPBACK || a[0] >= DP_V4_MCAST_MIN ||
	       (a[0] == DP_V4_LL0 && a[1] == DP_V4_LL1);
}

bool
dp_addr_forbidden(uint8_t family, const uint8_t *a)
{
	if (family == SN_FAM_IPV4)
		return v4_forbidden(a);
	if (family != SN_FAM_IPV6)
		return true;
	if (dp_ipv6_link_scope(a))
		return true;
	/* ::/96 (unspecified, loopback, deprecated IPv4-compatible) and
	 * ::ffff:0:0/96 (IPv4-mapped) never appear as IPv6 peers on the wire */
	if (memcmp(a, v6_compat_prefix, DP_V6_EMBED96_LEN) == 0 ||
		memcmp(a, v6_mapped_prefix, DP_V6_EMBED96_LEN) == 0)
		return true;
	if (memcmp(a, v6_nat64_prefix, DP_V6_EMBED96_LEN) == 0)
		return v4_forbidden(a + DP_V6_EMBED96_LEN);
	if (a[0] == DP_V6_6TO4_0 && a[1] == DP_V6_6TO4_1)
		return v4_forbidden(a + DP_V6_6TO4_V4_OFF);
	return false;
}

void
dp_addr_init(void)
{
	struct dp_local *l = &dp.local;
	unsigned i, h;

	memset(l, 0, sizeof(*l));
	for (h = 0; h < DP_LOCAL_SLOTS; h++)
		l->v4[h].idx = l->v6[h].idx = DP_LOCAL_NONE;
	dp.n_addrs = dp.cfg.n_addrs;
	for (i = 0; i < dp.cfg.n_addrs; i++) {
		const struct sn_addr_info *ai = &dp.cfg.addrs[i];

		dp.addr_port[i] = ai->port_idx;
		dp.addr_family[i] = ai->addr.family;
		memcpy(dp.addr_bytes[i], ai->addr.bytes, sizeof(dp.addr_bytes[i]));
		if (ai->addr.family == SN_FAM_IPV4) {
			uint32_t a;

			memcpy(&a, ai->addr.bytes, sizeof(a));
			for (h = dp_local_hash4(a); l->v4[h].idx != DP_LOCAL_NONE;
				h = (h + 1) & (DP_LOCAL_SLOTS - 1))
				if (l->v4[h].addr == a)
					break; /* a duplicate: the first index answers */
			if (l->v4[h].idx == DP_LOCAL_NONE) {
				l->v4[h].addr = a;
				l->v4[h].idx = i;
			}
		} else {
			uint64_t a[2];

			memcpy(a, ai->addr.bytes, sizeof(a));
			for (h = dp_local_hash6(a); l->v6[h].idx != DP_LOCAL_NONE;
				h = (h + 1) & (DP_LOCAL_SLOTS - 1))
				if (l->v6[h].addr[0] == a[0] && l->v6[h].addr[1] == a[1])
					break;
			if (l->v6[h].idx == DP_LOCAL_NONE) {
				memcpy(l->v6[h].addr, a, sizeof(a));
				l->v6[h].idx = i;
			}
		}
	}
}
