/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-dataplane: types shared by the dataplane's files.
 *
 * Threads: one main lcore (commands, the flow-table writer, RCU reclamation,
 * the exception path, neighbours, port info) and n workers (the burst
 * loop).  What workers read is written before it is published (release
 * stores, the flow table's entry store) and freed only after an rte_rcu_qsbr
 * grace period.  Everything a worker writes lives in its own cache-aligned
 * struct dp_worker, its stats page or its sessions' counter cache line.
 */
#ifndef DP_TYPES_H
#define DP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "sn_abi.h"
#include "sn_config.h"
#include "sn_pkt.h"
#include "sn_shm.h"

#define RTE_LOGTYPE_DP RTE_LOGTYPE_USER1

struct dp_flow_table;
struct dp_flow_bucket;

/* Worker loop (l3fwd): largest rx burst (a 64-bit mask per burst). */
#define DP_MAX_BURST	   64
#define DP_PREFETCH_OFFSET 3
#define DP_TX_BURST	   32
#define DP_TX_DRAIN_US	   100 /* l3fwd's BURST_TX_DRAIN_US */

/* Rings between workers and the main lcore (entries, powers of two). */
#define DP_PUNT_RING_SIZE  1024 /* worker -> main: mbufs for the taps */
#define DP_LATCH_RING_SIZE 256	/* worker -> main: struct dp_latch_evt */
/* main -> worker: mbufs for a port that has no transmit queue for the main lcore */
#define DP_EXC_RING_SIZE 1024

#define DP_NO_QUEUE UINT16_MAX
#define DP_MAX_RXQ  64 /* rx queues one worker polls, over all ports */
#define DP_NO_PORT  UINT8_MAX

/* Stats page slots: main lcore first, then the workers in config order. */
#define DP_STATS_SLOT_MAIN	0
#define DP_STATS_SLOT_WORKER(w) (1u + (w))

/* Neighbours: index into dp.nh_mac; DP_NH_NONE = no next hop assigned. */
#define DP_NH_MAX      65535u
#define DP_NH_NONE     0xffffu
#define DP_NH_VALID    (1ull << 63) /* dp.nh_mac[i]: bit 63 valid, bits 0..47 MAC */
#define DP_NH_MAC_MASK ((1ull << 48) - 1)

/* Dataplane seconds (sn_shm_hdr.now_s) of the first second of a run. */
#define DP_NOW_S_START 1

/* Hop limit of packets the dataplane originates (STUN answers, ARP/ND, TURN). */
#define DP_ORIGIN_TTL	64
#define DP_ND_HOP_LIMIT 255 /* RFC 4861 section 7.1.1 */

/* Per-lcore counters, indexed like struct sn_lcore_stats.cnt. */
struct dp_counters {
	uint64_t cnt[SN_CNT_MAX];
};

#define DP_CNT_EV(c, e)	  ((c)->cnt[SN_CNT_EVENT(SN_EV_##e)])
#define DP_CNT_PUNT(c, p) ((c)->cnt[SN_CNT_PUNT(p)])
#define DP_CNT_DROP(c, d) ((c)->cnt[SN_CNT_DROP(d)])

/* Packets waiting to be sent on one port queue. */
struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *m[DP_TX_BURST];
};

/* One configured port and its exception tap. */
struct dp_port {
	char name[32];
	char tap_name[16];
	uint16_t port_id;  /* ethdev id of the port */
	uint16_t tap_id;   /* ethdev id of its net_tap */
	uint16_t nb_rxq;   /* rx queues: queue q belongs to worker q % n_workers */
	uint16_t nb_txq;   /* tx queues: queue w belongs to worker w */
	uint16_t main_txq; /* the main lcore's tx queue, or DP_NO_QUEUE */
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint64_t eth_src_ip4; /* mac and EtherType IPv4 as stored at Ethernet offset 6 */
	bool has_gw_mac;
	struct rte_ether_addr gw_mac;
	struct sn_abi_addr gw4, gw6; /* family NONE: remotes are on-link */
	int src4, src6;		     /* addr index used as ARP/NS source, or -1 */
	uint16_t static_nh;	     /* neighbour entry holding gw_mac, or DP_NH_NONE */
};

