/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory ABI between sn-dataplane and sn-control.
 *
 * One file (default /dev/shm/supernode), created and sized by sn-dataplane,
 * mapped by sn-control (a plain process: no DPDK).  Layout, every offset
 * 4096-aligned and recorded in the header:
 *
 *   struct sn_shm_hdr                   header, ports, lcores (SN_HDR_SIZE)
 *   command ring   (control -> dp)      struct sn_ring_hdr + cmd_slots * 128 B
 *   completion ring (dp -> control)     struct sn_ring_hdr + cpl_slots * 64 B
 *   stats pages                         SN_MAX_LCORES * struct sn_lcore_stats
 *   session table                       max_sessions * struct sn_session
 *   TURN allocation table               max_allocs * struct sn_alloc
 *
 * Rules:
 * - The dataplane writes the header, the completion ring producer side, the
 *   stats pages and the session table.  Control writes only the command ring
 *   producer side and the completion ring consumer index.
 * - generation changes (never to 0) each time sn-dataplane starts and has
 *   re-initialised the rings; control seeing a new generation resets its ring
 *   view and replays its whole state.  Commands are idempotent: they carry
 *   the flow id (= session slot index), so a replayed command is harmless.
 * - The command ring is single-producer (control) single-consumer (dp main
 *   lcore); the completion ring is single-producer (dp main lcore)
 *   single-consumer (control).  A full ring is back-pressure: the producer
 *   keeps the record and retries; nothing is dropped.
 * - Every size and offset is fixed by _Static_assert below; any change bumps
 *   SN_ABI_VERSION.
 */
#ifndef SN_ABI_H
#define SN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "sn_counters.h"

#define SN_SHM_MAGIC 0x31584f424d4e53ULL /* "SNMBOX1" little-endian */
#define SN_ABI_VERSION 3
#define SN_SHM_DEFAULT_PATH "/dev/shm/supernode"

#define SN_HDR_SIZE 65536
#define SN_MAX_PORTS 8
#define SN_MAX_LCORES 16
#define SN_MAX_ADDRS 64 /* appliance addresses, over all ports */
#define SN_CMD_SIZE 128
#define SN_CPL_SIZE 64
#define SN_CACHE_LINE 64

/* Address family codes used on the wire of this ABI (not AF_*). */
#define SN_FAM_NONE 0
#define SN_FAM_IPV4 4
#define SN_FAM_IPV6 6

/* dp_state values */
#define SN_DP_STARTING 1
#define SN_DP_RUNNING 2
#define SN_DP_STOPPED 3

/* ---------------------------------------------------------------- rings */

/*
 * Header of a single-producer single-consumer ring of fixed-size slots.
 * head counts slots ever produced, tail slots ever consumed (both 64-bit,
 * never wrap in practice); slot i lives at data[(i & (slots - 1)) * slot_size].
 * Producer: load tail (acquire), write slot, store head (release).
 * Consumer: load head (acquire), read slot, store tail (release).
 */
struct sn_ring_hdr {
	_Alignas(SN_CACHE_LINE) uint64_t head; /* written by the producer only */
	_Alignas(SN_CACHE_LINE) uint64_t tail; /* written by the consumer only */
	_Alignas(SN_CACHE_LINE) uint32_t slots; /* power of two */
	uint32_t slot_size;
	uint8_t pad_[SN_CACHE_LINE - 8];
};
_Static_assert(sizeof(struct sn_ring_hdr) == 3 * SN_CACHE_LINE, "ring header size");
_Static_assert(offsetof(struct sn_ring_hdr, tail) == SN_CACHE_LINE, "ring tail offset");
_Static_assert(offsetof(struct sn_ring_hdr, slots) == 2 * SN_CACHE_LINE, "ring slots offset");

/* ------------------------------------------------------------- addresses */

/* An address as carried in commands: family code, then 4 or 16 bytes. */
struct sn_abi_addr {
	uint8_t family; /* SN_FAM_* */
	uint8_t pad_[3];
	uint8_t bytes[16]; /* network order; IPv4 in bytes[0..3] */
};
_Static_assert(sizeof(struct sn_abi_addr) == 20, "abi addr size");

