/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN server state (contract in cp_turn.h): allocation table, users and
 * quotas, relay ports, reservations, lifetimes, the error-answer limiter
 * and the fast-path programming.  The request handlers are in
 * cp_turn_req.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "cp_log.h"
#include "cp_mbox.h"
#include "cp_sessions.h"
#include "cp_turn.h"
#include "cp_turn_int.h"
#include "sn_addr.h"

#define NS_PER_S	      1000000000ull
#define HASH_SEED	      0x9e3779b97f4a7c15ull
#define USERS_HASH_MIN	      1024
#define DP_EXPIRY_SLACK_S     1 /* the fast path keeps an entry a little past control's expiry */
#define EXPIRY_SCAN_PERIOD_NS NS_PER_S
#define ERRLIM_BURST_FACTOR   2 /* bucket depth: two seconds of error_rate_pps */
#define MILLI		      1000u
#define KBPS_TO_BYTES	      125 /* 1 kbit/s = 125 bytes/s */

#define CP_TURN_NAME_(name, str, desc) [CP_TURN_C_##name] = str,
const char *const cp_turn_counter_names[CP_TURN_C_MAX] = {CP_TURN_COUNTERS(CP_TURN_NAME_)};
#undef CP_TURN_NAME_

/* ------------------------------------------------------------- hashing */

static inline uint64_t
mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return mix64(h);
}

static uint32_t
tuple_hash(const struct cp_turn *t, const struct cp_turn_src *s)
{
	uint8_t k[24];

	memcpy(k, s->client.bytes, 16);
	k[16] = s->client.family;
	k[17] = (uint8_t)s->transport;
	k[18] = (uint8_t)(s->client_port >> 8);
	k[19] = (uint8_t)s->client_port;
	k[20] = s->server_idx;
	k[21] = (uint8_t)(s->server_port >> 8);
	k[22] = (uint8_t)s->server_port;
	k[23] = 0;
	return (uint32_t)hash_bytes(k, sizeof(k), HASH_SEED) & t->hash_mask;
}

bool
cp_turn_src_eq(const struct cp_turn_src *a, const struct cp_turn_src *b)
{
	return a->transport == b->transport && a->client_port == b->client_port &&
	       a->server_idx == b->server_idx && a->server_port == b->server_port &&
	       sn_addr_eq(&a->client, &b->client) &&
	       (a->transport == CP_TURN_UDP || a->conn_id == b->conn_id);
}

struct cp_turn_alloc *
cp_turn_find_src(struct cp_turn *t, const struct cp_turn_src *src)
{
	struct cp_turn_alloc *a;

	for (a = t->hash[tuple_hash(t, src)]; a != NULL; a = a->hnext)
		if (cp_turn_src_eq(&a->src, src))
			return a;
	return NULL;
}

static void
hash_insert(struct cp_turn *t, struct cp_turn_alloc *a)
{
	uint32_t h = tuple_hash(t, &a->src);

	a->hnext = t->hash[h];
	t->hash[h] = a;
}

static void
hash_remove(struct cp_turn *t, struct cp_turn_alloc *a)
{
	struct cp_turn_alloc **pp = &t->hash[tuple_hash(t, &a->src)];

	for (; *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == a) {
			*pp = a->hnext;
			return;
		}
	}
}

static uint32_t
relay_hash(const struct cp_turn *t, uint8_t idx, uint16_t port)
{
	return (uint32_t)mix64(((uint64_t)idx << 16 | port) + HASH_SEED) & t->hash_mask;
}

void
cp_turn_relay_index(struct cp_turn *t, struct cp_turn_alloc *a)
{
	unsigned r;

	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		uint32_t h;

		if (!a->relay[r].used)
			continue;
		h = relay_hash(t, a->relay[r].idx, a->relay[r].port);
		a->rnode[r].a = a;
		a->rnode[r].next = t->rhash[h];
		t->rhash[h] = &a->rnode[r];
	}
	a->rindexed = true;
}

static void
relay_unindex(struct cp_turn *t, struct cp_turn_alloc *a)
{
	unsigned r;

	if (!a->rindexed)
		return;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		struct cp_turn_rnode **pp;

		if (!a->relay[r].used)
			continue;
		pp = &t->rhash[relay_hash(t, a->relay[r].idx, a->relay[r].port)];
		for (; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == &a->rnode[r]) {
				*pp = a->rnode[r].next;
				break;
			}
		}
	}
	a->rindexed = false;
}

