/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path (see dp_punt.h): worker -> main -> tap and
 * tap -> main -> port.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dp_neigh.h"
#include "dp_punt.h"
#include "dp_types.h"

#define DP_PUNT_BURST	  32
#define DP_EXC_BURST	  32
#define DP_PUNT_BURST_DIV 10 /* bucket depth: a tenth of a second of rate */
#define DP_PUNT_MIN_DEPTH 32

/* Token bucket, in packets, per worker and punt reason. */
struct punt_tb {
	uint64_t tokens;
	uint64_t last;
};

static struct {
	struct punt_tb *tb;		    /* [n_workers][SN_PUNT_MAX] */
	uint64_t rate, depth;		    /* every reason but turn_stream */
	uint64_t rate_stream, depth_stream; /* turn_stream: punt_rate_stream_pps */
	/* main lcore's transmit batches: one per port, one per tap */
	struct dp_txbuf port_tx[SN_MAX_PORTS];
	struct dp_txbuf tap_tx[SN_MAX_PORTS];
} punt;

void
dp_punt_flush(struct dp_worker *w)
{
	unsigned n = w->n_punt, ok, i;

	if (n == 0)
		return;
	ok = rte_ring_sp_enqueue_burst(w->punt_ring, (void **)w->punt, n, NULL);
	for (i = 0; i < ok; i++)
		DP_CNT_PUNT(&w->c, dp_punt_reason(w->punt[i]))++;
	if (unlikely(ok < n)) {
		DP_CNT_DROP(&w->c, SN_DROP_PUNT_FULL) += n - ok;
		rte_pktmbuf_free_bulk(&w->punt[ok], n - ok);
	}
	w->n_punt = 0;
}

int
dp_punt_init(void)
{
	unsigned i, n = dp.n_workers * SN_PUNT_MAX;
	uint64_t now = rte_rdtsc();

	punt.tb = rte_zmalloc("dp_punt_tb", sizeof(*punt.tb) * n, RTE_CACHE_LINE_SIZE);
	if (punt.tb == NULL)
		return -ENOMEM;
	punt.rate = dp.cfg.dp.punt_rate_pps;
	punt.depth = RTE_MAX(punt.rate / DP_PUNT_BURST_DIV, (uint64_t)DP_PUNT_MIN_DEPTH);
	punt.rate_stream = dp.cfg.dp.punt_rate_stream_pps;
	punt.depth_stream =
		RTE_MAX(punt.rate_stream / DP_PUNT_BURST_DIV, (uint64_t)DP_PUNT_MIN_DEPTH);
	for (i = 0; i < n; i++) {
		punt.tb[i].tokens =
			i % SN_PUNT_MAX == SN_PUNT_TURN_STREAM ? punt.depth_stream : punt.depth;
		punt.tb[i].last = now;
	}
	return 0;
}

/* One token from bucket tb of reason r (its rate); false when empty. */
static bool
punt_allow(struct punt_tb *tb, enum sn_punt r, uint64_t now)
{
	uint64_t rate = r == SN_PUNT_TURN_STREAM ? punt.rate_stream : punt.rate;
	uint64_t depth = r == SN_PUNT_TURN_STREAM ? punt.depth_stream : punt.depth;
	uint64_t add;

	if (rate == 0)
		return true;
	add = (now - tb->last) * rate / dp.tsc_hz;
	if (add > 0) {
		tb->tokens = RTE_MIN(tb->tokens + add, depth);
		tb->last = now;
	}
	if (tb->tokens == 0)
		return false;
	tb->tokens--;
	return true;
}

/* Send what is batched for one queue; unsent packets are freed and counted. */
static void
txbuf_flush(struct dp_txbuf *b, uint16_t port_id, uint16_t queue, enum sn_event ev)
{
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(port_id, queue, b->m, b->n);
	dp.main_c.cnt[SN_CNT_EVENT(ev)] += sent;
	if (unlikely(sent < b->n)) {
		DP_CNT_DROP(&dp.main_c, SN_DROP_TX_FULL) += b->n - sent;
		rte_pktmbuf_free_bulk(&b->m[sent], b->n - sent);
	}
	b->n = 0;
}

static void
tap_tx(unsigned port_idx, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &punt.tap_tx[port_idx];

	b->m[b->n++] = m;
	if (b->n == DP_TX_BURST)
		txbuf_flush(b, dp.ports[port_idx].tap_id, 0, SN_EV_PUNT_PKTS);
}

unsigned
dp_punt_drain(uint64_t now)
{
	struct rte_mbuf *m[DP_PUNT_BURST];
	unsigned w, i, n, total = 0;

	for (w = 0; w < dp.n_workers; w++) {
		struct punt_tb *tb = &punt.tb[w * SN_PUNT_MAX];

		n = rte_ring_sc_dequeue_burst(
			dp.workers[w].punt_ring, (void **)m, DP_PUNT_BURST, NULL);
		for (i = 0; i < n; i++) {
			enum sn_punt r = dp_punt_reason(m[i]);
			uint8_t pidx = dp.port_of_ethdev[m[i]->port];

			if (r >= SN_PUNT_MAX || pidx == DP_NO_PORT) {
				rte_pktmbuf_free(m[i]);
				continue;
			}
			/* neighbours learn from every ARP/ND, even what the limit drops */
			if (r == SN_PUNT_ARP || r == SN_PUNT_ND)
				dp_neigh_snoop(pidx, m[i]);
			if (!punt_allow(&tb[r], r, now)) {
				DP_CNT_DROP(&dp.main_c, SN_DROP_PUNT_RATE)++;
				rte_pktmbuf_free(m[i]);
				continue;
			}
			tap_tx(pidx, m[i]);
		}
		total += n;
	}
	for (i = 0; i < dp.n_ports; i++)
		txbuf_flush(&punt.tap_tx[i], dp.ports[i].tap_id, 0, SN_EV_PUNT_PKTS);
	return total;
}

void
dp_main_tx(unsigned port_idx, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[port_idx];
	struct dp_txbuf *b;

	if (p->main_txq == DP_NO_QUEUE) {
		/* no queue of our own on this port: worker 0 sends it */
		m->hash.usr = port_idx;
		if (rte_ring_sp_enqueue(dp.workers[0].exc_ring, m) != 0) {
			DP_CNT_DROP(&dp.main_c, SN_DROP_TX_FULL)++;
			rte_pktmbuf_free(m);
			return;
		}
		DP_CNT_EV(&dp.main_c, EXC_TX_PKTS)++;
		return;
	}
	b = &punt.port_tx[port_idx];
	b->m[b->n++] = m;
	if (b->n == DP_TX_BURST)
		txbuf_flush(b, p->port_id, p->main_txq, SN_EV_EXC_TX_PKTS);
}

void
dp_main_tx_flush(void)
{
	unsigned i;

	for (i = 0; i < dp.n_ports; i++)
		if (dp.ports[i].main_txq != DP_NO_QUEUE)
			txbuf_flush(&punt.port_tx[i], dp.ports[i].port_id, dp.ports[i].main_txq,
				SN_EV_EXC_TX_PKTS);
}

unsigned
dp_exc_poll(void)
{
	struct rte_mbuf *m[DP_EXC_BURST];
	unsigned i, k, n, total = 0;

	for (i = 0; i < dp.n_ports; i++) {
		n = rte_eth_rx_burst(dp.ports[i].tap_id, 0, m, DP_EXC_BURST);
		for (k = 0; k < n; k++)
			dp_main_tx(i, m[k]);
		total += n;
	}
	dp_main_tx_flush();
	return total;
}
