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
 *   data = (flow id << 1) | leg.
 * Probing: linear over buckets from hash(key), at most DP_FLOW_MAX_PROBE
 * buckets; a lookup stops at the first empty entry.
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
#include <rte_hash_crc.h>

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
};

/* Tagged key of the leg whose local endpoint is (addr_idx, port_host). */
static inline uint32_t
dp_flow_key(unsigned addr_idx, uint16_t port_host)
{
	return DP_FLOW_KEY_VALID | ((uint32_t)addr_idx << DP_FLOW_KEY_ADDR_SHIFT) | port_host;
}

/* The table's hash of a tagged key (one crc32 instruction with SSE4.2). */
static inline uint32_t
dp_flow_hash(uint32_t key)
{
	return rte_hash_crc_4byte(key, DP_FLOW_HASH_INIT);
}

static inline uint32_t
dp_flow_data(uint32_t flow_id, unsigned leg)
{
	return (flow_id << DP_FLOW_DATA_FLOW_SHIFT) | leg;
}

/* The bucket where key's chain starts (to prefetch it). */
static inline const struct dp_flow_bucket *
dp_flow_bucket(const struct dp_flow_table *t, uint32_t key)
{
	return &t->b[dp_flow_hash(key) & t->mask];
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
 * Create the table for max_sessions sessions (two keys each, <= 50% load)
 * on the main lcore's socket; sets dp.flows and dp.flow_table_bytes.
 * 0 or -errno.
 */
int dp_flow_init(uint32_t max_sessions);

/*
 * Table setup for t with room for `keys` keys in memory from the caller
 * (zeroed, aligned to a cache line, dp_flow_mem_size(keys) bytes).
 */
size_t dp_flow_mem_size(uint64_t keys);
void dp_flow_table_init(struct dp_flow_table *t, void *mem, uint64_t keys);

/*
 * Writer side (one thread).  Insert: 0, -EEXIST (key present) or -ENOSPC
 * (chain full).  Delete: 0 or -ENOENT.
 */
int dp_flow_insert(struct dp_flow_table *t, uint32_t key, uint32_t data);
int dp_flow_delete(struct dp_flow_table *t, uint32_t key);

#endif /* DP_FLOW_H */