struct cp_turn_alloc *
cp_turn_find_relay(struct cp_turn *t, uint8_t idx, uint16_t port, unsigned *rout)
{
	struct cp_turn_rnode *n;

	for (n = t->rhash[relay_hash(t, idx, port)]; n != NULL; n = n->next) {
		unsigned r = (unsigned)(n - n->a->rnode);

		if (n->a->relay[r].idx == idx && n->a->relay[r].port == port) {
			if (rout != NULL)
				*rout = r;
			return n->a;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- users */

static uint32_t
user_hash(const struct cp_turn *t, const char *name, size_t len)
{
	return (uint32_t)hash_bytes(name, len, HASH_SEED) & t->users_mask;
}

struct cp_turn_user *
cp_turn_user_get(struct cp_turn *t, const char *name, size_t len, bool create)
{
	uint32_t h = user_hash(t, name, len);
	struct cp_turn_user *u;

	for (u = t->users[h]; u != NULL; u = u->hnext)
		if (strlen(u->name) == len && memcmp(u->name, name, len) == 0)
			return u;
	if (!create)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->name = strndup(name, len);
	if (u->name == NULL) {
		free(u);
		return NULL;
	}
	u->hnext = t->users[h];
	t->users[h] = u;
	return u;
}

/* Forget a user with nothing allocated. */
static void
user_drop_if_idle(struct cp_turn *t, struct cp_turn_user *u)
{
	struct cp_turn_user **pp;

	if (u == NULL || u->allocs != 0)
		return;
	for (pp = &t->users[user_hash(t, u->name, strlen(u->name))]; *pp != NULL;
		pp = &(*pp)->hnext) {
		if (*pp == u) {
			*pp = u->hnext;
			free(u->name);
			free(u);
			return;
		}
	}
}

/* ------------------------------------------------------------- commands */

void
cp_turn_submit(struct cp_turn *t, uint16_t type, uint32_t id, uint8_t sub)
{
	if (t->mbox == NULL)
		return;
	if (cp_mbox_submit_sub(t->mbox, type, id, sub) != 0) {
		CP_ERR("TURN: out of memory queueing a command for allocation %" PRIu32, id);
		return;
	}
	t->cmd_submitted++;
}

/* Send the held answers whose commands are all applied (all of them when flush). */
static void
held_release(struct cp_turn *t, bool flush)
{
	struct cp_turn_held *h;

	while ((h = t->held_head) != NULL && (flush || h->tag <= t->cmd_done)) {
		t->held_head = h->next;
		if (t->held_head == NULL)
			t->held_tail = &t->held_head;
		t->n_held--;
		t->ops->send(t->ops_arg, &h->src, h->msg, h->len);
		free(h);
	}
}

void
cp_turn_answer(struct cp_turn *t, const struct cp_turn_src *src, const uint8_t *msg, size_t len,
	bool hold)
{
	struct cp_turn_held *h;

	if (!hold || t->cmd_done >= t->cmd_submitted || t->n_held >= CP_TURN_MAX_HELD ||
		(h = malloc(sizeof(*h) + len)) == NULL) {
		t->ops->send(t->ops_arg, src, msg, len);
		return;
	}
	h->next = NULL;
	h->tag = t->cmd_submitted;
	h->src = *src;
	h->len = len;
	memcpy(h->msg, msg, len);
	*t->held_tail = h;
	t->held_tail = &h->next;
	t->n_held++;
}

void
cp_turn_mbox_reset(struct cp_turn *t)
{
	t->cmd_done = t->cmd_submitted;
	held_release(t, true);
}

/* Dataplane seconds for a control deadline (0 stays 0: "unused"). */
static uint32_t
dp_expiry(uint64_t expiry_ns, uint64_t now_ns, uint32_t dp_now_s)
{
	uint64_t left;

	if (expiry_ns == 0)
		return 0;
	left = expiry_ns > now_ns ? (expiry_ns - now_ns + NS_PER_S - 1) / NS_PER_S : 0;
	if (left == 0)
		return 0;
	return dp_now_s + (uint32_t)left + DP_EXPIRY_SLACK_S;
}

int
cp_turn_build_cmd(struct cp_turn *t, uint16_t type, uint32_t id, uint8_t sub, struct sn_cmd *c)
{
	struct cp_turn_alloc *a = id < t->max_allocs ? t->slot[id] : NULL;
	uint64_t now = cp_turn_now_ns();
	uint32_t dp_now = 0;
	unsigned r;

	if (t->mbox != NULL && t->mbox->shm.hdr != NULL)
		dp_now = __atomic_load_n(&t->mbox->shm.hdr->now_s, __ATOMIC_RELAXED);
	switch (type) {
	case SN_CMD_ALLOC_DEL:
		return a == NULL ? 0 : -EBUSY; /* a new allocation took the id: no delete */
	case SN_CMD_ALLOC_SET: {
		struct sn_cmd_alloc *ca = &c->u.alloc;

		if (a == NULL)
			return -ENOENT;
		ca->client = a->src.client;
		ca->client_port = htons(a->src.client_port);
		ca->server_port = htons(a->src.server_port);
		ca->server_addr_idx = a->src.server_idx;
		ca->flags = a->src.transport == CP_TURN_UDP ? 0 : SN_ALLOC_STREAM;
		for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
			if (!a->relay[r].used)
				continue;
			ca->relay[r].used = 1;
			ca->relay[r].addr_idx = a->relay[r].idx;
			ca->relay[r].port = htons(a->relay[r].port);
		}
		ca->expiry_s = dp_expiry(a->expiry_ns, now, dp_now);
		if (ca->expiry_s == 0)
			ca->expiry_s = dp_now; /* expiring now: dead on arrival, deleted next */
		ca->rate_bytes_per_s = a->kbps != 0 ? a->kbps * KBPS_TO_BYTES : 0;
		ca->burst_bytes = 0;
		return sizeof(*ca);
	}
	case SN_CMD_PERM_SET: {
		struct sn_cmd_perm *cp = &c->u.perm;
		const struct cp_turn_perm *p;

		if (a == NULL || sub >= SN_TURN_MAX_PERMS)
			return -ENOENT;
		p = &a->perm[sub];
		cp->idx = sub;
		if (p->family != SN_FAM_NONE && p->expiry_ns > now) {
			cp->peer.family = p->family;
			memcpy(cp->peer.bytes, p->addr, sn_fam_len(p->family));
			cp->expiry_s = dp_expiry(p->expiry_ns, now, dp_now);
		}
		return sizeof(*cp);
	}
	case SN_CMD_CHAN_SET: {
		struct sn_cmd_chan *cc = &c->u.chan;
		const struct cp_turn_chan *ch;

		if (a == NULL || sub >= SN_TURN_MAX_CHANNELS)
			return -ENOENT;
		ch = &a->chan[sub];
		cc->idx = sub;
		cc->perm_idx = SN_TURN_NO_PERM;
		if (ch->number != 0 && ch->expiry_ns > now) {
			cc->number = ch->number;
			cc->perm_idx = ch->perm;
			cc->peer_port = htons(ch->port);
			cc->expiry_s = dp_expiry(ch->expiry_ns, now, dp_now);
		}
		return sizeof(*cc);
	}
	default:
		return -EINVAL;
	}
}

void
cp_turn_result(struct cp_turn *t, uint16_t type, uint32_t id, int32_t status)
{
	struct cp_turn_alloc *a = id < t->max_allocs ? t->slot[id] : NULL;

	t->cmd_done++;
	held_release(t, false);
	if (a != NULL && status == 0 && type == SN_CMD_ALLOC_SET)
		a->dp_ok = true;
	if (status == 0 || status == -ECANCELED || a == NULL)
		return;
	if (type == SN_CMD_ALLOC_SET) {
		t->cnt[CP_TURN_C_DP_REFUSED]++;
		CP_WARN("TURN: dataplane refused allocation %" PRIu32 ": %s; releasing it", id,
			strerror(-status));
		cp_turn_alloc_free(t, a, CP_TURN_C_KILLED);
	} else if (type != SN_CMD_ALLOC_DEL) {
		CP_WARN("TURN: dataplane refused command %u for allocation %" PRIu32 ": %s", type,
			id, strerror(-status));
	}
}

/* Queue everything the fast path needs to know about a. */
void
cp_turn_program(struct cp_turn *t, const struct cp_turn_alloc *a)
{
	unsigned i;

	cp_turn_submit(t, SN_CMD_ALLOC_SET, a->id, 0);
	for (i = 0; i < SN_TURN_MAX_PERMS; i++)
		if (a->perm[i].family != SN_FAM_NONE)
			cp_turn_submit(t, SN_CMD_PERM_SET, a->id, (uint8_t)i);
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++)
		if (a->chan[i].number != 0)
			cp_turn_submit(t, SN_CMD_CHAN_SET, a->id, (uint8_t)i);
}

void
cp_turn_replay(struct cp_turn *t)
{
	uint32_t id;

	for (id = 0; id < t->max_allocs; id++)
		if (t->slot[id] != NULL)
			cp_turn_program(t, t->slot[id]);
	if (t->count != 0)
		CP_INFO("TURN: replaying %" PRIu32 " allocations", t->count);
}

/* ---------------------------------------------------------- allocations */

uint64_t
cp_turn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

struct cp_turn_alloc *
cp_turn_find(struct cp_turn *t, uint32_t id)
{
	return id < t->max_allocs ? t->slot[id] : NULL;
}

struct cp_turn_alloc *
cp_turn_alloc_new(struct cp_turn *t, const struct cp_turn_src *src)
{
	struct cp_turn_alloc *a;
	unsigned r;

	if (t->n_free == 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->id = t->free_ids[--t->n_free];
	a->src = *src;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++)
		a->relay[r].fd = -1;
	t->slot[a->id] = a;
	hash_insert(t, a);
	t->count++;
	return a;
}

void
cp_turn_alloc_free(struct cp_turn *t, struct cp_turn_alloc *a, enum cp_turn_counter why)
{
	unsigned r;

	if (why < CP_TURN_C_MAX)
		t->cnt[why]++;
	for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
		if (!a->relay[r].used)
			continue;
		if (a->relay[r].fd >= 0 && t->ops->relay_close != NULL)
			t->ops->relay_close(t->ops_arg, a->relay[r].fd);
		cp_sessions_port_release(t->pools, a->relay[r].idx, a->relay[r].port);
	}
	if (a->user != NULL) {
		a->user->allocs--;
		a->user->kbps -= a->kbps;
		user_drop_if_idle(t, a->user);
	}
	t->kbps_total -= a->kbps;
	relay_unindex(t, a);
	hash_remove(t, a);
	t->slot[a->id] = NULL;
	t->free_ids[t->n_free++] = a->id;
	t->count--;
	cp_turn_submit(t, SN_CMD_ALLOC_DEL, a->id, 0);
	if (a->src.transport != CP_TURN_UDP && t->ops->alloc_gone != NULL)
		t->ops->alloc_gone(t->ops_arg, a);
	free(a);
}

