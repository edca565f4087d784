/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay flow table: a bucketized open-addressing hash with one writer
 * (the main lcore) and lock-free readers (workers).
 *
 * Why not rte_hash: a lookup there touches the bucket (signatures), then
 * the separate key store (key + data pointer), and often a second bucket;
 * at a million sessions each is a DRAM miss.  Here keys and data are
 * inline, 8 bytes per leg, and a bucket is one 64-byte cache line of 8
 * entries, so a lookup touches ONE line (at <= 50% load a chain longer
 * than one bucket is rare) and the line can be prefetched from the key
 * alone.
 *
 * Entry (uint64_t): low 32 bits = tagged key, high 32 bits = data.
 *   tagged key = DP_FLOW_KEY_VALID | (appliance address index << 16) |
 *                local UDP port (host order); 0 = empty,
 *                DP_FLOW_TOMBSTONE = deleted.
 *   data = (flow id << 1) | leg for a two-leg session;
 *          DP_FLOW_DATA_TURN | (allocation id << 1) | relayed address
 *          index for a TURN allocation's relayed address (dp_turn.h).
 * The same layout backs the TURN client table (dp_ctab.h), whose keys are
 * hash signatures and may repeat (dp_flow_insert_multi(): several entries
 * share a key, each verified by the caller).
 * Probing: linear over buckets from the home bucket (dp_flow_home(): the
 * crc of a relay key, the low bits of a signature key), at most
 * DP_FLOW_MAX_PROBE buckets; a lookup stops at the first empty entry.
 * Writer: an insert stores the whole entry with one release store in the
 * first tombstone or empty entry of the chain; a delete stores a tombstone
 * (or empty when the next entry of the chain is empty, then turns the
 * tombstones just before it into empties: no chain passes an empty).
 * Readers load each entry with one acquire load (a plain mov on x86; TSan
 * sees the publication of the session slot written before the insert).
 * A reader that still holds a deleted entry's data is covered by the RCU
 * grace period that guards session slot reuse (dp_mbox.c); an entry
 * reused by another key is harmless because key and data are read as one.
 *
 * Measured lookup (2.6 GHz EPYC VM): one cache line per leg, ~8 cycles
 * when the line is in L1 (prefetched one burst stage ahead).
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "dp_crc.h"

#define DP_FLOW_HASH_INIT	0
#define DP_FLOW_KEY_ADDR_SHIFT	16
#define DP_FLOW_KEY_VALID	(1u << 31)
#define DP_FLOW_TOMBSTONE	UINT32_MAX /* address index 0x7fff: never a key */
#define DP_FLOW_EMPTY		0u
#define DP_FLOW_DATA_SHIFT	32 /* data in the entry's high half */
#define DP_FLOW_DATA_LEG_MASK	1u
#define DP_FLOW_DATA_FLOW_SHIFT 1
#define DP_FLOW_BUCKET_ENTRIES	8 /* 8 x 8 bytes = one cache line */
#define DP_FLOW_MAX_PROBE	16 /* buckets an insert or a lookup may visit */
#define DP_FLOW_MISS		UINT32_MAX /* dp_flow_lookup(): no such key */
#define DP_FLOW_KEYS_PER_SESSION 2 /* one per leg */
#define DP_FLOW_KEYS_PER_ALLOC	 2 /* one per relayed address (IPv4, IPv6) */
#define DP_FLOW_DATA_TURN	 (1u << 31) /* data tag: a TURN allocation */
#define DP_FLOW_DATA_ID_MASK	 (DP_FLOW_DATA_TURN - 1)

/* One bucket: one cache line. */
struct dp_flow_bucket {
	uint64_t e[DP_FLOW_BUCKET_ENTRIES];
} __rte_aligned(RTE_CACHE_LINE_SIZE);

/* The table (dp.flows); buckets are a power of two. */
struct dp_flow_table {
	struct dp_flow_bucket *b;
	uint32_t mask;	/* buckets - 1 */
	uint32_t count; /* live entries (writer only) */
	uint32_t capacity;
	bool sig_keys; /* keys are hash signatures: home bucket = key & mask (dp_ctab.h) */
};

/* Tagged key of the leg whose local endpoint is (addr_idx, port_host). */
static inline uint32_t
dp_flow_key(unsigned addr_idx, uint16_t port_host)
{
	return DP_FLOW_KEY_VALID | ((uint32_t)addr_idx << DP_FLOW_KEY_ADDR_SHIFT) | port_host;
}

/*
 * The table's hash of a tagged key (one crc32 instruction with SSE4.2).
 * The low DP_FLOW_HASH_GROUP_SHIFT bits are left out: the relay keys of
 * 4 consecutive ports of one address share a home bucket (half of it),
 * so the densely allocated relay ports of an appliance (sn-control hands
 * them out in order) occupy 4 times fewer cache lines; at 10k
 * allocations the lines a peer's datagrams touch stay in L2 instead of
 * one DRAM line each.  Client-table keys are hash signatures already.
 */
#define DP_FLOW_HASH_GROUP_SHIFT 2

static inline uint32_t
dp_flow_hash(uint32_t key)
{
	return dp_crc32c_4(key >> DP_FLOW_HASH_GROUP_SHIFT, DP_FLOW_HASH_INIT);
}

static inline uint32_t
dp_flow_data(uint32_t flow_id, unsigned leg)
{
	return (flow_id << DP_FLOW_DATA_FLOW_SHIFT) | leg;
}

/* Data of relayed address r (0/1) of TURN allocation alloc_id. */
static inline uint32_t
dp_flow_data_turn(uint32_t alloc_id, unsigned r)
{
	return DP_FLOW_DATA_TURN | (alloc_id << DP_FLOW_DATA_FLOW_SHIFT) | r;
}

