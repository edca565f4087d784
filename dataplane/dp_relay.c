/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-leg relay sessions on the fast path (contract in dp_relay.h).
 *
 * Reads of a session's configuration line race only with the main lcore's
 * latch writes, which follow the publication protocol of dp_mbox.c: a leg's
 * remote and nh_idx are written while SN_LEG_REMOTE_SET is clear (and no
 * worker can still be using the previous values: RCU grace period), then
 * the flag is set with a release store that the acquire load here pairs
 * with.  The counter line is written by the worker that receives the flow.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_addr.h"
#include "dp_csum.h"
#include "dp_flow.h"
#include "dp_relay.h"
#include "dp_turn.h"
#include "dp_types.h"
#include "dp_worker.h"
#include "sn_relay.h"

#define DP_V4_WORDS	 2 /* 16-bit words in an IPv4 address */
#define DP_V6_WORDS	 8
#define DP_UDP_CSUM_NONE 0	/* IPv4 UDP without checksum, RFC 768 */
#define DP_UDP_CSUM_ZERO 0xffff /* a computed 0 is sent as all ones, RFC 768 */
#define DP_TTL_ONE	 0x0100 /* one TTL unit in the TTL/protocol word (host order) */

/*
 * Token bucket on UDP payload bytes: refill rate_bytes_per_s, depth
 * burst_bytes.  tb_last_tsc moves only when whole bytes were added, so
 * frequent small refills are not lost to truncation.
 */
static inline bool
rate_ok(struct sn_session *s, uint32_t bytes, uint64_t now)
{
	uint64_t elapsed = now - s->tb_last_tsc;
	uint64_t tokens = s->tb_tokens;

	if (elapsed >= dp.tsc_hz) {
		tokens = s->burst_bytes;
		s->tb_last_tsc = now;
	} else {
		uint64_t add = elapsed * s->rate_bytes_per_s / dp.tsc_hz;

		if (add > 0) {
			tokens = RTE_MIN(tokens + add, (uint64_t)s->burst_bytes);
			s->tb_last_tsc = now;
		}
	}
	if (tokens < bytes) {
		s->tb_tokens = (uint32_t)tokens;
		return false;
	}
	s->tb_tokens = (uint32_t)(tokens - bytes);
	return true;
}

/* A latch probe for leg li of session s (see dp_relay.h). */
static void
relay_latch(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	const struct sn_session *s, uint32_t flow, unsigned li, uint8_t fin, bool from_remote,
	uint64_t token)
{
	struct dp_latch_evt ev;

	if (s->token == 0 || token != s->token) {
		dp_worker_drop(w, m, SN_DROP_BAD_TOKEN);
		return;
	}
	if (from_remote) { /* keepalive from the latched remote */
		dp_worker_consume(w, m);
		return;
	}
	if ((fin & SN_LEG_REMOTE_SET) && !(fin & SN_LEG_LATCH)) {
		dp_worker_drop(w, m, SN_DROP_WRONG_SOURCE);
		return;
	}
	if (dp_addr_forbidden(pi->family, pi->src)) {
		dp_worker_drop(w, m, SN_DROP_BAD_SRC_ADDR);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.token = token;
	ev.flow_id = flow;
	ev.leg = (uint8_t)li;
	ev.family = pi->family;
	ev.port = rte_cpu_to_be_16(pi->sport);
	memcpy(ev.addr, pi->src, pi->family == SN_FAM_IPV4 ? 4 : 16);
	rte_ether_addr_copy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr, &ev.mac);
	ev.port_idx = dp.port_of_ethdev[m->port];
	if (rte_ring_sp_enqueue_elem(w->latch_ring, &ev, sizeof(ev)) != 0) {
		dp_worker_drop(w, m, SN_DROP_PUNT_FULL);
		return;
	}
	dp_worker_consume(w, m);
}

/*
 * Rewrite the addresses and ports of an IPv4 datagram to leave through out,
 * TTL - 1.  Both checksums are updated incrementally (RFC 1624 eqn. 3):
 * the UDP one over the pseudo-header addresses and the ports (left 0 when
 * the sender sent none, RFC 768), the header one over addresses and the
 * TTL/protocol word (RFC 791 section 3.1).
 */