int
cp_turn_kill(struct cp_turn *t, uint32_t id)
{
	struct cp_turn_alloc *a = cp_turn_find(t, id);

	if (a == NULL)
		return -ENOENT;
	cp_turn_alloc_free(t, a, CP_TURN_C_KILLED);
	return 0;
}

void
cp_turn_conn_closed(struct cp_turn *t, const struct cp_turn_src *src)
{
	struct cp_turn_alloc *a = cp_turn_find_src(t, src);

	if (a != NULL)
		cp_turn_alloc_free(t, a, CP_TURN_C_KILLED);
}

/* Relay addresses of family fam in config order, starting at the round-robin cursor. */
static unsigned
relay_candidates(struct cp_turn *t, uint8_t fam, uint8_t *out)
{
	unsigned n = 0, i, k = fam == SN_FAM_IPV6 ? 1 : 0, start;

	start = t->relay_cursor[k]++;
	for (i = 0; i < t->n_relay; i++) {
		uint8_t idx = t->relay_idx[(start + i) % t->n_relay];

		if (t->cfg->addrs[idx].addr.family == fam)
			out[n++] = idx;
	}
	return n;
}

bool
cp_turn_has_family(const struct cp_turn *t, uint8_t fam)
{
	unsigned i;

	for (i = 0; i < t->n_relay; i++)
		if (t->cfg->addrs[t->relay_idx[i]].addr.family == fam)
			return true;
	return false;
}

