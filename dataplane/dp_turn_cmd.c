/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN allocation commands on the main lcore: SN_CMD_ALLOC_SET, ALLOC_DEL,
 * PERM_SET and CHAN_SET (contracts in sn_abi.h and dp_turn.h), the relay
 * and client table writes and their RCU reclamation.
 *
 * Every command is idempotent (control replays its whole state on a new
 * generation).  Whatever a worker may be using is never rewritten in
 * place: it is withdrawn (keys deleted, state DELETING, perm_family NONE,
 * chan_num 0), a grace period passes (dp_mbox_rc_defer()), then it is
 * freed, and the command that wanted the slot is retried (DP_MBOX_WAIT)
 * until the slot is free; only lifetimes and the rate change in place.
 * The dataplane's copy of channels 0 and 1 in the slot's spare line 7
 * (struct dp_turn_hot, dp_turn.h) follows every one of these steps.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "dp_addr.h"
#include "dp_csum.h"
#include "dp_ctab.h"
#include "dp_flow.h"
#include "dp_mbox.h"
#include "dp_neigh.h"
#include "dp_turn.h"
#include "dp_types.h"
#include "sn_addr.h"

#define DP_TB_BURST_DIV 10   /* default bucket depth: 100 ms of rate */
#define DP_TB_MIN_BURST 2048 /* ... but at least one large datagram */

_Static_assert(SN_TURN_MAX_PERMS <= CHAR_BIT && SN_TURN_MAX_CHANNELS <= CHAR_BIT,
	"pending bits are a byte");

static struct {
	uint8_t *perm_pending; /* [max_allocs]: bit p = permission p waits for a grace period */
	uint8_t *chan_pending; /* [max_allocs]: bit c = channel c waits for a grace period */
} tc;

int
dp_turn_cmd_init(void)
{
	tc.perm_pending = rte_zmalloc("dp_perm_pending", dp.max_allocs, 0);
	tc.chan_pending = rte_zmalloc("dp_chan_pending", dp.max_allocs, 0);
	return tc.perm_pending == NULL || tc.chan_pending == NULL ? -ENOMEM : 0;
}

static inline uint8_t
bit(unsigned i)
{
	return (uint8_t)(1u << i);
}

static inline bool
fam_ok(uint8_t fam)
{
	return fam == SN_FAM_IPV4 || fam == SN_FAM_IPV6;
}


static inline uint32_t
relay_key(const struct sn_alloc_relay *rl)
{
	return dp_flow_key(rl->addr_idx, rte_be_to_cpu_16(rl->port));
}

static inline uint32_t
client_key(const struct sn_alloc *a)
{
	return dp_ctab_key(&dp.ctab_hk, a->client_family, a->client_addr, a->client_port,
		a->server_addr_idx, a->server_port);
}

/* ----------------------------------------------------------- allocations */

/*
 * Check an ALLOC_SET (sn_abi.h, dp_turn.h): 0, -ERANGE, -EINVAL or
 * -EEXIST.  Keys that already belong to allocation id itself are fine.
 */
static int
alloc_validate(const struct sn_cmd *c)
{
	const struct sn_cmd_alloc *ca = &c->u.alloc;
	uint8_t fam = ca->client.family;
	unsigned r, n = 0;

	if (c->flow_id >= dp.max_allocs)
		return -ERANGE;
	if (c->len < sizeof(*ca) || !fam_ok(fam) || ca->expiry_s == 0 ||
		(ca->flags & ~SN_ALLOC_STREAM) != 0)
		return -EINVAL;
	if (ca->server_addr_idx >= dp.n_addrs || dp.addr_family[ca->server_addr_idx] != fam ||
		ca->client_port == 0 || ca->server_port == 0)
		return -EINVAL;
	if (dp_addr_forbidden(fam, ca->client.bytes) ||
		dp_local_index(&dp.local, fam, ca->client.bytes) >= 0)
		return -EINVAL;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		const struct sn_alloc_relay *rl = &ca->relay[r];
		uint16_t port = rte_be_to_cpu_16(rl->port);

		if (rl->used == 0)
			continue;
		if (rl->used != 1 || rl->addr_idx >= dp.n_addrs || port < dp.relay_port_min ||
			port > dp.relay_port_max)
			return -EINVAL;
		n++;
	}
	if (n == 0)
		return -EINVAL; /* RFC 8656 section 7.1: at least one relayed address */
	if (n == SN_TURN_MAX_RELAYS &&
		dp.addr_family[ca->relay[0].addr_idx] == dp.addr_family[ca->relay[1].addr_idx])
		return -EINVAL; /* one IPv4 and one IPv6 relayed address at most */
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		uint32_t data;

		if (!ca->relay[r].used)
			continue;
		data = dp_flow_lookup(dp.flows, relay_key(&ca->relay[r]));
		if (data != DP_FLOW_MISS &&
			(!dp_flow_data_is_turn(data) || dp_flow_data_id(data) != c->flow_id))
			return -EEXIST; /* a session's leg or another allocation's */
	}
	if (!(ca->flags & SN_ALLOC_STREAM)) {
		uint32_t owner = dp_ctab_find(dp.ctab, dp.allocs, dp.max_allocs,
			dp_ctab_key(&dp.ctab_hk, fam, ca->client.bytes, ca->client_port,
				ca->server_addr_idx, ca->server_port),
			fam, ca->client.bytes, ca->client_port, ca->server_addr_idx,
			ca->server_port);

		if (owner != DP_FLOW_MISS && owner != c->flow_id)
			return -EEXIST;
	}
	return 0;
}