/* ------------------------------------------------------------- sessions */

/* Leg flags (struct sn_leg.flags) */
#define SN_LEG_REMOTE_SET 0x01 /* remote_addr/remote_port are valid */
#define SN_LEG_LATCH 0x02      /* a token probe may (re)latch the remote */
#define SN_LEG_LATCHED 0x04    /* remote was learnt from a token probe */

/*
 * One leg of a relay session.  Packets from (remote_addr, remote_port) to
 * (addrs[local_addr_idx], local_port) enter the session through this leg;
 * packets leaving through this leg go from (local addr, local_port) to
 * (remote_addr, remote_port) via neighbour nh_idx.
 */
struct sn_leg {
	uint8_t remote_addr[16]; /* network order, IPv4 in [0..3] */
	uint16_t remote_port;    /* network order */
	uint16_t local_port;     /* network order */
	uint8_t local_addr_idx;  /* index into sn_shm_hdr.addrs */
	uint8_t flags;           /* SN_LEG_* */
	uint16_t nh_idx;         /* neighbour slot, written by the dp main lcore */
};
_Static_assert(sizeof(struct sn_leg) == 24, "leg size");

/* struct sn_session.state */
#define SN_SESS_FREE 0
#define SN_SESS_ACTIVE 1
#define SN_SESS_DELETING 2

/*
 * One relay session slot, indexed by flow id.  Cache line 0 is configuration,
 * written only by the dataplane main lcore; cache line 1 is written by the
 * worker that receives the session's packets (RSS keeps a 5-tuple on one
 * queue) and read by control for counters, idle expiry and reconciliation.
 * Leg i's counters count packets that ENTERED through leg i.
 */
struct sn_session {
	/* cache line 0: configuration */
	uint32_t flow_id;
	uint8_t state; /* SN_SESS_* */
	uint8_t family; /* SN_FAM_*: both legs share a family */
	uint16_t pad0_;
	uint64_t token; /* latch token, 0 = no latching */
	struct sn_leg leg[2];
	/* cache line 1: worker-written */
	_Alignas(SN_CACHE_LINE) uint64_t pkts[2];
	uint64_t bytes[2];         /* UDP payload bytes */
	uint64_t last_seen_tsc;    /* dp TSC of the last forwarded packet */
	uint64_t tb_last_tsc;      /* token bucket: last refill */
	uint32_t tb_tokens;        /* token bucket: bytes available */
	uint32_t rate_bytes_per_s; /* 0 = unlimited (set by main lcore on add) */
	uint32_t burst_bytes;      /* bucket depth (set by main lcore on add) */
	uint32_t rl_drops;         /* packets dropped by the rate limit */
};
_Static_assert(sizeof(struct sn_session) == 128, "session size");
_Static_assert(offsetof(struct sn_session, leg) == 16, "session leg offset");
_Static_assert(offsetof(struct sn_session, pkts) == 64, "session counters offset");
_Static_assert(offsetof(struct sn_session, rl_drops) == 124, "session rl_drops offset");


/* ------------------------------------------------------ TURN allocations */

/*
 * A TURN allocation (RFC 8656) as the fast path sees it, indexed by
 * allocation id (the command's flow_id).  Control (the TURN server) owns
 * the state; the dataplane main lcore writes lines 0-6 from commands;
 * workers read them and write the two counter lines, one per direction
 * (RSS keeps each direction's 5-tuple on one queue).
 *
 * Times are dataplane seconds (sn_shm_hdr.now_s, which the main lcore
 * advances once a second from the TSC): an allocation, permission or
 * channel whose expiry_s is below now_s is dead to the fast path even
 * before control deletes it, so lifetimes hold when control is slow or
 * gone.  0 = unused entry.
 *
 * Lookups:
 * - client -> peer (ChannelData, Send indication): packets from the
 *   client's (client_addr, client_port) to (addrs[server_addr_idx],
 *   server_port), found in the dataplane's client table;
 * - peer -> client: UDP to (addrs[relay[r].addr_idx], relay[r].port), in
 *   the relay flow table (shared with two-leg sessions), from a peer with
 *   a live permission; ChannelData when (peer, port) has a live channel,
 *   else a Data indication.
 * Permission p: perm_addr[p] of family perm_family[p] (IPv4 in the first
 * 4 bytes), live while perm_expiry_s[p] >= now_s.  Channel c: number
 * chan_num[c] (0x4000-0x4FFF, 0 = free) bound to (perm_addr[chan_perm[c]],
 * chan_port[c]), live while chan_expiry_s[c] >= now_s and its permission
 * is live.  Control never rebinds a permission slot a live channel uses.
 */
