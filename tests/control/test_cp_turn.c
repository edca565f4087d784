/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the TURN server's request handling (control/turn/cp_turn*.c)
 * driven directly, without sockets or a dataplane: a client with long-term
 * credentials against RFC 8656 sections 7-11 -- the 401 challenge,
 * Allocate (retransmission, 437, 442, 440, dual stack, EVEN-PORT and
 * RESERVATION-TOKEN), Refresh (lifetimes, delete, 441), CreatePermission
 * (policy 403, capacity 508), ChannelBind (ranges, rebinding rules),
 * quotas (486), 420, the error-answer limiter, expiry, and the fast-path
 * commands each step queues (checked through cp_turn_build_cmd()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <urcu.h>

#include "cp_sessions.h"
#include "cp_turn.h"
#include "cp_turn_int.h"
#include "sn_addr.h"
#include "sn_config.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

#define REALM	 "supernode"
#define USER	 "alice"
#define PASS	 "secret"
#define NOW_S	 UINT64_C(1800000000)
#define S	 1000000000ull
#define MAXA	 16
#define MSG_MAX	 1500

static struct sn_config cfg;
static struct cp_sessions pools;
static struct cp_turn turn;
static char users_path[64];

/* what the server sent last */
static uint8_t last[MSG_MAX];
static size_t last_len;
static unsigned n_sent;

static void
op_send(void *arg, const struct cp_turn_src *src, const uint8_t *msg, size_t len)
{
	(void)arg;
	(void)src;
	assert_true(len <= sizeof(last));
	memcpy(last, msg, len);
	last_len = len;
	n_sent++;
}

static int
op_relay_open(void *arg, struct cp_turn_alloc *a, unsigned r)
{
	(void)arg;
	(void)a;
	(void)r;
	return 100;
}

static void
op_relay_close(void *arg, int fd)
{
	(void)arg;
	(void)fd;
}

static int
op_relay_send(void *arg, int fd, const struct sn_abi_addr *peer, uint16_t port,
	const uint8_t *data, size_t len)
{
	(void)arg;
	(void)fd;
	(void)peer;
	(void)port;
	(void)data;
	(void)len;
	return 0;
}

static const struct cp_turn_ops ops = {
	.send = op_send,
	.relay_open = op_relay_open,
	.relay_close = op_relay_close,
	.relay_send = op_relay_send,
};

static struct cp_turn_src
client(uint16_t port)
{
	struct cp_turn_src s;

	memset(&s, 0, sizeof(s));
	s.transport = CP_TURN_UDP;
	assert_int_equal(sn_addr_parse("203.0.113.7", &s.client), 0);
	s.client_port = port;
	s.server_idx = 0;
	s.server_port = 3478;
	return s;
}

/* ------------------------------------------------------- the client */

struct req {
	int len; /* once sent */
	uint16_t method;
	uint8_t txid[SN_STUN_TXID_LEN];
	uint8_t buf[MSG_MAX];
	struct sn_stun_writer w;
};

static uint8_t txid_seq;

static void
req_begin(struct req *r, uint16_t method)
{
	memset(r->txid, 0, sizeof(r->txid));
	r->txid[0] = ++txid_seq;
	r->txid[11] = 0x5a;
	r->method = method;
	sn_stun_writer_begin(&r->w, r->buf, r->buf + sizeof(r->buf), method, r->txid);
}

static void
add_transport(struct req *r, uint8_t proto)
{
	uint8_t v[4] = {proto, 0, 0, 0};

	sn_stun_add_raw(&r->w, SN_TURN_ATTR_REQUESTED_TRANSPORT, v, sizeof(v));
}

static void
add_peer(struct req *r, const char *addr, uint16_t port)
{
	struct sn_abi_addr a;

	assert_int_equal(sn_addr_parse(addr, &a), 0);
	assert_int_equal(sn_stun_add_xaddr(&r->w, SN_TURN_ATTR_XOR_PEER_ADDRESS, a.family,
				 a.bytes, port),
		0);
}

static void
md5_key(const char *user, const char *pass, uint8_t key[16])
{
	char text[256];
	unsigned n = 16;

	snprintf(text, sizeof(text), "%s:%s:%s", user, REALM, pass);
	assert_int_equal(EVP_Digest(text, strlen(text), key, &n, EVP_md5(), NULL), 1);
}

static char nonce[256];

/* USERNAME, REALM, NONCE, MESSAGE-INTEGRITY (MD5 key), FINGERPRINT; send. */
static void
req_send_auth(struct req *r, const struct cp_turn_src *src, const char *user, const char *pass,
	uint64_t now_s)
{
	uint8_t key[16];
	int len;

	sn_stun_add_raw(&r->w, SN_STUN_ATTR_USERNAME, user, strlen(user));
	sn_stun_add_raw(&r->w, SN_STUN_ATTR_REALM, REALM, strlen(REALM));
	sn_stun_add_raw(&r->w, SN_STUN_ATTR_NONCE, nonce, strlen(nonce));
	md5_key(user, pass, key);
	sn_stun_add_integrity(&r->w, key, sizeof(key));
	sn_stun_add_fingerprint(&r->w);
	len = sn_stun_writer_finish(&r->w);
	assert_true(len > 0);
	r->len = len;
	last_len = 0;
	cp_turn_input(&turn, src, r->buf, (size_t)len, NOW_S * S / 1000 + (now_s - NOW_S) * S,
		now_s);
}

/* The same bytes again (a retransmission). */
static void
req_resend(struct req *r, const struct cp_turn_src *src)
{
	last_len = 0;
	cp_turn_input(&turn, src, r->buf, (size_t)r->len, NOW_S * S / 1000, NOW_S);
}

static void
req_send_plain(struct req *r, const struct cp_turn_src *src)
{
	int len;

	sn_stun_add_fingerprint(&r->w);
	len = sn_stun_writer_finish(&r->w);
	assert_true(len > 0);
	last_len = 0;
	cp_turn_input(&turn, src, r->buf, (size_t)len, NOW_S * S / 1000, NOW_S);
}

static struct sn_stun_msg resp;

/* Parse the last answer; returns its class and error code (0 for success). */
static int
answer(uint16_t *cls)
{
	const struct sn_stun_attr *e;

	assert_true(last_len > 0);
	assert_int_equal(sn_stun_parse(last, last + last_len, &resp), SN_DROP_NONE);
	*cls = resp.cls;
	if (resp.cls != SN_STUN_CLASS_ERROR)
		return 0;
	e = sn_stun_find(&resp, SN_STUN_ATTR_ERROR_CODE);
	assert_non_null(e);
	return resp.start[e->off + 2] * 100 + resp.start[e->off + 3];
}

static int
code_of_last(void)
{
	uint16_t cls;

	return answer(&cls);
}

/* Get a nonce through a 401 challenge. */
static void
challenge(const struct cp_turn_src *src)
{
	const struct sn_stun_attr *n;
	struct req r;

	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_plain(&r, src);
	assert_int_equal(code_of_last(), 401);
	assert_non_null(sn_stun_find(&resp, SN_STUN_ATTR_REALM));
	n = sn_stun_find(&resp, SN_STUN_ATTR_NONCE);
	assert_non_null(n);
	memcpy(nonce, resp.start + n->off, n->len);
	nonce[n->len] = '\0';
}

/* Allocate for src; returns the error code (0: success, relayed addresses in resp). */
static int
allocate(const struct cp_turn_src *src, const char *user, struct req *r)
{
	challenge(src);
	req_begin(r, SN_TURN_ALLOCATE);
	add_transport(r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(r, src, user, PASS, NOW_S);
	return code_of_last();
}

static int
simple(const struct cp_turn_src *src, uint16_t method, void (*attrs)(struct req *, const void *),
	const void *arg, const char *user)
{
	struct req r;

	req_begin(&r, method);
	if (attrs != NULL)
		attrs(&r, arg);
	req_send_auth(&r, src, user, PASS, NOW_S);
	return code_of_last();
}

/* ------------------------------------------------------------- setup */

static int
setup(void **state)
{
	struct sn_abi_addr a6;
	char err[256];
	FILE *f;

	(void)state;
	sn_config_defaults(&cfg);
	cfg.dp.max_allocs = MAXA;
	cfg.dp.max_sessions = 16;
	cfg.relay.port_min = 50000;
	cfg.relay.port_max = 50063;
	cfg.n_addrs = 2;
	assert_int_equal(sn_addr_parse("198.18.0.1", &cfg.addrs[0].addr), 0);
	cfg.addrs[0].prefix_len = 24;
	cfg.addrs[0].used = 1;
	assert_int_equal(sn_addr_parse("2001:db8:1::1", &a6), 0);
	cfg.addrs[1].addr = a6;
	cfg.addrs[1].prefix_len = 64;
	cfg.addrs[1].used = 1;
	cfg.turn.n_relay_addrs = 2;
	cfg.turn.relay_addr_idx[0] = 0;
	cfg.turn.relay_addr_idx[1] = 1;
	cfg.turn.error_rate_pps = 1000;
	snprintf(users_path, sizeof(users_path), "/tmp/test_cp_turn_users.%d", (int)getpid());
	f = fopen(users_path, "w");
	assert_non_null(f);
	fprintf(f, "%s:%s\nbob:%s\n", USER, PASS, PASS);
	fclose(f);
	snprintf(cfg.turn.users_file, sizeof(cfg.turn.users_file), "%s", users_path);
	cfg.turn.secrets_file[0] = '\0';
	assert_int_equal(cp_sessions_init(&pools, &cfg), 0);
	assert_int_equal(cp_turn_init(&turn, &cfg, &pools, NULL, &ops, NULL, err, sizeof(err)), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cp_turn_fini(&turn);
	cp_sessions_fini(&pools);
	unlink(users_path);
	return 0;
}

/* ------------------------------------------------------------- tests */

static void
test_challenge_and_allocate(void **state)
{
	struct cp_turn_src c = client(40001);
	const struct sn_stun_attr *ra, *lt;
	struct sn_abi_addr relay;
	uint16_t port, cls;
	struct sn_cmd cmd;
	struct req r;

	(void)state;
	assert_int_equal(allocate(&c, USER, &r), 0);
	assert_int_equal(answer(&cls), 0);
	assert_int_equal(cls, SN_STUN_CLASS_SUCCESS);
	assert_true(resp.has_integrity && resp.has_fingerprint);
	ra = sn_stun_find(&resp, SN_TURN_ATTR_XOR_RELAYED_ADDRESS);
	assert_non_null(ra);
	memset(&relay, 0, sizeof(relay));
	assert_int_equal(sn_stun_xaddr_decode(&resp, ra, &relay.family, relay.bytes, &port), 0);
	assert_true(sn_addr_eq(&relay, &cfg.addrs[0].addr));
	assert_true(port >= 50000 && port <= 50063);
	lt = sn_stun_find(&resp, SN_TURN_ATTR_LIFETIME);
	assert_non_null(lt);
	assert_int_equal(ntohl(*(const uint32_t *)(resp.start + lt->off)), 600);
	assert_non_null(sn_stun_find(&resp, SN_STUN_ATTR_XOR_MAPPED_ADDRESS));
	assert_int_equal(turn.count, 1);

	/* the fast path gets the client 5-tuple and the relayed address */
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(cp_turn_build_cmd(&turn, SN_CMD_ALLOC_SET, 0, 0, &cmd),
		(int)sizeof(struct sn_cmd_alloc));
	assert_int_equal(ntohs(cmd.u.alloc.client_port), 40001);
	assert_int_equal(ntohs(cmd.u.alloc.relay[0].port), port);
	assert_int_equal(cmd.u.alloc.relay[0].used, 1);
	assert_int_equal(cmd.u.alloc.relay[1].used, 0);

	/* a retransmission gets the same answer, another transaction 437 */
	req_resend(&r, &c);
	assert_int_equal(code_of_last(), 0);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c, USER, PASS, NOW_S);
	assert_int_equal(code_of_last(), 437);
	assert_int_equal(turn.count, 1);
}

static void
test_auth_failures(void **state)
{
	struct cp_turn_src c = client(40002);
	struct req r;
	uint8_t key[16];
	int len;

	(void)state;
	challenge(&c);
	/* wrong password */
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c, USER, "wrong", NOW_S);
	assert_int_equal(code_of_last(), 401);
	/* unknown user: the same answer */
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c, "mallory", PASS, NOW_S);
	assert_int_equal(code_of_last(), 401);
	/* stale nonce: the right password an hour later */
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c, USER, PASS, NOW_S + 3600);
	assert_int_equal(code_of_last(), 438);
	assert_non_null(sn_stun_find(&resp, SN_STUN_ATTR_NONCE));
	/* tampered integrity: one bit of the HMAC flipped */
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	sn_stun_add_raw(&r.w, SN_STUN_ATTR_USERNAME, USER, strlen(USER));
	sn_stun_add_raw(&r.w, SN_STUN_ATTR_REALM, REALM, strlen(REALM));
	sn_stun_add_raw(&r.w, SN_STUN_ATTR_NONCE, nonce, strlen(nonce));
	md5_key(USER, PASS, key);
	sn_stun_add_integrity(&r.w, key, sizeof(key));
	len = sn_stun_writer_finish(&r.w);
	r.buf[len - 1] ^= 1;
	last_len = 0;
	cp_turn_input(&turn, &c, r.buf, (size_t)len, NOW_S * S / 1000, NOW_S);
	assert_int_equal(code_of_last(), 401);
	assert_null(cp_turn_find_src(&turn, &c));
}