/* Does ACTIVE slot a hold the same 5-tuple, relayed addresses and transport as ca? */
static bool
alloc_same(const struct sn_alloc *a, const struct sn_cmd_alloc *ca)
{
	unsigned r;

	if (a->client_family != ca->client.family || a->client_port != ca->client_port ||
		a->server_addr_idx != ca->server_addr_idx || a->server_port != ca->server_port ||
		((a->flags ^ ca->flags) & SN_ALLOC_STREAM) != 0 ||
		memcmp(a->client_addr, ca->client.bytes, sn_fam_len(ca->client.family)) != 0)
		return false;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		if (a->relay[r].used != ca->relay[r].used)
			return false;
		if (a->relay[r].used && (a->relay[r].addr_idx != ca->relay[r].addr_idx ||
						a->relay[r].port != ca->relay[r].port))
			return false;
	}
	return true;
}

/* Rate and bucket depth of a command (burst 0: a default from the rate). */
static void
alloc_rate(struct sn_alloc *a, const struct sn_cmd_alloc *ca)
{
	uint32_t burst = ca->burst_bytes;

	if (ca->rate_bytes_per_s != 0 && burst == 0)
		burst = RTE_MAX(ca->rate_bytes_per_s / DP_TB_BURST_DIV, (uint32_t)DP_TB_MIN_BURST);
	__atomic_store_n(&a->burst_bytes, burst, __ATOMIC_RELAXED);
	__atomic_store_n(&a->rate_bytes_per_s, ca->rate_bytes_per_s, __ATOMIC_RELAXED);
	__atomic_store_n(&dp_turn_hot(a)->flags,
		(uint8_t)((dp_turn_hot(a)->flags & ~DP_HOT_RATE) |
			  (ca->rate_bytes_per_s != 0 ? DP_HOT_RATE : 0)),
		__ATOMIC_RELAXED);
}

/* ------------------------------------------------------ hot line (dp_turn.h) */

/* Words of an address of family (4 or 16 bytes), as loaded from memory. */
static uint32_t
addr_sum(uint8_t family, const uint8_t *addr)
{
	return dp_sum16(addr, sn_fam_len(family) / 2);
}

/*
 * Hot entry c's expiry: the earliest of channel c's, its permission's and
 * the allocation's lifetime (in place: a worker reads either the old or
 * the new value).
 */
static void
hot_expiry(struct sn_alloc *a, unsigned c)
{
	uint32_t ce = a->chan_expiry_s[c], pe = a->perm_expiry_s[a->chan_perm[c]];

	__atomic_store_n(&dp_turn_hot(a)->e[c].expiry_s, RTE_MIN(RTE_MIN(ce, pe), a->expiry_s),
		__ATOMIC_RELAXED);
}