#define SN_TURN_MAX_PERMS    8 /* permissions per allocation (508 beyond) */
#define SN_TURN_MAX_CHANNELS 8 /* channels per allocation (508 beyond) */
#define SN_TURN_MAX_RELAYS   2 /* relayed addresses: IPv4 and/or IPv6 (RFC 8656 7.1) */
/*
 * Channel numbers: RFC 8656 section 12 narrowed the range to 0x4000-0x4FFF,
 * RFC 5766 allowed 0x4000-0x7FFF and coturn's clients still pick from the
 * old range, so the old one is accepted (RFC 7983 gives first bytes 80-127
 * to nothing else on this port).
 */
#define SN_TURN_CHAN_MIN     0x4000
#define SN_TURN_CHAN_MAX     0x7FFF
#define SN_TURN_NO_PERM	     0xff

/* struct sn_alloc.flags */
#define SN_ALLOC_STREAM 0x01 /* client on TCP/TLS: peer data is punted to control */

/* Directions of struct sn_alloc.dir[] */
#define SN_DIR_C2P 0 /* client -> peer: ChannelData, Send indications */
#define SN_DIR_P2C 1 /* peer -> client: ChannelData, Data indications */

/* One relayed transport address of an allocation. */
struct sn_alloc_relay {
	uint8_t addr_idx; /* index into sn_shm_hdr.addrs */
	uint8_t used;	  /* 1: this relayed address exists */
	uint16_t port;	  /* network order */
};
_Static_assert(sizeof(struct sn_alloc_relay) == 4, "alloc relay size");

/* One direction's counters, written by the worker that receives it. */
struct sn_alloc_dir {
	_Alignas(SN_CACHE_LINE) uint64_t pkts;
	uint64_t bytes;		/* application bytes relayed (no TURN framing) */
	uint64_t drops;		/* dropped: no permission, unknown channel, rate limit */
	uint64_t last_seen_tsc; /* dp TSC of the last relayed packet */
	uint64_t tb_last_tsc;	/* token bucket: last refill */
	uint32_t tb_tokens;	/* token bucket: bytes available */
	uint32_t rl_drops;	/* of drops: rate limit */
	uint64_t pad_[2];
};
_Static_assert(sizeof(struct sn_alloc_dir) == SN_CACHE_LINE, "alloc dir size");