static void
attrs_transport(struct req *r, const void *arg)
{
	add_transport(r, *(const uint8_t *)arg);
}

static void
test_allocate_errors(void **state)
{
	struct cp_turn_src c = client(40003);
	uint8_t tcp = 6;
	struct req r;
	int len;

	(void)state;
	challenge(&c);
	assert_int_equal(simple(&c, SN_TURN_ALLOCATE, attrs_transport, &tcp, USER), 442);
	assert_int_equal(simple(&c, SN_TURN_ALLOCATE, NULL, NULL, USER), 400);
	/* an unknown comprehension-required attribute: 420 with UNKNOWN-ATTRIBUTES */
	req_begin(&r, SN_TURN_ALLOCATE);
	sn_stun_add_raw(&r.w, 0x7777, "abcd", 4);
	len = sn_stun_writer_finish(&r.w);
	last_len = 0;
	cp_turn_input(&turn, &c, r.buf, (size_t)len, NOW_S * S / 1000, NOW_S);
	assert_int_equal(code_of_last(), 420);
	assert_non_null(sn_stun_find(&resp, SN_STUN_ATTR_UNKNOWN_ATTRIBUTES));
	/* no allocation: Refresh, CreatePermission, ChannelBind get 437 */
	assert_int_equal(simple(&c, SN_TURN_REFRESH, NULL, NULL, USER), 437);
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, NULL, NULL, USER), 437);
}

