/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands, completions, latch events and RCU reclamation on the main
 * lcore (protocol in dp_mbox.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dp_addr.h"
#include "dp_flow.h"
#include "dp_mbox.h"
#include "dp_neigh.h"
#include "dp_turn.h"
#include "dp_types.h"
#include "sn_addr.h"
#include "sn_ring.h"

#define DP_RECLAIM_SLOTS 65536u /* power of two */
#define DP_LATCH_BURST	 32
#define DP_TB_BURST_DIV	 10   /* default bucket depth: 100 ms of rate */
#define DP_TB_MIN_BURST	 2048 /* ... but at least one large datagram */
#define DP_LEGS		 2

struct reclaim {
	uint64_t token; /* rte_rcu_qsbr_start() after unpublishing */
	uint32_t flow_id;
	uint8_t kind;		/* enum dp_reclaim_kind */
	uint8_t idx;		/* DP_RC_PERM / DP_RC_CHAN: slot index */
	struct dp_latch_evt ev; /* DP_RC_RELATCH */
};

static struct {
	struct reclaim *q;
	uint32_t head, tail;	  /* head - tail = queued */
	uint8_t *relatch_pending; /* [max_sessions], bit per leg */
} mb;

static inline uint32_t
rc_queued(void)
{
	return mb.head - mb.tail;
}

static inline bool
rc_full(void)
{
	return rc_queued() >= DP_RECLAIM_SLOTS;
}

static struct reclaim *
rc_push(uint8_t kind, uint32_t flow)
{
	struct reclaim *r = &mb.q[mb.head & (DP_RECLAIM_SLOTS - 1)];

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->flow_id = flow;
	mb.head++;
	return r;
}

bool
dp_mbox_rc_full(void)
{
	return rc_full();
}

void
dp_mbox_rc_defer(uint8_t kind, uint32_t id, uint8_t idx)
{
	struct reclaim *r = rc_push(kind, id);

	r->idx = idx;
	r->token = rte_rcu_qsbr_start(dp.rcu);
}

int
dp_mbox_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(dp.n_workers);

	dp.rcu = rte_zmalloc("dp_rcu", sz, RTE_CACHE_LINE_SIZE);
	mb.q = rte_zmalloc("dp_reclaim", sizeof(*mb.q) * DP_RECLAIM_SLOTS, RTE_CACHE_LINE_SIZE);
	mb.relatch_pending = rte_zmalloc("dp_relatch", dp.max_sessions, 0);
	if (dp.rcu == NULL || mb.q == NULL || mb.relatch_pending == NULL)
		return -ENOMEM;
	if (dp_turn_cmd_init() != 0)
		return -ENOMEM;
	return rte_rcu_qsbr_init(dp.rcu, dp.n_workers);
}

/* ---------------------------------------------------------------- posting */

static bool
cpl_space(void)
{
	return sn_ring_free(dp.shm.cpl) > 0;
}

/* Caller checked cpl_space(). */
static struct sn_cpl *
cpl_begin(uint16_t type, uint32_t flow_id)
{
	struct sn_cpl *c = sn_ring_prod_slot(dp.shm.cpl);

	memset(c, 0, sizeof(*c));
	c->version = SN_ABI_VERSION;
	c->type = type;
	c->flow_id = flow_id;
	return c;
}

/* --------------------------------------------------------------- sessions */

static inline uint8_t
leg_port(const struct sn_leg *l)
{
	return dp.addr_port[l->local_addr_idx];
}

/* Key of leg l as spec'd by a command (idx, network-order port). */
static inline uint32_t
spec_key(uint8_t idx, uint16_t port_be)
{
	return dp_flow_key(idx, rte_be_to_cpu_16(port_be));
}

static bool
is_local(uint8_t fam, const uint8_t *a)
{
	unsigned i;

	for (i = 0; i < dp.n_addrs; i++)
		if (dp.addr_family[i] == fam && memcmp(dp.addr_bytes[i], a, sn_fam_len(fam)) == 0)
			return true;
	return false;
}

/*
 * Check a SESSION_ADD (sn_abi.h).  Returns 0, -ERANGE
 * (flow id), -EINVAL (bad spec) or -EEXIST (a local endpoint belongs to
 * another flow).
 */