struct sn_alloc {
	/* line 0: the allocation */
	uint32_t alloc_id;
	uint8_t state; /* SN_SESS_* */
	uint8_t flags; /* SN_ALLOC_* */
	uint8_t client_family; /* SN_FAM_* */
	uint8_t server_addr_idx;
	uint8_t client_addr[16]; /* network order, IPv4 in [0..3] */
	uint16_t client_port;	 /* network order */
	uint16_t server_port;	 /* network order */
	uint16_t client_nh;	 /* neighbour slot, written by the dp main lcore */
	uint16_t pad0_;
	struct sn_alloc_relay relay[SN_TURN_MAX_RELAYS];
	uint32_t expiry_s;
	uint16_t chan_num[SN_TURN_MAX_CHANNELS]; /* host order, 0 = free */
	uint32_t pad1_;
	/* line 1: channels */
	_Alignas(SN_CACHE_LINE) uint16_t chan_port[SN_TURN_MAX_CHANNELS]; /* network order */
	uint32_t chan_expiry_s[SN_TURN_MAX_CHANNELS];
	uint8_t chan_perm[SN_TURN_MAX_CHANNELS]; /* permission slot, SN_TURN_NO_PERM */
	uint8_t perm_family[SN_TURN_MAX_PERMS];	 /* SN_FAM_*, NONE = free */
	/* line 2: permission lifetimes and next hops, rate limit */
	_Alignas(SN_CACHE_LINE) uint32_t perm_expiry_s[SN_TURN_MAX_PERMS];
	uint16_t perm_nh[SN_TURN_MAX_PERMS]; /* neighbour slots (dp main lcore) */
	uint32_t rate_bytes_per_s; /* per direction; 0 = unlimited */
	uint32_t burst_bytes;
	uint64_t pad2_;
	/* lines 3-4: permission addresses */
	_Alignas(SN_CACHE_LINE) uint8_t perm_addr[SN_TURN_MAX_PERMS][16];
	/* lines 5-6: counters per direction (SN_DIR_*) */
	struct sn_alloc_dir dir[2];
	/* line 7: spare */
	_Alignas(SN_CACHE_LINE) uint64_t pad7_[8];
};
_Static_assert(sizeof(struct sn_alloc) == 512, "alloc size");
_Static_assert(offsetof(struct sn_alloc, relay) == 32, "alloc relay offset");
_Static_assert(offsetof(struct sn_alloc, chan_num) == 44, "alloc chan_num offset");
_Static_assert(offsetof(struct sn_alloc, chan_port) == 64, "alloc line 1 offset");
_Static_assert(offsetof(struct sn_alloc, perm_family) == 120, "alloc perm_family offset");
_Static_assert(offsetof(struct sn_alloc, perm_expiry_s) == 128, "alloc line 2 offset");
_Static_assert(offsetof(struct sn_alloc, perm_addr) == 192, "alloc line 3 offset");
_Static_assert(offsetof(struct sn_alloc, dir) == 320, "alloc counters offset");

/* ------------------------------------------------------------- commands */

enum sn_cmd_type {
	SN_CMD_NOP = 0,
	SN_CMD_SESSION_ADD = 1, /* install or replace session flow_id */
	SN_CMD_SESSION_DEL = 2, /* remove session flow_id (absent: ok) */
	SN_CMD_HELLO = 3,       /* control (re)attached; dp answers with counts */
	SN_CMD_ALLOC_SET = 4,   /* install allocation flow_id, or update its lifetime/rate */
	SN_CMD_ALLOC_DEL = 5,   /* remove allocation flow_id (absent: ok) */
	SN_CMD_PERM_SET = 6,    /* write permission slot of allocation flow_id */
	SN_CMD_CHAN_SET = 7,    /* write channel slot of allocation flow_id */
};

/* Session spec carried by SN_CMD_SESSION_ADD. */
struct sn_cmd_session {
	uint64_t token;
	uint32_t rate_bytes_per_s;
	uint32_t burst_bytes;
	struct {
		struct sn_abi_addr remote; /* family NONE: not programmed */
		uint16_t remote_port;      /* network order */
		uint16_t local_port;       /* network order */
		uint8_t local_addr_idx;
		uint8_t flags; /* SN_LEG_LATCH (REMOTE_SET derived from remote) */
		uint8_t pad_[6];
	} leg[2];
};
_Static_assert(sizeof(struct sn_cmd_session) == 80, "cmd session size");


/*
 * Allocation spec carried by SN_CMD_ALLOC_SET.  When slot flow_id is
 * ACTIVE with the same client 5-tuple and relayed addresses, only
 * expiry_s, flags and the rate are updated in place (Refresh); otherwise
 * the slot is (re)installed with no permissions and no channels.
 */
