/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN (RFC 8656) on the fast path: ChannelData and Send indications from
 * clients to peers, ChannelData and Data indications from peers to
 * clients, over UDP, for the allocations sn-control programs into the
 * shared-memory table (struct sn_alloc, sn_abi.h).
 *
 * Worker side (dp_turn.c): the classifier hands over TURN client
 * candidates (dp_turn_client_candidate()) and relay-table hits tagged
 * DP_FLOW_DATA_TURN; both go through the burst's stages like relay
 * sessions (bucket prefetch, lookup + slot prefetch, run).
 * Main-lcore side (dp_turn_cmd.c): SN_CMD_ALLOC_SET / ALLOC_DEL / PERM_SET
 * / CHAN_SET, with the publication protocol of dp_mbox.h.
 *
 * Publication protocol of an allocation slot (what workers rely on):
 * - install: the slot is written while no key maps to it, state ACTIVE
 *   (release), then its relayed addresses go into the relay table and its
 *   client 5-tuple into the client table (one release store each);
 * - delete / reinstall with another tuple or other relayed addresses: the
 *   keys are deleted, state DELETING, and after an RCU grace period the
 *   neighbour references are dropped and the slot zeroed (FREE);
 * - a permission slot is live while perm_family[p] (acquire) is not NONE
 *   and perm_expiry_s[p] >= now_s; its address and next hop are written
 *   before perm_family (release) and only rewritten after it was set to
 *   NONE and a grace period passed; the same for a channel slot and
 *   chan_num[c];
 * - lifetimes (expiry_s of the allocation, permissions, channels) and the
 *   rate are updated in place with single aligned stores.
 * perm_nh[p] == DP_NH_NONE marks a permission whose peer is one of the
 * appliance addresses (hairpin: no next hop is taken for it).
 */
#ifndef DP_TURN_H
#define DP_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_flow.h"
#include "dp_types.h"
#include "sn_turn.h"

/*
 * The spare line 7 of an allocation slot (sn_alloc.pad7_) is the
 * dataplane's own: everything the IPv4 ChannelData fast path reads, for
 * channel slots 0 and 1 and the allocation's IPv4 client, so that a
 * ChannelData message or a peer datagram on one of them touches line 7
 * and its counter line only, not lines 0-4 (at 10k-100k allocations each
 * line is a cache miss).  Control neither reads nor writes line 7.
 *
 * Written by the main lcore only (dp_turn_cmd.c):
 * - the client part at install, before the slot's keys are inserted
 *   (a worker gets the id from a table entry, acquire), never changed
 *   while the slot is ACTIVE except flags' DP_HOT_RATE (in place);
 * - entry k, for a channel slot k whose peer is IPv4 (an IPv6 channel
 *   has none: the fast path is IPv4 only), is published by a release
 *   store of num after its other fields, withdrawn (num = 0) whenever channel k or its permission is
 *   withdrawn or the allocation is unpublished, and written again only
 *   when channel slot k is bound anew (after its grace period); expiry_s,
 *   the earliest of the channel's, the permission's and the allocation's
 *   lifetimes, follows them in place.
 * So a live entry stands for a bound, live channel with a live permission
 * of an ACTIVE, live allocation.  A worker takes an entry only for that
 * positive decision; anything else goes through the slot's own lines
 * (the general path), so the copy never decides a drop.
 *
 * csum_delta lets a relayed datagram's UDP checksum be derived from the
 * received one with a handful of additions (RFC 1624): it is the
 * ones-complement sum of the words that identify the peer side (relayed
 * address and port, peer address and port) minus those of the client side
 * (client address and port, server address and port), as loaded from
 * memory (dp_csum.h).  Client -> peer adds it, peer -> client adds its
 * complement.  ip4_sum is the constant part of the IPv4 header checksum
 * client -> peer: TTL/protocol, relayed and peer address.
 */
#define DP_TURN_HOT_CHANNELS 2

#define DP_HOT_RATE   0x01 /* flags: the allocation has a rate limit (line 2) */
#define DP_HOT_STREAM 0x02 /* flags: a TCP/TLS client (SN_ALLOC_STREAM) */

struct dp_turn_hot_chan {
	uint16_t num;	     /* channel number (host order), 0 = no entry */
	uint16_t port;	     /* the channel's peer port, network order */
	uint16_t nh;	     /* the permission's next hop (DP_NH_NONE: one of our addresses) */
	uint16_t pad_;
	uint32_t expiry_s;   /* see above */
	uint16_t csum_delta; /* see above */
	uint16_t ip4_sum;    /* see above */
	uint8_t addr4[4];    /* the peer's IPv4 address */
	uint16_t relay_port; /* the relayed IPv4 address: port (network order) */
	uint8_t relay_addr_idx; /* ... and appliance address index */
	uint8_t pad1_;
};

struct dp_turn_hot {
	struct dp_turn_hot_chan e[DP_TURN_HOT_CHANNELS];
	/* the allocation's client (IPv4 clients; client_family tells) */
	uint8_t client_addr4[4];
	uint16_t client_port; /* network order */
	uint16_t server_port; /* network order */
	uint16_t client_nh;
	uint8_t client_family;
	uint8_t server_addr_idx;
	uint8_t flags;	  /* DP_HOT_* */
	uint8_t pad_;
	uint16_t ip4_sum; /* peer -> client IPv4 header constant: TTL/protocol, server, client */
};
_Static_assert(sizeof(struct dp_turn_hot_chan) == 24, "hot entry size");
_Static_assert(sizeof(struct dp_turn_hot) == SN_CACHE_LINE, "hot line size");
_Static_assert(sizeof(((struct sn_alloc *)0)->pad7_) == sizeof(struct dp_turn_hot),
	"hot line = spare line 7");