static int
add_validate(const struct sn_cmd *c, uint8_t *family)
{
	const struct sn_cmd_session *cs = &c->u.session;
	uint8_t fam = SN_FAM_NONE;
	unsigned i;

	if (c->flow_id >= dp.max_sessions)
		return -ERANGE;
	if (c->len < sizeof(*cs))
		return -EINVAL;
	for (i = 0; i < DP_LEGS; i++) {
		uint8_t idx = cs->leg[i].local_addr_idx;
		uint16_t port = rte_be_to_cpu_16(cs->leg[i].local_port);
		const struct sn_abi_addr *ra = &cs->leg[i].remote;

		if (idx >= dp.n_addrs)
			return -EINVAL;
		if (fam == SN_FAM_NONE)
			fam = dp.addr_family[idx];
		else if (dp.addr_family[idx] != fam)
			return -EINVAL; /* both legs share a family (sn_abi.h) */
		if (port < dp.relay_port_min || port > dp.relay_port_max)
			return -EINVAL;
		if (ra->family != SN_FAM_NONE &&
			(ra->family != fam || cs->leg[i].remote_port == 0 ||
				dp_addr_forbidden(fam, ra->bytes) || is_local(fam, ra->bytes)))
			return -EINVAL; /* unusable peer, or relaying to ourselves */
	}
	if (cs->leg[0].local_addr_idx == cs->leg[1].local_addr_idx &&
		cs->leg[0].local_port == cs->leg[1].local_port)
		return -EINVAL;
	for (i = 0; i < DP_LEGS; i++) {
		uint32_t key = spec_key(cs->leg[i].local_addr_idx, cs->leg[i].local_port);
		uint32_t data = dp_flow_lookup(dp.flows, key);

		if (data != DP_FLOW_MISS &&
			(dp_flow_data_is_turn(data) || dp_flow_data_id(data) != c->flow_id))
			return -EEXIST; /* another session's, or a TURN relayed address */
	}
	*family = fam;
	return 0;
}

/* Delete flow f's keys and queue the slot for reclamation (caller: !rc_full()). */
static void
session_unpublish(uint32_t f)
{
	struct sn_session *s = &dp.sessions[f];
	struct reclaim *r = rc_push(DP_RC_SESSION, f);
	unsigned i;

	for (i = 0; i < DP_LEGS; i++)
		dp_flow_delete(dp.flows,
			dp_flow_key(s->leg[i].local_addr_idx, rte_be_to_cpu_16(s->leg[i].local_port)));
	__atomic_store_n(&s->state, SN_SESS_DELETING, __ATOMIC_RELEASE);
	r->token = rte_rcu_qsbr_start(dp.rcu);
	dp.shm.hdr->sessions_active--;
}

/* Release what a FREE-to-be slot holds and zero it. */
static void
session_clear(struct sn_session *s)
{
	unsigned i;

	for (i = 0; i < DP_LEGS; i++)
		if (s->leg[i].nh_idx != DP_NH_NONE)
			dp_neigh_put(s->leg[i].nh_idx);
	memset(s, 0, sizeof(*s));
}

/* Write and publish flow f (slot FREE, validated; caller: !rc_full()). */
static int
session_install(const struct sn_cmd *c, uint8_t fam, uint64_t now)
{
	const struct sn_cmd_session *cs = &c->u.session;
	uint32_t f = c->flow_id;
	struct sn_session *s = &dp.sessions[f];
	unsigned i;
	int ret;

	memset(s, 0, sizeof(*s));
	s->flow_id = f;
	s->family = fam;
	s->token = cs->token;
	for (i = 0; i < DP_LEGS; i++) {
		struct sn_leg *l = &s->leg[i];

		l->local_addr_idx = cs->leg[i].local_addr_idx;
		l->local_port = cs->leg[i].local_port;
		l->nh_idx = DP_NH_NONE;
		l->flags = cs->leg[i].flags & SN_LEG_LATCH;
		if (cs->leg[i].remote.family == SN_FAM_NONE)
			continue;
		memcpy(l->remote_addr, cs->leg[i].remote.bytes, sn_fam_len(fam));
		l->remote_port = cs->leg[i].remote_port;
		ret = dp_neigh_get(leg_port(l), fam, l->remote_addr, &l->nh_idx);
		if (ret != 0) {
			l->nh_idx = DP_NH_NONE;
			session_clear(s);
			return ret;
		}
		l->flags |= SN_LEG_REMOTE_SET;
	}
	s->rate_bytes_per_s = cs->rate_bytes_per_s;
	s->burst_bytes = cs->burst_bytes;
	if (s->rate_bytes_per_s != 0 && s->burst_bytes == 0)
		s->burst_bytes =
			RTE_MAX(s->rate_bytes_per_s / DP_TB_BURST_DIV, (uint32_t)DP_TB_MIN_BURST);
	s->tb_tokens = s->burst_bytes;
	s->tb_last_tsc = now;
	s->last_seen_tsc = now;
	__atomic_store_n(&s->state, SN_SESS_ACTIVE, __ATOMIC_RELEASE);

	for (i = 0; i < DP_LEGS; i++) {
		uint32_t key = dp_flow_key(
			s->leg[i].local_addr_idx, rte_be_to_cpu_16(s->leg[i].local_port));

		ret = dp_flow_insert(dp.flows, key, dp_flow_data(f, i));
		if (ret == 0)
			continue;
		if (i == 0) { /* nothing was visible to workers */
			session_clear(s);
			return ret;
		}
		/* key 0 was visible: take the normal path out */
		dp.shm.hdr->sessions_active++;
		session_unpublish(f);
		return ret;
	}
	dp.shm.hdr->sessions_active++;
	return 0;
}