struct sn_cmd_alloc {
	struct sn_abi_addr client;
	uint16_t client_port; /* network order */
	uint16_t server_port; /* network order */
	uint8_t server_addr_idx;
	uint8_t flags; /* SN_ALLOC_* */
	uint16_t pad_;
	struct sn_alloc_relay relay[SN_TURN_MAX_RELAYS];
	uint32_t expiry_s;	   /* dataplane seconds (sn_shm_hdr.now_s) */
	uint32_t rate_bytes_per_s; /* per direction; 0 = unlimited */
	uint32_t burst_bytes;	   /* 0: a default from the rate */
};
_Static_assert(sizeof(struct sn_cmd_alloc) == 48, "cmd alloc size");

/*
 * SN_CMD_PERM_SET: permission slot idx of allocation flow_id gets peer
 * (family NONE or expiry_s 0: free the slot) until expiry_s.  Same
 * address: lifetime updated in place; another address: the slot is
 * withdrawn and rewritten after a grace period.
 */
struct sn_cmd_perm {
	uint8_t idx;
	uint8_t pad_[3];
	struct sn_abi_addr peer;
	uint32_t expiry_s;
};
_Static_assert(sizeof(struct sn_cmd_perm) == 28, "cmd perm size");

/*
 * SN_CMD_CHAN_SET: channel slot idx of allocation flow_id binds number
 * (host order; 0 frees the slot) to (permission perm_idx's address,
 * peer_port) until expiry_s.  Same binding: lifetime updated in place.
 */
struct sn_cmd_chan {
	uint8_t idx;
	uint8_t perm_idx;
	uint16_t number;    /* host order */
	uint16_t peer_port; /* network order */
	uint16_t pad_;
	uint32_t expiry_s;
};
_Static_assert(sizeof(struct sn_cmd_chan) == 12, "cmd chan size");

/* A command record: fixed SN_CMD_SIZE bytes. */
struct sn_cmd {
	uint16_t version; /* SN_ABI_VERSION */
	uint16_t type;    /* enum sn_cmd_type */
	uint16_t len;     /* bytes of payload used */
	uint16_t flags;
	uint32_t seq;     /* echoed in the completion */
	uint32_t flow_id;
	uint64_t generation; /* dp generation control believes in; stale: rejected */
	uint8_t pad_[8];
	union {
		struct sn_cmd_session session;
		struct sn_cmd_alloc alloc;
		struct sn_cmd_perm perm;
		struct sn_cmd_chan chan;
		uint8_t raw[SN_CMD_SIZE - 32];
	} u;
};
_Static_assert(sizeof(struct sn_cmd) == SN_CMD_SIZE, "cmd size");
_Static_assert(offsetof(struct sn_cmd, u) == 32, "cmd payload offset");

enum sn_cpl_type {
	SN_CPL_RESULT = 1,  /* result of command seq */
	SN_EVT_LATCHED = 2, /* leg latched: flow_id, leg, addr */
};

/* A completion or event record: fixed SN_CPL_SIZE bytes. */
struct sn_cpl {
	uint16_t version;
	uint16_t type;   /* enum sn_cpl_type */
	int32_t status;  /* 0 or -errno */
	uint32_t seq;    /* of the command (RESULT) */
	uint32_t flow_id;
	uint8_t leg;     /* EVT_LATCHED */
	uint8_t pad0_;
	uint16_t port;   /* EVT_LATCHED: network order */
	uint32_t pad1_;
	struct sn_abi_addr addr; /* EVT_LATCHED */
	uint8_t pad_[SN_CPL_SIZE - 44];
};
_Static_assert(sizeof(struct sn_cpl) == SN_CPL_SIZE, "cpl size");
_Static_assert(offsetof(struct sn_cpl, addr) == 24, "cpl addr offset");

/* ---------------------------------------------------------------- stats */

/*
 * One lcore's counters.  Written only by that lcore with plain stores;
 * seq is odd while the lcore updates a batch, so a reader retries until it
 * sees the same even seq before and after copying (seqcount).
 */