_Static_assert(offsetof(struct sn_alloc, pad7_) % SN_CACHE_LINE == 0, "hot line aligned");

static inline struct dp_turn_hot *
dp_turn_hot(struct sn_alloc *a)
{
	return (struct dp_turn_hot *)(void *)a->pad7_;
}

/* Index of a's relayed address of family, or -1. */
static inline int
dp_turn_relay_of_family(const struct sn_alloc *a, uint8_t family)
{
	if (a->relay[0].used && dp.addr_family[a->relay[0].addr_idx] == family)
		return 0;
	if (a->relay[1].used && dp.addr_family[a->relay[1].addr_idx] == family)
		return 1;
	return -1;
}

/*
 * Should the UDP payload [p, p+len) to the STUN/TURN port go to the TURN
 * fast path?  A ChannelData message (first byte of a channel number in
 * SN_TURN_CHAN_MIN..MAX, RFC 7983 / RFC 8656 section 12.4) or a Send
 * indication (type 0x0016 with the magic cookie).  Everything else on
 * that port is dp_stun_binding()'s.
 */
static inline bool
dp_turn_client_candidate(const uint8_t *p, unsigned len)
{
	return sn_turn_is_channel_data(p, len) || sn_turn_is_send_indication(p, len);
}

/*
 * Stage 2 for relay-table hits tagged DP_FLOW_DATA_TURN (peer -> client):
 * prefetch the allocation lines the fast path reads, the hot line 7 and
 * the counter line.
 */
static inline void
dp_turn_prefetch_p2c(uint32_t data)
{
	const struct sn_alloc *a = &dp.allocs[dp_flow_data_id(data)];

	rte_prefetch0(a->pad7_);		       /* struct dp_turn_hot */
	__builtin_prefetch(&a->dir[SN_DIR_P2C], 1, 3); /* rte_prefetch0_write() */
}

/*
 * Stage 2 for the TURN client candidates st->t[0..st->nt): look up the
 * client table (buckets prefetched by stage 1) and prefetch the first
 * candidate allocation's hot line and client -> peer counter line.  Same
 * reference rule as dp_relay_lookup().
 */
void dp_turn_lookup(struct dp_stage *st);

/*
 * Stage 3 for the TURN client candidates (client -> peer), then st->nt = 0.
 * For each datagram from a client 5-tuple to (appliance address, STUN port):
 * - no live allocation for the 5-tuple: drop turn_no_allocation;
 * - ChannelData: the channel number must be bound and live
 *   (turn_unknown_channel), its permission live (turn_no_permission), the
 *   length field within the datagram (turn_malformed; trailing padding is
 *   ignored);
 * - Send indication: a valid STUN message with XOR-PEER-ADDRESS and DATA
 *   (turn_malformed), a live permission for the peer address
 *   (turn_no_permission);
 * - then: a new UDP datagram with the application data from the
 *   allocation's relayed address of the peer's family to the peer (TTL
 *   64, DSCP/ECN copied, IPv4 DF only for a Send indication with
 *   DONT-FRAGMENT, checksums derived incrementally from the client's),
 *   through the permission's next hop (no_neighbor until resolved);
 *   rate limit turn_rate_limit, too_big above the egress MTU;
 * - a peer that is an appliance address: if the port is a relayed port of
 *   an allocation, the datagram is delivered to that allocation's client
 *   as if it came from the relayed address (turn_hairpin), else dropped
 *   turn_self_peer.
 * now: the poll's TSC; now_s: dataplane seconds (lifetimes).
 */
void dp_turn_run(struct dp_worker *w, struct dp_stage *st, uint64_t now, uint32_t now_s);

/*
 * A relay-table hit tagged DP_FLOW_DATA_TURN: UDP datagram m (parsed into
 * pi) from a peer to relayed address (data & 1) of allocation
 * dp_flow_data_id(data).  The allocation must be live (turn_expired) and
 * the source address hold a live permission (turn_no_permission; a
 * permission for one of the appliance's own addresses only admits
 * hairpinned data, a datagram from the wire with that source is dropped
 * bad_src_addr).  A
 * SN_ALLOC_STREAM allocation gets the datagram punted unchanged
 * (turn_stream: sn-control relays it to its TCP/TLS client).  Otherwise
 * the client receives a ChannelData message when a live channel is bound
 * to (source address, source port), else a Data indication
 * (XOR-PEER-ADDRESS, DATA), from (server address, server port), through
 * the client's next hop; rate limit, no_neighbor and too_big as above.
 */
void dp_turn_p2c(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	uint32_t data, uint64_t now, uint32_t now_s);

/* Main lcore: allocate the per-allocation pending bits.  0 or -errno. */
int dp_turn_cmd_init(void);

/*
 * Main lcore: apply SN_CMD_ALLOC_SET / ALLOC_DEL / PERM_SET / CHAN_SET
 * (contracts in sn_abi.h).  Returns 0, -ERANGE (id >= max_allocs),
 * -EINVAL (bad spec), -EEXIST (a relayed address or the client 5-tuple
 * belongs to a session or another allocation; a channel number or peer
 * bound in another channel slot), -ENOENT (permission or channel of an
 * allocation that is not installed), -ENOSPC (neighbour or flow table
 * full), or DP_MBOX_WAIT (not applied: retry the same command later,
 * after a grace period).
 */
int dp_turn_cmd(const struct sn_cmd *c, uint64_t now);

/*
 * Main lcore: finish what a grace period was waiting for (kind DP_RC_ALLOC
 * / DP_RC_PERM / DP_RC_CHAN of dp_mbox.h, allocation id, slot index).
 */
void dp_turn_reclaim(uint8_t kind, uint32_t id, uint8_t idx);

#endif /* DP_TURN_H */
