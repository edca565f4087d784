/* SPDX-License-Identifier: BSD-3-Clause */
/* Authoritative relay-session state (see cp_sessions.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cp_sessions.h"
#include "sn_addr.h"

#define NS_PER_S	    1000000000ull
#define BITS_PER_WORD	    64
#define MS_PER_S	    1000
#define CP_LFHT_MIN_BUCKETS 1024
#define CP_LFHT_MAX_INIT    (1u << 20) /* buckets allocated up front (8 MiB) at most */

/* murmur3 fmix64 finaliser constants */
#define CP_FMIX_C1    0xff51afd7ed558ccdull
#define CP_FMIX_C2    0xc4ceb9fe1a85ec53ull
#define CP_FMIX_SHIFT 33

static inline unsigned long
hash_u32(uint32_t k)
{
	uint64_t x = k;

	x ^= x >> CP_FMIX_SHIFT;
	x *= CP_FMIX_C1;
	x ^= x >> CP_FMIX_SHIFT;
	x *= CP_FMIX_C2;
	x ^= x >> CP_FMIX_SHIFT;
	return (unsigned long)x;
}

/* Key of a local endpoint in the by_ep table. */
static inline uint32_t
ep_key(unsigned addr_idx, uint16_t port)
{
	return ((uint32_t)addr_idx << 16) | port;
}

