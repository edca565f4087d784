/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mailbox client: sn-control's side of the shared-memory command and
 * completion rings (sn_abi.h).
 *
 * - Attaches to dp.shm_path, retrying every CP_MBOX_RETRY_MS while the file
 *   is absent or not published; re-attaches when the file is replaced (new
 *   inode) or the generation changes.  On every attach the local queues are
 *   reset, a HELLO is sent first, and the owner is told (CP_MBOX_ATTACHED) so
 *   it can replay; the HELLO's result (CP_MBOX_SYNCED) means every command
 *   an earlier control process left in the ring has been applied.
 * - Commands are queued as (type, flow id) and built only when a ring slot
 *   is free (the owner's build_add callback fills a SESSION_ADD from the
 *   current state), so a full ring is back-pressure: records wait in a local
 *   FIFO, in order, and are retried on every poll; nothing is dropped.
 * - Completions are matched to commands in flight by sequence number.
 * Single thread; no system call per command.
 */
#ifndef CP_MBOX_H
#define CP_MBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cp_fifo.h"
#include "sn_abi.h"
#include "sn_config.h"
#include "sn_shm.h"

#define CP_MBOX_RETRY_MS      100 /* attach retry and file check period */
#define CP_MBOX_INITIAL_QUEUE 4096

enum cp_mbox_state {
	CP_MBOX_DETACHED = 0, /* no region mapped */
	CP_MBOX_SYNCING,      /* attached, HELLO not yet answered */
	CP_MBOX_READY,	      /* attached and synchronised */
	CP_MBOX_DOWN,	      /* attached, but the dataplane stopped or died */
};

enum cp_mbox_event {
	CP_MBOX_EV_ATTACHED, /* new mapping; queues were reset; HELLO queued */
	CP_MBOX_EV_SYNCED,   /* HELLO answered */
	CP_MBOX_EV_DOWN,     /* dataplane stopped/died, or region gone: queues dropped */
};

struct cp_mbox_ops {
	/* Fill the payload of a SESSION_ADD for flow_id.  <0: drop the command. */
	int (*build_add)(void *arg, uint32_t flow_id, struct sn_cmd_session *spec);
	/*
	 * Fill a TURN command (SN_CMD_ALLOC_SET, ALLOC_DEL, PERM_SET, CHAN_SET)
	 * for allocation flow_id, slot sub, from the current state: returns
	 * the payload length, <0 to drop the command.
	 */
	int (*build_turn)(void *arg, uint16_t type, uint32_t flow_id, uint8_t sub, struct sn_cmd *c);
	/* The dataplane answered a SESSION_ADD/SESSION_DEL this client sent. */
	void (*result)(void *arg, uint16_t type, uint32_t flow_id, int32_t status);
	/* SN_EVT_LATCHED. */
	void (*latched)(void *arg, const struct sn_cpl *evt);
	/* State change (see enum cp_mbox_event). */
	void (*event)(void *arg, enum cp_mbox_event ev);
};

/* A queued or in-flight command. */
struct cp_mbox_rec {
	uint32_t seq;
	uint16_t type;
	uint8_t done; /* in flight: answered out of order */
	uint8_t sub;  /* TURN commands: permission or channel slot */
	uint32_t flow_id;
};

struct cp_mbox {
	char path[SN_CONF_STR];
	struct sn_shm shm;
	enum cp_mbox_state state;
	uint64_t gen; /* generation of the mapping */
	dev_t dev;
	ino_t ino;
	uint32_t next_seq;
	uint32_t hello_seq;
	bool dp_alive; /* dp_pid exists (checked every CP_MBOX_RETRY_MS) */
	int last_err;  /* last attach error (negative errno) */
	uint64_t next_check_ns;
	uint64_t attached_ns;
	struct cp_fifo pending;	 /* waiting for ring space */
	struct cp_fifo inflight; /* in the ring or applied, not yet answered */
	size_t deferred_mark;	 /* pending records before this position met a full ring */
	uint64_t *cnt;		 /* CP_CNT_* counters (owner's array) */
	const struct cp_mbox_ops *ops;
	void *arg;
};

/* Set up (nothing mapped yet).  cnt: CP_CNT_MAX counters.  0 or -ENOMEM. */
int cp_mbox_init(struct cp_mbox *m, const char *path, const struct cp_mbox_ops *ops, void *arg,
	uint64_t *cnt);
void cp_mbox_fini(struct cp_mbox *m);

/*
 * Do all due work: attach/re-attach (rate-limited to CP_MBOX_RETRY_MS),
 * check the file, generation and dataplane liveness, drain completions,
 * move queued commands into the ring.  now_ns: monotonic clock.  Returns the
 * number of records moved (0: nothing happened).
 */
int cp_mbox_poll(struct cp_mbox *m, uint64_t now_ns);

/* Queue a command (SN_CMD_SESSION_ADD/DEL) for flow_id.  0 or -ENOMEM. */
int cp_mbox_submit(struct cp_mbox *m, uint16_t type, uint32_t flow_id);

/* Queue a TURN command for allocation flow_id, slot sub (built by ops->build_turn). */
int cp_mbox_submit_sub(struct cp_mbox *m, uint16_t type, uint32_t flow_id, uint8_t sub);

/* Move queued commands into the ring until it is full.  Returns records moved. */
int cp_mbox_flush(struct cp_mbox *m);

/* Drain the completion ring.  Returns records read. */
int cp_mbox_drain(struct cp_mbox *m);

/* Unmap and forget the region (tells the owner CP_MBOX_EV_DOWN if it was up). */
void cp_mbox_detach(struct cp_mbox *m);

/* Attached, dataplane running and alive, HELLO answered: commands flow. */
static inline bool
cp_mbox_ready(const struct cp_mbox *m)
{
	return m->state == CP_MBOX_READY;
}

/* Commands not yet answered (queued + in flight). */
static inline size_t
cp_mbox_outstanding(const struct cp_mbox *m)
{
	return cp_fifo_len(&m->pending) + cp_fifo_len(&m->inflight);
}

const char *cp_mbox_state_name(enum cp_mbox_state st);

#endif /* CP_MBOX_H */
