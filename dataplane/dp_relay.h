/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-leg relay sessions on the fast path.
 */
#ifndef DP_RELAY_H
#define DP_RELAY_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_flow.h"
#include "dp_types.h"

/*
 * Pipeline stage 2: look up every candidate of st (keys and buckets
 * computed, buckets prefetched by stage 1, the classifier) into c[i].data
 * and prefetch both cache lines of every session hit (the allocation's
 * lines for a TURN relayed address, dp_turn.h).  The caller must not
 * report an RCU quiescent state before it has run stage 3 on st: the flow
 * ids in st are references.
 */
void dp_relay_lookup(struct dp_stage *st);

/*
 * Pipeline stage 3: relay the n (<= DP_MAX_BURST) looked-up UDP datagrams
 * addressed to relay ports of st, then st->n = 0.  For each:
 * - no session: drop no_session;
 * - a TURN allocation's relayed address: dp_turn_p2c();
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
 * now: the poll's TSC (last_seen_tsc, token buckets); now_s: dataplane
 * seconds (TURN lifetimes).
 *
 * Measured: see scripts/bench and the figures in dataplane/README.md.
 */
void dp_relay_run(struct dp_worker *w, struct dp_stage *st, uint64_t now, uint32_t now_s);

#endif /* DP_RELAY_H */