static inline bool
bit_test(const uint64_t *b, uint32_t i)
{
	return (b[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1;
}

static inline void
bit_set(uint64_t *b, uint32_t i)
{
	b[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD);
}

static inline void
bit_clear(uint64_t *b, uint32_t i)
{
	b[i / BITS_PER_WORD] &= ~(1ull << (i % BITS_PER_WORD));
}

static inline struct cp_session *
leg_session(struct cp_leg *l)
{
	return caa_container_of(l - l->idx, struct cp_session, leg[0]);
}

static int
match_id(struct cds_lfht_node *node, const void *key)
{
	return caa_container_of(node, struct cp_session, id_node)->id == *(const uint32_t *)key;
}

static int
match_ep(struct cds_lfht_node *node, const void *key)
{
	struct cp_leg *l = caa_container_of(node, struct cp_leg, ep_node);

	return ep_key(l->local_addr_idx, l->local_port) == *(const uint32_t *)key;
}

static uint32_t
port_range(const struct cp_sessions *s)
{
	return (uint32_t)s->port_max - s->port_min + 1;
}

static uint32_t
pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

int
cp_sessions_init(struct cp_sessions *s, const struct sn_config *cfg)
{
	uint32_t nwords, tail_bits, init;
	unsigned i;

	memset(s, 0, sizeof(*s));
	if (cfg->dp.max_sessions == 0 || cfg->relay.port_min == 0 ||
		cfg->relay.port_max < cfg->relay.port_min || cfg->n_addrs > SN_MAX_ADDRS)
		return -EINVAL;
	if (sodium_init() < 0)
		return -EINVAL;
	s->max_sessions = cfg->dp.max_sessions;
	s->port_min = cfg->relay.port_min;
	s->port_max = cfg->relay.port_max;
	s->stun_port = cfg->relay.stun_port;
	s->n_addrs = cfg->n_addrs;
	for (i = 0; i < cfg->n_addrs; i++)
		s->addrs[i] = cfg->addrs[i].addr;

	/* Port bitmaps; bits past the range are pre-set so scans never return them. */
	nwords = (port_range(s) + BITS_PER_WORD - 1) / BITS_PER_WORD;
	tail_bits = nwords * BITS_PER_WORD - port_range(s);
	for (i = 0; i < s->n_addrs; i++) {
		s->pools[i].bits = calloc(nwords, sizeof(uint64_t));
		if (s->pools[i].bits == NULL)
			goto fail;
		if (tail_bits != 0)
			s->pools[i].bits[nwords - 1] = ~0ull << (BITS_PER_WORD - tail_bits);
	}

	s->id_used =
		calloc((s->max_sessions + BITS_PER_WORD - 1) / BITS_PER_WORD, sizeof(uint64_t));
	s->id_queue = malloc((size_t)s->max_sessions * sizeof(uint32_t));
	s->slot = calloc(s->max_sessions, sizeof(*s->slot));
	if (s->id_used == NULL || s->id_queue == NULL || s->slot == NULL)
		goto fail;
	cp_sessions_rebuild_free(s);

	/*
	 * Size the tables for max_sessions up front (capped) and never let them
	 * shrink below that: a flush followed by a bulk load must not pay for
	 * incremental regrowth (measured: half the load time).
	 */
	init = pow2_at_least(
		s->max_sessions < CP_LFHT_MAX_INIT ? s->max_sessions : CP_LFHT_MAX_INIT);
	if (init < CP_LFHT_MIN_BUCKETS)
		init = CP_LFHT_MIN_BUCKETS;
	s->by_id = cds_lfht_new(init, init, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	/* Two legs per session: twice the buckets, same cap. */
	init = init < CP_LFHT_MAX_INIT ? init * 2 : init;
	s->by_ep = cds_lfht_new(init, init, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (s->by_id == NULL || s->by_ep == NULL)
		goto fail;
	return 0;

fail:
	cp_sessions_fini(s);
	return -ENOMEM;
}

static void
session_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct cp_session, rcu));
}

void
cp_sessions_fini(struct cp_sessions *s)
{
	struct cds_lfht_iter it;
	struct cp_session *sess;
	unsigned i;

	if (s->by_id != NULL) {
		rcu_read_lock();
		CP_SESSIONS_FOREACH(s, it, sess)
		{
			cds_lfht_del(s->by_id, &sess->id_node);
			cds_lfht_del(s->by_ep, &sess->leg[0].ep_node);
			cds_lfht_del(s->by_ep, &sess->leg[1].ep_node);
			call_rcu(&sess->rcu, session_free_rcu);
		}
		rcu_read_unlock();
		rcu_barrier();
		cds_lfht_destroy(s->by_id, NULL);
	}
	if (s->by_ep != NULL)
		cds_lfht_destroy(s->by_ep, NULL);
	for (i = 0; i < SN_MAX_ADDRS; i++)
		free(s->pools[i].bits);
	free(s->id_used);
	free(s->id_queue);
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

struct cp_session *
cp_sessions_find(struct cp_sessions *s, uint32_t id)
{
	if (id >= s->max_sessions)
		return NULL;
	return rcu_dereference(s->slot[id]);
}

/* The same lookup through the hash table (readers without the array; tests). */
struct cp_session *
cp_sessions_lookup(struct cp_sessions *s, uint32_t id)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;

	rcu_read_lock();
	cds_lfht_lookup(s->by_id, hash_u32(id), match_id, &id, &it);
	n = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	return n == NULL ? NULL : caa_container_of(n, struct cp_session, id_node);
}

struct cp_session *
cp_sessions_find_ep(struct cp_sessions *s, unsigned addr_idx, uint16_t port, unsigned *leg)
{
	uint32_t key = ep_key(addr_idx, port);
	struct cds_lfht_iter it;
	struct cds_lfht_node *n;
	struct cp_leg *l;

	rcu_read_lock();
	cds_lfht_lookup(s->by_ep, hash_u32(key), match_ep, &key, &it);
	n = cds_lfht_iter_get_node(&it);
	rcu_read_unlock();
	if (n == NULL)
		return NULL;
	l = caa_container_of(n, struct cp_leg, ep_node);
	if (leg != NULL)
		*leg = l->idx;
	return leg_session(l);
}

/* ------------------------------------------------------------ flow ids */

void
cp_sessions_rebuild_free(struct cp_sessions *s)
{
	uint32_t id;

	s->q_head = s->q_tail = 0;
	for (id = 0; id < s->max_sessions; id++)
		if (!bit_test(s->id_used, id))
			s->id_queue[s->q_head++ % s->max_sessions] = id;
}

static int
id_alloc(struct cp_sessions *s, uint32_t *id)
{
	uint32_t v;

	while (s->q_tail != s->q_head) {
		v = s->id_queue[s->q_tail++ % s->max_sessions];
		if (!bit_test(s->id_used, v)) {
			bit_set(s->id_used, v);
			*id = v;
			return 0;
		}
	}
	return -ENOSPC;
}

static void
id_release(struct cp_sessions *s, uint32_t id)
{
	bit_clear(s->id_used, id);
	if (s->q_head - s->q_tail >= s->max_sessions) {
		/* Stale entries (adoption) filled the FIFO: rebuild it exactly. */
		cp_sessions_rebuild_free(s);
		return;
	}
	s->id_queue[s->q_head++ % s->max_sessions] = id;
}

/* ---------------------------------------------------------------- ports */

static bool
port_in_range(const struct cp_sessions *s, uint16_t port)
{
	return port >= s->port_min && port <= s->port_max;
}

/* Next-fit allocation of a free port on pool p.  0 or -EADDRINUSE. */
static int
pool_alloc(struct cp_sessions *s, struct cp_port_pool *p, uint16_t *port)
{
	uint32_t n = port_range(s), nw = (n + BITS_PER_WORD - 1) / BITS_PER_WORD;
	uint32_t start = p->cursor < n ? p->cursor : 0;
	uint32_t i, w, off;
	uint64_t avail;

	for (i = 0; i <= nw; i++) {
		w = (start / BITS_PER_WORD + i) % nw;
		avail = ~p->bits[w];
		if (i == 0)
			avail &= ~0ull << (start % BITS_PER_WORD);
		if (avail == 0)
			continue;
		off = w * BITS_PER_WORD + (uint32_t)__builtin_ctzll(avail);
		bit_set(p->bits, off);
		p->used++;
		p->cursor = off + 1 < n ? off + 1 : 0;
		*port = (uint16_t)(s->port_min + off);
		return 0;
	}
	return -EADDRINUSE;
}

static void
port_release(struct cp_sessions *s, unsigned idx, uint16_t port)
{
	struct cp_port_pool *p = &s->pools[idx];

	if (idx < s->n_addrs && port_in_range(s, port) && bit_test(p->bits, port - s->port_min)) {
		bit_clear(p->bits, port - s->port_min);
		p->used--;
	}
}

/* Mark an explicit port used in its pool (no-op outside the relay range). */
static void
port_mark(struct cp_sessions *s, unsigned idx, uint16_t port)
{
	struct cp_port_pool *p = &s->pools[idx];

	if (port_in_range(s, port) && !bit_test(p->bits, port - s->port_min)) {
		bit_set(p->bits, port - s->port_min);
		p->used++;
	}
}

int
cp_sessions_port_alloc(struct cp_sessions *s, unsigned idx, uint16_t *port)
{
	if (idx >= s->n_addrs)
		return -EINVAL;
	return pool_alloc(s, &s->pools[idx], port);
}

int
cp_sessions_port_take(struct cp_sessions *s, unsigned idx, uint16_t port)
{
	if (idx >= s->n_addrs || !port_in_range(s, port))
		return -EINVAL;
	if (bit_test(s->pools[idx].bits, port - s->port_min))
		return -EADDRINUSE;
	port_mark(s, idx, port);
	return 0;
}

void
cp_sessions_port_release(struct cp_sessions *s, unsigned idx, uint16_t port)
{
	port_release(s, idx, port);
}

uint32_t
cp_sessions_ports_free(const struct cp_sessions *s, unsigned i)
{
	return i < s->n_addrs ? port_range(s) - s->pools[i].used : 0;
}

/*
 * Reserve local endpoint (idx, *port) for leg i, allocating when *port is
 * 0.  other: the endpoint already reserved for leg a when i is 1.
 */
static int
leg_reserve(struct cp_sessions *s, unsigned i, unsigned idx, uint16_t *port, const uint32_t *other,
	char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN], ep[SN_ENDPOINT_STRLEN];
	struct cp_session *owner;

	if (*port == 0) {
		if (pool_alloc(s, &s->pools[idx], port) == 0)
			return 0;
		snprintf(err, errlen, "%s_local: no free relay port on %s (%u-%u all in use)",
			cp_leg_name(i), sn_addr_fmt(&s->addrs[idx], a, sizeof(a)), s->port_min,
			s->port_max);
		return -EADDRINUSE;
	}
	if (*port == s->stun_port) {
		snprintf(err, errlen, "%s_local: port %u is the STUN port", cp_leg_name(i), *port);
		return -EINVAL;
	}
	/* The fast path relays only the configured range: refuse what it would refuse. */
	if (!port_in_range(s, *port)) {
		snprintf(err, errlen, "%s_local: port %u is outside the relay range %u-%u",
			cp_leg_name(i), *port, s->port_min, s->port_max);
		return -EINVAL;
	}
	if (other != NULL && *other == ep_key(idx, *port)) {
		snprintf(err, errlen, "%s_local: %s is also leg a's local endpoint", cp_leg_name(i),
			sn_endpoint_fmt(&s->addrs[idx], *port, ep, sizeof(ep)));
		return -EADDRINUSE;
	}
	/* In the relay range the bitmap is exact: a clear bit needs no lookup. */
	if (port_in_range(s, *port) && !bit_test(s->pools[idx].bits, *port - s->port_min)) {
		port_mark(s, idx, *port);
		return 0;
	}
	owner = cp_sessions_find_ep(s, idx, *port, NULL);
	if (owner != NULL) {
		snprintf(err, errlen, "%s_local: %s is in use by session %" PRIu32, cp_leg_name(i),
			sn_endpoint_fmt(&s->addrs[idx], *port, ep, sizeof(ep)), owner->id);
		return -EADDRINUSE;
	}
	port_mark(s, idx, *port);
	return 0;
}