static void
attrs_peer(struct req *r, const void *arg)
{
	add_peer(r, (const char *)arg, 5000);
}

struct chan_arg {
	uint16_t number;
	const char *peer;
	uint16_t port;
};

static void
attrs_chan(struct req *r, const void *arg)
{
	const struct chan_arg *a = arg;
	uint8_t v[4] = {(uint8_t)(a->number >> 8), (uint8_t)a->number, 0, 0};

	sn_stun_add_raw(&r->w, SN_TURN_ATTR_CHANNEL_NUMBER, v, sizeof(v));
	add_peer(r, a->peer, a->port);
}

static void
test_permissions_and_policy(void **state)
{
	static const char *const denied[] = {"127.0.0.1", "0.0.0.0", "10.1.2.3", "172.16.0.1",
		"192.168.1.1", "100.64.0.1", "169.254.169.254", "224.0.0.1", "255.255.255.255",
		"198.18.0.99", "192.0.2.1", "198.51.100.1", "203.0.113.1", "240.0.0.1", "::1", "::",
		"fc00::1", "fe80::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254",
		"::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "2001:0:4136:e378:8000:63bf:80ff:fffe",
		"2001:db8::1", "2001:db8:1::1"};
	struct cp_turn_src c = client(40004);
	struct cp_turn_alloc *a;
	struct sn_cmd cmd;
	struct req r;
	unsigned i;
	char peer[32];

	(void)state;
	assert_int_equal(allocate(&c, USER, &r), 0);
	a = cp_turn_find_src(&turn, &c);
	assert_non_null(a);
	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int code = simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, denied[i], USER);

		/* an IPv6 peer on an IPv4-only allocation is 443, else the policy's 403 */
		if (strchr(denied[i], ':') != NULL)
			assert_int_equal(code, 443);
		else if (code != 403)
			fail_msg("peer %s: %d, want 403", denied[i], code);
	}
	/* the own relayed address is another client of this box: allowed */
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "198.18.0.1", USER), 0);
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "8.8.8.8", USER), 0);
	assert_int_equal(a->perm[0].family, SN_FAM_IPV4);
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(cp_turn_build_cmd(&turn, SN_CMD_PERM_SET, a->id, 1, &cmd),
		(int)sizeof(struct sn_cmd_perm));
	assert_int_equal(cmd.u.perm.peer.family, SN_FAM_IPV4);
	assert_memory_equal(cmd.u.perm.peer.bytes, "\x08\x08\x08\x08", 4);
	assert_true(cmd.u.perm.expiry_s >= CP_TURN_PERM_LIFETIME_S);
	/* capacity: SN_TURN_MAX_PERMS peers fit, one more is 508 */
	for (i = 2; i < SN_TURN_MAX_PERMS; i++) {
		snprintf(peer, sizeof(peer), "8.8.4.%u", i);
		assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, peer, USER), 0);
	}
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "9.9.9.9", USER), 508);
	/* refreshing an existing one still works */
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "8.8.8.8", USER), 0);
	/* another user may not touch this allocation */
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "8.8.8.8", "bob"), 441);
}

