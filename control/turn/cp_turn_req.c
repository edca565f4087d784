/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN requests (RFC 8656 sections 7-12) and the stream-client data path,
 * on top of the state in cp_turn.c.  Order of checks per request follows
 * the RFC's numbered lists; every refusal is an error response (rate
 * limited per source on UDP) or, for indications and data, a silent drop
 * that is counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "cp_log.h"
#include "cp_turn.h"
#include "cp_turn_int.h"
#include "sn_addr.h"
#include "sn_bytes.h"
#include "sn_stun_write.h"

#define NS_PER_S	     1000000000ull
#define STUN_PAD	     4
#define RT_PROTO_OFF	     0 /* REQUESTED-TRANSPORT: protocol, then 3 RFFU bytes */
#define RT_LEN		     4
#define FAMILY_ATTR_LEN	     4 /* REQUESTED/ADDITIONAL-ADDRESS-FAMILY */
#define CHANNEL_NUMBER_LEN   4
#define EVEN_PORT_LEN	     1
#define ADDR_ERROR_CODE_LEN  4 /* family, reserved, class, number (section 18.12) */
#define LIFETIME_LEN	     4
#define MAX_PEERS_PER_REQ    SN_TURN_MAX_PERMS

struct reply {
	uint8_t buf[CP_TURN_MSG_MAX];
	struct sn_stun_writer w;
};

/* RFC 8489 section 5: method bits M0-M11 around class bits C0 (bit 4) and C1 (bit 8). */
static inline uint16_t
stun_type(uint16_t method, uint16_t cls)
{
	return (uint16_t)((method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) |
			  cls);
}

static void
reply_begin(struct reply *r, const struct sn_stun_msg *m, uint16_t cls)
{
	sn_stun_writer_begin(&r->w, r->buf, r->buf + sizeof(r->buf), stun_type(m->method, cls),
		m->txid);
}

/* SOFTWARE, integrity when ar is a success, FINGERPRINT; send. */
static void
reply_send(struct cp_turn *t, const struct cp_turn_src *src, struct reply *r,
	const struct cp_auth_result *ar)
{
	const char *sw = t->cfg->turn.software;
	int len;

	if (sw[0] != '\0')
		sn_stun_add_raw(&r->w, SN_STUN_ATTR_SOFTWARE, sw, strlen(sw));
	if (ar != NULL && ar->code == 0)
		cp_auth_sign(ar, &r->w);
	sn_stun_add_fingerprint(&r->w);
	len = sn_stun_writer_finish(&r->w);
	if (len < 0) {
		CP_ERR("TURN: cannot build an answer: %s", strerror(-len));
		return;
	}
	/* a success announces state: it waits until the fast path has it */
	cp_turn_answer(t, src, r->buf, (size_t)len, (sn_rd16(r->buf) & SN_STUN_CLASS_MASK) ==
								  SN_STUN_CLASS_SUCCESS);
}

/*
 * Error response code to request m (RFC 8489 section 6.3.4), signed when the
 * request was authenticated (ar success), limited per source.
 */
static void
send_error(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	int code, const struct cp_auth_result *ar, uint64_t now_ns)
{
	char ep[SN_ENDPOINT_STRLEN];
	struct reply r;

	CP_DEBUG("TURN: method %#x from %s: error %d", m->method,
		sn_endpoint_fmt(&src->client, src->client_port, ep, sizeof(ep)), code);
	if (!cp_turn_error_allowed(t, src, now_ns)) {
		t->cnt[CP_TURN_C_ERRORS_LIMITED]++;
		return;
	}
	t->cnt[CP_TURN_C_ERRORS]++;
	reply_begin(&r, m, SN_STUN_CLASS_ERROR);
	sn_stun_add_error(&r.w, (uint16_t)code, cp_auth_code_phrase(code));
	if (code == CP_TURN_ERR_UNKNOWN_ATTRIBUTE)
		sn_stun_add_unknown(&r.w, &m->unknown_required, 1);
	reply_send(t, src, &r, ar);
}

static void
send_auth_error(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now_ns)
{
	struct reply r;

	if (!cp_turn_error_allowed(t, src, now_ns)) {
		t->cnt[CP_TURN_C_ERRORS_LIMITED]++;
		return;
	}
	t->cnt[CP_TURN_C_ERRORS]++;
	reply_begin(&r, m, SN_STUN_CLASS_ERROR);
	cp_auth_write_error(&t->auth, ar, &r.w);
	reply_send(t, src, &r, NULL);
}

static const uint8_t *
attr_val(const struct sn_stun_msg *m, const struct sn_stun_attr *a)
{
	return m->start + a->off;
}

/* ------------------------------------------------------------ lifetimes */