/* An even port with (when pair) its successor free too (RFC 8656 section 7.2, EVEN-PORT). */
static int
port_even(struct cp_turn *t, uint8_t idx, bool pair, uint16_t *port)
{
	uint32_t lo = t->cfg->relay.port_min, hi = t->cfg->relay.port_max, n, i, p;
	uint32_t start;

	if (lo & 1)
		lo++;
	if (lo > hi)
		return -EADDRINUSE;
	n = (hi - lo) / 2 + 1;
	start = (uint32_t)(mix64(cp_turn_now_ns()) % n);
	for (i = 0; i < n; i++) {
		p = lo + ((start + i) % n) * 2;
		if (pair && p + 1 > hi)
			continue;
		if (cp_sessions_port_take(t->pools, idx, (uint16_t)p) != 0)
			continue;
		if (pair && cp_sessions_port_take(t->pools, idx, (uint16_t)(p + 1)) != 0) {
			cp_sessions_port_release(t->pools, idx, (uint16_t)p);
			continue;
		}
		*port = (uint16_t)p;
		return 0;
	}
	return -EADDRINUSE;
}

int
cp_turn_relay_pick(struct cp_turn *t, struct cp_turn_alloc *a, unsigned r, uint8_t fam, int even,
	uint8_t *resv_token)
{
	uint8_t cand[SN_MAX_ADDRS];
	unsigned n = relay_candidates(t, fam, cand), i;
	uint16_t port;

	for (i = 0; i < n; i++) {
		int ret = even < 0 ? cp_sessions_port_alloc(t->pools, cand[i], &port)
				   : port_even(t, cand[i], even == 1, &port);

		if (ret != 0)
			continue;
		a->relay[r].used = true;
		a->relay[r].idx = cand[i];
		a->relay[r].port = port;
		if (even == 1 && resv_token != NULL) {
			struct cp_turn_reservation *rv;

			if (t->n_resv == CP_TURN_MAX_RESERVATIONS ||
				RAND_bytes(resv_token, CP_TURN_RESERVATION_TOKEN_LEN) != 1) {
				cp_sessions_port_release(t->pools, cand[i], (uint16_t)(port + 1));
				return -ENOSPC;
			}
			rv = &t->resv[t->n_resv++];
			memcpy(rv->token, resv_token, CP_TURN_RESERVATION_TOKEN_LEN);
			rv->idx = cand[i];
			rv->port = (uint16_t)(port + 1);
			rv->expiry_ns = cp_turn_now_ns() + CP_TURN_RESERVATION_S * NS_PER_S;
		}
		return 0;
	}
	return -EADDRINUSE;
}

