/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-leg relay sessions on the fast path.
 */
#ifndef DP_RELAY_H
#define DP_RELAY_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_types.h"

/* One packet waiting for the bulk flow lookup. */
struct dp_relay_cand {
	struct rte_mbuf *m;
	const struct sn_pkt_info *pi;
};

/*
 * Look up n (<= DP_MAX_BURST) UDP datagrams addressed to relay ports, keys
 * precomputed (dp_flow_key()), in one rte_hash bulk lookup, then for each:
 * - no session: drop no_session;
 * - a latch probe (sn_relay.h) with the session token on a leg that may
 *   latch (SN_LEG_LATCH, or no remote yet) from a new source: a
 *   struct dp_latch_evt to the main lcore, packet consumed; a probe from
 *   the current remote is consumed; a wrong token drops bad_token;
 * - from the entry leg's remote: rewritten to leave through the other leg
 *   (MACs from its neighbour entry and egress port, addresses and ports,
 *   TTL/hop limit - 1, UDP checksum updated per RFC 1624, IPv4 header
 *   checksum), counted in the session's counter line and sent;
 * - else drop wrong_source / peer_not_latched / no_neighbor / rate_limit /
 *   ttl_expired / too_big.
 * now: the burst's TSC (last_seen_tsc, token buckets).
 *
 * Measured (2.6 GHz EPYC VM, one worker, net_pcap infinite_rx -> net_null,
 * 206-byte frames over 1024 sessions): the whole worker path, rx to tx,
 * ~115 cycles per relayed IPv4 packet (~107 IPv6), of which the pcap rx
 * and null tx rig ~45, the bulk lookup ~16, parse + classify ~20 and this
 * function's per-packet work ~30.  testpmd 5tswap on the same rig: ~60.
 */
void dp_relay_burst(struct dp_worker *w, struct dp_relay_cand *c, const uint32_t *keys, unsigned n,
	uint64_t now);

#endif /* DP_RELAY_H */