/* A latch probe a worker accepted, handed to the main lcore (per-worker ring). */
struct dp_latch_evt {
	uint64_t token;
	uint32_t flow_id;
	uint8_t leg;
	uint8_t family; /* SN_FAM_* */
	uint16_t port;	/* source UDP port, network order */
	uint8_t addr[16];
	struct rte_ether_addr mac; /* source MAC of the probe */
	uint8_t port_idx;	   /* dp port it arrived on */
	uint8_t pad_;
};

/*
 * Appliance addresses, laid out for the per-packet destination check: one
 * open-addressing table per family, DP_LOCAL_SLOTS slots (load <= 25%),
 * indexed by a crc32 of the address, linear probing, idx DP_LOCAL_NONE =
 * empty slot (ends a chain).
 */
#define DP_LOCAL_SLOTS 256 /* power of two >= 4 x SN_MAX_ADDRS */
#define DP_LOCAL_NONE  UINT32_MAX

struct dp_local4 {
	uint32_t addr; /* as in the packet (network order) */
	uint32_t idx;  /* appliance address index, or DP_LOCAL_NONE */
};

struct dp_local6 {
	uint64_t addr[2]; /* as in the packet */
	uint32_t idx;
	uint32_t pad_;
};

struct dp_local {
	struct dp_local4 v4[DP_LOCAL_SLOTS];
	struct dp_local6 v6[DP_LOCAL_SLOTS];
};

/* One relay candidate between the worker's pipeline stages (dp_relay.h). */
struct dp_relay_cand {
	struct rte_mbuf *m;
	const struct sn_pkt_info *pi;
	const struct dp_flow_bucket *bucket; /* dp_flow_bucket(dp.flows, key), prefetched */
	uint32_t key;			     /* dp_flow_key() of the destination */
	uint32_t data;			     /* dp_flow_lookup_at() result */
};

/*
 * One TURN client candidate between the worker's stages (dp_turn.h): a
 * ChannelData message or Send indication to the STUN/TURN port.
 */
struct dp_turn_cand {
	struct rte_mbuf *m;
	const struct sn_pkt_info *pi;
	const struct dp_flow_bucket *bucket; /* dp_flow_bucket(dp.ctab, key), prefetched */
	uint32_t key;			     /* dp_ctab_key() of the client 5-tuple */
	uint32_t data;			     /* first allocation id of key, or DP_FLOW_MISS */
	uint8_t server_idx;		     /* appliance address index of the destination */
};

/* One received burst between the worker's stages: parse results, relay and TURN candidates. */
struct dp_stage {
	unsigned n;  /* relay candidates in c[] */
	unsigned nt; /* TURN client candidates in t[] */
	struct dp_relay_cand c[DP_MAX_BURST];
	struct dp_turn_cand t[DP_MAX_BURST];
	struct sn_pkt_info pi[DP_MAX_BURST];
};

/* One worker lcore.  Written only by its own lcore after launch. */
struct dp_worker {
	unsigned idx; /* 0 .. n_workers-1: rx/tx queue id and RCU thread id */
	unsigned lcore_id;
	struct sn_lcore_stats *stats;
	struct rte_ring *punt_ring;  /* worker -> main */
	struct rte_ring *latch_ring; /* worker -> main */
	struct rte_ring *exc_ring;   /* main -> worker (ports without a main txq) */
	uint64_t drain_tsc;	     /* DP_TX_DRAIN_US in TSC cycles */
	uint64_t last_drain;
	uint64_t nap_after_tsc;	     /* cfg idle_after_us in TSC cycles; 0: never nap */
	uint64_t last_rx;	     /* TSC of the last loop that had work */
	unsigned n_rx;
	struct {
		uint16_t port_id;
		uint16_t queue;
		uint8_t port_idx;
	} rx[DP_MAX_RXQ];
	/* per burst: punted mbufs and drops waiting for a bulk free */
	unsigned n_punt, n_free;
	struct rte_mbuf *punt[DP_MAX_BURST];
	struct rte_mbuf *free[DP_MAX_BURST];
	uint64_t txid_state; /* xorshift64* state: Data indication transaction ids */
	uint16_t ip_id;	     /* IPv4 identification of the datagrams TURN originates */
	struct dp_txbuf tx[SN_MAX_PORTS] __rte_cache_aligned;
	struct dp_counters c __rte_cache_aligned;
} __rte_cache_aligned;