int
cp_turn_reservation_take(struct cp_turn *t, const uint8_t *token, uint8_t *idx, uint16_t *port)
{
	unsigned i;

	for (i = 0; i < t->n_resv; i++) {
		if (memcmp(t->resv[i].token, token, CP_TURN_RESERVATION_TOKEN_LEN) != 0)
			continue;
		*idx = t->resv[i].idx;
		*port = t->resv[i].port; /* stays marked used: now the allocation's */
		t->resv[i] = t->resv[--t->n_resv];
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------- limiter */

bool
cp_turn_error_allowed(struct cp_turn *t, const struct cp_turn_src *src, uint64_t now_ns)
{
	uint64_t rate = t->cfg->turn.error_rate_pps;
	uint64_t depth = rate * ERRLIM_BURST_FACTOR * MILLI;
	size_t alen = sn_fam_len(src->client.family);
	struct cp_turn_errlim *e;
	uint64_t tokens;

	if (src->transport != CP_TURN_UDP)
		return true; /* a stream peer completed a handshake: not spoofed */
	e = &t->errlim[hash_bytes(src->client.bytes, alen, HASH_SEED) & (CP_TURN_ERRLIM_SLOTS - 1)];
	if (e->family != src->client.family || memcmp(e->addr, src->client.bytes, alen) != 0) {
		e->family = src->client.family;
		memcpy(e->addr, src->client.bytes, alen);
		e->tokens_milli = (uint32_t)depth;
		e->last_ns = now_ns;
	}
	tokens = e->tokens_milli + (now_ns - e->last_ns) * rate * MILLI / NS_PER_S;
	if (tokens > depth)
		tokens = depth;
	e->last_ns = now_ns;
	if (tokens < MILLI) {
		e->tokens_milli = (uint32_t)tokens;
		return false;
	}
	e->tokens_milli = (uint32_t)(tokens - MILLI);
	return true;
}

/* --------------------------------------------------------------- expiry */

/* Free permission and channel entries that are past their lifetime (and cool-down). */
static void
expire_entries(struct cp_turn *t, struct cp_turn_alloc *a, uint64_t now)
{
	unsigned i, j;

	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
		struct cp_turn_chan *c = &a->chan[i];

		if (c->number != 0 && c->expiry_ns + CP_TURN_CHAN_COOLDOWN_S * NS_PER_S <= now) {
			memset(c, 0, sizeof(*c));
			cp_turn_submit(t, SN_CMD_CHAN_SET, a->id, (uint8_t)i);
		}
	}
	for (i = 0; i < SN_TURN_MAX_PERMS; i++) {
		struct cp_turn_perm *p = &a->perm[i];
		bool used = false;

		if (p->family == SN_FAM_NONE || p->expiry_ns > now)
			continue;
		for (j = 0; j < SN_TURN_MAX_CHANNELS; j++)
			if (a->chan[j].number != 0 && a->chan[j].perm == i)
				used = true;
		if (used)
			continue; /* the channel (cooling down) still names this peer */
		memset(p, 0, sizeof(*p));
		cp_turn_submit(t, SN_CMD_PERM_SET, a->id, (uint8_t)i);
	}
}

void
cp_turn_tick(struct cp_turn *t, uint64_t now_ns)
{
	uint32_t id;
	unsigned i;

	for (i = 0; i < t->n_resv;) {
		if (t->resv[i].expiry_ns <= now_ns) {
			cp_sessions_port_release(t->pools, t->resv[i].idx, t->resv[i].port);
			t->resv[i] = t->resv[--t->n_resv];
		} else {
			i++;
		}
	}
	if (now_ns < t->next_expiry_scan_ns || t->count == 0)
		return;
	t->next_expiry_scan_ns = now_ns + EXPIRY_SCAN_PERIOD_NS;
	for (id = 0; id < t->max_allocs; id++) {
		struct cp_turn_alloc *a = t->slot[id];

		if (a == NULL)
			continue;
		if (a->expiry_ns <= now_ns) {
			CP_DEBUG("TURN: allocation %" PRIu32 " expired", id);
			cp_turn_alloc_free(t, a, CP_TURN_C_EXPIRED);
			continue;
		}
		expire_entries(t, a, now_ns);
	}
}

/* ---------------------------------------------------------------- adopt */

uint32_t
cp_turn_adopt(struct cp_turn *t, const struct sn_alloc *slots, uint32_t max, uint64_t now_ns)
{
	uint32_t id, adopted = 0, now_s = 0;
	unsigned r, i;

	if (t->mbox != NULL && t->mbox->shm.hdr != NULL)
		now_s = __atomic_load_n(&t->mbox->shm.hdr->now_s, __ATOMIC_RELAXED);
	for (id = 0; id < max && id < t->max_allocs; id++) {
		const struct sn_alloc *sl = &slots[id];
		struct cp_turn_src src;
		struct cp_turn_alloc *a;
		struct sn_alloc s;
		bool ok = true;

		if (__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) != SN_SESS_ACTIVE)
			continue;
		if (t->slot[id] != NULL)
			continue;
		memcpy(&s, sl, sizeof(s));
		if ((s.flags & SN_ALLOC_STREAM) || s.expiry_s <= now_s ||
			s.server_addr_idx >= t->cfg->n_addrs) {
			cp_turn_submit(t, SN_CMD_ALLOC_DEL, id, 0); /* its stream died with us */
			continue;
		}
		memset(&src, 0, sizeof(src));
		src.transport = CP_TURN_UDP;
		src.client.family = s.client_family;
		memcpy(src.client.bytes, s.client_addr, sn_fam_len(s.client_family));
		src.client_port = ntohs(s.client_port);
		src.server_idx = s.server_addr_idx;
		src.server_port = ntohs(s.server_port);
		/* take this exact id off the free stack */
		for (i = 0; i < t->n_free; i++) {
			if (t->free_ids[i] == id) {
				t->free_ids[i] = t->free_ids[--t->n_free];
				t->free_ids[t->n_free++] = id; /* now on top */
				break;
			}
		}
		ok = t->n_free > 0 && t->free_ids[t->n_free - 1] == id;
		a = ok ? cp_turn_alloc_new(t, &src) : NULL;
		if (a == NULL) {
			cp_turn_submit(t, SN_CMD_ALLOC_DEL, id, 0);
			continue;
		}
		a->adopted = true;
		a->dp_ok = true;
		a->created_ns = now_ns;
		a->expiry_ns = now_ns + (uint64_t)(s.expiry_s - now_s) * NS_PER_S;
		a->lifetime_s = s.expiry_s - now_s;
		for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
			if (!s.relay[r].used)
				continue;
			if (cp_sessions_port_take(t->pools, s.relay[r].addr_idx,
				    ntohs(s.relay[r].port)) != 0)
				continue;
			a->relay[r].used = true;
			a->relay[r].idx = s.relay[r].addr_idx;
			a->relay[r].port = ntohs(s.relay[r].port);
		}
		for (i = 0; i < SN_TURN_MAX_PERMS; i++) {
			if (s.perm_family[i] == SN_FAM_NONE || s.perm_expiry_s[i] <= now_s)
				continue;
			a->perm[i].family = s.perm_family[i];
			memcpy(a->perm[i].addr, s.perm_addr[i], sn_fam_len(s.perm_family[i]));
			a->perm[i].expiry_ns =
				now_ns + (uint64_t)(s.perm_expiry_s[i] - now_s) * NS_PER_S;
		}
		for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
			if (s.chan_num[i] == 0 || s.chan_expiry_s[i] <= now_s ||
				s.chan_perm[i] >= SN_TURN_MAX_PERMS)
				continue;
			a->chan[i].number = s.chan_num[i];
			a->chan[i].perm = s.chan_perm[i];
			a->chan[i].port = ntohs(s.chan_port[i]);
			a->chan[i].expiry_ns =
				now_ns + (uint64_t)(s.chan_expiry_s[i] - now_s) * NS_PER_S;
		}
		cp_turn_relay_index(t, a);
		adopted++;
	}
	if (adopted != 0)
		CP_INFO("TURN: adopted %" PRIu32 " allocations from the running dataplane",
			adopted);
	return adopted;
}

