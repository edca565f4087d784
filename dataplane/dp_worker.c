/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore (l3fwd style): receive a burst, prefetch ahead, parse
 * and classify each packet, answer STUN in place, look up relay flows in
 * a staged pass (buckets, then sessions, prefetched a stage ahead),
 * punt the exception traffic, batch transmits with a timed drain, report
 * the RCU quiescent state once per loop, publish counters with the drain
 * timer (every DP_TX_DRAIN_US).
 * TURN client datagrams (ChannelData, Send indications) take a parallel
 * staged path through the client table (dp_turn.h).
 * No locks, syscalls or allocation per packet.  The one syscall is the nap
 * of an idle worker (adaptive polling, cfg idle_sleep_us): it never
 * happens while packets arrive.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp_addr.h"
#include "dp_ctab.h"
#include "dp_flow.h"
#include "dp_punt.h"
#include "dp_relay.h"
#include "dp_stats.h"
#include "dp_stun.h"
#include "dp_turn.h"
#include "dp_types.h"
#include "dp_worker.h"

#define DP_RING_NAME_LEN 32
#define DP_TXID_SEED_MUL 0x9e3779b97f4a7c15ull /* 2^64 / golden ratio */
#define DP_IP_ID_SHIFT	 7
#define DP_NAP_SLACK_NS	 5000 /* timer slack while napping (the default is 50 us) */

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "dp.nh_mac packs MAC bytes little-endian (dp_neigh.c mac_word)"
#endif

int
dp_workers_init(void)
{
	char name[DP_RING_NAME_LEN];
	unsigned i, p, q;

	dp.workers = rte_zmalloc(
		"dp_workers", sizeof(struct dp_worker) * dp.n_workers, RTE_CACHE_LINE_SIZE);
	if (dp.workers == NULL)
		return -ENOMEM;
	for (i = 0; i < dp.n_workers; i++) {
		struct dp_worker *w = &dp.workers[i];

		w->idx = i;
		w->lcore_id = dp.cfg.dp.workers[i];
		/* xorshift state: never 0; ids need to be unpredictable-ish, not secret */
		w->txid_state = (rte_rdtsc() ^ ((uint64_t)(i + 1) * DP_TXID_SEED_MUL)) | 1;
		w->ip_id = (uint16_t)(rte_rdtsc() >> DP_IP_ID_SHIFT);
		w->drain_tsc = (dp.tsc_hz + US_PER_S - 1) / US_PER_S * DP_TX_DRAIN_US;
		w->nap_after_tsc = dp.cfg.dp.idle_sleep_us == 0 ? 0 :
			(dp.tsc_hz + US_PER_S - 1) / US_PER_S * dp.cfg.dp.idle_after_us;
		snprintf(name, sizeof(name), "dp_punt_%u", i);
		w->punt_ring = rte_ring_create(name, DP_PUNT_RING_SIZE, (int)rte_socket_id(),
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "dp_latch_%u", i);
		w->latch_ring = rte_ring_create_elem(name, sizeof(struct dp_latch_evt),
			DP_LATCH_RING_SIZE, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "dp_exc_%u", i);
		w->exc_ring = rte_ring_create(name, DP_EXC_RING_SIZE, (int)rte_socket_id(),
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->punt_ring == NULL || w->latch_ring == NULL || w->exc_ring == NULL)
			return -ENOMEM;
		for (p = 0; p < dp.n_ports; p++) {
			for (q = i; q < dp.ports[p].nb_rxq; q += dp.n_workers) {
				if (w->n_rx == DP_MAX_RXQ)
					return -E2BIG;
				w->rx[w->n_rx].port_id = dp.ports[p].port_id;
				w->rx[w->n_rx].queue = (uint16_t)q;
				w->rx[w->n_rx].port_idx = (uint8_t)p;
				w->n_rx++;
			}
		}
		w->stats = dp_stats_page_init(DP_STATS_SLOT_WORKER(i), w->lcore_id, SN_ROLE_WORKER);
	}
	return 0;
}