#define DP_CTAB_HK_WORDS 6 /* 32-bit words of an IPv6 client tuple: address, ports, server index */

/* The client table's hash key (dp_ctab.h): drawn at start, private to the process. */
struct dp_ctab_hkey {
	uint64_t a[DP_CTAB_HK_WORDS]; /* a multiplier per 32-bit word of the tuple */
	uint64_t b;
};

/* The process.  Fields above 'hot_end_' are read by workers on every packet. */
struct dp_ctx {
	/* read-mostly, worker hot path */
	struct sn_session *sessions;
	struct dp_flow_table *flows;
	struct sn_alloc *allocs;    /* TURN allocation slots (shm) */
	struct dp_flow_table *ctab; /* TURN client 5-tuple -> allocation id (dp_ctab.h) */
	struct dp_ctab_hkey ctab_hk; /* its hash key */
	uint64_t *nh_mac;
	struct rte_rcu_qsbr *rcu;
	uint64_t tsc_hz;
	uint32_t max_sessions;
	uint32_t max_allocs;
	uint32_t now_s;	    /* copy of hdr->now_s (main lcore, once a second; workers per burst) */
	uint16_t stun_port; /* host order */
	uint16_t relay_port_min;		  /* host order */
	uint16_t relay_port_max;		  /* host order */
	uint16_t min_mtu; /* the smallest port MTU (a datagram within it fits any port) */
	uint8_t port_of_ethdev[RTE_MAX_ETHPORTS]; /* ethdev id -> dp port index */
	uint8_t addr_port[SN_MAX_ADDRS];	  /* addr index -> dp port index */
	uint8_t addr_family[SN_MAX_ADDRS];
	uint8_t addr_bytes[SN_MAX_ADDRS][16];
	struct dp_local local;
	struct dp_port ports[SN_MAX_PORTS];
	unsigned n_ports;
	unsigned n_addrs;
	volatile int quit;

	/* setup and main lcore */
	struct sn_config cfg;
	struct sn_shm shm;
	struct dp_worker *workers;
	unsigned n_workers;
	struct rte_mempool *pool;
	bool huge;
	uint64_t generation;
	uint64_t flow_table_bytes; /* relay flow table memory */
	uint64_t ctab_bytes;	   /* TURN client table memory */
	struct dp_counters main_c; /* the main lcore's counters */
};

extern struct dp_ctx dp;

/* A nap lasts at most this fraction of the silence before it. */
#define DP_NAP_QUIET_DIV 8

/*
 * Adaptive polling (worker_nap(), dp_main_loop()): after quiet_tsc TSC
 * cycles without work, sleep quiet_tsc / DP_NAP_QUIET_DIV, at most max_us,
 * so a packet arriving meanwhile waits at most an eighth of the silence
 * before it, and a loop that has just gone quiet wakes often.
 */
static inline void
dp_idle_nap(uint64_t quiet_tsc, unsigned max_us)
{
	uint64_t us = quiet_tsc / DP_NAP_QUIET_DIV * US_PER_S / dp.tsc_hz;

	rte_delay_us_sleep((unsigned)RTE_MIN(us, (uint64_t)max_us));
}

/* What the classifier decided for one packet. */
enum dp_verdict {
	DP_V_DROP = 0, /* free, count the drop reason */
	DP_V_TX,       /* rewritten in place: send */
	DP_V_PUNT,     /* to the main lcore and the port's tap */
	DP_V_RELAY,    /* needs the flow lookup */
	DP_V_TURN,     /* TURN client candidate: needs the client-table lookup */
};

#endif /* DP_TYPES_H */