/* Channel slot c (bound just now) gets its hot entry if its peer is IPv4. */
static void
hot_publish(struct sn_alloc *a, unsigned c)
{
	struct dp_turn_hot_chan *h;
	unsigned p = a->chan_perm[c];
	uint8_t fam = a->perm_family[p];
	const struct sn_alloc_relay *rl;
	uint32_t peer_side, client_side;
	int r = dp_turn_relay_of_family(a, fam);

	if (c >= DP_TURN_HOT_CHANNELS || fam != SN_FAM_IPV4 || r < 0)
		return;
	rl = &a->relay[r];
	h = &dp_turn_hot(a)->e[c];
	h->port = a->chan_port[c];
	h->nh = a->perm_nh[p];
	memcpy(h->addr4, a->perm_addr[p], sizeof(h->addr4));
	h->relay_port = rl->port;
	h->relay_addr_idx = rl->addr_idx;
	peer_side = addr_sum(fam, dp.addr_bytes[rl->addr_idx]) + rl->port +
		    addr_sum(fam, a->perm_addr[p]) + h->port;
	client_side = addr_sum(a->client_family, a->client_addr) + a->client_port +
		      addr_sum(a->client_family, dp.addr_bytes[a->server_addr_idx]) +
		      a->server_port;
	h->csum_delta = dp_csum_chan_delta(peer_side, client_side);
	h->ip4_sum = dp_fold(rte_cpu_to_be_16(DP_ORIGIN_TTL << 8 | SN_IPPROTO_UDP) +
			     addr_sum(fam, dp.addr_bytes[rl->addr_idx]) +
			     addr_sum(fam, a->perm_addr[p]));
	hot_expiry(a, c);
	__atomic_store_n(&h->num, a->chan_num[c], __ATOMIC_RELEASE);
}

/* The client part of the hot line (alloc_install(), before the keys are inserted). */
static void
hot_client(struct sn_alloc *a)
{
	struct dp_turn_hot *h = dp_turn_hot(a);

	memcpy(h->client_addr4, a->client_addr, sizeof(h->client_addr4));
	h->client_port = a->client_port;
	h->server_port = a->server_port;
	h->client_nh = a->client_nh;
	h->client_family = a->client_family;
	h->server_addr_idx = a->server_addr_idx;
	if (a->client_family == SN_FAM_IPV4)
		h->ip4_sum = dp_fold(rte_cpu_to_be_16(DP_ORIGIN_TTL << 8 | SN_IPPROTO_UDP) +
				     addr_sum(SN_FAM_IPV4, dp.addr_bytes[a->server_addr_idx]) +
				     addr_sum(SN_FAM_IPV4, a->client_addr));
	if (a->flags & SN_ALLOC_STREAM)
		h->flags |= DP_HOT_STREAM;
}

/* Withdraw hot entry c (channel c withdrawn, or its permission). */
static void
hot_withdraw(struct sn_alloc *a, unsigned c)
{
	if (c < DP_TURN_HOT_CHANNELS)
		__atomic_store_n(&dp_turn_hot(a)->e[c].num, 0, __ATOMIC_RELEASE);
}

/* Permission p changed (withdrawn, or a new lifetime): the hot entries on it follow. */
static void
hot_perm(struct sn_alloc *a, unsigned p, bool withdrawn)
{
	unsigned c;

	for (c = 0; c < DP_TURN_HOT_CHANNELS; c++) {
		if (dp_turn_hot(a)->e[c].num == 0 || a->chan_perm[c] != p)
			continue;
		if (withdrawn)
			hot_withdraw(a, c);
		else
			hot_expiry(a, c);
	}
}

/* Release what a FREE-to-be slot holds and zero it. */
static void
alloc_clear(uint32_t id)
{
	struct sn_alloc *a = &dp.allocs[id];
	unsigned p;

	if (a->client_nh != DP_NH_NONE)
		dp_neigh_put(a->client_nh);
	for (p = 0; p < SN_TURN_MAX_PERMS; p++)
		if (a->perm_nh[p] != DP_NH_NONE) /* a reference (installed slots start NONE) */
			dp_neigh_put(a->perm_nh[p]);
	memset(a, 0, sizeof(*a));
	tc.perm_pending[id] = 0;
	tc.chan_pending[id] = 0;
}

/* Delete id's keys and queue the slot for reclamation (caller: !dp_mbox_rc_full()). */
static void
alloc_unpublish(uint32_t id)
{
	struct sn_alloc *a = &dp.allocs[id];
	unsigned r;

	for (r = 0; r < SN_TURN_MAX_RELAYS; r++)
		if (a->relay[r].used)
			dp_flow_delete_entry(
				dp.flows, relay_key(&a->relay[r]), dp_flow_data_turn(id, r));
	if (!(a->flags & SN_ALLOC_STREAM))
		dp_flow_delete_entry(dp.ctab, client_key(a), id);
	for (r = 0; r < DP_TURN_HOT_CHANNELS; r++)
		hot_withdraw(a, r);
	__atomic_store_n(&a->state, SN_SESS_DELETING, __ATOMIC_RELEASE);
	dp_mbox_rc_defer(DP_RC_ALLOC, id, 0);
	dp.shm.hdr->allocs_active--;
}