/* RFC 8656 section 7.2 item 7 / 7.3: the lifetime to grant for a request. */
static uint32_t
granted_lifetime(const struct cp_turn *t, const struct sn_stun_msg *m)
{
	const struct sn_stun_attr *la = sn_stun_find(m, SN_TURN_ATTR_LIFETIME);
	uint32_t want, def = t->cfg->turn.default_lifetime_s, max = t->cfg->turn.max_lifetime_s;

	if (la == NULL || la->len != LIFETIME_LEN)
		return def;
	want = sn_rd32(attr_val(m, la));
	if (want == 0)
		return 0;
	if (want < def)
		return def;
	return want > max ? max : want;
}

/* ----------------------------------------------------------- peers */

static bool
is_relay_address(const struct cp_turn *t, const struct sn_abi_addr *a)
{
	unsigned i;

	for (i = 0; i < t->n_relay; i++)
		if (sn_addr_eq(&t->cfg->addrs[t->relay_idx[i]].addr, a))
			return true;
	return false;
}

/*
 * May a relay to peer?  Another relayed address of this appliance is
 * allowed (clients of the same box reach each other, RFC 8656 section
 * 21.1: the fast path delivers such packets internally, only to relayed
 * ports); everything else goes through the policy.
 */
static bool
peer_allowed(struct cp_turn *t, const struct sn_abi_addr *peer, uint16_t port, bool check_port)
{
	enum cp_policy_verdict v, inner;

	if (is_relay_address(t, peer)) {
		if (check_port && (port < t->cfg->relay.port_min || port > t->cfg->relay.port_max)) {
			t->policy_verdicts[CP_POLICY_DENY_SELF]++;
			return false;
		}
		t->policy_verdicts[CP_POLICY_ALLOW]++;
		return true;
	}
	v = check_port ? cp_policy_check_endpoint(&t->policy, peer, port, &inner)
		       : cp_policy_check(&t->policy, peer, &inner);
	t->policy_verdicts[v < CP_POLICY_VERDICT_MAX ? v : CP_POLICY_ALLOW]++;
	return v == CP_POLICY_ALLOW;
}

/* Relay slot of a whose address family is fam, or -1. */
static int
relay_of_family(const struct cp_turn *t, const struct cp_turn_alloc *a, uint8_t fam)
{
	unsigned r;

	for (r = 0; r < SN_TURN_MAX_RELAYS; r++)
		if (a->relay[r].used && t->cfg->addrs[a->relay[r].idx].addr.family == fam)
			return (int)r;
	return -1;
}

static int
perm_find(const struct cp_turn_alloc *a, uint8_t fam, const uint8_t *addr)
{
	unsigned i;

	for (i = 0; i < SN_TURN_MAX_PERMS; i++)
		if (a->perm[i].family == fam && memcmp(a->perm[i].addr, addr, sn_fam_len(fam)) == 0)
			return (int)i;
	return -1;
}

static bool
perm_slot_busy(const struct cp_turn_alloc *a, unsigned i, uint64_t now)
{
	unsigned j;

	if (a->perm[i].family == SN_FAM_NONE)
		return false;
	if (a->perm[i].expiry_ns > now)
		return true;
	for (j = 0; j < SN_TURN_MAX_CHANNELS; j++)
		if (a->chan[j].number != 0 && a->chan[j].perm == i)
			return true;
	return false;
}

/* Slot for a permission to addr: its own, or a free/expired one; -1 when full. */
static int
perm_slot(const struct cp_turn_alloc *a, uint8_t fam, const uint8_t *addr, uint64_t now)
{
	int i = perm_find(a, fam, addr);
	unsigned k;

	if (i >= 0)
		return i;
	for (k = 0; k < SN_TURN_MAX_PERMS; k++)
		if (!perm_slot_busy(a, k, now))
			return (int)k;
	return -1;
}

static void
perm_set(struct cp_turn *t, struct cp_turn_alloc *a, unsigned i, uint8_t fam, const uint8_t *addr,
	uint64_t now)
{
	struct cp_turn_perm *p = &a->perm[i];

	p->family = fam;
	memset(p->addr, 0, sizeof(p->addr));
	memcpy(p->addr, addr, sn_fam_len(fam));
	p->expiry_ns = now + CP_TURN_PERM_LIFETIME_S * NS_PER_S;
	t->cnt[CP_TURN_C_PERMISSIONS]++;
	cp_turn_submit(t, SN_CMD_PERM_SET, a->id, (uint8_t)i);
}

static bool
perm_live(const struct cp_turn_alloc *a, int i, uint64_t now)
{
	return i >= 0 && a->perm[i].family != SN_FAM_NONE && a->perm[i].expiry_ns > now;
}

/* ---------------------------------------------------------- answers */