static void
test_channels(void **state)
{
	struct cp_turn_src c = client(40005);
	struct chan_arg ca = {0x4001, "8.8.8.8", 5000};
	struct cp_turn_alloc *a;
	struct sn_cmd cmd;
	struct req r;

	(void)state;
	assert_int_equal(allocate(&c, USER, &r), 0);
	a = cp_turn_find_src(&turn, &c);
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 0);
	assert_int_equal(a->chan[0].number, 0x4001);
	assert_int_equal(a->perm[a->chan[0].perm].family, SN_FAM_IPV4);
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(cp_turn_build_cmd(&turn, SN_CMD_CHAN_SET, a->id, 0, &cmd),
		(int)sizeof(struct sn_cmd_chan));
	assert_int_equal(cmd.u.chan.number, 0x4001);
	assert_int_equal(ntohs(cmd.u.chan.peer_port), 5000);
	/* refresh: same binding */
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 0);
	/* the number bound to another peer, or the peer to another number: 400 */
	ca.peer = "8.8.4.4";
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 400);
	ca.peer = "8.8.8.8";
	ca.number = 0x4002;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 400);
	/* out of range; RFC 5766's upper range is accepted */
	ca.number = 0x3fff;
	ca.port = 6000;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 400);
	ca.number = 0x8000;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 400);
	ca.number = 0x7ffe;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 0);
	/* a denied peer */
	ca.number = 0x4003;
	ca.peer = "10.0.0.1";
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 403);
	/* the own relay address only on a relayed port */
	ca.peer = "198.18.0.1";
	ca.port = 3478;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 403);
	ca.port = 50001;
	assert_int_equal(simple(&c, SN_TURN_CHANNEL_BIND, attrs_chan, &ca, USER), 0);
}