/* ----------------------------------------------------------------- init */

static int
load_secrets(struct cp_turn *t, char *err, size_t errlen)
{
	const char *path = t->cfg->turn.secrets_file;
	char line[CP_AUTH_SECRET_MAX + 2];
	unsigned n = 0, lineno = 0;
	FILE *f;

	cp_auth_clear_secrets(&t->auth);
	if (path[0] == '\0')
		return 0;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strcspn(line, "\r\n");
		char *s = line;

		lineno++;
		line[len] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		len = strlen(s);
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			s[--len] = '\0';
		if (len == 0 || s[0] == '#')
			continue;
		if (cp_auth_add_secret(&t->auth, s) != 0) {
			snprintf(err, errlen, "%s:%u: secret refused (empty, too long or more than %u)",
				path, lineno, CP_AUTH_MAX_SECRETS);
			fclose(f);
			return -EINVAL;
		}
		n++;
	}
	fclose(f);
	return (int)n;
}

int
cp_turn_reload_secrets(struct cp_turn *t, char *err, size_t errlen)
{
	int ret = load_secrets(t, err, errlen);

	return ret < 0 ? ret : 0;
}

int
cp_turn_reload_users(struct cp_turn *t, char *err, size_t errlen)
{
	const char *path = t->cfg->turn.users_file;
	int ret;

	if (path[0] == '\0')
		return 0;
	ret = cp_auth_users_load(&t->auth, path, err, errlen);
	if (ret == -ENOENT)
		return cp_auth_users_load_buf(&t->auth, "", 0, err, errlen) < 0 ? -EINVAL : 0;
	return ret < 0 ? ret : 0;
}