/* --------------------------------------------------------------- tokens */

static uint64_t
token_next(struct cp_sessions *s)
{
	uint64_t t;

	do {
		if (s->n_tokens == 0) {
			/* One call per CP_TOKEN_CACHE tokens: no syscall per session. */
			randombytes_buf(s->tokens, sizeof(s->tokens));
			s->n_tokens = CP_TOKEN_CACHE;
		}
		t = s->tokens[--s->n_tokens];
	} while (t == 0);
	return t;
}

/* ------------------------------------------------------------- sessions */

static int
addr_index(const struct cp_sessions *s, const struct sn_abi_addr *a)
{
	unsigned i;

	for (i = 0; i < s->n_addrs; i++)
		if (sn_addr_eq(&s->addrs[i], a))
			return (int)i;
	return -1;
}

static int
first_addr_of(const struct cp_sessions *s, uint8_t fam)
{
	unsigned i;

	for (i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].family == fam)
			return (int)i;
	return -1;
}

static void
insert_session(struct cp_sessions *s, struct cp_session *sess)
{
	uint32_t k;
	unsigned i;

	rcu_read_lock();
	for (i = 0; i < 2; i++) {
		k = ep_key(sess->leg[i].local_addr_idx, sess->leg[i].local_port);
		cds_lfht_node_init(&sess->leg[i].ep_node);
		cds_lfht_add(s->by_ep, hash_u32(k), &sess->leg[i].ep_node);
	}
	cds_lfht_node_init(&sess->id_node);
	cds_lfht_add(s->by_id, hash_u32(sess->id), &sess->id_node);
	rcu_read_unlock();
	rcu_assign_pointer(s->slot[sess->id], sess);
	s->count++;
	s->n_state[sess->state]++;
}

