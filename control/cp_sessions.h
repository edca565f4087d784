/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The authoritative relay-session state of sn-control: pure state, no
 * sockets, no shared memory writes.
 *
 * - Flow ids (= slots of the shared session table) come from a FIFO free
 *   list over 0 .. max_sessions-1, so a freed id is reused as late as
 *   possible.
 * - Relay ports come from a bitmap per appliance address over
 *   [relay] port_min .. port_max (next-fit); explicit ports outside the range
 *   are allowed if no other leg uses the endpoint.
 * - Two liburcu lock-free hash tables (cds_lfht): sessions by flow id, legs
 *   by local endpoint (address index, port).  One thread writes (the control
 *   event loop); other threads (metrics) may read under rcu_read_lock().
 *   Flow ids are dense, so a pointer array indexed by flow id (published
 *   with rcu_assign_pointer) gives O(1) lookups on the command path; the
 *   port bitmaps answer "is this relay port free" without a table lookup.
 *   Removed sessions are freed after a grace period (call_rcu).
 * Session life: PENDING (add sent) -> ACTIVE (dataplane confirmed) ->
 * DELETING (delete sent) -> freed (confirmed); ids and ports are released
 * only when freed, so the dataplane never sees two sessions on one slot or
 * endpoint.
 *
 * The writer thread must be a registered RCU thread (rcu_register_thread).
 */
#ifndef CP_SESSIONS_H
#define CP_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "sn_abi.h"
#include "sn_config.h"

enum cp_sess_state {
	CP_SESS_PENDING = 1,
	CP_SESS_ACTIVE = 2,
	CP_SESS_DELETING = 3,
};
#define CP_SESS_NSTATES 4

/* struct cp_session.flags */
#define CP_SESS_F_ADOPTED   0x01 /* taken over from the dataplane's table */
#define CP_SESS_F_REPLAY    0x02 /* a replay ADD is outstanding */
#define CP_SESS_F_DEL_RETRY 0x04 /* the dataplane refused the delete: resend */

#define CP_TOKEN_CACHE 512 /* random tokens fetched per libsodium call */

struct cp_waiter;

/* One leg: packets from remote to (addrs[local_addr_idx], local_port). */
struct cp_leg {
	struct sn_abi_addr remote; /* family SN_FAM_NONE: no remote yet */
	uint16_t remote_port;	   /* host order */
	uint16_t local_port;	   /* host order */
	uint8_t local_addr_idx;	   /* index into the appliance addresses */
	uint8_t flags;		   /* SN_LEG_LATCH | SN_LEG_LATCHED */
	uint8_t idx;		   /* 0 = leg a, 1 = leg b */
	struct cds_lfht_node ep_node;
};

struct cp_session {
	uint32_t id;		   /* flow id = shared table slot */
	uint8_t state;		   /* enum cp_sess_state */
	uint8_t family;		   /* SN_FAM_IPV4 / SN_FAM_IPV6 */
	uint8_t flags;		   /* CP_SESS_F_* */
	uint64_t token;		   /* latch token, 0 = none */
	uint32_t rate_bytes_per_s; /* 0 = unlimited */
	uint32_t burst_bytes;
	struct cp_leg leg[2];
	uint64_t created_ns;	      /* control monotonic clock */
	uint64_t idle_base_ns;	      /* idle reference when no packet was seen yet */
	struct cp_waiter *add_waiter; /* admin request waiting for the add */
	struct cp_waiter *del_waiter; /* admin request waiting for the delete */
	struct cds_lfht_node id_node;
	struct rcu_head rcu;
};

/* What an admin request or a CSV line asks for. */
struct cp_leg_spec {
	struct sn_abi_addr local;  /* family NONE: first appliance address of the family */
	uint16_t local_port;	   /* host order; 0: allocate from the relay range */
	struct sn_abi_addr remote; /* family NONE: not programmed (latch) */
	uint16_t remote_port;	   /* host order */
};

struct cp_session_spec {
	struct cp_leg_spec leg[2];
	uint8_t family; /* 0: from the addresses given, else IPv4 */
	bool latch;	/* both legs may (re)latch from a token probe */
	uint32_t rate_bytes_per_s;
	uint32_t burst_bytes; /* 0 with a rate: CP_DEFAULT_BURST_MS worth */
};

#define CP_DEFAULT_BURST_MS 200
#define CP_MIN_BURST_BYTES  3000 /* two full-size frames */

/* Relay ports of one appliance address. */
struct cp_port_pool {
	uint64_t *bits;	 /* bit (port - port_min) set: in use */
	uint32_t cursor; /* next-fit start */
	uint32_t used;
};

struct cp_sessions {
	uint32_t max_sessions;
	uint16_t port_min, port_max, stun_port;
	unsigned n_addrs;
	struct sn_abi_addr addrs[SN_MAX_ADDRS];
	struct cp_port_pool pools[SN_MAX_ADDRS];
	struct cp_session **slot; /* by flow id: O(1) index beside by_id (RCU pointers) */
	uint64_t *id_used;	  /* bitmap over flow ids */
	uint32_t *id_queue;	  /* FIFO of free ids (may hold used ids: skipped) */
	uint64_t q_head, q_tail;
	struct cds_lfht *by_id;
	struct cds_lfht *by_ep;
	uint32_t count;			   /* sessions in the table */
	uint32_t n_state[CP_SESS_NSTATES]; /* by enum cp_sess_state */
	uint64_t tokens[CP_TOKEN_CACHE];
	unsigned n_tokens;
};