static int
policy_setup(struct cp_turn *t, char *err, size_t errlen)
{
	const struct sn_config *cfg = t->cfg;
	struct cp_policy_cidr c;
	unsigned i;

	cp_policy_init(&t->policy, true);
	for (i = 0; i < cfg->turn.n_allowed_peers; i++) {
		c.addr = cfg->turn.allowed_peers[i].addr;
		c.prefix_len = cfg->turn.allowed_peers[i].prefix_len;
		if (cp_policy_allow(&t->policy, &c) != 0)
			goto full;
	}
	for (i = 0; i < cfg->turn.n_denied_peers; i++) {
		c.addr = cfg->turn.denied_peers[i].addr;
		c.prefix_len = cfg->turn.denied_peers[i].prefix_len;
		if (cp_policy_deny(&t->policy, &c) != 0)
			goto full;
	}
	for (i = 0; i < cfg->n_addrs; i++) {
		if (cp_policy_add_self(&t->policy, &cfg->addrs[i].addr) != 0 ||
			cp_policy_add_self_subnet(
				&t->policy, &cfg->addrs[i].addr, cfg->addrs[i].prefix_len) != 0)
			goto full;
	}
	return 0;
full:
	snprintf(err, errlen, "[turn] allowed_peer/denied_peer: policy table full");
	return -ENOSPC;
}