/* Check an address of leg i against the session family. */
static int
check_family(const struct sn_abi_addr *a, uint8_t fam, unsigned i, const char *what, char *err,
	size_t errlen)
{
	char t[INET6_ADDRSTRLEN];

	if (a->family == SN_FAM_NONE || a->family == fam)
		return 0;
	snprintf(err, errlen, "%s_%s: %s is IPv%u but the session is IPv%u", cp_leg_name(i), what,
		sn_addr_fmt(a, t, sizeof(t)), a->family, fam);
	return -EINVAL;
}

int
cp_sessions_create(struct cp_sessions *s, const struct cp_session_spec *spec, uint64_t now_ns,
	struct cp_session **out, char *err, size_t errlen)
{
	char t[INET6_ADDRSTRLEN];
	uint16_t port[2] = {0, 0};
	struct cp_session *sess;
	uint8_t fam = spec->family;
	int idx[2], ret;
	uint32_t id, k0;
	unsigned i;

	if (s->count >= s->max_sessions) {
		snprintf(err, errlen, "session table full (%" PRIu32 " sessions)", s->max_sessions);
		return -ENOSPC;
	}
	if (fam == SN_FAM_NONE) {
		for (i = 0; i < 2 && fam == SN_FAM_NONE; i++) {
			if (spec->leg[i].local.family != SN_FAM_NONE)
				fam = spec->leg[i].local.family;
			else if (spec->leg[i].remote.family != SN_FAM_NONE)
				fam = spec->leg[i].remote.family;
		}
		if (fam == SN_FAM_NONE)
			fam = SN_FAM_IPV4;
	}
	if (fam != SN_FAM_IPV4 && fam != SN_FAM_IPV6) {
		snprintf(err, errlen, "family: must be 4 or 6");
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		const struct cp_leg_spec *ls = &spec->leg[i];

		if (check_family(&ls->local, fam, i, "local", err, errlen) != 0 ||
			check_family(&ls->remote, fam, i, "remote", err, errlen) != 0)
			return -EINVAL;
		if (ls->remote.family == SN_FAM_NONE && !spec->latch) {
			snprintf(err, errlen, "%s_remote: required unless the session latches",
				cp_leg_name(i));
			return -EINVAL;
		}
		if (ls->remote.family != SN_FAM_NONE && ls->remote_port == 0) {
			snprintf(err, errlen, "%s_remote: port 0", cp_leg_name(i));
			return -EINVAL;
		}
		if (ls->local.family != SN_FAM_NONE) {
			idx[i] = addr_index(s, &ls->local);
			if (idx[i] < 0) {
				snprintf(err, errlen, "%s_local: %s is not an appliance address",
					cp_leg_name(i), sn_addr_fmt(&ls->local, t, sizeof(t)));
				return -EINVAL;
			}
		} else {
			idx[i] = first_addr_of(s, fam);
			if (idx[i] < 0) {
				snprintf(err, errlen,
					"%s_local: no IPv%u appliance address configured",
					cp_leg_name(i), fam);
				return -EINVAL;
			}
		}
		port[i] = ls->local_port;
	}