static inline void
rewrite_ipv4(uint8_t *d, const struct sn_pkt_info *pi, const struct sn_leg *out)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(d + pi->l3_off);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + pi->l4_off);
	const uint8_t *laddr = dp.addr_bytes[out->local_addr_idx];
	uint32_t old_a, new_a;
	uint16_t ttl_old, ttl_new;

	/* TTL and protocol share a 16-bit word; decrement it in a register (a
	 * byte store followed by a word load would stall store forwarding) */
	memcpy(&ttl_old, &ih->time_to_live, sizeof(ttl_old));
	ttl_new = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ttl_old) - DP_TTL_ONE));
	old_a = dp_sum16(&ih->src_addr, DP_V4_WORDS) + dp_sum16(&ih->dst_addr, DP_V4_WORDS);
	new_a = dp_sum16(laddr, DP_V4_WORDS) + dp_sum16(out->remote_addr, DP_V4_WORDS);
	memcpy(&ih->src_addr, laddr, 4);
	memcpy(&ih->dst_addr, out->remote_addr, 4);
	memcpy(&ih->time_to_live, &ttl_new, sizeof(ttl_new));
	ih->hdr_checksum = dp_csum_update(ih->hdr_checksum, old_a + ttl_old, new_a + ttl_new);
	if (uh->dgram_cksum != DP_UDP_CSUM_NONE) {
		uint16_t c = dp_csum_update(uh->dgram_cksum, old_a + uh->src_port + uh->dst_port,
			new_a + out->local_port + out->remote_port);

		uh->dgram_cksum = c == 0 ? DP_UDP_CSUM_ZERO : c;
	}
	uh->src_port = out->local_port;
	uh->dst_port = out->remote_port;
}

/* Same for IPv6 (RFC 8200 section 8.1: the UDP checksum is mandatory). */
static inline void
rewrite_ipv6(uint8_t *d, const struct sn_pkt_info *pi, const struct sn_leg *out)
{
	struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(d + pi->l3_off);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + pi->l4_off);
	const uint8_t *laddr = dp.addr_bytes[out->local_addr_idx];
	uint32_t old_s, new_s;
	uint16_t c;

	old_s = dp_sum16(ih->src_addr, DP_V6_WORDS) + dp_sum16(ih->dst_addr, DP_V6_WORDS) +
		uh->src_port + uh->dst_port;
	new_s = dp_sum16(laddr, DP_V6_WORDS) + dp_sum16(out->remote_addr, DP_V6_WORDS) +
		out->local_port + out->remote_port;
	memcpy(ih->src_addr, laddr, 16);
	memcpy(ih->dst_addr, out->remote_addr, 16);
	uh->src_port = out->local_port;
	uh->dst_port = out->remote_port;
	c = dp_csum_update(uh->dgram_cksum, old_s, new_s);
	uh->dgram_cksum = c == 0 ? DP_UDP_CSUM_ZERO : c;
	ih->hop_limits--;
}