static void
add_relayed(struct cp_turn *t, struct reply *r, const struct cp_turn_alloc *a)
{
	unsigned i;

	for (i = 0; i < SN_TURN_MAX_RELAYS; i++) {
		const struct sn_abi_addr *ad;

		if (!a->relay[i].used)
			continue;
		ad = &t->cfg->addrs[a->relay[i].idx].addr;
		sn_stun_add_xaddr(&r->w, SN_TURN_ATTR_XOR_RELAYED_ADDRESS, ad->family, ad->bytes,
			a->relay[i].port);
	}
}

static void
allocate_success(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_turn_alloc *a, const struct cp_auth_result *ar, int addr_err,
	const uint8_t *resv_token)
{
	struct reply r;

	reply_begin(&r, m, SN_STUN_CLASS_SUCCESS);
	add_relayed(t, &r, a);
	if (addr_err != 0) {
		uint8_t v[ADDR_ERROR_CODE_LEN] = {CP_TURN_ADDR_FAMILY_IPV6, 0,
			(uint8_t)(addr_err / 100), (uint8_t)(addr_err % 100)};

		sn_stun_add_raw(&r.w, SN_TURN_ATTR_ADDRESS_ERROR_CODE, v, sizeof(v));
	}
	sn_stun_add_u32(&r.w, SN_TURN_ATTR_LIFETIME, a->lifetime_s);
	if (resv_token != NULL)
		sn_stun_add_raw(&r.w, SN_TURN_ATTR_RESERVATION_TOKEN, resv_token,
			CP_TURN_RESERVATION_TOKEN_LEN);
	sn_stun_add_xaddr(&r.w, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, src->client.family,
		src->client.bytes, src->client_port);
	reply_send(t, src, &r, ar);
}

static void
plain_success(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar)
{
	struct reply r;

	reply_begin(&r, m, SN_STUN_CLASS_SUCCESS);
	reply_send(t, src, &r, ar);
}

/* ---------------------------------------------------------- requests */

/*
 * The account an authenticated request belongs to, for quotas and for
 * "same user" (RFC 8656 section 5): the username, except that a TURN REST
 * username "expiry:user" counts as its user part, so a client that renews
 * its ephemeral credentials keeps its allocation and one user's REST
 * credentials share one quota.
 */
static void
account_of(const struct cp_auth_result *ar, const char **name, size_t *len)
{
	const char *colon = memchr(ar->username, ':', ar->username_len);
	uint64_t expiry;

	*name = ar->username;
	*len = ar->username_len;
	if (colon != NULL && colon + 1 < ar->username + ar->username_len &&
		cp_auth_rest_expiry(ar->username, ar->username_len, &expiry) == 0) {
		*name = colon + 1;
		*len = (size_t)(ar->username + ar->username_len - *name);
	}
}