/* Write and publish allocation id (slot FREE, validated; caller: !dp_mbox_rc_full()). */
static int
alloc_install(const struct sn_cmd *c, uint64_t now)
{
	const struct sn_cmd_alloc *ca = &c->u.alloc;
	uint32_t id = c->flow_id;
	struct sn_alloc *a = &dp.allocs[id];
	unsigned r, i, visible = 0;
	int ret;

	memset(a, 0, sizeof(*a));
	a->alloc_id = id;
	a->flags = ca->flags;
	a->client_family = ca->client.family;
	a->server_addr_idx = ca->server_addr_idx;
	memcpy(a->client_addr, ca->client.bytes, sn_fam_len(ca->client.family));
	a->client_port = ca->client_port;
	a->server_port = ca->server_port;
	a->client_nh = DP_NH_NONE;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++)
		if (ca->relay[r].used)
			a->relay[r] = ca->relay[r];
	a->expiry_s = ca->expiry_s;
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++)
		a->chan_perm[i] = SN_TURN_NO_PERM;
	for (i = 0; i < SN_TURN_MAX_PERMS; i++)
		a->perm_nh[i] = DP_NH_NONE;
	alloc_rate(a, ca);
	for (i = 0; i < 2; i++) {
		a->dir[i].tb_tokens = a->burst_bytes;
		a->dir[i].tb_last_tsc = now;
		a->dir[i].last_seen_tsc = now;
	}
	/* the client's next hop (a stream client is reached by the kernel) */
	if (!(a->flags & SN_ALLOC_STREAM)) {
		ret = dp_neigh_get(dp.addr_port[a->server_addr_idx], a->client_family,
			a->client_addr, &a->client_nh);
		if (ret != 0) {
			a->client_nh = DP_NH_NONE;
			alloc_clear(id);
			return ret;
		}
	}
	hot_client(a);
	__atomic_store_n(&a->state, SN_SESS_ACTIVE, __ATOMIC_RELEASE);
	dp.shm.hdr->allocs_active++;

	ret = 0;
	for (r = 0; r < SN_TURN_MAX_RELAYS && ret == 0; r++) {
		if (!a->relay[r].used)
			continue;
		ret = dp_flow_insert(dp.flows, relay_key(&a->relay[r]), dp_flow_data_turn(id, r));
		visible += ret == 0;
	}
	if (ret == 0 && !(a->flags & SN_ALLOC_STREAM)) {
		ret = dp_flow_insert_multi(dp.ctab, client_key(a), id);
		visible += ret == 0;
	}
	if (ret == 0)
		return 0;
	if (visible == 0) { /* nothing was visible to workers */
		dp.shm.hdr->allocs_active--;
		alloc_clear(id);
		return ret;
	}
	alloc_unpublish(id); /* deletes what was inserted (the rest: -ENOENT) */
	return ret;
}

static int
cmd_alloc_set(const struct sn_cmd *c, uint64_t now)
{
	struct sn_alloc *a;
	int ret;

	ret = alloc_validate(c);
	if (ret != 0)
		return ret;
	a = &dp.allocs[c->flow_id];
	if (a->state == SN_SESS_DELETING)
		return DP_MBOX_WAIT;
	if (a->state == SN_SESS_ACTIVE) {
		if (alloc_same(a, &c->u.alloc)) { /* Refresh: in place */
			unsigned k;

			__atomic_store_n(&a->expiry_s, c->u.alloc.expiry_s, __ATOMIC_RELAXED);
			__atomic_store_n(&a->flags, c->u.alloc.flags, __ATOMIC_RELAXED);
			alloc_rate(a, &c->u.alloc);
			for (k = 0; k < DP_TURN_HOT_CHANNELS; k++)
				if (dp_turn_hot(a)->e[k].num != 0)
					hot_expiry(a, k);
			return 0;
		}
		if (dp_mbox_rc_full())
			return DP_MBOX_WAIT;
		alloc_unpublish(c->flow_id); /* reinstall after the grace period */
		return DP_MBOX_WAIT;
	}
	if (dp_mbox_rc_full())
		return DP_MBOX_WAIT;
	return alloc_install(c, now);
}