static void
attrs_lifetime(struct req *r, const void *arg)
{
	sn_stun_add_u32(&r->w, SN_TURN_ATTR_LIFETIME, *(const uint32_t *)arg);
}

static void
test_refresh_and_expiry(void **state)
{
	struct cp_turn_src c = client(40006);
	const struct sn_stun_attr *lt;
	uint32_t life = 100000, zero = 0;
	struct cp_turn_alloc *a;
	struct req r;
	unsigned count;

	(void)state;
	assert_int_equal(allocate(&c, USER, &r), 0);
	count = turn.count;
	/* capped at max_lifetime_s */
	assert_int_equal(simple(&c, SN_TURN_REFRESH, attrs_lifetime, &life, USER), 0);
	lt = sn_stun_find(&resp, SN_TURN_ATTR_LIFETIME);
	assert_int_equal(ntohl(*(const uint32_t *)(resp.start + lt->off)), 3600);
	/* another user: 441 */
	assert_int_equal(simple(&c, SN_TURN_REFRESH, attrs_lifetime, &life, "bob"), 441);
	/* expiry: the tick removes it after its lifetime */
	a = cp_turn_find_src(&turn, &c);
	assert_non_null(a);
	cp_turn_tick(&turn, a->expiry_ns + 1);
	assert_null(cp_turn_find_src(&turn, &c));
	assert_true(turn.count < count);
	/* lifetime 0 deletes */
	assert_int_equal(allocate(&c, USER, &r), 0);
	assert_int_equal(simple(&c, SN_TURN_REFRESH, attrs_lifetime, &zero, USER), 0);
	assert_null(cp_turn_find_src(&turn, &c));
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "8.8.8.8", USER), 437);
}