/* RFC 8656 section 7.2: the Allocate request. */
static void
on_allocate(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now)
{
	const struct sn_stun_attr *rt = sn_stun_find(m, SN_TURN_ATTR_REQUESTED_TRANSPORT);
	const struct sn_stun_attr *ep = sn_stun_find(m, SN_TURN_ATTR_EVEN_PORT);
	const struct sn_stun_attr *tok = sn_stun_find(m, SN_TURN_ATTR_RESERVATION_TOKEN);
	const struct sn_stun_attr *raf = sn_stun_find(m, SN_TURN_ATTR_REQUESTED_ADDRESS_FAMILY);
	const struct sn_stun_attr *aaf = sn_stun_find(m, SN_TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY);
	uint8_t fam = SN_FAM_IPV4, token[CP_TURN_RESERVATION_TOKEN_LEN];
	uint32_t kbps = t->cfg->turn.max_alloc_kbps, lifetime;
	bool dual = false, reserve = false;
	struct cp_turn_user *u;
	const char *acct;
	size_t acct_len;
	struct cp_turn_alloc *a;
	int even = -1, addr_err = 0, ret;
	unsigned r;

	account_of(ar, &acct, &acct_len);
	if (aaf == NULL) /* coturn's clients still send the draft's code point */
		aaf = sn_stun_find(m, SN_TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY_OLD);
	a = cp_turn_find_src(t, src);
	if (a != NULL) {
		/* 7.2 item 2: a retransmission gets the same answer, anything else 437 */
		if (memcmp(a->txid, m->txid, SN_STUN_TXID_LEN) == 0 &&
			(a->user == NULL || (strlen(a->user->name) == acct_len &&
						   memcmp(a->user->name, acct, acct_len) == 0)))
			allocate_success(t, src, m, a, ar, 0, NULL);
		else
			send_error(t, src, m, CP_TURN_ERR_MISMATCH, ar, now);
		return;
	}
	if (rt == NULL || rt->len != RT_LEN) {
		send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
		return;
	}
	if (attr_val(m, rt)[RT_PROTO_OFF] != CP_TURN_TRANSPORT_UDP) {
		send_error(t, src, m, CP_TURN_ERR_TRANSPORT, ar, now);
		return;
	}
	if ((tok != NULL && (ep != NULL || raf != NULL || aaf != NULL)) ||
		(raf != NULL && aaf != NULL) ||
		(tok != NULL && tok->len != CP_TURN_RESERVATION_TOKEN_LEN) ||
		(ep != NULL && ep->len != EVEN_PORT_LEN) ||
		(raf != NULL && raf->len != FAMILY_ATTR_LEN) ||
		(aaf != NULL && aaf->len != FAMILY_ATTR_LEN)) {
		send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
		return;
	}
	if (raf != NULL) {
		uint8_t f = attr_val(m, raf)[0];

		if (f == CP_TURN_ADDR_FAMILY_IPV4)
			fam = SN_FAM_IPV4;
		else if (f == CP_TURN_ADDR_FAMILY_IPV6)
			fam = SN_FAM_IPV6;
		else {
			send_error(t, src, m, CP_TURN_ERR_FAMILY, ar, now);
			return;
		}
	}
	if (aaf != NULL) {
		/* section 7.2: ADDITIONAL-ADDRESS-FAMILY asks for IPv6 next to IPv4 */
		if (attr_val(m, aaf)[0] != CP_TURN_ADDR_FAMILY_IPV6) {
			send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
			return;
		}
		dual = true;
	}
	if (tok == NULL && !cp_turn_has_family(t, fam)) {
		send_error(t, src, m, CP_TURN_ERR_FAMILY, ar, now);
		return;
	}
	if (ep != NULL) {
		even = 0;
		reserve = (attr_val(m, ep)[0] & CP_TURN_EVEN_PORT_R) != 0;
		if (reserve)
			even = 1;
	}
	/* quotas (section 7.2 item 10: 486) */
	u = cp_turn_user_get(t, acct, acct_len, false);
	if (t->count >= t->total_quota ||
		(t->cfg->turn.user_quota != 0 && u != NULL && u->allocs >= t->cfg->turn.user_quota) ||
		(t->cfg->turn.user_kbps_quota != 0 && kbps != 0 && u != NULL &&
			u->kbps + kbps > t->cfg->turn.user_kbps_quota) ||
		(t->cfg->turn.kbps_capacity != 0 && kbps != 0 &&
			t->kbps_total + kbps > t->cfg->turn.kbps_capacity)) {
		t->cnt[CP_TURN_C_QUOTA]++;
		send_error(t, src, m, CP_TURN_ERR_QUOTA, ar, now);
		return;
	}
	u = cp_turn_user_get(t, acct, acct_len, true);
	a = u != NULL ? cp_turn_alloc_new(t, src) : NULL;
	if (a == NULL) {
		t->cnt[CP_TURN_C_CAPACITY]++;
		send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
		return;
	}
	a->user = u;
	u->allocs++;
	a->kbps = kbps;
	u->kbps += kbps;
	t->kbps_total += kbps;
	if (tok != NULL) {
		uint8_t idx;
		uint16_t port;

		if (cp_turn_reservation_take(t, attr_val(m, tok), &idx, &port) != 0) {
			ret = -ENOENT;
			goto capacity;
		}
		a->relay[0].used = true;
		a->relay[0].idx = idx;
		a->relay[0].port = port;
	} else {
		ret = cp_turn_relay_pick(t, a, 0, fam, even, reserve ? token : NULL);
		if (ret != 0)
			goto capacity;
	}
	if (dual) {
		if (!cp_turn_has_family(t, SN_FAM_IPV6))
			addr_err = CP_TURN_ERR_FAMILY;
		else if (cp_turn_relay_pick(t, a, 1, SN_FAM_IPV6, -1, NULL) != 0)
			addr_err = CP_TURN_ERR_CAPACITY;
	}
	lifetime = granted_lifetime(t, m);
	if (lifetime == 0)
		lifetime = t->cfg->turn.default_lifetime_s;
	a->lifetime_s = lifetime;
	a->created_ns = now;
	a->expiry_ns = now + (uint64_t)lifetime * NS_PER_S;
	memcpy(a->txid, m->txid, SN_STUN_TXID_LEN);
	a->dont_fragment = sn_stun_find(m, SN_TURN_ATTR_DONT_FRAGMENT) != NULL;
	if (src->transport != CP_TURN_UDP) {
		for (r = 0; r < SN_TURN_MAX_RELAYS; r++) {
			if (!a->relay[r].used)
				continue;
			ret = t->ops->relay_open(t->ops_arg, a, r);
			if (ret < 0)
				goto capacity;
			a->relay[r].fd = ret;
		}
	}
	cp_turn_relay_index(t, a);
	cp_turn_program(t, a);
	t->cnt[CP_TURN_C_ALLOCATED]++;
	allocate_success(t, src, m, a, ar, addr_err, reserve ? token : NULL);
	return;
capacity:
	CP_DEBUG("TURN: allocate for %s refused: no relay port (%s)", ar->username, strerror(-ret));
	t->cnt[CP_TURN_C_CAPACITY]++;
	cp_turn_alloc_free(t, a, CP_TURN_C_MAX); /* it never existed: not counted */
	send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
}