void
dp_worker_tx_flush(struct dp_worker *w, unsigned port_idx)
{
	struct dp_txbuf *b = &w->tx[port_idx];
	uint64_t bytes = 0;
	uint16_t sent, i;

	if (b->n == 0)
		return;
	for (i = 0; i < b->n; i++)
		bytes += b->m[i]->pkt_len;
	sent = rte_eth_tx_burst(dp.ports[port_idx].port_id, (uint16_t)w->idx, b->m, b->n);
	if (unlikely(sent < b->n)) {
		for (i = sent; i < b->n; i++)
			bytes -= b->m[i]->pkt_len;
		DP_CNT_DROP(&w->c, SN_DROP_TX_FULL) += b->n - sent;
		rte_pktmbuf_free_bulk(&b->m[sent], b->n - sent);
	}
	DP_CNT_EV(&w->c, TX_PKTS) += sent;
	DP_CNT_EV(&w->c, TX_BYTES) += bytes;
	b->n = 0;
}

/*
 * Classify a UDP datagram to appliance address index ai (see the table in
 * ARCHITECTURE.md); family and has_ext are pi's (constants on the inline
 * IPv4 path).  Relay candidates get their flow key in *key; TURN client
 * candidates their client-table key in *key and ai in *ai_out.
 */
static __rte_always_inline enum dp_verdict
classify_udp(struct rte_mbuf *m, const struct sn_pkt_info *pi, uint8_t family, uint8_t has_ext,
	unsigned ai, unsigned port_idx, uint32_t *key, uint8_t *ai_out, enum sn_drop *drop,
	enum sn_punt *punt)
{
	if (likely(pi->dport >= dp.relay_port_min && pi->dport <= dp.relay_port_max)) {
		if (unlikely(has_ext)) {
			*drop = SN_DROP_IP_OPTIONS;
			return DP_V_DROP;
		}
		*key = dp_flow_key(ai, pi->dport);
		return DP_V_RELAY;
	}
	if (pi->dport == dp.stun_port) {
		const uint8_t *pl = rte_pktmbuf_mtod(m, const uint8_t *) + pi->payload_off;

		/* RFC 7983: ChannelData and Send indications go to TURN */
		if (dp_turn_client_candidate(pl, pi->payload_len) && !has_ext && m->nb_segs == 1) {
			*key = dp_ctab_key(&dp.ctab_hk, family, pi->src,
				rte_cpu_to_be_16(pi->sport), ai, rte_cpu_to_be_16(pi->dport));
			*ai_out = (uint8_t)ai;
			return DP_V_TURN;
		}
		return dp_stun_binding(m, pi, port_idx, drop, punt);
	}
	*punt = SN_PUNT_UDP_LOCAL;
	return DP_V_PUNT;
}

/*
 * Classify an IPv4 UDP datagram without options (sn_pkt_parse_ip4udp()):
 * what classify_ip() decides for it, with the family and the protocol known.
 */
static __rte_always_inline enum dp_verdict
classify_udp4(struct rte_mbuf *m, const struct sn_pkt_info *pi, unsigned port_idx, uint32_t *key,
	uint8_t *ai_out, enum sn_drop *drop, enum sn_punt *punt)
{
	int ai = dp_local_index(&dp.local, SN_FAM_IPV4, pi->dst);

	if (unlikely(ai < 0)) {
		*drop = SN_DROP_NOT_LOCAL;
		return DP_V_DROP;
	}
	return classify_udp(m, pi, SN_FAM_IPV4, 0, (unsigned)ai, port_idx, key, ai_out, drop, punt);
}

/*
 * Classify one parsed IP packet for the appliance (see the table in
 * ARCHITECTURE.md): classify_udp() for UDP to one of our addresses, the
 * kernel's or a drop otherwise.
 */
static inline enum dp_verdict
classify_ip(struct rte_mbuf *m, const struct sn_pkt_info *pi, unsigned port_idx, uint32_t *key,
	uint8_t *ai_out, enum sn_drop *drop, enum sn_punt *punt)
{
	int ai = dp_local_lookup(&dp.local, pi);

	if (unlikely(ai < 0)) {
		/* ND and other ICMPv6 to multicast / link-local: the kernel's */
		if (pi->family == SN_FAM_IPV6 && pi->proto == SN_IPPROTO_ICMPV6 &&
			dp_ipv6_link_scope(pi->dst)) {
			*punt = SN_PUNT_ND;
			return DP_V_PUNT;
		}
		*drop = SN_DROP_NOT_LOCAL;
		return DP_V_DROP;
	}
	switch (pi->proto) {
	case SN_IPPROTO_UDP:
		return classify_udp(m, pi, pi->family, pi->has_ext, (unsigned)ai, port_idx, key,
			ai_out, drop, punt);
	case SN_IPPROTO_TCP:
		*punt = SN_PUNT_TCP_LOCAL;
		return DP_V_PUNT;
	case SN_IPPROTO_ICMP:
		*punt = pi->family == SN_FAM_IPV4 ? SN_PUNT_ICMP : SN_PUNT_OTHER_LOCAL;
		return DP_V_PUNT;
	case SN_IPPROTO_ICMPV6:
		*punt = SN_PUNT_ND;
		return DP_V_PUNT;
	default:
		*punt = SN_PUNT_OTHER_LOCAL;
		return DP_V_PUNT;
	}
}