static void
test_families_and_even_port(void **state)
{
	struct cp_turn_src c = client(40007), c2 = client(40008), c3 = client(40009);
	const struct sn_stun_attr *tok;
	struct cp_turn_alloc *a;
	uint8_t v[4] = {CP_TURN_ADDR_FAMILY_IPV6, 0, 0, 0}, token[8];
	struct req r;

	(void)state;
	/* dual stack: ADDITIONAL-ADDRESS-FAMILY IPv6 */
	challenge(&c);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	sn_stun_add_raw(&r.w, SN_TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v, sizeof(v));
	req_send_auth(&r, &c, USER, PASS, NOW_S);
	assert_int_equal(code_of_last(), 0);
	a = cp_turn_find_src(&turn, &c);
	assert_true(a->relay[0].used && a->relay[1].used);
	assert_int_equal(cfg.addrs[a->relay[1].idx].addr.family, SN_FAM_IPV6);
	/* an IPv6 peer is fine now, and the policy still applies to it */
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "2606:4700::1", USER), 0);
	assert_int_equal(simple(&c, SN_TURN_CREATE_PERMISSION, attrs_peer, "::ffff:10.0.0.1", USER),
		403);
	/* REQUESTED-ADDRESS-FAMILY with an unknown family: 440 */
	challenge(&c2);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	v[0] = 0x03;
	sn_stun_add_raw(&r.w, SN_TURN_ATTR_REQUESTED_ADDRESS_FAMILY, v, sizeof(v));
	req_send_auth(&r, &c2, USER, PASS, NOW_S);
	assert_int_equal(code_of_last(), 440);
	/* EVEN-PORT with R: an even port and a token for the next one */
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	v[0] = CP_TURN_EVEN_PORT_R;
	sn_stun_add_raw(&r.w, SN_TURN_ATTR_EVEN_PORT, v, 1);
	req_send_auth(&r, &c2, USER, PASS, NOW_S);
	assert_int_equal(code_of_last(), 0);
	tok = sn_stun_find(&resp, SN_TURN_ATTR_RESERVATION_TOKEN);
	assert_non_null(tok);
	memcpy(token, resp.start + tok->off, sizeof(token));
	a = cp_turn_find_src(&turn, &c2);
	assert_int_equal(a->relay[0].port % 2, 0);
	challenge(&c3);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	sn_stun_add_raw(&r.w, SN_TURN_ATTR_RESERVATION_TOKEN, token, sizeof(token));
	req_send_auth(&r, &c3, USER, PASS, NOW_S);
	assert_int_equal(code_of_last(), 0);
	assert_int_equal(cp_turn_find_src(&turn, &c3)->relay[0].port, a->relay[0].port + 1);
	/* a token works once */
	req_begin(&r, SN_TURN_REFRESH);
	assert_int_equal(simple(&c3, SN_TURN_REFRESH, NULL, NULL, USER), 0);
}

static void
test_quota(void **state)
{
	struct cp_turn_src c1 = client(40010), c2 = client(40011);
	struct req r;

	(void)state;
	teardown(NULL);
	setup(NULL);
	cfg.turn.user_quota = 1;
	assert_int_equal(allocate(&c1, "bob", &r), 0);
	assert_int_equal(allocate(&c2, "bob", &r), 486);
	assert_int_equal(allocate(&c2, USER, &r), 0);
	cfg.turn.user_quota = 0;
}

