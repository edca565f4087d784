/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN client table: a client's 5-tuple (client address, client port,
 * appliance address index, server port; UDP) -> allocation id.
 *
 * It is a second struct dp_flow_table (dp_flow.h: one cache line per
 * lookup, one writer, lock-free readers) whose 32-bit tagged key is a
 * 31-bit hash signature of the tuple and whose data is the allocation id.
 * Two tuples may share a signature: the table keeps several entries per
 * key (dp_flow_insert_multi()), so an insert does not fail on a
 * collision (a chain holds DP_FLOW_MAX_PROBE buckets of entries, and a
 * 31-bit signature shared by more than a few of max_allocs tuples is
 * vanishingly rare), and every hit is verified against line 0 of the allocation slot, which
 * holds the tuple (struct sn_alloc).  The fast path takes the first entry
 * of the key (dp_flow_lookup_at(), one prefetched line) and walks the
 * others only when verification fails (dp_ctab_find()).  Entries follow
 * the allocation's publication protocol (dp_turn_cmd.c): inserted after
 * the slot is ACTIVE, deleted before it is reclaimed.
 */
#ifndef DP_CTAB_H
#define DP_CTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp_crc.h"

#include "dp_flow.h"
#include "dp_types.h"

#define DP_CTAB_SEED	    0x5475524eu /* "TURN": the signature's crc seed */
#define DP_CTAB_SIG_MASK    0x7fffffffu
#define DP_CTAB_PORTS_SHIFT 16
#define DP_CTAB_HI_SHIFT    32 /* IPv4: the ports in the high half of the word */

/*
 * Tagged key of a client 5-tuple: ports in network order as in the packet.
 * The signature is crc32c, which also places the key: the client table is
 * a signature table (sig_keys), its home bucket is the key's low bits, so
 * an IPv4 client costs one crc32 instruction in all (address and both
 * ports as one 8-byte word, the server address index in the seed), an
 * IPv6 client three.
 */
static inline uint32_t
dp_ctab_key(uint8_t family, const uint8_t *addr, uint16_t client_port_be, unsigned server_idx,
	uint16_t server_port_be)
{
	uint32_t ports = (uint32_t)client_port_be << DP_CTAB_PORTS_SHIFT | server_port_be;
	uint32_t h, key;

	if (family == SN_FAM_IPV4) {
		uint32_t a;

		memcpy(&a, addr, sizeof(a));
		h = dp_crc32c_8((uint64_t)ports << DP_CTAB_HI_SHIFT | a,
			DP_CTAB_SEED + server_idx);
	} else {
		uint64_t a[2];

		memcpy(a, addr, sizeof(a));
		h = dp_crc32c_8(a[1], dp_crc32c_8(a[0], DP_CTAB_SEED + server_idx));
		h = dp_crc32c_4(ports, h);
	}
	key = DP_FLOW_KEY_VALID | (h & DP_CTAB_SIG_MASK);
	return key == DP_FLOW_TOMBSTONE ? key - 1 : key;
}

/* Is slot a the (live or not) allocation of this UDP client 5-tuple? */
static inline bool
dp_ctab_match(const struct sn_alloc *a, uint8_t family, const uint8_t *addr,
	uint16_t client_port_be, unsigned server_idx, uint16_t server_port_be)
{
	if (a->client_family != family || a->client_port != client_port_be ||
		a->server_addr_idx != server_idx || a->server_port != server_port_be ||
		(__atomic_load_n(&a->flags, __ATOMIC_RELAXED) & SN_ALLOC_STREAM))
		return false;
	if (family == SN_FAM_IPV4)
		return memcmp(a->client_addr, addr, 4) == 0;
	return memcmp(a->client_addr, addr, 16) == 0;
}

/*
 * Allocation id of the 5-tuple in table t over slots allocs (key =
 * dp_ctab_key() of it), walking every entry of the key and verifying
 * each; DP_FLOW_MISS if none.  Lock-free, any lcore; a worker's answer is
 * a reference until its next quiescent state.
 */
static inline uint32_t
dp_ctab_find(const struct dp_flow_table *t, const struct sn_alloc *allocs, uint32_t n_allocs,
	uint32_t key, uint8_t family, const uint8_t *addr, uint16_t client_port_be,
	unsigned server_idx, uint16_t server_port_be)
{
	unsigned pos = 0;
	uint32_t id;

	while ((id = dp_flow_lookup_next(t, key, &pos)) != DP_FLOW_MISS)
		if (id < n_allocs && dp_ctab_match(&allocs[id], family, addr, client_port_be,
					     server_idx, server_port_be))
			return id;
	return DP_FLOW_MISS;
}

#endif /* DP_CTAB_H */