static int
cmd_alloc_del(const struct sn_cmd *c)
{
	if (c->flow_id >= dp.max_allocs)
		return -ERANGE;
	if (dp.allocs[c->flow_id].state != SN_SESS_ACTIVE)
		return 0; /* absent (or being deleted): done */
	if (dp_mbox_rc_full())
		return DP_MBOX_WAIT;
	alloc_unpublish(c->flow_id);
	return 0;
}

/* ----------------------------------------------------------- permissions */

/* Withdraw permission idx of id (caller: !dp_mbox_rc_full()). */
static void
perm_withdraw(uint32_t id, unsigned idx)
{
	struct sn_alloc *a = &dp.allocs[id];

	__atomic_store_n(&a->perm_family[idx], (uint8_t)SN_FAM_NONE, __ATOMIC_RELEASE);
	__atomic_store_n(&a->perm_expiry_s[idx], 0, __ATOMIC_RELAXED);
	hot_perm(a, idx, true);
	tc.perm_pending[id] |= bit(idx);
	dp_mbox_rc_defer(DP_RC_PERM, id, (uint8_t)idx);
}

static int
cmd_perm_set(const struct sn_cmd *c)
{
	const struct sn_cmd_perm *cp = &c->u.perm;
	uint8_t fam = cp->peer.family;
	struct sn_alloc *a;
	bool release;
	uint16_t nh = DP_NH_NONE;
	int r, ret;

	if (c->flow_id >= dp.max_allocs)
		return -ERANGE;
	if (c->len < sizeof(*cp) || cp->idx >= SN_TURN_MAX_PERMS)
		return -EINVAL;
	a = &dp.allocs[c->flow_id];
	if (a->state != SN_SESS_ACTIVE)
		return -ENOENT;
	release = fam == SN_FAM_NONE || cp->expiry_s == 0;
	r = release ? -1 : dp_turn_relay_of_family(a, fam);
	if (!release && (!fam_ok(fam) || r < 0 || dp_addr_forbidden(fam, cp->peer.bytes)))
		return -EINVAL; /* RFC 8656 section 9.1: the peer's family is a relayed one */
	if (tc.perm_pending[c->flow_id] & bit(cp->idx))
		return DP_MBOX_WAIT;
	if (a->perm_family[cp->idx] != SN_FAM_NONE) {
		if (!release && a->perm_family[cp->idx] == fam &&
			memcmp(a->perm_addr[cp->idx], cp->peer.bytes, sn_fam_len(fam)) == 0) {
			__atomic_store_n(
				&a->perm_expiry_s[cp->idx], cp->expiry_s, __ATOMIC_RELAXED);
			hot_perm(a, cp->idx, false);
			return 0; /* Refresh / CreatePermission again: in place */
		}
		if (dp_mbox_rc_full())
			return DP_MBOX_WAIT;
		perm_withdraw(c->flow_id, cp->idx);
		return release ? 0 : DP_MBOX_WAIT;
	}
	if (release)
		return 0;
	/* a free slot: write, then publish the family */
	if (dp_local_index(&dp.local, fam, cp->peer.bytes) < 0) {
		ret = dp_neigh_get(dp.addr_port[a->relay[r].addr_idx], fam, cp->peer.bytes, &nh);
		if (ret != 0)
			return ret;
	}
	memset(a->perm_addr[cp->idx], 0, sizeof(a->perm_addr[cp->idx]));
	memcpy(a->perm_addr[cp->idx], cp->peer.bytes, sn_fam_len(fam));
	a->perm_nh[cp->idx] = nh;
	__atomic_store_n(&a->perm_expiry_s[cp->idx], cp->expiry_s, __ATOMIC_RELAXED);
	__atomic_store_n(&a->perm_family[cp->idx], fam, __ATOMIC_RELEASE);
	return 0;
}

/* -------------------------------------------------------------- channels */

/* Withdraw channel idx of id (caller: !dp_mbox_rc_full()). */
static void
chan_withdraw(uint32_t id, unsigned idx)
{
	struct sn_alloc *a = &dp.allocs[id];

	__atomic_store_n(&a->chan_num[idx], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&a->chan_expiry_s[idx], 0, __ATOMIC_RELAXED);
	hot_withdraw(a, idx);
	tc.chan_pending[id] |= bit(idx);
	dp_mbox_rc_defer(DP_RC_CHAN, id, (uint8_t)idx);
}