static void
test_error_limiter(void **state)
{
	struct cp_turn_src c = client(40012);
	unsigned i, before;
	struct req r;

	(void)state;
	cfg.turn.error_rate_pps = 5;
	before = n_sent;
	for (i = 0; i < 100; i++) {
		req_begin(&r, SN_TURN_ALLOCATE);
		add_transport(&r, CP_TURN_TRANSPORT_UDP);
		req_send_plain(&r, &c);
	}
	/* a bucket of two seconds' worth: at most 10 answers */
	assert_true(n_sent - before <= 10);
	assert_true(n_sent - before >= 5);
	/* TCP is not spoofable: not limited */
	c.transport = CP_TURN_TCP;
	c.conn_id = 7;
	before = n_sent;
	for (i = 0; i < 100; i++) {
		req_begin(&r, SN_TURN_ALLOCATE);
		add_transport(&r, CP_TURN_TRANSPORT_UDP);
		req_send_plain(&r, &c);
	}
	assert_int_equal(n_sent - before, 100);
	cfg.turn.error_rate_pps = 1000;
}


/*
 * Fail static: a control process that restarts finds the dataplane's ACTIVE
 * allocation slots and rebuilds its state from them (UDP clients keep their
 * relayed ports, permissions and channels; the first authenticated user to
 * refresh it owns it); stream allocations died with the old process.
 */
static void
test_adopt(void **state)
{
	static struct sn_alloc slots[4];
	struct cp_turn_src c = client(40100);
	uint32_t life = 1200;
	struct cp_turn_alloc *a;
	struct sn_abi_addr peer;

	(void)state;
	teardown(NULL);
	setup(NULL);
	memset(slots, 0, sizeof(slots));
	/* slot 2: a UDP client with one permission and one channel */
	slots[2].state = SN_SESS_ACTIVE;
	slots[2].client_family = SN_FAM_IPV4;
	memcpy(slots[2].client_addr, c.client.bytes, 4);
	slots[2].client_port = htons(c.client_port);
	slots[2].server_addr_idx = 0;
	slots[2].server_port = htons(3478);
	slots[2].relay[0].used = 1;
	slots[2].relay[0].addr_idx = 0;
	slots[2].relay[0].port = htons(50010);
	slots[2].expiry_s = 500;
	assert_int_equal(sn_addr_parse("8.8.8.8", &peer), 0);
	slots[2].perm_family[0] = SN_FAM_IPV4;
	memcpy(slots[2].perm_addr[0], peer.bytes, 4);
	slots[2].perm_expiry_s[0] = 300;
	slots[2].chan_num[1] = 0x4001;
	slots[2].chan_perm[1] = 0;
	slots[2].chan_port[1] = htons(5000);
	slots[2].chan_expiry_s[1] = 400;
	/* slot 3: a TCP client's allocation: not adoptable */
	slots[3] = slots[2];
	slots[3].flags = SN_ALLOC_STREAM;
	slots[3].client_port = htons(40101);
	slots[3].relay[0].port = htons(50011);

	assert_int_equal(cp_turn_adopt(&turn, slots, 4, NOW_S * S / 1000), 1);
	a = cp_turn_find(&turn, 2);
	assert_non_null(a);
	assert_true(a->adopted);
	assert_ptr_equal(cp_turn_find_src(&turn, &c), a);
	assert_int_equal(a->relay[0].port, 50010);
	assert_ptr_equal(cp_turn_find_relay(&turn, 0, 50010, NULL), a);
	assert_int_equal(a->perm[0].family, SN_FAM_IPV4);
	assert_int_equal(a->chan[1].number, 0x4001);
	assert_null(cp_turn_find(&turn, 3));
	/* the relayed port is taken: a new allocation never gets it */
	assert_int_equal(cp_sessions_port_take(&pools, 0, 50010), -EADDRINUSE);
	/* the first user to refresh it owns it; another user then gets 441 */
	challenge(&c);
	assert_int_equal(simple(&c, SN_TURN_REFRESH, attrs_lifetime, &life, "bob"), 0);
	assert_int_equal(simple(&c, SN_TURN_REFRESH, attrs_lifetime, &life, USER), 441);
	/* a new Allocate does not reuse the adopted id */
	{
		struct cp_turn_src c2 = client(40102);
		struct req r;

		assert_int_equal(allocate(&c2, USER, &r), 0);
		assert_int_not_equal(cp_turn_find_src(&turn, &c2)->id, 2);
	}
}