/*
 * The allocation of src for a request other than Allocate (section 7.3
 * item 1: none -> 437), with the same user (section 5: 441).  NULL when an
 * error was sent.
 */
static struct cp_turn_alloc *
alloc_for(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now)
{
	struct cp_turn_alloc *a = cp_turn_find_src(t, src);
	const char *acct;
	size_t acct_len;

	if (a == NULL) {
		send_error(t, src, m, CP_TURN_ERR_MISMATCH, ar, now);
		return NULL;
	}
	account_of(ar, &acct, &acct_len);
	if (a->user == NULL) { /* adopted after a control restart: the first user claims it */
		a->user = cp_turn_user_get(t, acct, acct_len, true);
		if (a->user != NULL)
			a->user->allocs++;
		return a;
	}
	if (strlen(a->user->name) != acct_len || memcmp(a->user->name, acct, acct_len) != 0) {
		send_error(t, src, m, CP_TURN_ERR_WRONG_CREDENTIALS, ar, now);
		return NULL;
	}
	return a;
}

/* RFC 8656 section 7.3: Refresh. */
static void
on_refresh(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now)
{
	const struct sn_stun_attr *raf = sn_stun_find(m, SN_TURN_ATTR_REQUESTED_ADDRESS_FAMILY);
	struct cp_turn_alloc *a = alloc_for(t, src, m, ar, now);
	struct reply r;
	uint32_t lifetime;

	if (a == NULL)
		return;
	if (raf != NULL) {
		uint8_t f = raf->len == FAMILY_ATTR_LEN ? attr_val(m, raf)[0] : 0;
		uint8_t fam = f == CP_TURN_ADDR_FAMILY_IPV4	? SN_FAM_IPV4
			      : f == CP_TURN_ADDR_FAMILY_IPV6 ? SN_FAM_IPV6
							      : SN_FAM_NONE;

		if (fam == SN_FAM_NONE || relay_of_family(t, a, fam) < 0) {
			send_error(t, src, m, CP_TURN_ERR_PEER_FAMILY, ar, now);
			return;
		}
	}
	lifetime = granted_lifetime(t, m);
	reply_begin(&r, m, SN_STUN_CLASS_SUCCESS);
	sn_stun_add_u32(&r.w, SN_TURN_ATTR_LIFETIME, lifetime);
	if (lifetime == 0) {
		cp_turn_alloc_free(t, a, CP_TURN_C_DELETED);
	} else {
		a->lifetime_s = lifetime;
		a->expiry_ns = now + (uint64_t)lifetime * NS_PER_S;
		cp_turn_submit(t, SN_CMD_ALLOC_SET, a->id, 0);
		t->cnt[CP_TURN_C_REFRESHED]++;
	}
	reply_send(t, src, &r, ar);
}

/* Decode XOR-PEER-ADDRESS a and check it for allocation al: 0 or the error code. */
static int
peer_check(struct cp_turn *t, const struct cp_turn_alloc *al, const struct sn_stun_msg *m,
	const struct sn_stun_attr *a, struct sn_abi_addr *peer, uint16_t *port, bool check_port)
{
	memset(peer, 0, sizeof(*peer));
	if (sn_stun_xaddr_decode(m, a, &peer->family, peer->bytes, port) != 0)
		return CP_TURN_ERR_BAD_REQUEST;
	if (relay_of_family(t, al, peer->family) < 0)
		return CP_TURN_ERR_PEER_FAMILY; /* section 9.1 / 11.1 */
	if (!peer_allowed(t, peer, *port, check_port)) {
		t->cnt[CP_TURN_C_PEER_DENIED]++;
		return CP_TURN_ERR_FORBIDDEN;
	}
	return 0;
}

