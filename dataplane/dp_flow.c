/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creation of the relay flow table (layout and rules in dp_flow.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_flow.h"
#include "dp_types.h"

#define DP_FLOW_KEYS_PER_SESSION 2
#define DP_FLOW_MIN_ENTRIES	 64

/* Key compare for 4-byte keys (rte_hash would call memcmp()). 0 when equal. */
static int
key_cmp(const void *a, const void *b, size_t len)
{
	uint32_t x, y;

	RTE_SET_USED(len);
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

static size_t
heap_bytes(int socket)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(socket, &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

/*
 * Entries = 2 * max_sessions; the extendable bucket table
 * (RTE_HASH_EXTRA_FLAGS_EXT_TABLE) guarantees that all of them fit, so an
 * add fails only when the table really is full.  The memory is measured
 * as the heap growth across rte_hash_create().
 */
int
dp_flow_init(uint32_t max_sessions)
{
	struct rte_hash_parameters hp = {
		.name = "dp_flows",
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = DP_FLOW_HASH_INIT,
		.socket_id = (int)rte_socket_id(),
		.extra_flag =
			RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	uint64_t entries = (uint64_t)max_sessions * DP_FLOW_KEYS_PER_SESSION;
	size_t before, after;

	if (entries < DP_FLOW_MIN_ENTRIES)
		entries = DP_FLOW_MIN_ENTRIES;
	if (entries > RTE_HASH_ENTRIES_MAX)
		return -E2BIG;
	hp.entries = (uint32_t)entries;
	before = heap_bytes(hp.socket_id);
	dp.flows = rte_hash_create(&hp);
	if (dp.flows == NULL) {
		RTE_LOG(ERR, DP, "flow table (%" PRIu64 " entries): %s\n", entries,
			rte_strerror(rte_errno));
		return -rte_errno ? -rte_errno : -ENOMEM;
	}
	rte_hash_set_cmp_func(dp.flows, key_cmp);
	after = heap_bytes(hp.socket_id);
	dp.flow_table_bytes = after > before ? after - before : 0;
	return 0;
}