static int
cmd_session_add(const struct sn_cmd *c, uint64_t now)
{
	struct sn_session *s;
	uint8_t fam;
	int ret;

	ret = add_validate(c, &fam);
	if (ret != 0)
		return ret;
	s = &dp.sessions[c->flow_id];
	if (s->state == SN_SESS_DELETING || rc_full())
		return DP_MBOX_WAIT;
	if (s->state == SN_SESS_ACTIVE) { /* replace: unpublish, wait for the grace period */
		session_unpublish(c->flow_id);
		return DP_MBOX_WAIT;
	}
	return session_install(c, fam, now);
}

static int
cmd_session_del(const struct sn_cmd *c)
{
	if (c->flow_id >= dp.max_sessions)
		return -ERANGE;
	if (dp.sessions[c->flow_id].state != SN_SESS_ACTIVE)
		return 0; /* absent (or being deleted): done */
	if (rc_full())
		return DP_MBOX_WAIT;
	session_unpublish(c->flow_id);
	return 0;
}

static int
cmd_apply(const struct sn_cmd *c, uint64_t now)
{
	if (c->version != SN_ABI_VERSION)
		return -EPROTO;
	if (c->generation != dp.generation)
		return -ESTALE;
	switch (c->type) {
	case SN_CMD_NOP:
	case SN_CMD_HELLO: /* counts are in the header: sessions_active, cmds_* */
		return 0;
	case SN_CMD_SESSION_ADD:
		return cmd_session_add(c, now);
	case SN_CMD_SESSION_DEL:
		return cmd_session_del(c);
	case SN_CMD_ALLOC_SET:
	case SN_CMD_ALLOC_DEL:
	case SN_CMD_PERM_SET:
	case SN_CMD_CHAN_SET:
		return dp_turn_cmd(c, now);
	default:
		return -EOPNOTSUPP;
	}
}

/*
 * A producer that publishes head beyond what the ring holds (a torn or
 * corrupt index) would make us consume stale slots forever: drop what is
 * there and resynchronise on its head.  True when the ring was reset.
 */
static bool
cmd_ring_insane(void)
{
	struct sn_ring_hdr *r = dp.shm.cmd;
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);

	if (head - tail <= r->slots)
		return false;
	RTE_LOG(ERR, DP,
		"command ring: head %" PRIu64 " tail %" PRIu64 " (%u slots): "
		"producer index corrupt, resynchronising\n",
		head, tail, r->slots);
	__atomic_store_n(&r->tail, head, __ATOMIC_RELEASE);
	return true;
}

static unsigned
commands_poll(uint64_t now)
{
	struct sn_shm_hdr *h = dp.shm.hdr;
	unsigned n;

	if (unlikely(cmd_ring_insane()))
		return 0;
	for (n = 0; n < dp.cfg.dp.cmds_per_loop; n++) {
		const struct sn_cmd *slot;
		struct sn_cmd c;
		struct sn_cpl *cpl;
		int ret;

		if (!cpl_space())
			break;
		slot = sn_ring_cons_slot(dp.shm.cmd);
		if (slot == NULL)
			break;
		memcpy(&c, slot, sizeof(c)); /* one snapshot: validate what we apply */
		ret = cmd_apply(&c, now);
		if (ret == DP_MBOX_WAIT)
			break;
		cpl = cpl_begin(SN_CPL_RESULT, c.flow_id);
		cpl->status = ret;
		cpl->seq = c.seq;
		sn_ring_prod_commit(dp.shm.cpl);
		sn_ring_cons_release(dp.shm.cmd);
		if (ret == 0)
			h->cmds_applied++;
		else
			h->cmds_rejected++;
	}
	return n;
}

/* ------------------------------------------------------------------ latch */

static inline uint8_t
pending_bit(unsigned leg)
{
	return (uint8_t)(1u << leg);
}