static inline void
relay_one(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi, uint32_t data,
	uint64_t now)
{
	uint32_t flow = data >> DP_FLOW_DATA_FLOW_SHIFT;
	unsigned li = (unsigned)(data & DP_FLOW_DATA_LEG_MASK);
	struct sn_session *s = &dp.sessions[flow];
	const struct sn_leg *in = &s->leg[li], *out = &s->leg[li ^ 1];
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *payload = d + pi->payload_off;
	struct rte_ether_hdr *eh;
	uint8_t fin, fout;
	uint64_t macw, token;
	unsigned eg;
	bool from_remote;

	fin = __atomic_load_n(&in->flags, __ATOMIC_ACQUIRE);
	from_remote = (fin & SN_LEG_REMOTE_SET) && in->remote_port == rte_cpu_to_be_16(pi->sport) &&
		      dp_addr_eq(pi->family, in->remote_addr, pi->src);
	if (unlikely(pi->payload_len == SN_LATCH_LEN && payload[0] == SN_LATCH_MAGIC0) &&
		sn_latch_parse(payload, pi->payload_len, &token)) {
		relay_latch(w, m, pi, s, flow, li, fin, from_remote, token);
		return;
	}
	if (unlikely(!from_remote)) {
		dp_worker_drop(w, m, SN_DROP_WRONG_SOURCE);
		return;
	}
	fout = __atomic_load_n(&out->flags, __ATOMIC_ACQUIRE);
	if (unlikely(!(fout & SN_LEG_REMOTE_SET))) {
		dp_worker_drop(w, m, SN_DROP_PEER_NOT_LATCHED);
		return;
	}
	if (unlikely(pi->ttl <= 1)) {
		dp_worker_drop(w, m, SN_DROP_TTL_EXPIRED);
		return;
	}
	/* RFC 8200 section 8.1: an IPv6 UDP datagram without checksum is discarded */
	if (unlikely(pi->family == SN_FAM_IPV6 &&
		     ((const struct rte_udp_hdr *)(d + pi->l4_off))->dgram_cksum == 0)) {
		dp_worker_drop(w, m, SN_DROP_BAD_UDP_HEADER);
		return;
	}
	macw = __atomic_load_n(&dp.nh_mac[out->nh_idx], __ATOMIC_RELAXED);
	if (unlikely(!(macw & DP_NH_VALID))) {
		dp_worker_drop(w, m, SN_DROP_NO_NEIGHBOR);
		return;
	}
	eg = dp.addr_port[out->local_addr_idx];
	if (unlikely((unsigned)(pi->frame_len - pi->l3_off) > dp.ports[eg].mtu)) {
		dp_worker_drop(w, m, SN_DROP_TOO_BIG);
		return;
	}
	if (s->rate_bytes_per_s != 0 && !rate_ok(s, pi->payload_len, now)) {
		s->rl_drops++;
		dp_worker_drop(w, m, SN_DROP_RATE_LIMIT);
		return;
	}

	eh = (struct rte_ether_hdr *)d;
	memcpy(&eh->dst_addr, &macw, RTE_ETHER_ADDR_LEN); /* little-endian word: bytes in order */
	rte_ether_addr_copy(&dp.ports[eg].mac, &eh->src_addr);
	if (pi->family == SN_FAM_IPV4)
		rewrite_ipv4(d, pi, out);
	else
		rewrite_ipv6(d, pi, out);
	if (m->data_len > pi->frame_len) { /* drop the ingress Ethernet padding */
		m->data_len = pi->frame_len;
		m->pkt_len = pi->frame_len;
	}
	m->ol_flags = 0;

	s->pkts[li]++;
	s->bytes[li] += pi->payload_len;
	s->last_seen_tsc = now;
	DP_CNT_EV(&w->c, RELAY_PKTS)++;
	DP_CNT_EV(&w->c, RELAY_BYTES) += pi->payload_len;
	dp_worker_tx(w, eg, m);
}

void
dp_relay_lookup(struct dp_stage *st)
{
	const struct dp_flow_table *t = dp.flows;
	unsigned i;

	for (i = 0; i < st->n; i++) {
		struct dp_relay_cand *c = &st->c[i];

		c->data = dp_flow_lookup_at(t, c->bucket, c->key);
		if (likely(c->data != DP_FLOW_MISS)) {
			const struct sn_session *s;

			if (dp_flow_data_is_turn(c->data)) {
				dp_turn_prefetch_p2c(c->data);
				continue;
			}
			s = &dp.sessions[c->data >> DP_FLOW_DATA_FLOW_SHIFT];
			rte_prefetch0(s);
			__builtin_prefetch(&s->pkts, 1, 3); /* rte_prefetch0_write() */
		}
	}
}

void
dp_relay_run(struct dp_worker *w, struct dp_stage *st, uint64_t now, uint32_t now_s)
{
	unsigned i;

	for (i = 0; i < st->n; i++) {
		const struct dp_relay_cand *c = &st->c[i];

		if (unlikely(c->data == DP_FLOW_MISS))
			dp_worker_drop(w, c->m, SN_DROP_NO_SESSION);
		else if (dp_flow_data_is_turn(c->data))
			dp_turn_p2c(w, c->m, c->pi, c->data, now, now_s);
		else
			relay_one(w, c->m, c->pi, c->data, now);
	}
	st->n = 0;
}