struct sn_lcore_stats {
	_Alignas(SN_CACHE_LINE) uint64_t seq;
	uint32_t lcore_id;
	uint32_t role; /* SN_ROLE_* */
	uint64_t cycles_busy; /* TSC cycles of the poll loops that received packets */
	uint64_t pad_[5];
	uint64_t cnt[SN_CNT_MAX];
};
#define SN_ROLE_NONE 0
#define SN_ROLE_MAIN 1
#define SN_ROLE_WORKER 2
#define SN_LCORE_STATS_SIZE 1024
_Static_assert(sizeof(struct sn_lcore_stats) <= SN_LCORE_STATS_SIZE, "lcore stats size");
_Static_assert(offsetof(struct sn_lcore_stats, cnt) == 64, "lcore cnt offset");

/* One port as the dataplane main lcore last saw it (refreshed ~10 Hz). */
struct sn_port_info {
	char name[32];   /* config name */
	char device[96]; /* device/vdev string */
	uint8_t mac[6];
	uint8_t link_up;
	uint8_t used;
	uint32_t speed_mbps;
	uint64_t ipackets, ibytes, opackets, obytes, imissed, ierrors, oerrors;
	uint64_t update_tsc;
};
_Static_assert(sizeof(struct sn_port_info) == 208, "port info size");

/* One appliance address (relay and STUN address), in config order. */
struct sn_addr_info {
	struct sn_abi_addr addr;
	uint8_t prefix_len;
	uint8_t port_idx;
	uint8_t used;
	uint8_t pad_;
};
_Static_assert(sizeof(struct sn_addr_info) == 24, "addr info size");

/* The header page(s). */
struct sn_shm_hdr {
	uint64_t magic;       /* SN_SHM_MAGIC once initialised */
	uint32_t abi_version; /* SN_ABI_VERSION */
	uint32_t hdr_size;    /* SN_HDR_SIZE */
	uint64_t generation;  /* new on every dp start; 0 while initialising */
	uint64_t total_size;  /* bytes of the whole file */
	uint32_t dp_pid;
	uint32_t dp_state;    /* SN_DP_* */
	uint64_t tsc_hz;
	uint64_t now_tsc;     /* refreshed by the dp main lcore every loop */
	uint64_t start_tsc;
	uint32_t max_sessions;
	uint32_t n_ports;
	uint32_t n_lcores;    /* stats pages in use */
	uint32_t n_addrs;
	uint64_t cmd_ring_off;
	uint64_t cpl_ring_off;
	uint64_t stats_off;
	uint64_t sessions_off;
	uint32_t cmd_slots;
	uint32_t cpl_slots;
	uint64_t sessions_active; /* maintained by the dp main lcore */
	uint64_t cmds_applied;
	uint64_t cmds_rejected;
	uint64_t table_bytes;     /* flow table + session slots, bytes */
	uint64_t neigh_resolved;  /* neighbour entries with a MAC */
	uint64_t allocs_off;      /* TURN allocation table */
	uint32_t max_allocs;
	uint32_t now_s;           /* dataplane seconds, advanced once a second by the main lcore */
	uint64_t allocs_active;   /* maintained by the dp main lcore */
	uint8_t pad_[1024 - 184];
	struct sn_port_info ports[SN_MAX_PORTS];
	struct sn_addr_info addrs[SN_MAX_ADDRS];
};
_Static_assert(offsetof(struct sn_shm_hdr, generation) == 16, "hdr generation offset");
_Static_assert(offsetof(struct sn_shm_hdr, cmd_ring_off) == 80, "hdr cmd_ring_off offset");
_Static_assert(offsetof(struct sn_shm_hdr, cmds_rejected) == 136, "hdr tail offset");
_Static_assert(offsetof(struct sn_shm_hdr, now_s) == 172, "hdr now_s offset");
_Static_assert(offsetof(struct sn_shm_hdr, allocs_active) == 176, "hdr allocs offset");
_Static_assert(offsetof(struct sn_shm_hdr, ports) == 1024, "hdr ports offset");
_Static_assert(sizeof(struct sn_shm_hdr) <= SN_HDR_SIZE, "hdr size");

#endif /* SN_ABI_H */