	ret = leg_reserve(s, 0, (unsigned)idx[0], &port[0], NULL, err, errlen);
	if (ret != 0)
		return ret;
	k0 = ep_key((unsigned)idx[0], port[0]);
	ret = leg_reserve(s, 1, (unsigned)idx[1], &port[1], &k0, err, errlen);
	if (ret != 0)
		goto fail_port0;
	if (id_alloc(s, &id) != 0) {
		snprintf(err, errlen, "session table full (%" PRIu32 " sessions)", s->max_sessions);
		ret = -ENOSPC;
		goto fail_port1;
	}
	sess = calloc(1, sizeof(*sess));
	if (sess == NULL) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail_id;
	}
	sess->id = id;
	sess->state = CP_SESS_PENDING;
	sess->family = fam;
	sess->token = spec->latch ? token_next(s) : 0;
	sess->rate_bytes_per_s = spec->rate_bytes_per_s;
	sess->burst_bytes = spec->burst_bytes;
	if (sess->rate_bytes_per_s != 0 && sess->burst_bytes == 0) {
		uint64_t b = (uint64_t)sess->rate_bytes_per_s * CP_DEFAULT_BURST_MS / MS_PER_S;

		sess->burst_bytes = b < CP_MIN_BURST_BYTES ? CP_MIN_BURST_BYTES : (uint32_t)b;
	}
	for (i = 0; i < 2; i++) {
		struct cp_leg *l = &sess->leg[i];

		l->idx = (uint8_t)i;
		l->local_addr_idx = (uint8_t)idx[i];
		l->local_port = port[i];
		l->remote = spec->leg[i].remote;
		l->remote_port = l->remote.family != SN_FAM_NONE ? spec->leg[i].remote_port : 0;
		l->flags = spec->latch ? SN_LEG_LATCH : 0;
	}
	sess->created_ns = sess->idle_base_ns = now_ns;
	insert_session(s, sess);
	*out = sess;
	return 0;

fail_id:
	id_release(s, id);
fail_port1:
	port_release(s, (unsigned)idx[1], port[1]);
fail_port0:
	port_release(s, (unsigned)idx[0], port[0]);
	return ret;
}

int
cp_sessions_adopt(struct cp_sessions *s, const struct sn_session *slot, uint32_t id,
	uint64_t now_ns, char *err, size_t errlen)
{
	struct cp_session *sess, *owner;
	uint16_t port[2];
	unsigned i, idx;

	if (id >= s->max_sessions) {
		snprintf(err, errlen, "flow %" PRIu32 " beyond max_sessions %" PRIu32, id,
			s->max_sessions);
		return -EINVAL;
	}
	if (bit_test(s->id_used, id))
		return -EEXIST;
	if (slot->family != SN_FAM_IPV4 && slot->family != SN_FAM_IPV6) {
		snprintf(err, errlen, "flow %" PRIu32 ": bad family %u", id, slot->family);
		return -EINVAL;
	}
	for (i = 0; i < 2; i++) {
		idx = slot->leg[i].local_addr_idx;
		port[i] = ntohs(slot->leg[i].local_port);
		if (idx >= s->n_addrs || s->addrs[idx].family != slot->family || port[i] == 0) {
			snprintf(err, errlen,
				"flow %" PRIu32 " leg %s: unknown local address %u/port %u", id,
				cp_leg_name(i), idx, port[i]);
			return -EINVAL;
		}
		owner = cp_sessions_find_ep(s, idx, port[i], NULL);
		if (owner != NULL ||
			(i == 1 && idx == slot->leg[0].local_addr_idx && port[1] == port[0])) {
			snprintf(err, errlen,
				"flow %" PRIu32 " leg %s: local port %u already used%s", id,
				cp_leg_name(i), port[i],
				owner != NULL ? " by another session" : "");
			return -EADDRINUSE;
		}
	}
	sess = calloc(1, sizeof(*sess));
	if (sess == NULL)
		return -ENOMEM;
	sess->id = id;
	sess->state = CP_SESS_ACTIVE;
	sess->family = slot->family;
	sess->flags = CP_SESS_F_ADOPTED;
	sess->token = slot->token;
	sess->rate_bytes_per_s = slot->rate_bytes_per_s;
	sess->burst_bytes = slot->burst_bytes;
	for (i = 0; i < 2; i++) {
		const struct sn_leg *sl = &slot->leg[i];
		struct cp_leg *l = &sess->leg[i];

		l->idx = (uint8_t)i;
		l->local_addr_idx = sl->local_addr_idx;
		l->local_port = port[i];
		l->flags = sl->flags & (SN_LEG_LATCH | SN_LEG_LATCHED);
		if (sl->flags & SN_LEG_REMOTE_SET) {
			l->remote.family = slot->family;
			memcpy(l->remote.bytes, sl->remote_addr, sn_fam_len(slot->family));
			l->remote_port = ntohs(sl->remote_port);
		}
		port_mark(s, l->local_addr_idx, port[i]);
	}
	bit_set(s->id_used, id);
	sess->created_ns = sess->idle_base_ns = now_ns;
	insert_session(s, sess);
	return 0;
}

