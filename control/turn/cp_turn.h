/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server (RFC 8656 over RFC 8489) of sn-control: allocations,
 * permissions, channels and their lifetimes, authentication (cp_auth),
 * peer policy (cp_policy), quotas, relay ports shared with the two-leg
 * sessions (cp_sessions' pools), and the fast-path programming of every
 * allocation through the mailbox (SN_CMD_ALLOC_SET, PERM_SET, CHAN_SET,
 * ALLOC_DEL).  No sockets here: requests come in through cp_turn_input()
 * with the transport they arrived on, answers and relayed data leave
 * through struct cp_turn_ops, so tests drive it directly (cp_turn_net.c
 * owns the sockets).
 *
 * Data: UDP clients' ChannelData and Send indications, and peers' data for
 * UDP clients, never reach this code -- the fast path relays them.  For
 * TCP/TLS clients (RFC 8656 section 3.1: the client-to-server leg may be a
 * stream, the relayed leg is always UDP) this code relays: the stream's
 * ChannelData and Send indications go out through a kernel UDP socket on
 * the relayed address (ops->relay_open, ops->relay_send), and what the
 * peer sends there comes back through cp_turn_peer_input().
 *
 * Single thread (the control event loop).
 */
#ifndef CP_TURN_H
#define CP_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_auth.h"
#include "cp_policy.h"
#include "sn_abi.h"
#include "sn_config.h"
#include "sn_stun.h"

struct cp_sessions;
struct cp_mbox;

/* RFC 8656 lifetimes */
#define CP_TURN_PERM_LIFETIME_S	    300 /* section 9 */
#define CP_TURN_CHAN_LIFETIME_S	    600 /* section 12 */
#define CP_TURN_CHAN_COOLDOWN_S	    300 /* section 12: no rebinding for 5 minutes */
#define CP_TURN_RESERVATION_S	    30	/* section 7.2 EVEN-PORT R: keep the next port */
#define CP_TURN_MAX_RESERVATIONS    4096
#define CP_TURN_RESERVATION_TOKEN_LEN 8
#define CP_TURN_TRANSPORT_UDP	    17 /* REQUESTED-TRANSPORT protocol number */
#define CP_TURN_EVEN_PORT_R	    0x80
#define CP_TURN_ADDR_FAMILY_IPV4    0x01 /* REQUESTED-ADDRESS-FAMILY, section 18.8 */
#define CP_TURN_ADDR_FAMILY_IPV6    0x02
#define CP_TURN_ATTR_ICMP	    0x8004     /* section 18.13 */
#define CP_TURN_MSG_MAX		    1500       /* answers we build */
#define CP_TURN_CHANDATA_HLEN	    4	       /* section 12.4 */

/* RFC 8656 section 19 and RFC 8489 section 14.8 error codes */
#define CP_TURN_ERR_TRY_ALTERNATE     300
#define CP_TURN_ERR_BAD_REQUEST	      400
#define CP_TURN_ERR_UNAUTHENTICATED   401
#define CP_TURN_ERR_FORBIDDEN	      403
#define CP_TURN_ERR_UNKNOWN_ATTRIBUTE 420
#define CP_TURN_ERR_MISMATCH	      437
#define CP_TURN_ERR_STALE_NONCE	      438
#define CP_TURN_ERR_FAMILY	      440
#define CP_TURN_ERR_WRONG_CREDENTIALS 441
#define CP_TURN_ERR_TRANSPORT	      442
#define CP_TURN_ERR_PEER_FAMILY	      443
#define CP_TURN_ERR_QUOTA	      486
#define CP_TURN_ERR_SERVER	      500
#define CP_TURN_ERR_CAPACITY	      508

/* Counters of the TURN server: X(ENUM, "name", "description") */
#define CP_TURN_COUNTERS(X)                                                                     \
	X(REQUESTS, "requests", "STUN/TURN requests received")                                  \
	X(MALFORMED, "malformed", "messages that failed STUN parsing (dropped)")                \
	X(NOT_REQUEST, "not_request", "responses or unknown indications received (dropped)")    \
	X(ALLOCATED, "allocations_created", "allocations created")                              \
	X(REFRESHED, "refreshes", "successful Refresh requests")                                \
	X(DELETED, "allocations_deleted", "allocations released by the client (lifetime 0)")    \
	X(EXPIRED, "allocations_expired", "allocations that reached their lifetime")            \
	X(KILLED, "allocations_killed", "allocations removed by the operator or a lost stream") \
	X(PERMISSIONS, "permissions", "permissions installed or refreshed")                     \
	X(CHANNELS, "channel_binds", "channels bound or refreshed")                             \
	X(BINDINGS, "bindings", "Binding requests answered by control")                         \
	X(ERRORS, "error_responses", "error responses sent")                                    \
	X(ERRORS_LIMITED, "error_responses_limited", "error responses not sent: rate limit")    \
	X(AUTH_CHALLENGE, "auth_challenges", "401 challenges to requests without integrity")    \
	X(AUTH_FAILED, "auth_failed", "requests failing authentication (401, 400)")             \
	X(STALE_NONCE, "stale_nonce", "438 answers")                                            \
	X(PEER_DENIED, "peer_denied", "peers refused by policy (403)")                          \
	X(QUOTA, "quota_refused", "allocations refused by a quota (486)")                       \
	X(CAPACITY, "capacity_refused", "refused for lack of ports, slots or entries (508)")    \
	X(STREAM_TO_PEER, "stream_to_peer_pkts", "TCP/TLS client data relayed to peers")         \
	X(STREAM_TO_CLIENT, "stream_to_client_pkts", "peer data relayed to TCP/TLS clients")     \
	X(STREAM_DROPS, "stream_drops", "TCP/TLS relay data dropped (no permission/channel)")    \
	X(DP_REFUSED, "dp_refused", "allocations the dataplane refused")

#define CP_TURN_ENUM_(name, str, desc) CP_TURN_C_##name,
enum cp_turn_counter { CP_TURN_COUNTERS(CP_TURN_ENUM_) CP_TURN_C_MAX };
#undef CP_TURN_ENUM_

extern const char *const cp_turn_counter_names[CP_TURN_C_MAX];

enum cp_turn_transport {
	CP_TURN_UDP = 0,
	CP_TURN_TCP = 1,
	CP_TURN_TLS = 2,
};

/* Where a message came from and how to answer it. */
struct cp_turn_src {
	enum cp_turn_transport transport;
	struct sn_abi_addr client;
	uint16_t client_port; /* host order */
	uint8_t server_idx;   /* appliance address index it was sent to */
	uint16_t server_port; /* host order */
	uint64_t conn_id;     /* stream transports: the connection; 0 for UDP */
};

struct cp_turn_perm {
	uint8_t family; /* SN_FAM_NONE: free */
	uint8_t addr[16];
	uint64_t expiry_ns;
};

struct cp_turn_chan {
	uint16_t number; /* 0: free */
	uint8_t perm;	 /* permission slot of the peer address */
	uint16_t port;	 /* peer port, host order */
	uint64_t expiry_ns; /* bound until; then cooling down until + CHAN_COOLDOWN */
};

struct cp_turn_relay {
	bool used;
	uint8_t idx;	/* appliance address index */
	uint16_t port;	/* host order */
	int fd;		/* stream transports: kernel socket on it, else -1 */
};

struct cp_turn_user;

struct cp_turn_alloc {
	uint32_t id; /* = fast-path slot (flow id of the commands) */
	struct cp_turn_src src;
	struct cp_turn_relay relay[SN_TURN_MAX_RELAYS];
	struct cp_turn_user *user;
	uint64_t created_ns, expiry_ns;
	uint8_t txid[SN_STUN_TXID_LEN]; /* of the Allocate: retransmissions get the same answer */
	uint32_t lifetime_s;		/* granted by the last Allocate/Refresh */
	uint32_t kbps;			/* reserved bandwidth, per direction */
	bool dont_fragment;
	bool adopted;	  /* rebuilt from the dataplane after a control restart */
	bool dp_ok;	  /* the dataplane accepted ALLOC_SET */
	struct cp_turn_perm perm[SN_TURN_MAX_PERMS];
	struct cp_turn_chan chan[SN_TURN_MAX_CHANNELS];
	uint64_t stream_pkts[2], stream_bytes[2]; /* relayed by control (SN_DIR_*) */
	struct cp_turn_alloc *hnext; /* client 5-tuple hash chain */
	struct cp_turn_rnode {
		struct cp_turn_alloc *a;
		struct cp_turn_rnode *next;
	} rnode[SN_TURN_MAX_RELAYS]; /* relayed address hash chains (rnode[r] for relay[r]) */
	bool rindexed;
};

struct cp_turn_user {
	char *name;
	uint32_t allocs;
	uint64_t kbps;
	struct cp_turn_user *hnext;
};

/* An answer held until the fast path has applied what it announces. */
struct cp_turn_held {
	struct cp_turn_held *next;
	uint64_t tag; /* cmd_submitted when it was made */
	struct cp_turn_src src;
	size_t len;
	uint8_t msg[];
};
#define CP_TURN_MAX_HELD 65536

struct cp_turn_reservation {
	uint8_t token[CP_TURN_RESERVATION_TOKEN_LEN];
	uint8_t idx;
	uint16_t port;
	uint64_t expiry_ns;
};

/* Per-source error-response limiter (the relay must not be an amplifier). */
struct cp_turn_errlim {
	uint8_t family;
	uint8_t addr[16];
	uint32_t tokens_milli; /* thousandths of an answer */
	uint64_t last_ns;
};
#define CP_TURN_ERRLIM_SLOTS 65536 /* power of two */

struct cp_turn;

struct cp_turn_ops {
	/* Send a STUN message / ChannelData to the client of src. */
	void (*send)(void *arg, const struct cp_turn_src *src, const uint8_t *msg, size_t len);
	/* Stream allocations: open a kernel UDP socket on (addr idx, port); fd or -errno. */
	int (*relay_open)(void *arg, struct cp_turn_alloc *a, unsigned r);
	/* Close it (also called for every open relay socket on delete). */
	void (*relay_close)(void *arg, int fd);
	/* Send data from relay socket fd to peer (port host order).  0 or -errno. */
	int (*relay_send)(void *arg, int fd, const struct sn_abi_addr *peer, uint16_t port,
		const uint8_t *data, size_t len);
	/* The allocation of a stream connection is gone: close the connection? (may be NULL) */
	void (*alloc_gone)(void *arg, const struct cp_turn_alloc *a);
};

struct cp_turn {
	const struct sn_config *cfg;
	struct cp_auth auth;
	struct cp_policy policy;
	struct cp_sessions *pools; /* relay port pools shared with sessions */
	struct cp_mbox *mbox;
	const struct cp_turn_ops *ops;
	void *ops_arg;
	uint32_t max_allocs;
	uint32_t total_quota;
	struct cp_turn_alloc **slot; /* by id */
	uint32_t *free_ids;	     /* stack */
	uint32_t n_free;
	uint32_t count;
	struct cp_turn_alloc **hash; /* by client 5-tuple */
	uint32_t hash_mask;
	struct cp_turn_rnode **rhash; /* by relayed address (address index, port) */
	struct cp_turn_user **users;
	uint32_t users_mask;
	uint64_t kbps_total;
	struct cp_turn_reservation resv[CP_TURN_MAX_RESERVATIONS];
	unsigned n_resv;
	struct cp_turn_errlim *errlim;
	uint8_t relay_idx[SN_MAX_ADDRS]; /* relay addresses (config order) */
	unsigned n_relay;
	unsigned relay_cursor[2]; /* round robin per family (0 v4, 1 v6) */
	uint64_t cnt[CP_TURN_C_MAX];
	uint64_t auth_reasons[CP_AUTH_R_COUNT];
	uint64_t policy_verdicts[CP_POLICY_VERDICT_MAX];
	uint64_t next_expiry_scan_ns;
	/*
	 * Answers wait for the commands they announce: a success goes out
	 * once the dataplane has answered every TURN command queued before it
	 * (commands are applied in order), so a client that uses its channel
	 * or permission right after the answer never races the programming.
	 */
	uint64_t cmd_submitted, cmd_done;
	struct cp_turn_held *held_head, **held_tail;
	unsigned n_held;
};

/*
 * Set up from cfg (kept by pointer): auth with the realm, nonce lifetime,
 * the users file and secrets file when they exist, policy with the
 * defaults plus allowed_peer/denied_peer and the appliance's own addresses,
 * tables for dp.max_allocs.  pools: cp_sessions (relay port pools);
 * mbox: where commands go.  0, or -errno with err set.
 */
int cp_turn_init(struct cp_turn *t, const struct sn_config *cfg, struct cp_sessions *pools,
	struct cp_mbox *mbox, const struct cp_turn_ops *ops, void *ops_arg, char *err,
	size_t errlen);
void cp_turn_fini(struct cp_turn *t);

/*
 * One message from a client: a STUN message (requests, Send indications on
 * streams) or, on streams, ChannelData.  UDP: [p, p+len) is the datagram;
 * streams: one framed message.  now_ns: monotonic; now_s: unix time.
 */
void cp_turn_input(struct cp_turn *t, const struct cp_turn_src *src, const uint8_t *p, size_t len,
	uint64_t now_ns, uint64_t now_s);

/* A datagram from peer (port host order) on relay socket r of stream allocation a. */
void cp_turn_peer_input(struct cp_turn *t, struct cp_turn_alloc *a, const struct sn_abi_addr *peer,
	uint16_t port, const uint8_t *p, size_t len);

/* A stream connection closed: its allocation (if any) is released. */
void cp_turn_conn_closed(struct cp_turn *t, const struct cp_turn_src *src);

/* Once a second: expire allocations, permissions, channels, reservations. */
void cp_turn_tick(struct cp_turn *t, uint64_t now_ns);

/*
 * Mailbox hooks (cp_core): fill command c (type, flow id = allocation id,
 * sub = permission or channel slot) from the current state; returns the
 * payload length, or -ENOENT when the allocation is gone (drop it).
 */
int cp_turn_build_cmd(struct cp_turn *t, uint16_t type, uint32_t id, uint8_t sub, struct sn_cmd *c);
void cp_turn_result(struct cp_turn *t, uint16_t type, uint32_t id, int32_t status);
/* New dataplane generation: queue the whole state again. */
void cp_turn_replay(struct cp_turn *t);
/*
 * The mailbox dropped its queues (attach or dataplane gone): no result
 * will come for what was queued; held answers go out now.
 */
void cp_turn_mbox_reset(struct cp_turn *t);
/*
 * Control (re)started with a dataplane running: rebuild UDP allocations
 * from the ACTIVE slots (fail static), delete the rest.  Returns adopted.
 */
uint32_t cp_turn_adopt(struct cp_turn *t, const struct sn_alloc *slots, uint32_t max,
	uint64_t now_ns);

/* Lookup for snctl. */
struct cp_turn_alloc *cp_turn_find(struct cp_turn *t, uint32_t id);
/* The allocation relaying on (address index, port host order), or NULL; *r its slot. */
struct cp_turn_alloc *cp_turn_find_relay(struct cp_turn *t, uint8_t idx, uint16_t port, unsigned *r);
/* Remove allocation id now (snctl allocations kill).  0 or -ENOENT. */
int cp_turn_kill(struct cp_turn *t, uint32_t id);

/* Re-read the users and secrets files.  0 or -errno with err set. */
int cp_turn_reload_users(struct cp_turn *t, char *err, size_t errlen);
int cp_turn_reload_secrets(struct cp_turn *t, char *err, size_t errlen);

#endif /* CP_TURN_H */