/* RFC 8656 section 9: CreatePermission (all addresses or none). */
static void
on_create_permission(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now)
{
	struct cp_turn_alloc *a = alloc_for(t, src, m, ar, now);
	struct sn_abi_addr peers[MAX_PEERS_PER_REQ];
	unsigned n = 0, i, fresh = 0, free_slots = 0;
	uint16_t port;
	int code;

	if (a == NULL)
		return;
	for (i = 0; i < m->n_attrs; i++) {
		const struct sn_stun_attr *at = &m->attrs[i];

		if (at->type != SN_TURN_ATTR_XOR_PEER_ADDRESS)
			continue;
		if (n == MAX_PEERS_PER_REQ) {
			t->cnt[CP_TURN_C_CAPACITY]++;
			send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
			return;
		}
		code = peer_check(t, a, m, at, &peers[n], &port, false);
		if (code != 0) {
			send_error(t, src, m, code, ar, now);
			return;
		}
		n++;
	}
	if (n == 0) {
		send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
		return;
	}
	for (i = 0; i < n; i++)
		if (perm_find(a, peers[i].family, peers[i].bytes) < 0)
			fresh++;
	for (i = 0; i < SN_TURN_MAX_PERMS; i++)
		if (!perm_slot_busy(a, i, now))
			free_slots++;
	if (fresh > free_slots) {
		t->cnt[CP_TURN_C_CAPACITY]++;
		send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
		return;
	}
	for (i = 0; i < n; i++) {
		int s = perm_slot(a, peers[i].family, peers[i].bytes, now);

		if (s >= 0)
			perm_set(t, a, (unsigned)s, peers[i].family, peers[i].bytes, now);
	}
	plain_success(t, src, m, ar);
}

/* RFC 8656 section 11: ChannelBind. */
static void
on_channel_bind(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	const struct cp_auth_result *ar, uint64_t now)
{
	const struct sn_stun_attr *cn = sn_stun_find(m, SN_TURN_ATTR_CHANNEL_NUMBER);
	const struct sn_stun_attr *pa = sn_stun_find(m, SN_TURN_ATTR_XOR_PEER_ADDRESS);
	struct cp_turn_alloc *a = alloc_for(t, src, m, ar, now);
	struct sn_abi_addr peer;
	int code, ps, cs = -1, freec = -1;
	uint16_t number, port;
	unsigned i;

	if (a == NULL)
		return;
	if (cn == NULL || cn->len != CHANNEL_NUMBER_LEN || pa == NULL) {
		send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
		return;
	}
	number = sn_rd16(attr_val(m, cn));
	if (number < SN_TURN_CHAN_MIN || number > SN_TURN_CHAN_MAX) {
		send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
		return;
	}
	code = peer_check(t, a, m, pa, &peer, &port, true);
	if (code != 0) {
		send_error(t, src, m, code, ar, now);
		return;
	}
	ps = perm_find(a, peer.family, peer.bytes);
	/* section 11.2 item 3/4: number and peer must not be bound to something else */
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
		const struct cp_turn_chan *c = &a->chan[i];
		bool same_peer;

		if (c->number == 0) {
			if (freec < 0)
				freec = (int)i;
			continue;
		}
		same_peer = ps >= 0 && c->perm == (unsigned)ps && c->port == port;
		if (c->number == number && !same_peer) {
			send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
			return;
		}
		if (c->number != number && same_peer) {
			send_error(t, src, m, CP_TURN_ERR_BAD_REQUEST, ar, now);
			return;
		}
		if (c->number == number)
			cs = (int)i;
	}
	if (cs < 0 && freec < 0) {
		t->cnt[CP_TURN_C_CAPACITY]++;
		send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
		return;
	}
	if (ps < 0)
		ps = perm_slot(a, peer.family, peer.bytes, now);
	if (ps < 0) {
		t->cnt[CP_TURN_C_CAPACITY]++;
		send_error(t, src, m, CP_TURN_ERR_CAPACITY, ar, now);
		return;
	}
	/* the permission first: the channel names its slot */
	perm_set(t, a, (unsigned)ps, peer.family, peer.bytes, now);
	if (cs < 0)
		cs = freec;
	a->chan[cs].number = number;
	a->chan[cs].perm = (uint8_t)ps;
	a->chan[cs].port = port;
	a->chan[cs].expiry_ns = now + CP_TURN_CHAN_LIFETIME_S * NS_PER_S;
	cp_turn_submit(t, SN_CMD_CHAN_SET, a->id, (uint8_t)cs);
	t->cnt[CP_TURN_C_CHANNELS]++;
	plain_success(t, src, m, ar);
}

/* RFC 8489 section 6.3.1: Binding (the fast path answers most of them on UDP). */
static void
on_binding(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m)
{
	struct reply r;

	t->cnt[CP_TURN_C_BINDINGS]++;
	reply_begin(&r, m, SN_STUN_CLASS_SUCCESS);
	sn_stun_add_xaddr(&r.w, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, src->client.family,
		src->client.bytes, src->client_port);
	reply_send(t, src, &r, NULL);
}

/* ------------------------------------------------------- stream data */