static int
cmd_chan_set(const struct sn_cmd *c)
{
	const struct sn_cmd_chan *cc = &c->u.chan;
	struct sn_alloc *a;
	unsigned j;
	bool release;

	if (c->flow_id >= dp.max_allocs)
		return -ERANGE;
	if (c->len < sizeof(*cc) || cc->idx >= SN_TURN_MAX_CHANNELS)
		return -EINVAL;
	a = &dp.allocs[c->flow_id];
	if (a->state != SN_SESS_ACTIVE)
		return -ENOENT;
	release = cc->number == 0 || cc->expiry_s == 0;
	if (!release && (cc->number < SN_TURN_CHAN_MIN || cc->number > SN_TURN_CHAN_MAX ||
				cc->perm_idx >= SN_TURN_MAX_PERMS || cc->peer_port == 0))
		return -EINVAL;
	if (tc.chan_pending[c->flow_id] & bit(cc->idx))
		return DP_MBOX_WAIT;
	if (!release) {
		if (tc.perm_pending[c->flow_id] & bit(cc->perm_idx))
			return DP_MBOX_WAIT; /* its permission is being rewritten */
		if (a->perm_family[cc->perm_idx] == SN_FAM_NONE)
			return -EINVAL;
		/* RFC 8656 section 12: one number per peer, one peer per number */
		for (j = 0; j < SN_TURN_MAX_CHANNELS; j++) {
			if (j == cc->idx || a->chan_num[j] == 0)
				continue;
			if (a->chan_num[j] == cc->number ||
				(a->chan_perm[j] == cc->perm_idx &&
					a->chan_port[j] == cc->peer_port))
				return -EEXIST;
		}
	}
	if (a->chan_num[cc->idx] != 0) {
		if (!release && a->chan_num[cc->idx] == cc->number &&
			a->chan_perm[cc->idx] == cc->perm_idx &&
			a->chan_port[cc->idx] == cc->peer_port) {
			__atomic_store_n(
				&a->chan_expiry_s[cc->idx], cc->expiry_s, __ATOMIC_RELAXED);
			if (cc->idx < DP_TURN_HOT_CHANNELS && dp_turn_hot(a)->e[cc->idx].num != 0)
				hot_expiry(a, cc->idx);
			return 0; /* ChannelBind refresh: in place */
		}
		if (dp_mbox_rc_full())
			return DP_MBOX_WAIT;
		chan_withdraw(c->flow_id, cc->idx);
		return release ? 0 : DP_MBOX_WAIT;
	}
	if (release)
		return 0;
	a->chan_port[cc->idx] = cc->peer_port;
	a->chan_perm[cc->idx] = cc->perm_idx;
	__atomic_store_n(&a->chan_expiry_s[cc->idx], cc->expiry_s, __ATOMIC_RELAXED);
	__atomic_store_n(&a->chan_num[cc->idx], cc->number, __ATOMIC_RELEASE);
	hot_publish(a, cc->idx);
	return 0;
}

/* ------------------------------------------------------------------ API */

int
dp_turn_cmd(const struct sn_cmd *c, uint64_t now)
{
	switch (c->type) {
	case SN_CMD_ALLOC_SET:
		return cmd_alloc_set(c, now);
	case SN_CMD_ALLOC_DEL:
		return cmd_alloc_del(c);
	case SN_CMD_PERM_SET:
		return cmd_perm_set(c);
	case SN_CMD_CHAN_SET:
		return cmd_chan_set(c);
	default:
		return -EOPNOTSUPP;
	}
}

void
dp_turn_reclaim(uint8_t kind, uint32_t id, uint8_t idx)
{
	struct sn_alloc *a = &dp.allocs[id];

	switch (kind) {
	case DP_RC_ALLOC:
		alloc_clear(id);
		break;
	case DP_RC_PERM:
		if (a->perm_nh[idx] != DP_NH_NONE)
			dp_neigh_put(a->perm_nh[idx]);
		a->perm_nh[idx] = DP_NH_NONE;
		memset(a->perm_addr[idx], 0, sizeof(a->perm_addr[idx]));
		tc.perm_pending[id] &= (uint8_t)~bit(idx);
		break;
	case DP_RC_CHAN:
		a->chan_port[idx] = 0;
		a->chan_perm[idx] = SN_TURN_NO_PERM;
		tc.chan_pending[id] &= (uint8_t)~bit(idx);
		break;
	default:
		break;
	}
}
