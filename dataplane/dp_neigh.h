/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop MAC addresses for relay legs (main lcore only, except the
 * worker-visible array dp.nh_mac).
 *
 * An entry is (port, family, next-hop IP) -> MAC.  A leg holds a reference
 * on one entry and publishes its index in sn_leg.nh_idx, so a worker does
 * one 8-byte load (dp.nh_mac[nh_idx]: DP_NH_VALID | MAC) per packet.  The
 * next hop of a remote is the port's gateway4/gateway6 when configured,
 * else the remote itself (on-link); a port with gateway_mac has one static
 * entry for everything.  MACs are learnt from ARP (RFC 826) and ND
 * (RFC 4861 sections 4.3/4.4) the workers punt, and from latch probes;
 * unresolved referenced entries are probed by ARP request / neighbour
 * solicitation, rate-limited.
 */
#ifndef DP_NEIGH_H
#define DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* Create the table and the static gateway_mac entries.  0 or -errno. */
int dp_neigh_init(void);

/*
 * Take a reference on the entry for the next hop of remote (family, ip)
 * leaving through port_idx, creating it (unresolved) if needed; resolution
 * starts at once.  *nh_idx receives the index.  0, or -ENOSPC when full.
 */
int dp_neigh_get(unsigned port_idx, uint8_t family, const uint8_t *remote, uint16_t *nh_idx);

/* Drop a reference taken by dp_neigh_get(); the last one frees the entry. */
void dp_neigh_put(uint16_t nh_idx);

/*
 * Learn mac for entry nh_idx from a packet of the remote itself: stored
 * when the entry is on-link for that remote or still unresolved.
 */
void dp_neigh_learn_idx(uint16_t nh_idx, const uint8_t *remote, const struct rte_ether_addr *mac);

/*
 * Snoop a punted frame that arrived on port_idx: ARP sender, ND neighbour
 * solicitation source / advertisement target link-layer addresses update
 * existing entries only (no entries are created from unsolicited traffic).
 */
void dp_neigh_snoop(unsigned port_idx, const struct rte_mbuf *m);

/* Send due ARP requests / neighbour solicitations (main loop, every tick). */
void dp_neigh_poll(uint64_t now);

/* Entries with a MAC (for the shm gauge). */
uint64_t dp_neigh_resolved(void);

#endif /* DP_NEIGH_H */
