/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-lcore counters: each lcore counts into its private struct
 * dp_counters and publishes the whole array to its shm stats page once per
 * burst under the page's seqcount (sn_abi.h struct sn_lcore_stats).
 */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <string.h>

#include "dp_types.h"

/*
 * Publish c to page (written only by the calling lcore).  seq is odd while
 * the copy is in progress; the release stores order the copy between the
 * two increments for a reader on another CPU (sn_shm_read_lcore).
 * A copy of every counter: workers publish with their drain timer (every
 * DP_TX_DRAIN_US), not per burst.
 */
static inline void
dp_stats_publish(struct sn_lcore_stats *page, const struct dp_counters *c, uint64_t busy_cycles)
{
	uint64_t seq = page->seq;

	__atomic_store_n(&page->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(page->cnt, c->cnt, sizeof(c->cnt));
	page->cycles_busy = busy_cycles;
	__atomic_store_n(&page->seq, seq + 2, __ATOMIC_RELEASE);
}

/* Prepare stats page slot for an lcore with the given role (SN_ROLE_*). */
struct sn_lcore_stats *dp_stats_page_init(unsigned slot, unsigned lcore_id, uint32_t role);

/* Refresh the header's port info and gauges (main lcore, ~10 Hz). */
void dp_stats_refresh(uint64_t now);

/* Log a one-screen summary of every lcore's non-zero counters. */
void dp_stats_log_summary(void);

#endif /* DP_STATS_H */
