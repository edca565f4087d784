/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path.
 *
 * Workers hand packets for the kernel (ARP, ND, ICMP, signalling, TCP) to
 * the main lcore through a per-worker single-producer single-consumer
 * rte_ring; the main lcore rate-limits them per worker and punt reason
 * (token bucket, cfg.dp.punt_rate_pps; turn_stream, peer data sn-control
 * relays to TCP/TLS clients, cfg.dp.punt_rate_stream_pps), snoops ARP/ND for neighbours and
 * writes them to the tap of the port they arrived on.  Whatever the kernel
 * transmits on a tap leaves through its port: on the main lcore's own tx
 * queue, or through worker 0's exception ring when the port has no spare
 * queue.
 */
#ifndef DP_PUNT_H
#define DP_PUNT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_types.h"

/* The punt reason travels with the mbuf (the rx hash is not needed after rx). */
static inline void
dp_punt_set_reason(struct rte_mbuf *m, enum sn_punt reason)
{
	m->hash.usr = (uint32_t)reason;
}

static inline enum sn_punt
dp_punt_reason(const struct rte_mbuf *m)
{
	return (enum sn_punt)m->hash.usr;
}

/*
 * Worker: queue m for the exception path with reason (counted once the
 * ring accepted it: punt_<reason>; else drop punt_ring_full).
 */
static inline void
dp_punt(struct dp_worker *w, struct rte_mbuf *m, enum sn_punt reason)
{
	dp_punt_set_reason(m, reason);
	w->punt[w->n_punt++] = m;
}

/* Worker, end of burst: enqueue what dp_punt() collected. */
void dp_punt_flush(struct dp_worker *w);

/* Main lcore: create the rate-limit state.  0 or -errno. */
int dp_punt_init(void);

/* Main lcore: punt rings -> taps.  Returns packets handled. */
unsigned dp_punt_drain(uint64_t now);

/* Main lcore: taps -> ports.  Returns packets handled. */
unsigned dp_exc_poll(void);

/*
 * Main lcore: send m out of dp port port_idx (exception path and packets
 * the main lcore builds).  Consumes m; counts exception_tx_pkts or
 * tx_full on the main lcore.
 */
void dp_main_tx(unsigned port_idx, struct rte_mbuf *m);

/* Main lcore: flush what dp_main_tx() buffered. */
void dp_main_tx_flush(void);

#endif /* DP_PUNT_H */