static void
stream_to_peer(struct cp_turn *t, struct cp_turn_alloc *a, const struct sn_abi_addr *peer,
	uint16_t port, const uint8_t *data, size_t len, uint64_t now)
{
	int r = relay_of_family(t, a, peer->family);

	if (r < 0 || a->relay[r].fd < 0 || !perm_live(a, perm_find(a, peer->family, peer->bytes), now)) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	if (is_relay_address(t, peer)) {
		/*
		 * Another allocation of this appliance: hand the datagram over here.
		 * Through the kernel it would be delivered locally to no socket (a
		 * UDP client's relayed port lives in the fast path only).
		 */
		int idx = sn_config_addr_index(t->cfg, peer);
		struct cp_turn_alloc *to =
			idx >= 0 ? cp_turn_find_relay(t, (uint8_t)idx, port, NULL) : NULL;
		const struct sn_abi_addr *self = &t->cfg->addrs[a->relay[r].idx].addr;

		if (to == NULL) {
			t->cnt[CP_TURN_C_STREAM_DROPS]++;
			return;
		}
		a->stream_pkts[SN_DIR_C2P]++;
		a->stream_bytes[SN_DIR_C2P] += len;
		t->cnt[CP_TURN_C_STREAM_TO_PEER]++;
		cp_turn_peer_input(t, to, self, a->relay[r].port, data, len);
		return;
	}
	if (t->ops->relay_send(t->ops_arg, a->relay[r].fd, peer, port, data, len) != 0) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	a->stream_pkts[SN_DIR_C2P]++;
	a->stream_bytes[SN_DIR_C2P] += len;
	t->cnt[CP_TURN_C_STREAM_TO_PEER]++;
}

/* ChannelData on a stream (section 12.5: padded to 4 bytes there). */
static void
stream_chandata(struct cp_turn *t, const struct cp_turn_src *src, const uint8_t *p, size_t len,
	uint64_t now)
{
	struct cp_turn_alloc *a = cp_turn_find_src(t, src);
	uint16_t number, dlen;
	struct sn_abi_addr peer;
	unsigned i;

	if (a == NULL || len < CP_TURN_CHANDATA_HLEN) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	number = sn_rd16(p);
	dlen = sn_rd16(p + 2);
	if ((size_t)dlen + CP_TURN_CHANDATA_HLEN > len) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
		const struct cp_turn_chan *c = &a->chan[i];

		if (c->number != number || c->expiry_ns <= now)
			continue;
		memset(&peer, 0, sizeof(peer));
		peer.family = a->perm[c->perm].family;
		memcpy(peer.bytes, a->perm[c->perm].addr, sn_fam_len(peer.family));
		stream_to_peer(t, a, &peer, c->port, p + CP_TURN_CHANDATA_HLEN, dlen, now);
		return;
	}
	t->cnt[CP_TURN_C_STREAM_DROPS]++;
}

/* Send indication on a stream (section 10.2). */
static void
stream_send(struct cp_turn *t, const struct cp_turn_src *src, const struct sn_stun_msg *m,
	uint64_t now)
{
	const struct sn_stun_attr *pa = sn_stun_find(m, SN_TURN_ATTR_XOR_PEER_ADDRESS);
	const struct sn_stun_attr *da = sn_stun_find(m, SN_TURN_ATTR_DATA);
	struct cp_turn_alloc *a = cp_turn_find_src(t, src);
	struct sn_abi_addr peer;
	uint16_t port;

	memset(&peer, 0, sizeof(peer));
	if (a == NULL || pa == NULL || da == NULL ||
		sn_stun_xaddr_decode(m, pa, &peer.family, peer.bytes, &port) != 0) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	stream_to_peer(t, a, &peer, port, attr_val(m, da), da->len, now);
}