int
cp_turn_init(struct cp_turn *t, const struct sn_config *cfg, struct cp_sessions *pools,
	struct cp_mbox *mbox, const struct cp_turn_ops *ops, void *ops_arg, char *err,
	size_t errlen)
{
	struct cp_auth_cfg acfg;
	uint32_t hs, i;
	int ret;

	memset(t, 0, sizeof(*t));
	t->held_tail = &t->held_head;
	t->cfg = cfg;
	t->pools = pools;
	t->mbox = mbox;
	t->ops = ops;
	t->ops_arg = ops_arg;
	t->max_allocs = cfg->dp.max_allocs;
	t->total_quota = cfg->turn.total_quota != 0 && cfg->turn.total_quota < t->max_allocs
				 ? cfg->turn.total_quota
				 : t->max_allocs;
	memcpy(t->relay_idx, cfg->turn.relay_addr_idx, sizeof(t->relay_idx));
	t->n_relay = cfg->turn.n_relay_addrs;

	cp_auth_cfg_defaults(&acfg);
	snprintf(acfg.realm, sizeof(acfg.realm), "%s", cfg->turn.realm);
	acfg.nonce_lifetime_s = cfg->turn.nonce_lifetime_s;
	ret = cp_auth_init(&t->auth, &acfg);
	if (ret != 0) {
		snprintf(err, errlen, "[turn] realm: cannot set up authentication: %s",
			strerror(-ret));
		return ret;
	}
	ret = policy_setup(t, err, errlen);
	if (ret != 0)
		goto fail;

	for (hs = 1; hs < t->max_allocs * 2; hs <<= 1)
		;
	t->hash_mask = hs - 1;
	for (i = USERS_HASH_MIN; i < t->max_allocs; i <<= 1)
		;
	t->users_mask = i - 1;
	t->slot = calloc(t->max_allocs, sizeof(*t->slot));
	t->free_ids = malloc(sizeof(*t->free_ids) * t->max_allocs);
	t->hash = calloc(hs, sizeof(*t->hash));
	t->rhash = calloc(hs, sizeof(*t->rhash));
	t->users = calloc(i, sizeof(*t->users));
	t->errlim = calloc(CP_TURN_ERRLIM_SLOTS, sizeof(*t->errlim));
	if (t->slot == NULL || t->free_ids == NULL || t->hash == NULL || t->rhash == NULL ||
		t->users == NULL ||
		t->errlim == NULL) {
		snprintf(err, errlen, "TURN tables for %" PRIu32 " allocations: out of memory",
			t->max_allocs);
		ret = -ENOMEM;
		goto fail;
	}
	/* ids handed out from 0 upwards */
	for (i = 0; i < t->max_allocs; i++)
		t->free_ids[i] = t->max_allocs - 1 - i;
	t->n_free = t->max_allocs;

	ret = cp_turn_reload_users(t, err, errlen);
	if (ret != 0)
		goto fail;
	ret = load_secrets(t, err, errlen);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	cp_turn_fini(t);
	return ret;
}

void
cp_turn_fini(struct cp_turn *t)
{
	uint32_t id, i;

	while (t->held_head != NULL) {
		struct cp_turn_held *h = t->held_head;

		t->held_head = h->next;
		free(h);
	}
	t->held_tail = &t->held_head;
	t->n_held = 0;
	if (t->slot != NULL) {
		for (id = 0; id < t->max_allocs; id++) {
			struct cp_turn_alloc *a = t->slot[id];
			unsigned r;

			if (a == NULL)
				continue;
			for (r = 0; r < SN_TURN_MAX_RELAYS; r++)
				if (a->relay[r].fd >= 0 && t->ops != NULL &&
					t->ops->relay_close != NULL)
					t->ops->relay_close(t->ops_arg, a->relay[r].fd);
			free(a);
		}
	}
	if (t->users != NULL) {
		for (i = 0; i <= t->users_mask; i++) {
			struct cp_turn_user *u = t->users[i], *n;

			for (; u != NULL; u = n) {
				n = u->hnext;
				free(u->name);
				free(u);
			}
		}
	}
	free(t->slot);
	free(t->free_ids);
	free(t->hash);
	free(t->rhash);
	t->rhash = NULL;
	free(t->users);
	free(t->errlim);
	t->slot = NULL;
	t->free_ids = NULL;
	t->hash = NULL;
	t->users = NULL;
	t->errlim = NULL;
	cp_auth_fini(&t->auth);
}
