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
 * vanishingly rare: the hash is keyed, dp_ctab_key()), and every hit is
 * verified against line 0 of the allocation slot, which holds the tuple
 * (struct sn_alloc).  The fast path takes the first entry
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

#define DP_CTAB_SIG_MASK    0x7fffffffu
#define DP_CTAB_PORTS_SHIFT 16
#define DP_CTAB_W_ADDR6	    4  /* words 0-3: the client address (IPv4: word 0 only) */
#define DP_CTAB_W_PORTS	    4  /* word 4: both ports */
#define DP_CTAB_W_SERVER    5  /* word 5: the server address index */
#define DP_CTAB_OUT_SHIFT   32 /* the hash: the high half of the 64-bit sum */
_Static_assert(DP_CTAB_W_SERVER < DP_CTAB_HK_WORDS, "hash key words");

/*
 * Tagged key of a client 5-tuple (ports in network order as in the
 * packet) under hash key hk (dp.ctab_hk).  The signature is a strongly
 * universal hash of the tuple's 32-bit words x[i], vector multiply-shift
 * (Dietzfelbinger 1996; Thorup, "High Speed Hashing for Integers and
 * Strings", 2015, section 3.3): the high 32 bits of b + sum(a[i] * x[i])
 * mod 2^64, with a[] and b random 64-bit numbers drawn at start.  Whatever
 * tuples a client chooses, two of them share a home bucket (the key's
 * low bits: the client table is a signature table, sig_keys) with
 * probability 1/buckets, so no one can build long chains.  A crc32 with a
 * seed would not do that: crc is linear, tuples chosen to collide collide
 * under every seed.  The 32 bits then go through crc32c, a bijection
 * (pairwise independence is kept) that mixes the high bits into the low
 * ones: multiply-shift alone places sequential inputs (one client's
 * source ports) on a lattice, and for some keys piles them into a few
 * buckets (test_dp_ctab measures the spread).  IPv4: three
 * multiplications, IPv6: six, all independent, then one crc32.
 */
static inline uint32_t
dp_ctab_key(const struct dp_ctab_hkey *hk, uint8_t family, const uint8_t *addr,
	uint16_t client_port_be, unsigned server_idx, uint16_t server_port_be)
{
	uint32_t ports = (uint32_t)client_port_be << DP_CTAB_PORTS_SHIFT | server_port_be;
	uint64_t s = hk->b + hk->a[DP_CTAB_W_PORTS] * ports + hk->a[DP_CTAB_W_SERVER] * server_idx;
	uint32_t w[DP_CTAB_W_ADDR6], key;
	unsigned i;

	if (family == SN_FAM_IPV4) {
		memcpy(w, addr, sizeof(w[0]));
		s += hk->a[0] * w[0];
	} else {
		memcpy(w, addr, sizeof(w));
		for (i = 0; i < DP_CTAB_W_ADDR6; i++)
			s += hk->a[i] * w[i];
	}
	key = DP_FLOW_KEY_VALID |
	      (dp_crc32c_4((uint32_t)(s >> DP_CTAB_OUT_SHIFT), 0) & DP_CTAB_SIG_MASK);
	return key == DP_FLOW_TOMBSTONE ? key - 1 : key;
}

/* Draw a fresh hash key (getrandom(2)): 0 or -errno. */
int dp_ctab_hkey_init(struct dp_ctab_hkey *hk);

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