/* Write ev's remote into its leg (remote flag clear, no reader of the old values). */
static void
latch_write(struct sn_session *s, const struct dp_latch_evt *ev)
{
	struct sn_leg *l = &s->leg[ev->leg];
	uint16_t old = l->nh_idx; /* a withdrawn remote keeps its reference until now */
	uint8_t eg = leg_port(l);
	struct sn_cpl *cpl;
	uint16_t nh;

	if (l->flags & SN_LEG_REMOTE_SET)
		return;
	if (dp_neigh_get(eg, ev->family, ev->addr, &nh) != 0) {
		RTE_LOG(WARNING, DP,
			"flow %" PRIu32 " leg %u: neighbour table full, latch ignored\n",
			ev->flow_id, ev->leg);
		return;
	}
	if (ev->port_idx == eg)
		dp_neigh_learn_idx(nh, ev->addr, &ev->mac);
	memset(l->remote_addr, 0, sizeof(l->remote_addr));
	memcpy(l->remote_addr, ev->addr, sn_fam_len(ev->family));
	l->remote_port = ev->port;
	l->nh_idx = nh;
	__atomic_store_n(&l->flags, (uint8_t)(l->flags | SN_LEG_REMOTE_SET | SN_LEG_LATCHED),
		__ATOMIC_RELEASE);
	if (old != DP_NH_NONE)
		dp_neigh_put(old);

	cpl = cpl_begin(SN_EVT_LATCHED, ev->flow_id);
	cpl->leg = ev->leg;
	cpl->port = ev->port;
	cpl->addr.family = ev->family;
	memcpy(cpl->addr.bytes, ev->addr, sn_fam_len(ev->family));
	sn_ring_prod_commit(dp.shm.cpl);
	DP_CNT_EV(&dp.main_c, LATCH)++;
}

/* Is ev still about the session it was sent for, on a leg that may latch? */
static struct sn_session *
latch_session(const struct dp_latch_evt *ev)
{
	struct sn_session *s;

	if (ev->flow_id >= dp.max_sessions || ev->leg >= DP_LEGS)
		return NULL;
	s = &dp.sessions[ev->flow_id];
	if (s->state != SN_SESS_ACTIVE || s->token == 0 || s->token != ev->token ||
		s->family != ev->family)
		return NULL;
	return s;
}

/* Apply one event from a worker (caller: cpl_space() and !rc_full()). */
static void
latch_apply(const struct dp_latch_evt *ev)
{
	struct sn_session *s = latch_session(ev);
	struct sn_leg *l;
	struct reclaim *r;
	uint8_t fl;

	if (s == NULL || (mb.relatch_pending[ev->flow_id] & pending_bit(ev->leg)))
		return;
	l = &s->leg[ev->leg];
	fl = l->flags;
	if (!(fl & SN_LEG_REMOTE_SET)) {
		latch_write(s, ev);
		return;
	}
	if (l->remote_port == ev->port &&
		memcmp(l->remote_addr, ev->addr, sn_fam_len(ev->family)) == 0) {
		if (ev->port_idx == leg_port(l))
			dp_neigh_learn_idx(l->nh_idx, ev->addr, &ev->mac);
		return;
	}
	if (!(fl & SN_LEG_LATCH))
		return;
	/* re-latch: withdraw the remote, write the new one after a grace period */
	__atomic_store_n(&l->flags, (uint8_t)(fl & ~SN_LEG_REMOTE_SET), __ATOMIC_RELEASE);
	mb.relatch_pending[ev->flow_id] |= pending_bit(ev->leg);
	r = rc_push(DP_RC_RELATCH, ev->flow_id);
	r->ev = *ev;
	r->token = rte_rcu_qsbr_start(dp.rcu);
}

static unsigned
latch_poll(void)
{
	struct dp_latch_evt ev;
	unsigned w, n, total = 0;

	for (w = 0; w < dp.n_workers; w++) {
		for (n = 0; n < DP_LATCH_BURST; n++) {
			if (!cpl_space() || rc_full())
				return total;
			if (rte_ring_sc_dequeue_elem(dp.workers[w].latch_ring, &ev, sizeof(ev)) !=
				0)
				break;
			latch_apply(&ev);
			total++;
		}
	}
	return total;
}

/* -------------------------------------------------------------- reclaim */

static unsigned
reclaim_poll(void)
{
	unsigned done = 0;

	while (rc_queued() > 0) {
		struct reclaim *r = &mb.q[mb.tail & (DP_RECLAIM_SLOTS - 1)];

		if (rte_rcu_qsbr_check(dp.rcu, r->token, false) != 1)
			break;
		if (r->kind == DP_RC_SESSION) {
			session_clear(&dp.sessions[r->flow_id]);
		} else if (r->kind != DP_RC_RELATCH) {
			dp_turn_reclaim(r->kind, r->flow_id, r->idx);
		} else {
			struct sn_session *s;

			if (!cpl_space())
				break;
			mb.relatch_pending[r->flow_id] &= (uint8_t)~pending_bit(r->ev.leg);
			s = latch_session(&r->ev);
			if (s != NULL)
				latch_write(s, &r->ev);
		}
		mb.tail++;
		done++;
	}
	return done;
}

unsigned
dp_mbox_poll(uint64_t now)
{
	unsigned n = reclaim_poll();

	n += commands_poll(now);
	n += latch_poll();
	return n;
}