/*
 * One received burst from dp port port_idx, in stages so that the DRAM
 * misses of relayed packets (flow bucket, the two lines of the session)
 * are in flight together instead of one after the other:
 *   1. parse and classify every packet; relay candidates get their flow
 *      key and bucket, and the bucket is prefetched;
 *   2. look up every candidate, prefetch its session (dp_relay_lookup);
 *   3. relay every candidate (dp_relay_run).
 * (Holding a looked-up burst until after the next rx -- a two-burst
 * pipeline -- measured slower: twice the mbufs in flight.)
 */
static void
worker_burst(
	struct dp_worker *w, unsigned port_idx, struct rte_mbuf **pkts, unsigned n, uint64_t now)
{
	struct dp_stage stage, *st = &stage;
	struct sn_pkt_info *pi = st->pi;
	unsigned i, nc = 0, nt = 0;
	uint64_t bytes = 0;
	uint32_t now_s = __atomic_load_n(&dp.now_s, __ATOMIC_RELAXED);

	for (i = 0; i < n && i < DP_PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		enum sn_drop drop = SN_DROP_NONE;
		enum sn_punt punt = SN_PUNT_OTHER_LOCAL;
		enum dp_verdict v;
		uint32_t key = 0;
		uint8_t ai = 0;

		if (i + DP_PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + DP_PREFETCH_OFFSET], void *));
		bytes += m->pkt_len;
		/* untagged IPv4/UDP without options inline, the rest in full */
		if (likely(sn_pkt_parse_ip4udp(d, m->data_len, &pi[i]))) {
			v = classify_udp4(m, &pi[i], port_idx, &key, &ai, &drop, &punt);
		} else {
			drop = sn_pkt_parse(d, d + m->data_len, &pi[i]);
			if (unlikely(drop != SN_DROP_NONE)) {
				dp_worker_drop(w, m, drop);
				continue;
			}
			if (unlikely(pi[i].kind == SN_PKT_ARP)) {
				dp_punt(w, m, SN_PUNT_ARP);
				continue;
			}
			v = classify_ip(m, &pi[i], port_idx, &key, &ai, &drop, &punt);
		}
		switch (v) {
		case DP_V_RELAY:
			st->c[nc].key = key;
			st->c[nc].bucket = dp_flow_bucket(dp.flows, key);
			rte_prefetch0(st->c[nc].bucket);
			st->c[nc].m = m;
			st->c[nc].pi = &pi[i];
			nc++;
			break;
		case DP_V_TURN:
			st->t[nt].key = key;
			st->t[nt].server_idx = ai;
			st->t[nt].bucket = dp_flow_bucket(dp.ctab, key);
			rte_prefetch0(st->t[nt].bucket);
			st->t[nt].m = m;
			st->t[nt].pi = &pi[i];
			nt++;
			break;
		case DP_V_TX:
			DP_CNT_EV(&w->c, STUN_BINDING)++;
			dp_worker_tx(w, port_idx, m);
			break;
		case DP_V_PUNT:
			dp_punt(w, m, punt);
			break;
		default:
			dp_worker_drop(w, m, drop);
			break;
		}
	}
	st->n = nc;
	st->nt = nt;
	DP_CNT_EV(&w->c, RX_PKTS) += n;
	DP_CNT_EV(&w->c, RX_BYTES) += bytes;
	if (nc > 0)
		dp_relay_lookup(st);
	if (nt > 0)
		dp_turn_lookup(st);
	if (nc > 0)
		dp_relay_run(w, st, now, now_s);
	if (nt > 0)
		dp_turn_run(w, st, now, now_s);
	dp_punt_flush(w);
	if (w->n_free > 0) {
		rte_pktmbuf_free_bulk(w->free, w->n_free);
		w->n_free = 0;
	}
}