void
cp_turn_peer_input(struct cp_turn *t, struct cp_turn_alloc *a, const struct sn_abi_addr *peer,
	uint16_t port, const uint8_t *p, size_t len)
{
	uint64_t now = cp_turn_now_ns();
	int ps = perm_find(a, peer->family, peer->bytes);
	uint8_t buf[CP_TURN_MSG_MAX + SN_STUN_HLEN * 4];
	unsigned i;

	if (!perm_live(a, ps, now) || len > CP_TURN_MSG_MAX) {
		t->cnt[CP_TURN_C_STREAM_DROPS]++;
		return;
	}
	for (i = 0; i < SN_TURN_MAX_CHANNELS; i++) {
		const struct cp_turn_chan *c = &a->chan[i];
		size_t total;

		if (c->number == 0 || c->expiry_ns <= now || c->perm != (unsigned)ps ||
			c->port != port)
			continue;
		/* section 12.5: ChannelData, padded to a multiple of 4 on streams only */
		sn_wr16(buf, c->number);
		sn_wr16(buf + 2, (uint16_t)len);
		memcpy(buf + CP_TURN_CHANDATA_HLEN, p, len);
		total = CP_TURN_CHANDATA_HLEN + len;
		while (a->src.transport != CP_TURN_UDP && total % STUN_PAD != 0)
			buf[total++] = 0;
		t->ops->send(t->ops_arg, &a->src, buf, total);
		goto sent;
	}
	{
		/* section 10.3: a Data indication */
		struct sn_stun_writer w;
		uint8_t txid[SN_STUN_TXID_LEN];
		int n;

		if (RAND_bytes(txid, sizeof(txid)) != 1)
			memset(txid, 0, sizeof(txid));
		sn_stun_writer_begin(&w, buf, buf + sizeof(buf),
			stun_type(SN_TURN_DATA, SN_STUN_CLASS_INDICATION), txid);
		sn_stun_add_xaddr(&w, SN_TURN_ATTR_XOR_PEER_ADDRESS, peer->family, peer->bytes, port);
		sn_stun_add_raw(&w, SN_TURN_ATTR_DATA, p, len);
		n = sn_stun_writer_finish(&w);
		if (n < 0) {
			t->cnt[CP_TURN_C_STREAM_DROPS]++;
			return;
		}
		t->ops->send(t->ops_arg, &a->src, buf, (size_t)n);
	}
sent:
	a->stream_pkts[SN_DIR_P2C]++;
	a->stream_bytes[SN_DIR_P2C] += len;
	t->cnt[CP_TURN_C_STREAM_TO_CLIENT]++;
}

/* ------------------------------------------------------------- input */

void
cp_turn_input(struct cp_turn *t, const struct cp_turn_src *src, const uint8_t *p, size_t len,
	uint64_t now_ns, uint64_t now_s)
{
	struct cp_auth_result ar;
	struct sn_stun_msg m;

	if (src->transport != CP_TURN_UDP && len >= CP_TURN_CHANDATA_HLEN &&
		p[0] >= (SN_TURN_CHAN_MIN >> 8) && p[0] <= (SN_TURN_CHAN_MAX >> 8)) {
		stream_chandata(t, src, p, len, now_ns);
		return;
	}
	if (sn_stun_parse(p, p + len, &m) != SN_DROP_NONE) {
		t->cnt[CP_TURN_C_MALFORMED]++;
		return;
	}
	if (m.cls == SN_STUN_CLASS_INDICATION) {
		if (m.method == SN_TURN_SEND && src->transport != CP_TURN_UDP)
			stream_send(t, src, &m, now_ns);
		else
			t->cnt[CP_TURN_C_NOT_REQUEST]++;
		return;
	}
	if (m.cls != SN_STUN_CLASS_REQUEST) {
		t->cnt[CP_TURN_C_NOT_REQUEST]++;
		return;
	}
	t->cnt[CP_TURN_C_REQUESTS]++;
	if (m.unknown_required != 0) {
		send_error(t, src, &m, CP_TURN_ERR_UNKNOWN_ATTRIBUTE, NULL, now_ns);
		return;
	}
	if (m.method == SN_STUN_BINDING) {
		on_binding(t, src, &m);
		return;
	}
	if (m.method != SN_TURN_ALLOCATE && m.method != SN_TURN_REFRESH &&
		m.method != SN_TURN_CREATE_PERMISSION && m.method != SN_TURN_CHANNEL_BIND) {
		send_error(t, src, &m, CP_TURN_ERR_BAD_REQUEST, NULL, now_ns);
		return;
	}
	cp_auth_request(&t->auth, &m, &src->client, src->client_port, now_s, &ar);
	t->auth_reasons[ar.reason < CP_AUTH_R_COUNT ? ar.reason : CP_AUTH_R_INTERNAL]++;
	if (ar.code != 0) {
		if (ar.reason == CP_AUTH_R_NO_INTEGRITY)
			t->cnt[CP_TURN_C_AUTH_CHALLENGE]++;
		else if (ar.code == CP_TURN_ERR_STALE_NONCE)
			t->cnt[CP_TURN_C_STALE_NONCE]++;
		else
			t->cnt[CP_TURN_C_AUTH_FAILED]++;
		send_auth_error(t, src, &m, &ar, now_ns);
		return;
	}
	switch (m.method) {
	case SN_TURN_ALLOCATE:
		on_allocate(t, src, &m, &ar, now_ns);
		break;
	case SN_TURN_REFRESH:
		on_refresh(t, src, &m, &ar, now_ns);
		break;
	case SN_TURN_CREATE_PERMISSION:
		on_create_permission(t, src, &m, &ar, now_ns);
		break;
	default:
		on_channel_bind(t, src, &m, &ar, now_ns);
		break;
	}
}
