/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: burst loop and its per-packet helpers.
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <rte_mbuf.h>

#include "dp_types.h"

/* Send every batched packet of w for port port_idx (worker's own tx queue). */
void dp_worker_tx_flush(struct dp_worker *w, unsigned port_idx);

/* Batch m for transmission on port port_idx; sends when the batch is full. */
static inline void
dp_worker_tx(struct dp_worker *w, unsigned port_idx, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->tx[port_idx];

	b->m[b->n++] = m;
	if (unlikely(b->n == DP_TX_BURST))
		dp_worker_tx_flush(w, port_idx);
}

/* Count a drop and queue m for the end-of-burst bulk free. */
static inline void
dp_worker_drop(struct dp_worker *w, struct rte_mbuf *m, enum sn_drop reason)
{
	DP_CNT_DROP(&w->c, reason)++;
	w->free[w->n_free++] = m;
}

/* Consume m without counting a drop (e.g. a latch probe). */
static inline void
dp_worker_consume(struct dp_worker *w, struct rte_mbuf *m)
{
	w->free[w->n_free++] = m;
}

/* lcore entry point (rte_eal_remote_launch); arg: struct dp_worker *. */
int dp_worker_main(void *arg);

/* Allocate workers, their rings, RCU registration data.  0 or -errno. */
int dp_workers_init(void);

#endif /* DP_WORKER_H */
