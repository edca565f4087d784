/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay flow table: rte_hash with lock-free readers (workers) and one
 * writer (the main lcore), RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF.
 *
 * Key: a leg's LOCAL endpoint, packed in 32 bits as
 *   (appliance address index << 16) | local UDP port (host order);
 * 4-byte keys keep the key store at 16 bytes per leg.
 * Data: (flow id << 1) | leg.
 * A deleted key's slot is freed (rte_hash_free_key_with_position) only
 * after an RCU grace period: see dp_mbox.c.
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdint.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>

#define DP_FLOW_HASH_INIT	0
#define DP_FLOW_KEY_ADDR_SHIFT	16
#define DP_FLOW_DATA_LEG_MASK	1u
#define DP_FLOW_DATA_FLOW_SHIFT 1

static inline uint32_t
dp_flow_key(unsigned addr_idx, uint16_t port_host)
{
	return ((uint32_t)addr_idx << DP_FLOW_KEY_ADDR_SHIFT) | port_host;
}

/* The table's hash function, computed by workers before the bulk lookup. */
static inline uint32_t
dp_flow_hash(uint32_t key)
{
	return rte_hash_crc_4byte(key, DP_FLOW_HASH_INIT);
}

static inline uintptr_t
dp_flow_data(uint32_t flow_id, unsigned leg)
{
	return ((uintptr_t)flow_id << DP_FLOW_DATA_FLOW_SHIFT) | leg;
}

/*
 * Create the table for max_sessions sessions (two keys each) on the main
 * lcore's socket; sets dp.flows and dp.flow_table_bytes.  0 or -errno.
 */
int dp_flow_init(uint32_t max_sessions);

#endif /* DP_FLOW_H */
