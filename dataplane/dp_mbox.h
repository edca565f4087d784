/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's side of the shared-memory mailbox (sn_abi.h): commands
 * from sn-control, completions and events back, the flow-table writer and
 * RCU reclamation.
 *
 * Publication protocol (what workers may rely on):
 * - SESSION_ADD writes the session slot while no key maps to it, sets
 *   state ACTIVE (release) and then adds the two keys (dp_flow_insert():
 *   one release store per key).  A flow id still ACTIVE is first unpublished (below) and
 *   the command waits, unconsumed, until the slot is free again.
 * - SESSION_DEL / replace delete both keys, mark the slot DELETING and
 *   queue it; after an rte_rcu_qsbr grace period (every worker reported a
 *   quiescent state, so none still holds the flow id) the neighbour references
 *   dropped and the slot zeroed (FREE).
 * - A latch on a leg without a remote writes remote and nh_idx, then sets
 *   SN_LEG_REMOTE_SET | SN_LEG_LATCHED (release).  A re-latch (NAT
 *   rebinding) clears SN_LEG_REMOTE_SET, waits a grace period, then does
 *   the same, so no worker ever reads a half-written remote.
 * Back-pressure: a command is consumed only once its completion is posted;
 * with the completion ring full the main lcore stops draining commands and
 * events, nothing is dropped.
 */
#ifndef DP_MBOX_H
#define DP_MBOX_H

#include <stdbool.h>
#include <stdint.h>

/* A command handler's "not applied yet": keep the command, stop draining. */
#define DP_MBOX_WAIT 1

/* What a queued reclamation does once its grace period is over. */
enum dp_reclaim_kind {
	DP_RC_SESSION = 1, /* free the session slot */
	DP_RC_RELATCH = 2, /* write a re-latched remote */
	DP_RC_ALLOC = 3,   /* free the TURN allocation slot (dp_turn_reclaim()) */
	DP_RC_PERM = 4,	   /* free a withdrawn permission slot */
	DP_RC_CHAN = 5,	   /* free a withdrawn channel slot */
};

/* Allocate the RCU variable and the reclaim queue.  0 or -errno. */
int dp_mbox_init(void);

/*
 * One main-loop pass: finish grace periods, apply up to cfg.dp.cmds_per_loop
 * commands, apply latch events.  Returns the number of items handled.
 */
unsigned dp_mbox_poll(uint64_t now);

/* Reclaim queue full: the caller must not unpublish anything now. */
bool dp_mbox_rc_full(void);

/*
 * Queue reclamation kind of (id, idx) after a grace period that starts
 * now (rte_rcu_qsbr_start()): call it after unpublishing what workers may
 * still hold; caller checked !dp_mbox_rc_full().  Reclamations run in
 * queue order.
 */
void dp_mbox_rc_defer(uint8_t kind, uint32_t id, uint8_t idx);

#endif /* DP_MBOX_H */