/* Packets the main lcore asked this worker to send (ports without a main txq). */
static void
worker_exc_tx(struct dp_worker *w)
{
	struct rte_mbuf *m[DP_TX_BURST];
	unsigned i, n;

	n = rte_ring_sc_dequeue_burst(w->exc_ring, (void **)m, DP_TX_BURST, NULL);
	for (i = 0; i < n; i++)
		dp_worker_tx(w, m[i]->hash.usr, m[i]);
}

/*
 * Adaptive polling: the worker has had no work for quiet_tsc, more than
 * nap_after_tsc.  Send what is buffered, publish the counters, go offline
 * for RCU (the main lcore's grace periods must not wait for a sleeping
 * reader; the worker holds no table reference here), sleep, come back
 * online: dp_idle_nap(), at most idle_sleep_us (short naps cost CPU: a
 * wake-up is some 20 us of CPU in a VM, hence naps that grow with the
 * silence).  The rx rings keep filling meanwhile; the next loop drains
 * them.
 */
static void
worker_nap(struct dp_worker *w, uint64_t busy, uint64_t quiet_tsc)
{
	unsigned p;

	for (p = 0; p < dp.n_ports; p++)
		dp_worker_tx_flush(w, p);
	DP_CNT_EV(&w->c, IDLE_NAPS)++;
	dp_stats_publish(w->stats, &w->c, busy);
	rte_rcu_qsbr_thread_offline(dp.rcu, w->idx);
	dp_idle_nap(quiet_tsc, dp.cfg.dp.idle_sleep_us);
	rte_rcu_qsbr_thread_online(dp.rcu, w->idx);
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct rte_mbuf *pkts[DP_MAX_BURST];
	unsigned burst = dp.cfg.dp.burst, r, p;
	uint64_t now, prev, busy = 0;
	bool was_busy = false;

	if (burst == 0 || burst > DP_MAX_BURST)
		burst = DP_MAX_BURST;
	rte_rcu_qsbr_thread_register(dp.rcu, w->idx);
	rte_rcu_qsbr_thread_online(dp.rcu, w->idx);
	RTE_LOG(INFO, DP, "worker %u on lcore %u: %u rx queue(s)\n", w->idx, w->lcore_id, w->n_rx);
	w->last_drain = rte_rdtsc();
	w->last_rx = w->last_drain;
	prev = w->last_drain;
	if (w->nap_after_tsc != 0)
		prctl(PR_SET_TIMERSLACK, DP_NAP_SLACK_NS, 0, 0, 0);

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		unsigned got = 0;

		/* one TSC read per loop (~30 cycles here): a loop that received
		 * counts as busy up to the start of the next one */
		now = rte_rdtsc();
		if (was_busy)
			busy += now - prev;
		prev = now;
		if (unlikely(now - w->last_drain > w->drain_tsc)) {
			for (p = 0; p < dp.n_ports; p++)
				dp_worker_tx_flush(w, p);
			w->last_drain = now;
			/* every DP_TX_DRAIN_US, busy or idle (not per burst: a
			 * copy of every counter) */
			dp_stats_publish(w->stats, &w->c, busy);
		}
		if (unlikely(!rte_ring_empty(w->exc_ring))) {
			worker_exc_tx(w);
			w->last_rx = now;
		}
		for (r = 0; r < w->n_rx; r++) {
			unsigned n = rte_eth_rx_burst(
				w->rx[r].port_id, w->rx[r].queue, pkts, (uint16_t)burst);

			if (n == 0)
				continue;
			worker_burst(w, w->rx[r].port_idx, pkts, n, now);
			got += n;
		}
		rte_rcu_qsbr_quiescent(dp.rcu, w->idx);
		DP_CNT_EV(&w->c, LOOPS)++;
		was_busy = got > 0;
		if (was_busy) {
			DP_CNT_EV(&w->c, BUSY_LOOPS)++;
			w->last_rx = now;
		} else if (w->nap_after_tsc != 0 && now - w->last_rx > w->nap_after_tsc) {
			worker_nap(w, busy, now - w->last_rx);
		}
	}

	for (p = 0; p < dp.n_ports; p++)
		dp_worker_tx_flush(w, p);
	dp_stats_publish(w->stats, &w->c, busy);
	rte_rcu_qsbr_thread_offline(dp.rcu, w->idx);
	rte_rcu_qsbr_thread_unregister(dp.rcu, w->idx);
	return 0;
}