void
cp_sessions_set_state(struct cp_sessions *s, struct cp_session *sess, enum cp_sess_state st)
{
	s->n_state[sess->state]--;
	sess->state = (uint8_t)st;
	s->n_state[st]++;
}

void
cp_sessions_remove(struct cp_sessions *s, struct cp_session *sess)
{
	unsigned i;

	rcu_set_pointer(&s->slot[sess->id], NULL);
	rcu_read_lock();
	cds_lfht_del(s->by_id, &sess->id_node);
	for (i = 0; i < 2; i++)
		cds_lfht_del(s->by_ep, &sess->leg[i].ep_node);
	rcu_read_unlock();
	for (i = 0; i < 2; i++)
		port_release(s, sess->leg[i].local_addr_idx, sess->leg[i].local_port);
	id_release(s, sess->id);
	s->count--;
	s->n_state[sess->state]--;
	call_rcu(&sess->rcu, session_free_rcu);
}

static int
cmp_session_id(const void *a, const void *b)
{
	const struct cp_session *x = *(struct cp_session *const *)a;
	const struct cp_session *y = *(struct cp_session *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct cp_session **
cp_sessions_snapshot(struct cp_sessions *s, size_t *n, bool sorted)
{
	struct cp_session **v, *sess;
	struct cds_lfht_iter it;
	size_t k = 0;

	*n = 0;
	if (s->count == 0)
		return NULL;
	v = malloc((size_t)s->count * sizeof(*v));
	if (v == NULL)
		return NULL;
	rcu_read_lock();
	CP_SESSIONS_FOREACH(s, it, sess)
	{
		if (k == s->count)
			break;
		v[k++] = sess;
	}
	rcu_read_unlock();
	if (sorted)
		qsort(v, k, sizeof(*v), cmp_session_id);
	*n = k;
	return v;
}

void
cp_session_to_cmd(const struct cp_session *sess, struct sn_cmd_session *c)
{
	unsigned i;

	memset(c, 0, sizeof(*c));
	c->token = sess->token;
	c->rate_bytes_per_s = sess->rate_bytes_per_s;
	c->burst_bytes = sess->burst_bytes;
	for (i = 0; i < 2; i++) {
		const struct cp_leg *l = &sess->leg[i];

		if (l->remote.family != SN_FAM_NONE) {
			c->leg[i].remote = l->remote;
			c->leg[i].remote_port = htons(l->remote_port);
		}
		c->leg[i].local_port = htons(l->local_port);
		c->leg[i].local_addr_idx = l->local_addr_idx;
		c->leg[i].flags = l->flags & SN_LEG_LATCH;
	}
}

uint64_t
cp_session_idle_s(const struct cp_session *sess, uint64_t now_ns, uint64_t last_seen_tsc,
	uint64_t now_tsc, uint64_t tsc_hz)
{
	if (last_seen_tsc != 0 && tsc_hz != 0)
		return now_tsc > last_seen_tsc ? (now_tsc - last_seen_tsc) / tsc_hz : 0;
	return now_ns > sess->idle_base_ns ? (now_ns - sess->idle_base_ns) / NS_PER_S : 0;
}
