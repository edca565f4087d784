/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control engine: session state + mailbox + admin requests waiting for
 * the dataplane.  No sockets: replies leave through a sink function, time
 * comes from a clock function, so unit tests drive it directly while playing
 * the dataplane on a real shared-memory region.
 *
 * Authority: control's state is the truth.  On a new dataplane generation
 * every session is replayed (same flow id, ports, token; latched remotes
 * programmed as remotes, SN_LEG_LATCH kept); on the first synchronisation
 * with a running dataplane the ACTIVE slots control does not know are
 * adopted (fail-static reconcile after a control restart).
 */
#ifndef CP_CORE_H
#define CP_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cp_counters.h"
#include "cp_mbox.h"
#include "cp_sessions.h"
#include "sn_config.h"

#define CP_ERR_LEN	    256
#define CP_ADD_TIMEOUT_MS   5000   /* sessions.add/del: answer early after this */
#define CP_BULK_TIMEOUT_MS  120000 /* sessions.load/flush */
#define CP_LOAD_MAX_ERRORS  20	   /* line errors returned by sessions.load */
#define CP_LOAD_FLUSH_EVERY 4096   /* lines parsed between ring flushes */
#define CP_SAMPLE_PERIOD_MS 1000

enum cp_waiter_kind {
	CP_W_ADD,
	CP_W_DEL,
	CP_W_LOAD,
	CP_W_FLUSH,
};

/*
 * An admin request waiting for the dataplane.  Every session pointing at it
 * (add_waiter/del_waiter) counts in outstanding; it answers once sealed
 * and outstanding is 0 (or early at its deadline) and is freed when both
 * hold.
 */
struct cp_waiter {
	enum cp_waiter_kind kind;
	uint64_t conn_id;
	json_t *req_id; /* the request's "tag", echoed in the reply */
	uint32_t outstanding;
	bool sealed;
	bool replied;
	uint32_t ok, failed;
	int64_t first_id; /* LOAD: first session added; ADD: the session */
	char error[CP_ERR_LEN];
	json_t *session; /* ADD: the session once confirmed */
	json_t *errors;	 /* LOAD: line errors; DEL: ids not found */
	uint64_t t_start_ns, t_first_ns, t_last_ns, deadline_ns;
	struct cp_waiter *prev, *next;
};

/* Sends one reply line (malloc'd JSON text without newline; taken over) to conn_id. */
typedef void (*cp_reply_fn)(void *arg, uint64_t conn_id, char *text, size_t len);
typedef uint64_t (*cp_clock_fn)(void);

/* Per-port and per-lcore samples for rates (taken every CP_SAMPLE_PERIOD_MS). */
struct cp_port_rate {
	uint64_t ipackets, ibytes, opackets, obytes;
	double rx_pps, rx_bps, tx_pps, tx_bps;
};
struct cp_lcore_rate {
	uint64_t cycles_busy, rx_pkts, tx_pkts;
	double busy_pct, rx_pps, tx_pps;
};
struct cp_sampler {
	uint64_t t_ns; /* last sample; 0 = none */
	uint64_t gen;  /* generation sampled (rates reset on change) */
	struct cp_port_rate port[SN_MAX_PORTS];
	struct cp_lcore_rate lcore[SN_MAX_LCORES];
};

struct cp_turn;

struct cp_core {
	struct sn_config cfg;
	struct cp_turn *turn; /* the TURN server (cp_turn_net.c), NULL when [turn] is off */
	struct cp_sessions sess;
	struct cp_mbox mbox;
	uint64_t cnt[CP_CNT_MAX];
	cp_clock_fn now_ns;
	cp_reply_fn reply;
	void *reply_arg;
	struct cp_waiter *waiters;
	uint64_t start_ns;
	bool adopted_once; /* first synchronisation of this process done */
	uint32_t replay_total, replay_outstanding;
	uint64_t replay_t0_ns, replay_gen;
	uint64_t last_replay_ms; /* duration of the last complete replay */
	uint32_t del_retry;	 /* sessions flagged CP_SESS_F_DEL_RETRY */
	struct cp_sampler sampler;
};

/* CLOCK_MONOTONIC in ns. */
uint64_t cp_clock_monotonic(void);

/*
 * Set up from a loaded configuration; the mailbox is not attached until the
 * first cp_core_poll().  now: clock (NULL: monotonic).  0 or -errno.
 */
int cp_core_init(struct cp_core *c, const struct sn_config *cfg, cp_clock_fn now, cp_reply_fn reply,
	void *reply_arg);
void cp_core_fini(struct cp_core *c);

/* Mailbox work (attach, completions, flush).  Returns records moved. */
int cp_core_poll(struct cp_core *c);

/* Once per second: rates, idle expiry, delete retries, request deadlines. */
void cp_core_tick(struct cp_core *c);

/* How long the event loop may sleep before the next cp_core_poll(), ms. */
int cp_core_poll_timeout_ms(const struct cp_core *c);

/* Delete sessions idle for cp.idle_timeout_s (part of cp_core_tick).  Returns deleted. */
unsigned cp_core_expire_idle(struct cp_core *c);

/*
 * Admin operations.  Each either answers through the reply sink later (when
 * the dataplane confirmed) and returns 0, or returns -errno with err set and
 * sends nothing.
 */
int cp_core_add(struct cp_core *c, const struct cp_session_spec *spec, uint64_t conn_id,
	json_t *req_id, char *err, size_t errlen);
int cp_core_del(struct cp_core *c, const uint32_t *ids, size_t n, uint64_t conn_id, json_t *req_id,
	char *err, size_t errlen);
int cp_core_load(struct cp_core *c, const char *path, uint64_t conn_id, json_t *req_id, char *err,
	size_t errlen);
int cp_core_flush(struct cp_core *c, uint64_t conn_id, json_t *req_id, char *err, size_t errlen);

/* Send a reply (adds "tag" when req_id, the request's "tag", is set); takes reply. */
void cp_core_reply(struct cp_core *c, uint64_t conn_id, json_t *req_id, json_t *reply);

/* The slot of flow id in the attached region when it describes that session, else NULL. */
const struct sn_session *cp_core_slot(const struct cp_core *c, uint32_t id);

/* Is the dataplane ready for session adds?  If not, why (for errors/status). */
bool cp_core_dp_ready(const struct cp_core *c, const char **why);

#endif /* CP_CORE_H */