/* TURN REST users: "expiry:user" counts as user for quotas and ownership. */
static void
test_rest_account(void **state)
{
	struct cp_turn_src c1 = client(40200), c2 = client(40201);
	char pw1[64], pw2[64];
	uint32_t life = 1200;
	struct req r;

	(void)state;
	teardown(NULL);
	setup(NULL);
	cfg.turn.user_quota = 1;
	assert_int_equal(cp_auth_add_secret(&turn.auth, "north"), 0);
	assert_true(cp_auth_rest_password("north", 5, "4000000000:carol", 16, pw1, sizeof(pw1)) > 0);
	assert_true(cp_auth_rest_password("north", 5, "4000000001:carol", 16, pw2, sizeof(pw2)) > 0);
	challenge(&c1);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c1, "4000000000:carol", pw1, NOW_S);
	assert_int_equal(code_of_last(), 0);
	/* other credentials of the same user: the same quota */
	challenge(&c2);
	req_begin(&r, SN_TURN_ALLOCATE);
	add_transport(&r, CP_TURN_TRANSPORT_UDP);
	req_send_auth(&r, &c2, "4000000001:carol", pw2, NOW_S);
	assert_int_equal(code_of_last(), 486);
	/* renewed credentials keep the allocation (a nonce for c1 first: nonces name the client) */
	challenge(&c1);
	req_begin(&r, SN_TURN_REFRESH);
	sn_stun_add_u32(&r.w, SN_TURN_ATTR_LIFETIME, life);
	req_send_auth(&r, &c1, "4000000001:carol", pw2, NOW_S);
	assert_int_equal(code_of_last(), 0);
	cfg.turn.user_quota = 0;
}

/* Total quota, reserved bandwidth per user and in total (486), and the rate the fast path gets. */
static void
test_total_and_bandwidth_quotas(void **state)
{
	struct cp_turn_src c1 = client(40300), c2 = client(40301), c3 = client(40302);
	struct cp_turn_alloc *a;
	struct sn_cmd cmd;
	struct req r;

	char err[256];

	(void)state;
	teardown(NULL);
	setup(NULL);
	/* total_quota is read when the server starts */
	cfg.turn.total_quota = 1;
	cp_turn_fini(&turn);
	assert_int_equal(cp_turn_init(&turn, &cfg, &pools, NULL, &ops, NULL, err, sizeof(err)), 0);
	assert_int_equal(allocate(&c1, USER, &r), 0);
	assert_int_equal(allocate(&c2, "bob", &r), 486);
	teardown(NULL);
	setup(NULL);
	cfg.turn.max_alloc_kbps = 1000;
	cfg.turn.user_kbps_quota = 1500;
	cfg.turn.kbps_capacity = 2500;
	assert_int_equal(allocate(&c1, USER, &r), 0);
	a = cp_turn_find_src(&turn, &c1);
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(cp_turn_build_cmd(&turn, SN_CMD_ALLOC_SET, a->id, 0, &cmd),
		(int)sizeof(struct sn_cmd_alloc));
	assert_int_equal(cmd.u.alloc.rate_bytes_per_s, 1000 * 125);
	/* a second 1000 kbit/s allocation would put alice at 2000 > 1500 */
	assert_int_equal(allocate(&c2, USER, &r), 486);
	assert_int_equal(allocate(&c2, "bob", &r), 0);
	/* the box: 2000 reserved, one more would be 3000 > 2500 */
	assert_int_equal(allocate(&c3, "bob", &r), 486);
	teardown(NULL);
	setup(NULL); /* defaults again */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_and_allocate),
		cmocka_unit_test(test_auth_failures),
		cmocka_unit_test(test_allocate_errors),
		cmocka_unit_test(test_permissions_and_policy),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_refresh_and_expiry),
		cmocka_unit_test(test_families_and_even_port),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_error_limiter),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_rest_account),
		cmocka_unit_test(test_total_and_bandwidth_quotas),
	};
	int ret;

	rcu_register_thread();
	ret = cmocka_run_group_tests(tests, setup, teardown);
	rcu_unregister_thread();
	return ret;
}