static inline bool
dp_flow_data_is_turn(uint32_t data)
{
	return (data & DP_FLOW_DATA_TURN) != 0;
}

/* Session flow id or allocation id of data (without the TURN tag). */
static inline uint32_t
dp_flow_data_id(uint32_t data)
{
	return (data & DP_FLOW_DATA_ID_MASK) >> DP_FLOW_DATA_FLOW_SHIFT;
}

/*
 * Index of the bucket where key's chain starts: the hash of a relay key,
 * the low bits of a signature key (t->sig_keys: already a hash).
 */
static inline uint32_t
dp_flow_home(const struct dp_flow_table *t, uint32_t key)
{
	return (t->sig_keys ? key : dp_flow_hash(key)) & t->mask;
}

/* The bucket where key's chain starts (to prefetch it). */
static inline const struct dp_flow_bucket *
dp_flow_bucket(const struct dp_flow_table *t, uint32_t key)
{
	return &t->b[dp_flow_home(t, key)];
}

/*
 * Data of key, or DP_FLOW_MISS; b = dp_flow_bucket(t, key).  Lock-free,
 * any lcore.
 */
static inline uint32_t
dp_flow_lookup_at(const struct dp_flow_table *t, const struct dp_flow_bucket *b, uint32_t key)
{
	uint32_t idx = (uint32_t)(b - t->b);
	unsigned p, i;

	for (p = 0; p < DP_FLOW_MAX_PROBE; p++) {
		for (i = 0; i < DP_FLOW_BUCKET_ENTRIES; i++) {
			uint64_t e = __atomic_load_n(&b->e[i], __ATOMIC_ACQUIRE);

			if ((uint32_t)e == key)
				return (uint32_t)(e >> DP_FLOW_DATA_SHIFT);
			if ((uint32_t)e == DP_FLOW_EMPTY)
				return DP_FLOW_MISS;
		}
		idx = (idx + 1) & t->mask;
		b = &t->b[idx];
	}
	return DP_FLOW_MISS;
}

static inline uint32_t
dp_flow_lookup(const struct dp_flow_table *t, uint32_t key)
{
	return dp_flow_lookup_at(t, dp_flow_bucket(t, key), key);
}

/*
 * Data of the first entry of key at or after entry number *pos of the
 * table (a position dp_flow_chain_pos() gave, then advanced by this
 * function past the entry returned), or DP_FLOW_MISS at the end of key's
 * chain.  Walks keys that repeat (dp_flow_insert_multi()); lock-free, any
 * lcore.  *pos counts entries from the chain's first bucket.
 */
static inline uint32_t
dp_flow_lookup_next(const struct dp_flow_table *t, uint32_t key, unsigned *pos)
{
	uint32_t b0 = dp_flow_home(t, key);
	unsigned n = DP_FLOW_MAX_PROBE * DP_FLOW_BUCKET_ENTRIES;

	for (; *pos < n; (*pos)++) {
		const struct dp_flow_bucket *b =
			&t->b[(b0 + *pos / DP_FLOW_BUCKET_ENTRIES) & t->mask];
		uint64_t e =
			__atomic_load_n(&b->e[*pos % DP_FLOW_BUCKET_ENTRIES], __ATOMIC_ACQUIRE);

		if ((uint32_t)e == key) {
			(*pos)++;
			return (uint32_t)(e >> DP_FLOW_DATA_SHIFT);
		}
		if ((uint32_t)e == DP_FLOW_EMPTY)
			break;
	}
	return DP_FLOW_MISS;
}

/*
 * Create the relay table for max_sessions sessions and max_allocs TURN
 * allocations (two keys each, <= 50% load) and the TURN client table
 * (dp_ctab.h, one key per allocation) on the main lcore's socket; sets
 * dp.flows, dp.ctab and dp.flow_table_bytes.  0 or -errno.
 */
int dp_flow_init(uint32_t max_sessions, uint32_t max_allocs);

/* Keys of the relay table for a configuration (dp_eal.c sizes memory from it). */
static inline uint64_t
dp_flow_relay_keys(uint32_t max_sessions, uint32_t max_allocs)
{
	return (uint64_t)max_sessions * DP_FLOW_KEYS_PER_SESSION +
	       (uint64_t)max_allocs * DP_FLOW_KEYS_PER_ALLOC;
}

/*
 * Table setup for t with room for `keys` keys in memory from the caller
 * (zeroed, aligned to a cache line, dp_flow_mem_size(keys) bytes).
 */
size_t dp_flow_mem_size(uint64_t keys);
void dp_flow_table_init(struct dp_flow_table *t, void *mem, uint64_t keys, bool sig_keys);

/*
 * Writer side (one thread).  Insert: 0, -EEXIST (key present) or -ENOSPC
 * (chain full).  Delete: 0 or -ENOENT.
 */
int dp_flow_insert(struct dp_flow_table *t, uint32_t key, uint32_t data);
int dp_flow_delete(struct dp_flow_table *t, uint32_t key);

/*
 * Writer side for tables whose keys may repeat: insert (key, data) even
 * when key is present (-EEXIST only for the same key AND data, -ENOSPC
 * when the chain is full); delete exactly the entry (key, data): 0 or
 * -ENOENT.  Lookups of such a table go through dp_flow_lookup_next().
 */
int dp_flow_insert_multi(struct dp_flow_table *t, uint32_t key, uint32_t data);
int dp_flow_delete_entry(struct dp_flow_table *t, uint32_t key, uint32_t data);

#endif /* DP_FLOW_H */