/*
 * Size the state from the configuration: dp.max_sessions flow ids, relay
 * port range, the appliance addresses.  0, -EINVAL or -ENOMEM.
 */
int cp_sessions_init(struct cp_sessions *s, const struct sn_config *cfg);

/* Free every session and the tables (waits for an RCU grace period). */
void cp_sessions_fini(struct cp_sessions *s);

/* The session with flow id, or NULL.  Writer thread, or under rcu_read_lock(). */
struct cp_session *cp_sessions_find(struct cp_sessions *s, uint32_t id);

/* cp_sessions_find() through the by_id hash table. */
struct cp_session *cp_sessions_lookup(struct cp_sessions *s, uint32_t id);

/* The session owning local endpoint (addr_idx, port host order), or NULL; *leg set. */
struct cp_session *cp_sessions_find_ep(
	struct cp_sessions *s, unsigned addr_idx, uint16_t port, unsigned *leg);

/*
 * Validate spec and create a PENDING session: family consistent over all
 * given addresses, local addresses are appliance addresses, every leg has a
 * remote unless latching, ports allocated or free, a flow id free.  A
 * random non-zero token is drawn when latching.
 * Returns 0 with *out set, or -EINVAL (bad spec), -EADDRINUSE (endpoint
 * taken or no free port), -ENOSPC (no free flow id), -ENOMEM; err names the
 * leg and the reason ("b_local: no free relay port on 198.18.0.1 ...").
 */
int cp_sessions_create(struct cp_sessions *s, const struct cp_session_spec *spec, uint64_t now_ns,
	struct cp_session **out, char *err, size_t errlen);

/*
 * Adopt an ACTIVE slot of the dataplane's session table as flow id id
 * (fail-static reconcile): legs, token, rate and latch flags are taken as
 * they are, ports marked used.  The session is ACTIVE and CP_SESS_F_ADOPTED.
 * Returns 0, -EEXIST (id known), -EADDRINUSE (a local endpoint is already
 * used by another session), -EINVAL (bad slot), -ENOMEM.
 * Call cp_sessions_rebuild_free() after a batch of adoptions.
 */
int cp_sessions_adopt(struct cp_sessions *s, const struct sn_session *slot, uint32_t id,
	uint64_t now_ns, char *err, size_t errlen);

/* Rebuild the free-id FIFO from the used bitmap (ascending ids). */
void cp_sessions_rebuild_free(struct cp_sessions *s);

/* Change a session's state, keeping the per-state counts. */
void cp_sessions_set_state(struct cp_sessions *s, struct cp_session *sess, enum cp_sess_state st);

/*
 * Unlink a session, release its id and ports, free it after a grace
 * period.  Its waiters must have been detached by the caller.
 */
void cp_sessions_remove(struct cp_sessions *s, struct cp_session *sess);

/*
 * All sessions (sorted by flow id if asked) in a malloc'd array (caller
 * frees); *n set.  NULL with *n == 0 when empty or out of memory.
 */
struct cp_session **cp_sessions_snapshot(struct cp_sessions *s, size_t *n, bool sorted);

/* The SN_CMD_SESSION_ADD payload that programs sess (latched remotes as remotes). */
void cp_session_to_cmd(const struct cp_session *sess, struct sn_cmd_session *c);

/*
 * Seconds a session has been idle.  last_seen_tsc is the slot's counter (0:
 * no packet in this dataplane generation: idle since idle_base_ns on the
 * control clock); now_tsc and tsc_hz come from the shm header.
 */
uint64_t cp_session_idle_s(const struct cp_session *sess, uint64_t now_ns, uint64_t last_seen_tsc,
	uint64_t now_tsc, uint64_t tsc_hz);

/* The session an iterator of by_id is on, or NULL at the end. */
static inline struct cp_session *
cp_sessions_iter_get(struct cds_lfht_iter *it)
{
	struct cds_lfht_node *n = cds_lfht_iter_get_node(it);

	return n == NULL ? NULL : caa_container_of(n, struct cp_session, id_node);
}

/*
 * Every session (hash order), under rcu_read_lock().  The writer may remove
 * the current session.  (liburcu's cds_lfht_for_each_entry computes
 * container_of(NULL) at the end, which UBSan rightly flags.)
 */
#define CP_SESSIONS_FOREACH(s, it, sess)                                                        \
	for (cds_lfht_first((s)->by_id, &(it)); ((sess) = cp_sessions_iter_get(&(it))) != NULL; \
		cds_lfht_next((s)->by_id, &(it)))

/*
 * Relay ports for other users of the pools (the TURN server): next-fit
 * allocation on address index idx (0, -EINVAL, -EADDRINUSE when full), a
 * given port (0, -EINVAL outside the range, -EADDRINUSE when taken), and
 * release (no-op when not in use).
 */
int cp_sessions_port_alloc(struct cp_sessions *s, unsigned idx, uint16_t *port);
int cp_sessions_port_take(struct cp_sessions *s, unsigned idx, uint16_t port);
void cp_sessions_port_release(struct cp_sessions *s, unsigned idx, uint16_t port);

/* Free relay ports left on address index i. */
uint32_t cp_sessions_ports_free(const struct cp_sessions *s, unsigned i);

/* "a" or "b". */
static inline const char *
cp_leg_name(unsigned i)
{
	return i == 0 ? "a" : "b";
}

#endif /* CP_SESSIONS_H */
