/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay flow table: creation and the writer side (layout and rules in
 * dp_flow.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_ctab.h"
#include "dp_flow.h"
#include "dp_types.h"

#define DP_FLOW_LOAD_DIV	 2 /* entries >= 2 x keys: load <= 50% */
#define DP_FLOW_MIN_BUCKETS	 8

static uint64_t
buckets_for(uint64_t keys)
{
	uint64_t n = rte_align64pow2(keys * DP_FLOW_LOAD_DIV) / DP_FLOW_BUCKET_ENTRIES;

	return n < DP_FLOW_MIN_BUCKETS ? DP_FLOW_MIN_BUCKETS : n;
}

size_t
dp_flow_mem_size(uint64_t keys)
{
	return (size_t)buckets_for(keys) * sizeof(struct dp_flow_bucket);
}

void
dp_flow_table_init(struct dp_flow_table *t, void *mem, uint64_t keys, bool sig_keys)
{
	t->b = mem;
	t->mask = (uint32_t)(buckets_for(keys) - 1);
	t->count = 0;
	t->capacity = (uint32_t)keys;
	t->sig_keys = sig_keys;
}

/* Entry number g (over the whole table, wrapping). */
static inline uint64_t *
slot(struct dp_flow_table *t, uint64_t g)
{
	uint64_t n = ((uint64_t)t->mask + 1) * DP_FLOW_BUCKET_ENTRIES;

	g &= n - 1;
	return &t->b[g / DP_FLOW_BUCKET_ENTRIES].e[g % DP_FLOW_BUCKET_ENTRIES];
}

static inline uint64_t
chain_start(const struct dp_flow_table *t, uint32_t key)
{
	return (uint64_t)dp_flow_home(t, key) * DP_FLOW_BUCKET_ENTRIES;
}

static inline uint64_t
entry_of(uint32_t key, uint32_t data)
{
	return ((uint64_t)data << DP_FLOW_DATA_SHIFT) | key;
}

/*
 * The first tombstone or empty entry of key's chain goes to key, after
 * checking the chain up to its first empty entry for key itself (multi:
 * for the same key and data).  One release store publishes key and data
 * together (and everything the writer stored before, e.g. the session
 * slot).
 */
static int
insert(struct dp_flow_table *t, uint32_t key, uint32_t data, bool multi)
{
	uint64_t g0 = chain_start(t, key), g, free_g = UINT64_MAX;
	uint64_t n = (uint64_t)DP_FLOW_MAX_PROBE * DP_FLOW_BUCKET_ENTRIES;

	if (key == DP_FLOW_EMPTY || key == DP_FLOW_TOMBSTONE || !(key & DP_FLOW_KEY_VALID))
		return -EINVAL;
	for (g = g0; g < g0 + n; g++) {
		uint64_t e = *slot(t, g);
		uint32_t k = (uint32_t)e;

		if (k == key && (!multi || e == entry_of(key, data)))
			return -EEXIST;
		if (k == DP_FLOW_TOMBSTONE || k == DP_FLOW_EMPTY) {
			if (free_g == UINT64_MAX)
				free_g = g;
			if (k == DP_FLOW_EMPTY)
				break;
		}
	}
	if (free_g == UINT64_MAX)
		return -ENOSPC;
	__atomic_store_n(slot(t, free_g), entry_of(key, data), __ATOMIC_RELEASE);
	t->count++;
	return 0;
}

int
dp_flow_insert(struct dp_flow_table *t, uint32_t key, uint32_t data)
{
	return insert(t, key, data, false);
}

int
dp_flow_insert_multi(struct dp_flow_table *t, uint32_t key, uint32_t data)
{
	return insert(t, key, data, true);
}

/*
 * Key's entry (multi: the entry equal to key and data) becomes a
 * tombstone, or empty when the next entry is empty (no chain can pass it
 * then), and so do the tombstones right before it.
 */
static int
erase(struct dp_flow_table *t, uint32_t key, uint32_t data, bool multi)
{
	uint64_t g0 = chain_start(t, key), g;
	uint64_t n = (uint64_t)DP_FLOW_MAX_PROBE * DP_FLOW_BUCKET_ENTRIES;

	for (g = g0; g < g0 + n; g++) {
		uint64_t e = *slot(t, g);
		uint32_t k = (uint32_t)e;

		if (k == DP_FLOW_EMPTY)
			return -ENOENT;
		if (k != key || (multi && e != entry_of(key, data)))
			continue;
		t->count--;
		if ((uint32_t)*slot(t, g + 1) != DP_FLOW_EMPTY) {
			__atomic_store_n(slot(t, g), (uint64_t)DP_FLOW_TOMBSTONE, __ATOMIC_RELEASE);
			return 0;
		}
		do {
			__atomic_store_n(slot(t, g), (uint64_t)DP_FLOW_EMPTY, __ATOMIC_RELEASE);
			g--;
		} while ((uint32_t)*slot(t, g) == DP_FLOW_TOMBSTONE);
		return 0;
	}
	return -ENOENT;
}

int
dp_flow_delete(struct dp_flow_table *t, uint32_t key)
{
	return erase(t, key, 0, false);
}

int
dp_flow_delete_entry(struct dp_flow_table *t, uint32_t key, uint32_t data)
{
	return erase(t, key, data, true);
}

/* A table for `keys` keys in hugepage memory on the main lcore's socket. */
static int
table_create(struct dp_flow_table *t, const char *name, uint64_t keys, bool sig_keys,
	size_t *bytes)
{
	size_t sz = dp_flow_mem_size(keys);
	void *mem;

	if (keys > UINT32_MAX / DP_FLOW_LOAD_DIV)
		return -E2BIG;
	mem = rte_zmalloc_socket(name, sz, RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (mem == NULL) {
		RTE_LOG(ERR, DP, "%s (%zu bytes): out of memory\n", name, sz);
		return -ENOMEM;
	}
	dp_flow_table_init(t, mem, keys, sig_keys);
	*bytes = sz;
	return 0;
}

/*
 * Relay table buckets: entries = the power of two >= 2 x (2 x
 * max_sessions + 2 x max_allocs) (load <= 50%), 8 per bucket: 32 bytes
 * per session at 2^k sessions and no allocations.  Client table: the same
 * for max_allocs keys.  Hugepage memory from the DPDK heap on the main
 * lcore's socket.
 */
int
dp_flow_init(uint32_t max_sessions, uint32_t max_allocs)
{
	static struct dp_flow_table relay, clients;
	size_t rsz, csz;
	int ret;

	ret = table_create(
		&relay, "dp_flows", dp_flow_relay_keys(max_sessions, max_allocs), false, &rsz);
	if (ret == 0)
		ret = table_create(&clients, "dp_ctab", max_allocs, true, &csz);
	if (ret == 0)
		ret = dp_ctab_hkey_init(&dp.ctab_hk);
	if (ret != 0)
		return ret;
	dp.flows = &relay;
	dp.ctab = &clients;
	dp.flow_table_bytes = rsz;
	dp.ctab_bytes = csz;
	return 0;
}
