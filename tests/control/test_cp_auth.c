/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: long-term credential authentication (control/turn/cp_auth*):
 * RFC 5769 section 2.4 end to end, challenges, every RFC 8489 section 9.2.4
 * rejection, stateless nonces (stale, forged, other client, key rotation),
 * TURN REST credentials against values computed independently in Python,
 * the SHA-256 password algorithm and its bid-down checks, USERHASH, and
 * the users file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "cp_auth.h"
#include "sn_abi.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

#define BUF	   1024
#define REALM	   "example.org"
#define NOW	   UINT64_C(1699999000) /* before the REST expiry 1700000000 below */
#define PORT	   40000
#define LIFETIME   600
#define MD5_LEN	   CP_AUTH_MD5_KEY_LEN
#define SHA256_LEN CP_AUTH_SHA256_KEY_LEN

/* RFC 5769 section 2.4 */
static const char vec_2_4[] =
	"000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b9"
	"00000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d"
	"706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
static const char user_ltc[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
			       "\xe3\x82\xb9";
static const uint8_t txid_ltc[SN_STUN_TXID_LEN] = {
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e};
/* Python: hashlib.md5 / sha256 of user_ltc + b":example.org:TheMatrIX" */
static const char key_ltc_md5[] = "e8ca7ad59d5eb0518e312911d2dab2a9";
static const char key_ltc_sha256[] =
	"dd295a613b9058c3c23d6dc7165bda072304d989c9d0af3a8c7e184b4f9bb4a1";

/*
 * TURN REST values computed independently with Python's hmac/base64/hashlib:
 *   base64.b64encode(hmac.new(secret, username, hashlib.sha1).digest())
 *   hashlib.md5(f"{username}:example.org:{password}")
 */
static const struct {
	const char *secret, *user, *password, *md5;
} rest_vec[] = {
	{"north-secret", "1700000000:alice",
		"g+jb180fcj+xlpA/2mP60OdIgU0=", "21b7a39e7ca72cc4359f0ec60528da8b"},
	{"south-secret", "1700000000:alice",
		"vrczJ4LAk4Vli1P7hiL4bQgl7AE=", "e869ca11d0b6b89e115750dcca8cd261"},
	{"north-secret", "4000000000:bob",
		"dMLh1gNmKLI0QHb6fqiVauce4rQ=", "e0e7d0cb9b8d2810d8fb823520c70541"},
	{"north-secret", "4000000000",
		"xfyBP+PsB71S1bCE6kqyq7YXU0c=", "9250ffbcbc71ec9cbd61a7b00cda9c0e"},
};

/* users file: the RFC 5769 user, a plain one, one given as an MD5 key (dave:davepw) */
static char users_text[BUF];
static const char dave_key_hex[] = "76276e8fd7a0ae893d25bcfed9fba49a";

static const uint8_t txid[SN_STUN_TXID_LEN] = {
	0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac};
static const uint8_t offer[CP_AUTH_ALGORITHMS_ATTR_LEN] = {0, 2, 0, 0, 0, 1, 0, 0};

static struct sn_abi_addr client4, client4b, client6;

static void
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	assert_int_equal(strlen(h), 2 * n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
mkaddr(struct sn_abi_addr *a, uint8_t fam, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = fam;
	if (fam == SN_FAM_IPV4) {
		a->bytes[0] = 198;
		a->bytes[1] = 18;
		a->bytes[3] = last;
	} else {
		a->bytes[0] = 0x20;
		a->bytes[1] = 0x01;
		a->bytes[2] = 0x0d;
		a->bytes[3] = 0xb8;
		a->bytes[15] = last;
	}
}

/* Auth with realm example.org and the three users. */
static void
mkauth(struct cp_auth *a, bool offer_algs, bool anonymity, bool bind_port)
{
	struct cp_auth_cfg cfg;
	char err[256] = "";

	cp_auth_cfg_defaults(&cfg);
	snprintf(cfg.realm, sizeof(cfg.realm), "%s", REALM);
	cfg.nonce_lifetime_s = LIFETIME;
	cfg.offer_password_algorithms = offer_algs;
	cfg.username_anonymity = anonymity;
	cfg.nonce_bind_port = bind_port;
	assert_int_equal(cp_auth_init(a, &cfg), 0);
	snprintf(users_text, sizeof(users_text),
		"# users\n%s:TheMatrIX\ncarol:pass\n\n  dave:0x%s  \r\n", user_ltc, dave_key_hex);
	assert_int_equal(
		cp_auth_users_load_buf(a, users_text, strlen(users_text), err, sizeof(err)), 3);
}

/* What goes into a test request. */
struct req {
	const char *user; /* NULL: none */
	size_t user_len;  /* 0: strlen */
	const uint8_t *userhash;
	const char *realm;
	const char *nonce;
	const uint8_t *algs; /* PASSWORD-ALGORITHMS value (8 bytes) or NULL */
	size_t algs_len;
	int alg;	    /* PASSWORD-ALGORITHM or -1 */
	const uint8_t *key; /* NULL: no integrity */
	size_t key_len;
	bool sha256; /* MESSAGE-INTEGRITY-SHA256 instead of MESSAGE-INTEGRITY */
	bool software;
};

static int
build(const struct req *q, uint8_t *out, size_t cap)
{
	struct sn_stun_writer w;
	uint8_t pa[4];

	sn_stun_writer_begin(&w, out, out + cap, 0x0003 /* Allocate request */, txid);
	sn_stun_add_u32(&w, SN_TURN_ATTR_REQUESTED_TRANSPORT, 0x11000000u);
	if (q->software)
		sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, "test client", 11);
	if (q->user != NULL)
		sn_stun_add_raw(&w, SN_STUN_ATTR_USERNAME, q->user,
			q->user_len ? q->user_len : strlen(q->user));
	if (q->userhash != NULL)
		sn_stun_add_raw(&w, SN_STUN_ATTR_USERHASH, q->userhash, CP_AUTH_USERHASH_LEN);
	if (q->realm != NULL)
		sn_stun_add_raw(&w, SN_STUN_ATTR_REALM, q->realm, strlen(q->realm));
	if (q->nonce != NULL)
		sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, q->nonce, strlen(q->nonce));
	if (q->algs != NULL)
		sn_stun_add_raw(&w, SN_STUN_ATTR_PASSWORD_ALGORITHMS, q->algs, q->algs_len);
	if (q->alg >= 0) {
		pa[0] = (uint8_t)(q->alg >> 8);
		pa[1] = (uint8_t)q->alg;
		pa[2] = 0;
		pa[3] = 0;
		sn_stun_add_raw(&w, SN_STUN_ATTR_PASSWORD_ALGORITHM, pa, sizeof(pa));
	}
	if (q->key != NULL) {
		if (q->sha256)
			sn_stun_add_integrity_sha256(&w, q->key, q->key_len);
		else
			sn_stun_add_integrity(&w, q->key, q->key_len);
	}
	sn_stun_add_fingerprint(&w);
	return sn_stun_writer_finish(&w);
}

/* Parse [p, p+n) and authenticate it from (addr, port) at now. */
static void
run(const struct cp_auth *a, const uint8_t *p, size_t n, const struct sn_abi_addr *addr,
	uint16_t port, uint64_t now, struct cp_auth_result *r)
{
	struct sn_stun_msg m;
	uint8_t *c = malloc(n);

	assert_non_null(c);
	memcpy(c, p, n);
	assert_int_equal(sn_stun_parse(c, c + n, &m), SN_DROP_NONE);
	cp_auth_request(a, &m, addr, port, now, r);
	free(c);
}

static void
run_req(const struct cp_auth *a, const struct req *q, const struct sn_abi_addr *addr, uint16_t port,
	uint64_t now, struct cp_auth_result *r)
{
	uint8_t buf[BUF];
	int n = build(q, buf, sizeof(buf));

	assert_true(n > 0);
	run(a, buf, (size_t)n, addr, port, now, r);
}

static void
expect(const struct cp_auth_result *r, int code, enum cp_auth_reason why)
{
	if (r->reason != why)
		fail_msg("reason %s, expected %s", cp_auth_reason_str(r->reason),
			cp_auth_reason_str(why));
	assert_int_equal(r->code, code);
}

/* A fresh nonce for addr/port at now. */
static const char *
nonce_for(const struct cp_auth *a, const struct sn_abi_addr *addr, uint16_t port, uint64_t now)
{
	static char n[4][CP_AUTH_NONCE_LEN + 1];
	static unsigned i;
	char *p = n[i++ % 4];

	assert_int_equal(cp_auth_nonce_make(a, addr, port, now, p, CP_AUTH_NONCE_LEN + 1),
		CP_AUTH_NONCE_LEN);
	return p;
}

static void
key_of(uint16_t alg, const char *user, const char *pw, uint8_t *key)
{
	assert_true(cp_auth_key_derive(alg, user, strlen(user), REALM, strlen(REALM), pw,
			    strlen(pw), key, CP_AUTH_KEY_MAX) > 0);
}

/* Write the error answer for r and parse it back. */
static size_t
error_answer(const struct cp_auth *a, const struct cp_auth_result *r, uint8_t *out, size_t cap,
	struct sn_stun_msg *m)
{
	struct sn_stun_writer w;
	int n;

	sn_stun_writer_begin(&w, out, out + cap, 0x0113, txid);
	assert_int_equal(cp_auth_write_error(a, r, &w), 0);
	sn_stun_add_fingerprint(&w);
	n = sn_stun_writer_finish(&w);
	assert_true(n > 0);
	assert_int_equal(sn_stun_parse(out, out + n, m), SN_DROP_NONE);
	return (size_t)n;
}

static int
err_code(const struct sn_stun_msg *m)
{
	const struct sn_stun_attr *e = sn_stun_find(m, SN_STUN_ATTR_ERROR_CODE);

	assert_non_null(e);
	return (m->start[e->off + 2] & 7) * 100 + m->start[e->off + 3];
}

static int
setup(void **state)
{
	(void)state;
	mkaddr(&client4, SN_FAM_IPV4, 11);
	mkaddr(&client4b, SN_FAM_IPV4, 12);
	mkaddr(&client6, SN_FAM_IPV6, 0x11);
	return 0;
}

/* ---------------------------------------------------------------- tests */

/* RFC 5769 2.4 through cp_auth_request(), then the same credentials with our nonce. */
static void
test_rfc5769_end_to_end(void **state)
{
	uint8_t vec[BUF], key[CP_AUTH_KEY_MAX], want[MD5_LEN], out[BUF];
	struct cp_auth_result r;
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	struct cp_auth a;
	size_t n = strlen(vec_2_4) / 2;
	int len;

	(void)state;
	unhex(vec_2_4, vec, n);
	unhex(key_ltc_md5, want, MD5_LEN);
	key_of(CP_AUTH_ALG_MD5, user_ltc, "TheMatrIX", key);
	assert_memory_equal(key, want, MD5_LEN);

	mkauth(&a, true, false, true);
	/* the integrity verifies; the nonce is not one of ours: 438 with a fresh one */
	run(&a, vec, n, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	assert_int_equal(r.nonce_len, CP_AUTH_NONCE_LEN);
	/* the RFC's nonce carries no cookie: MD5, whatever else is offered */
	assert_int_equal(r.algorithm, CP_AUTH_ALG_MD5);

	/* a client retrying with our nonce and the same credentials gets in */
	{
		struct req q = {.user = user_ltc,
			.realm = REALM,
			.nonce = r.nonce,
			.alg = -1,
			.key = key,
			.key_len = MD5_LEN};
		uint8_t req[BUF];
		int rl;

		rl = build(&q, req, sizeof(req));
		run(&a, req, (size_t)rl, &client4, PORT, NOW + 1, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_int_equal(r.key_len, MD5_LEN);
		assert_memory_equal(r.key, want, MD5_LEN);
		assert_false(r.sha256_integrity);
		assert_int_equal(r.username_len, strlen(user_ltc));
		assert_string_equal(r.username, user_ltc);
	}
	/* the answer is signed with that key (MESSAGE-INTEGRITY) */
	sn_stun_writer_begin(&w, out, out + sizeof(out), 0x0103, txid_ltc);
	sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, LIFETIME);
	assert_int_equal(cp_auth_sign(&r, &w), 0);
	sn_stun_add_fingerprint(&w);
	len = sn_stun_writer_finish(&w);
	assert_true(len > 0);
	assert_int_equal(sn_stun_parse(out, out + len, &m), SN_DROP_NONE);
	assert_int_equal(sn_stun_check_integrity(&m, want, MD5_LEN), 0);
	assert_false(m.has_integrity_sha256);
	cp_auth_fini(&a);

	/* the same vector with a wrong password on file: 401 */
	{
		struct cp_auth_cfg cfg;
		char err[128], text[BUF];

		cp_auth_cfg_defaults(&cfg);
		snprintf(cfg.realm, sizeof(cfg.realm), "%s", REALM);
		assert_int_equal(cp_auth_init(&a, &cfg), 0);
		snprintf(text, sizeof(text), "%s:TheMatrIx\n", user_ltc);
		assert_int_equal(
			cp_auth_users_load_buf(&a, text, strlen(text), err, sizeof(err)), 1);
		run(&a, vec, n, &client4, PORT, NOW, &r);
		expect(&r, 401, CP_AUTH_R_BAD_INTEGRITY);
		cp_auth_fini(&a);
	}
}

/* No integrity: 401 with REALM, NONCE, PASSWORD-ALGORITHMS and nothing about the user. */
static void
test_challenge(void **state)
{
	struct req q = {.user = "carol", .realm = REALM, .alg = -1};
	uint8_t out[BUF];
	const struct sn_stun_attr *at;
	struct cp_auth_result r;
	struct sn_stun_msg m;
	struct cp_auth a;
	uint32_t f;

	(void)state;
	mkauth(&a, true, false, true);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 401, CP_AUTH_R_NO_INTEGRITY);
	error_answer(&a, &r, out, sizeof(out), &m);
	assert_int_equal(err_code(&m), 401);
	at = sn_stun_find(&m, SN_STUN_ATTR_REALM);
	assert_non_null(at);
	assert_int_equal(at->len, strlen(REALM));
	assert_memory_equal(out + at->off, REALM, strlen(REALM));
	at = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
	assert_non_null(at);
	assert_int_equal(at->len, CP_AUTH_NONCE_LEN);
	/* RFC 8489 section 9.2: cookie + feature bits (erratum 6290: bit 0 = LSB) */
	assert_memory_equal(out + at->off, "obMatJos2AAAB", 13);
	assert_int_equal(cp_auth_nonce_features(out + at->off, at->len, &f), 0);
	assert_int_equal(f, CP_AUTH_FEATURE_PASSWORD_ALGORITHMS);
	assert_int_equal(cp_auth_nonce_check(&a, out + at->off, at->len, &client4, PORT, NOW, &f),
		CP_AUTH_R_OK);
	at = sn_stun_find(&m, SN_STUN_ATTR_PASSWORD_ALGORITHMS);
	assert_non_null(at);
	assert_int_equal(at->len, sizeof(offer));
	assert_memory_equal(out + at->off, offer, sizeof(offer));
	assert_null(sn_stun_find(&m, SN_STUN_ATTR_USERNAME));
	assert_false(m.has_integrity || m.has_integrity_sha256);
	/* signing a rejection is refused */
	{
		struct sn_stun_writer w;

		sn_stun_writer_begin(&w, out, out + sizeof(out), 0x0113, txid);
		assert_int_equal(cp_auth_sign(&r, &w), -EINVAL);
	}
	cp_auth_fini(&a);

	/* PASSWORD-ALGORITHMS not offered; username anonymity offered */
	mkauth(&a, false, true, true);
	run_req(&a, &q, &client6, PORT, NOW, &r);
	expect(&r, 401, CP_AUTH_R_NO_INTEGRITY);
	error_answer(&a, &r, out, sizeof(out), &m);
	assert_null(sn_stun_find(&m, SN_STUN_ATTR_PASSWORD_ALGORITHMS));
	at = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
	assert_memory_equal(out + at->off, "obMatJos2AAAC", 13);
	cp_auth_fini(&a);
}

/* RFC 8489 section 9.2.4: integrity without USERNAME, REALM or NONCE: 400, nothing else. */
static void
test_missing_attrs(void **state)
{
	uint8_t key[CP_AUTH_KEY_MAX], out[BUF];
	char longname[CP_AUTH_USERNAME_MAX + 2];
	struct cp_auth_result r;
	struct sn_stun_msg m;
	struct cp_auth a;
	const char *nonce;

	(void)state;
	mkauth(&a, true, false, true);
	key_of(CP_AUTH_ALG_MD5, "carol", "pass", key);
	nonce = nonce_for(&a, &client4, PORT, NOW);
	{
		struct req cases[] = {
			{.realm = REALM, .nonce = nonce, .alg = -1, .key = key, .key_len = 16},
			{.user = "carol", .nonce = nonce, .alg = -1, .key = key, .key_len = 16},
			{.user = "carol", .realm = REALM, .alg = -1, .key = key, .key_len = 16},
			{.alg = -1, .key = key, .key_len = 16},
			{.realm = REALM,
				.nonce = nonce,
				.alg = -1,
				.key = key,
				.key_len = 32,
				.sha256 = true},
		};
		unsigned i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			run_req(&a, &cases[i], &client4, PORT, NOW, &r);
			expect(&r, 400, CP_AUTH_R_MISSING_ATTR);
			error_answer(&a, &r, out, sizeof(out), &m);
			assert_int_equal(err_code(&m), 400);
			assert_null(sn_stun_find(&m, SN_STUN_ATTR_REALM));
			assert_null(sn_stun_find(&m, SN_STUN_ATTR_NONCE));
			assert_false(m.has_integrity || m.has_integrity_sha256);
		}
	}
	/* USERHASH alone is not enough while username anonymity is off */
	{
		uint8_t uh[CP_AUTH_USERHASH_LEN] = {1};
		struct req q = {.userhash = uh,
			.realm = REALM,
			.nonce = nonce,
			.alg = -1,
			.key = key,
			.key_len = 16};

		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_MISSING_ATTR);
	}
	/* a 513-byte USERNAME (section 14.3: fewer than 513 bytes) */
	memset(longname, 'u', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	{
		struct req q = {.user = longname,
			.realm = REALM,
			.nonce = nonce,
			.alg = -1,
			.key = key,
			.key_len = 16};

		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ATTR);
	}
	cp_auth_fini(&a);
}

/* Wrong password, unknown user, other realm: identical 401 answers on the wire. */
static void
test_no_leak(void **state)
{
	uint8_t good[CP_AUTH_KEY_MAX], bad[CP_AUTH_KEY_MAX], out[3][BUF];
	struct cp_auth_result r[3];
	struct sn_stun_msg m;
	struct cp_auth a;
	const char *nonce;
	size_t len[3];
	unsigned i;

	(void)state;
	mkauth(&a, true, false, true);
	nonce = nonce_for(&a, &client4, PORT, NOW);
	key_of(CP_AUTH_ALG_MD5, "carol", "pass", good);
	key_of(CP_AUTH_ALG_MD5, "carol", "wrong", bad);
	{
		struct req q[3] = {
			{.user = "carol",
				.realm = REALM,
				.nonce = nonce,
				.alg = -1,
				.key = bad,
				.key_len = 16},
			{.user = "mallory",
				.realm = REALM,
				.nonce = nonce,
				.alg = -1,
				.key = good,
				.key_len = 16},
			{.user = "carol",
				.realm = "other.org",
				.nonce = nonce,
				.alg = -1,
				.key = good,
				.key_len = 16},
		};
		static const enum cp_auth_reason why[3] = {
			CP_AUTH_R_BAD_INTEGRITY, CP_AUTH_R_UNKNOWN_USER, CP_AUTH_R_REALM};

		for (i = 0; i < 3; i++) {
			run_req(&a, &q[i], &client4, PORT, NOW, &r[i]);
			expect(&r[i], 401, why[i]);
			len[i] = error_answer(&a, &r[i], out[i], sizeof(out[i]), &m);
			assert_int_equal(err_code(&m), 401);
		}
	}
	assert_int_equal(len[0], len[1]);
	assert_int_equal(len[0], len[2]);
	assert_memory_equal(out[0], out[1], len[0]);
	assert_memory_equal(out[0], out[2], len[0]);
	/* and the good key works */
	{
		struct req q = {.user = "carol",
			.realm = REALM,
			.nonce = nonce,
			.alg = -1,
			.key = good,
			.key_len = 16};

		run_req(&a, &q, &client4, PORT, NOW, &r[0]);
		expect(&r[0], 0, CP_AUTH_R_OK);
	}
	cp_auth_fini(&a);
}

/* Any covered byte changed after signing: 401. */
static void
test_tampered(void **state)
{
	uint8_t key[CP_AUTH_KEY_MAX], buf[BUF];
	struct cp_auth_result r;
	struct sn_stun_msg m;
	struct cp_auth a;
	int n, i, ok = 0, bad = 0;

	(void)state;
	mkauth(&a, true, false, true);
	key_of(CP_AUTH_ALG_MD5, "carol", "pass", key);
	{
		struct req q = {.user = "carol",
			.realm = REALM,
			.nonce = nonce_for(&a, &client4, PORT, NOW),
			.alg = -1,
			.key = key,
			.key_len = 16,
			.software = true};

		n = build(&q, buf, sizeof(buf));
	}
	run(&a, buf, (size_t)n, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	assert_int_equal(sn_stun_parse(buf, buf + n, &m), SN_DROP_NONE);
	/* flip every byte of the attributes before MESSAGE-INTEGRITY (FINGERPRINT recomputed) */
	for (i = SN_STUN_HLEN; i < m.integrity_off; i++) {
		uint8_t c[BUF];
		struct sn_stun_msg m2;
		uint32_t crc;

		memcpy(c, buf, (size_t)n);
		c[i] ^= 0x01;
		crc = sn_stun_crc32(c, (size_t)n - 8) ^ SN_STUN_FINGERPRINT_XOR;
		c[n - 4] = (uint8_t)(crc >> 24);
		c[n - 3] = (uint8_t)(crc >> 16);
		c[n - 2] = (uint8_t)(crc >> 8);
		c[n - 1] = (uint8_t)crc;
		if (sn_stun_parse(c, c + n, &m2) != SN_DROP_NONE)
			continue;
		cp_auth_request(&a, &m2, &client4, PORT, NOW, &r);
		assert_int_not_equal(r.code, 0);
		if (r.code == 401)
			bad++;
		else
			ok++; /* 400: e.g. a changed attribute type hides USERNAME/REALM/NONCE */
	}
	assert_true(bad > 0);
	(void)ok;
	cp_auth_fini(&a);
}

/* Stale, forged, other-client nonces; key rotation. */
static void
test_nonces(void **state)
{
	uint8_t key[CP_AUTH_KEY_MAX], out[BUF];
	char forged[CP_AUTH_NONCE_LEN + 1];
	struct cp_auth_result r;
	struct sn_stun_msg m;
	struct cp_auth a;
	const char *nonce;
	struct req q = {.user = "carol", .realm = REALM, .alg = -1, .key_len = 16};
	const struct sn_stun_attr *at;
	uint32_t f;
	unsigned i;

	(void)state;
	mkauth(&a, true, false, true);
	key_of(CP_AUTH_ALG_MD5, "carol", "pass", key);
	q.key = key;

	/* alive until exactly now + lifetime */
	q.nonce = nonce_for(&a, &client4, PORT, NOW - LIFETIME);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	q.nonce = nonce_for(&a, &client4, PORT, NOW - LIFETIME - 1);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_EXPIRED);
	/* 438 carries REALM, a valid NONCE and PASSWORD-ALGORITHMS (section 9.2.4) */
	error_answer(&a, &r, out, sizeof(out), &m);
	assert_int_equal(err_code(&m), 438);
	assert_non_null(sn_stun_find(&m, SN_STUN_ATTR_REALM));
	assert_non_null(sn_stun_find(&m, SN_STUN_ATTR_PASSWORD_ALGORITHMS));
	at = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
	assert_non_null(at);
	assert_int_equal(cp_auth_nonce_check(&a, out + at->off, at->len, &client4, PORT, NOW, &f),
		CP_AUTH_R_OK);
	assert_int_equal(f, CP_AUTH_FEATURE_PASSWORD_ALGORITHMS);

	/* another client's nonce: another address, another port, another family */
	q.nonce = nonce_for(&a, &client4b, PORT, NOW);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	q.nonce = nonce_for(&a, &client4, PORT + 1, NOW);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	q.nonce = nonce_for(&a, &client6, PORT, NOW);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	q.nonce = nonce_for(&a, &client6, PORT, NOW);
	run_req(&a, &q, &client6, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);

	/* every single-character change of a good nonce is refused */
	snprintf(forged, sizeof(forged), "%s", nonce_for(&a, &client4, PORT, NOW));
	for (i = 0; i < CP_AUTH_NONCE_LEN; i++) {
		char saved = forged[i];

		forged[i] = saved == 'A' ? 'B' : 'A';
		assert_int_not_equal(cp_auth_nonce_check(&a, (const uint8_t *)forged,
					     CP_AUTH_NONCE_LEN, &client4, PORT, NOW, NULL),
			CP_AUTH_R_OK);
		forged[i] = saved;
	}
	assert_int_equal(cp_auth_nonce_check(&a, (const uint8_t *)forged, CP_AUTH_NONCE_LEN,
				 &client4, PORT, NOW, NULL),
		CP_AUTH_R_OK);
	/* a downgrade: the feature bits stripped from the cookie */
	memcpy(forged + CP_AUTH_NONCE_COOKIE_LEN, "AAAA", 4);
	q.nonce = forged;
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	/* truncated, garbage */
	assert_int_equal(
		cp_auth_nonce_check(&a, (const uint8_t *)forged, 10, &client4, PORT, NOW, NULL),
		CP_AUTH_R_NONCE_INVALID);
	q.nonce = "obMatJos2AAAB!!!!";
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);

	/* rotation: the previous key still verifies, the one before does not */
	nonce = nonce_for(&a, &client4, PORT, NOW);
	snprintf(forged, sizeof(forged), "%s", nonce);
	assert_int_equal(cp_auth_rotate_nonce_key(&a, NULL), 0);
	q.nonce = forged;
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	q.nonce = nonce_for(&a, &client4, PORT, NOW);
	assert_string_not_equal(q.nonce, forged);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	{
		uint8_t k[CP_AUTH_NONCE_KEY_LEN] = {7};

		assert_int_equal(cp_auth_rotate_nonce_key(&a, k), 0);
	}
	q.nonce = forged;
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	/* a freshly initialised server (new random key) does not know old nonces */
	cp_auth_fini(&a);
	mkauth(&a, true, false, true);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	cp_auth_fini(&a);

	/* address-only binding: another port of the same address is fine */
	mkauth(&a, true, false, false);
	q.nonce = nonce_for(&a, &client4, PORT + 7, NOW);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	run_req(&a, &q, &client4b, PORT + 7, NOW, &r);
	expect(&r, 438, CP_AUTH_R_NONCE_INVALID);
	cp_auth_fini(&a);
}

/* TURN REST API credentials as coturn computes them (use-auth-secret). */
static void
test_rest(void **state)
{
	char pw[64];
	uint8_t key[CP_AUTH_KEY_MAX], want[MD5_LEN];
	struct cp_auth_result r;
	struct cp_auth a;
	struct req q = {.realm = REALM, .alg = -1, .key = key, .key_len = MD5_LEN};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(rest_vec) / sizeof(rest_vec[0]); i++) {
		assert_int_equal(
			cp_auth_rest_password(rest_vec[i].secret, strlen(rest_vec[i].secret),
				rest_vec[i].user, strlen(rest_vec[i].user), pw, sizeof(pw)),
			28);
		assert_string_equal(pw, rest_vec[i].password);
		key_of(CP_AUTH_ALG_MD5, rest_vec[i].user, pw, key);
		unhex(rest_vec[i].md5, want, MD5_LEN);
		assert_memory_equal(key, want, MD5_LEN);
	}
	assert_int_equal(cp_auth_rest_password("s", 1, "u", 1, pw, 28), -ENOSPC);

	mkauth(&a, true, false, true);
	q.nonce = nonce_for(&a, &client4, PORT, NOW);
	/* no secrets: a REST user is unknown */
	q.user = rest_vec[0].user;
	key_of(CP_AUTH_ALG_MD5, rest_vec[0].user, rest_vec[0].password, key);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 401, CP_AUTH_R_UNKNOWN_USER);
	/* rotation: the right secret second in the list */
	assert_int_equal(cp_auth_add_secret(&a, "south-secret"), 0);
	assert_int_equal(cp_auth_add_secret(&a, "north-secret"), 0);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	assert_memory_equal(r.key, key, MD5_LEN);
	assert_string_equal(r.username, rest_vec[0].user);
	/* the south password works too */
	key_of(CP_AUTH_ALG_MD5, rest_vec[1].user, rest_vec[1].password, key);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	/* expiry only, no user part */
	q.user = rest_vec[3].user;
	key_of(CP_AUTH_ALG_MD5, rest_vec[3].user, rest_vec[3].password, key);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 0, CP_AUTH_R_OK);
	/* expired: 1700000000 < now */
	q.user = rest_vec[0].user;
	key_of(CP_AUTH_ALG_MD5, rest_vec[0].user, rest_vec[0].password, key);
	q.nonce = nonce_for(&a, &client4, PORT, UINT64_C(1700000001));
	run_req(&a, &q, &client4, PORT, UINT64_C(1700000001), &r);
	expect(&r, 401, CP_AUTH_R_REST_EXPIRED);
	/* the north secret retired: its passwords stop working */
	cp_auth_clear_secrets(&a);
	assert_int_equal(cp_auth_add_secret(&a, "south-secret"), 0);
	q.nonce = nonce_for(&a, &client4, PORT, NOW);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 401, CP_AUTH_R_BAD_INTEGRITY);
	/* a wrong password for a REST user */
	key_of(CP_AUTH_ALG_MD5, rest_vec[0].user, "not-the-password", key);
	run_req(&a, &q, &client4, PORT, NOW, &r);
	expect(&r, 401, CP_AUTH_R_BAD_INTEGRITY);
	/* secrets: limits */
	assert_int_equal(cp_auth_add_secret(&a, ""), -EINVAL);
	for (i = 1; i < CP_AUTH_MAX_SECRETS; i++)
		assert_int_equal(cp_auth_add_secret(&a, "x"), 0);
	assert_int_equal(cp_auth_add_secret(&a, "x"), -ENOSPC);
	cp_auth_fini(&a);
}

static void
test_rest_expiry_parse(void **state)
{
	static const struct {
		const char *u;
		int ret;
		uint64_t v;
	} cases[] = {
		{"1700000000:alice", 0, 1700000000},
		{"1700000000", 0, 1700000000},
		{"0:x", 0, 0},
		{"18446744073709551615", 0, UINT64_MAX},
		{"18446744073709551616", -EINVAL, 0},
		{"123456789012345678901", -EINVAL, 0},
		{":alice", -EINVAL, 0},
		{"alice", -EINVAL, 0},
		{"17a:alice", -EINVAL, 0},
		{"", -EINVAL, 0},
		{"-5:x", -EINVAL, 0},
	};
	uint64_t v;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 0;
		assert_int_equal(
			cp_auth_rest_expiry(cases[i].u, strlen(cases[i].u), &v), cases[i].ret);
		if (cases[i].ret == 0)
			assert_true(v == cases[i].v);
	}
}

/* The SHA-256 password algorithm (RFC 8489 sections 9.2.2, 9.2.4, 14.11, 14.12). */
static void
test_sha256(void **state)
{
	uint8_t k256[CP_AUTH_KEY_MAX], kmd5[CP_AUTH_KEY_MAX], want[SHA256_LEN], out[BUF];
	static const uint8_t md5_only[4] = {0, 1, 0, 0};
	static const uint8_t reordered[8] = {0, 1, 0, 0, 0, 2, 0, 0};
	struct cp_auth_result r;
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	struct cp_auth a;
	const char *nonce;
	int n;

	(void)state;
	mkauth(&a, true, false, true);
	nonce = nonce_for(&a, &client4, PORT, NOW);
	key_of(CP_AUTH_ALG_SHA256, user_ltc, "TheMatrIX", k256);
	unhex(key_ltc_sha256, want, SHA256_LEN);
	assert_memory_equal(k256, want, SHA256_LEN);
	key_of(CP_AUTH_ALG_MD5, user_ltc, "TheMatrIX", kmd5);
	{
		struct req q = {.user = user_ltc,
			.realm = REALM,
			.nonce = nonce,
			.algs = offer,
			.algs_len = sizeof(offer),
			.alg = CP_AUTH_ALG_SHA256,
			.key = k256,
			.key_len = SHA256_LEN,
			.sha256 = true};

		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_int_equal(r.algorithm, CP_AUTH_ALG_SHA256);
		assert_int_equal(r.key_len, SHA256_LEN);
		assert_true(r.sha256_integrity);
		/* the answer carries MESSAGE-INTEGRITY-SHA256 */
		sn_stun_writer_begin(&w, out, out + sizeof(out), 0x0103, txid);
		assert_int_equal(cp_auth_sign(&r, &w), 0);
		n = sn_stun_writer_finish(&w);
		assert_int_equal(sn_stun_parse(out, out + n, &m), SN_DROP_NONE);
		assert_true(m.has_integrity_sha256 && !m.has_integrity);
		assert_int_equal(sn_stun_check_integrity_sha256(&m, want, SHA256_LEN), 0);

		/* SHA-256 key, classic MESSAGE-INTEGRITY */
		q.sha256 = false;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_false(r.sha256_integrity);
		assert_int_equal(r.key_len, SHA256_LEN);

		/* MD5 chosen from the offer */
		q.alg = CP_AUTH_ALG_MD5;
		q.key = kmd5;
		q.key_len = MD5_LEN;
		q.sha256 = true;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_int_equal(r.algorithm, CP_AUTH_ALG_MD5);

		/* wrong key for the chosen algorithm */
		q.alg = CP_AUTH_ALG_SHA256;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 401, CP_AUTH_R_BAD_INTEGRITY);

		/* bid-down and malformed negotiations: 400 */
		q.key = k256;
		q.key_len = SHA256_LEN;
		q.algs = NULL; /* PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS */
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ALGORITHM);
		q.algs = md5_only; /* a list other than what we sent */
		q.algs_len = sizeof(md5_only);
		q.alg = CP_AUTH_ALG_MD5;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ALGORITHM);
		q.algs = reordered;
		q.algs_len = sizeof(reordered);
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ALGORITHM);
		q.algs = offer; /* an algorithm we did not offer */
		q.algs_len = sizeof(offer);
		q.alg = 0x0003;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ALGORITHM);
		q.alg = -1; /* PASSWORD-ALGORITHMS alone */
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 400, CP_AUTH_R_BAD_ALGORITHM);
		/* neither: MD5 */
		q.algs = NULL;
		q.key = kmd5;
		q.key_len = MD5_LEN;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_int_equal(r.algorithm, CP_AUTH_ALG_MD5);
	}
	/* a user known only by its MD5 key cannot use SHA-256 */
	{
		uint8_t kd[CP_AUTH_KEY_MAX];
		struct req q = {.user = "dave",
			.realm = REALM,
			.nonce = nonce,
			.algs = offer,
			.algs_len = sizeof(offer),
			.alg = CP_AUTH_ALG_SHA256,
			.key = kd,
			.key_len = SHA256_LEN,
			.sha256 = true};

		key_of(CP_AUTH_ALG_SHA256, "dave", "davepw", kd);
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 401, CP_AUTH_R_NO_KEY);
		q.alg = CP_AUTH_ALG_MD5;
		key_of(CP_AUTH_ALG_MD5, "dave", "davepw", kd);
		q.key_len = MD5_LEN;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
	}
	cp_auth_fini(&a);

	/* without the password-algorithms bit in the nonce: PASSWORD-ALGORITHM ignored, MD5 */
	mkauth(&a, false, false, true);
	nonce = nonce_for(&a, &client4, PORT, NOW);
	{
		struct req q = {.user = user_ltc,
			.realm = REALM,
			.nonce = nonce,
			.algs = offer,
			.algs_len = sizeof(offer),
			.alg = CP_AUTH_ALG_SHA256,
			.key = k256,
			.key_len = SHA256_LEN,
			.sha256 = true};

		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 401, CP_AUTH_R_BAD_INTEGRITY);
		q.key = kmd5;
		q.key_len = MD5_LEN;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_int_equal(r.algorithm, CP_AUTH_ALG_MD5);
	}
	cp_auth_fini(&a);
	assert_int_equal(
		cp_auth_key_derive(0x0003, "u", 1, "r", 1, "p", 1, k256, sizeof(k256)), -EINVAL);
	assert_int_equal(
		cp_auth_key_derive(CP_AUTH_ALG_SHA256, "u", 1, "r", 1, "p", 1, k256, 16), -EINVAL);
}

/* USERHASH (RFC 8489 section 14.4) with username anonymity on. */
static void
test_userhash(void **state)
{
	uint8_t k256[CP_AUTH_KEY_MAX], uh[CP_AUTH_USERHASH_LEN];
	char ur[BUF];
	unsigned int hl = 0;
	struct cp_auth_result r;
	struct cp_auth a;
	int len;

	(void)state;
	mkauth(&a, true, true, true);
	len = snprintf(ur, sizeof(ur), "%s:%s", user_ltc, REALM);
	assert_int_equal(EVP_Digest(ur, (size_t)len, uh, &hl, EVP_sha256(), NULL), 1);
	key_of(CP_AUTH_ALG_SHA256, user_ltc, "TheMatrIX", k256);
	{
		struct req q = {.userhash = uh,
			.realm = REALM,
			.nonce = nonce_for(&a, &client4, PORT, NOW),
			.algs = offer,
			.algs_len = sizeof(offer),
			.alg = CP_AUTH_ALG_SHA256,
			.key = k256,
			.key_len = SHA256_LEN,
			.sha256 = true};

		/* the nonce says: password algorithms and username anonymity (erratum 6290) */
		assert_memory_equal(q.nonce, "obMatJos2AAAD", 13);
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 0, CP_AUTH_R_OK);
		assert_string_equal(r.username, user_ltc);
		uh[0] ^= 1;
		run_req(&a, &q, &client4, PORT, NOW, &r);
		expect(&r, 401, CP_AUTH_R_UNKNOWN_USER);
	}
	cp_auth_fini(&a);
}

/* The users file: table of errors with line numbers, all-or-nothing reload, files. */
static void
test_users_file(void **state)
{
	static const struct {
		const char *text;
		int ret;
		const char *err;
	} cases[] = {
		{"", 0, NULL},
		{"# only a comment\n\n   \n", 0, NULL},
		{"a:b", 1, NULL},
		{"a:b\r\nc:d\r\n", 2, NULL},
		{"  a:pass with spaces inside  \n", 1, NULL},
		{"a:b:c\n", 1, NULL}, /* the password is "b:c" */
		{"e:0x0123456789abcdefABCDEF0123456789\n", 1, NULL},
		{"a:b\nnocolon\n", -EINVAL, "line 2: expected user:password"},
		{"\n\n:pw\n", -EINVAL, "line 3: empty user name"},
		{"a:\n", -EINVAL, "line 1: empty password"},
		{"# c\na:0x1234\n", -EINVAL, "line 2: a 0x key needs 32 hex digits"},
		{"a:0x0123456789abcdefABCDEF012345678g\n", -EINVAL, "line 1: bad hex digit in key"},
		{"a:1\nb:2\na:3\n", -EINVAL, "line 3: duplicate user 'a' (first on line 1)"},
	};
	char err[256], path[] = "/tmp/cp_auth_users_XXXXXX";
	struct cp_auth a;
	unsigned i;
	int fd;

	(void)state;
	mkauth(&a, true, false, true);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(cp_auth_users_load_buf(&a, cases[i].text, strlen(cases[i].text),
					 err, sizeof(err)),
			cases[i].ret);
		if (cases[i].err != NULL)
			assert_string_equal(err, cases[i].err);
	}
	/* a failed reload keeps what was there */
	assert_int_equal(cp_auth_users_load_buf(&a, "x:1\ny:2\n", 8, err, sizeof(err)), 2);
	assert_int_equal(cp_auth_users_load_buf(&a, "z:1\nbad\n", 8, err, sizeof(err)), -EINVAL);
	assert_int_equal(a.n_users, 2);
	assert_non_null(cp_auth_user_find(&a, "x", 1));
	assert_non_null(cp_auth_user_find(&a, "y", 1));
	assert_null(cp_auth_user_find(&a, "z", 1));
	assert_null(cp_auth_user_find(&a, "xy", 2));
	/* a long user name (512 ok, 513 not) */
	{
		char text[CP_AUTH_USERNAME_MAX + 16];

		memset(text, 'n', CP_AUTH_USERNAME_MAX);
		snprintf(text + CP_AUTH_USERNAME_MAX, 16, ":pw\n");
		assert_int_equal(
			cp_auth_users_load_buf(&a, text, strlen(text), err, sizeof(err)), 1);
		memset(text, 'n', CP_AUTH_USERNAME_MAX + 1);
		snprintf(text + CP_AUTH_USERNAME_MAX + 1, 15, ":pw\n");
		assert_int_equal(
			cp_auth_users_load_buf(&a, text, strlen(text), err, sizeof(err)), -EINVAL);
		assert_string_equal(err, "line 1: user name longer than 512 bytes");
	}
	/* from a file; reload */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "u1:p1\n# x\nu2:p2\n", 16), 16);
	close(fd);
	assert_int_equal(cp_auth_users_load(&a, path, err, sizeof(err)), 2);
	{
		const struct cp_auth_user *u = cp_auth_user_find(&a, "u2", 2);
		uint8_t k[CP_AUTH_KEY_MAX];

		assert_non_null(u);
		assert_int_equal(u->line, 3);
		key_of(CP_AUTH_ALG_MD5, "u2", "p2", k);
		assert_memory_equal(u->key_md5, k, MD5_LEN);
		key_of(CP_AUTH_ALG_SHA256, "u2", "p2", k);
		assert_memory_equal(u->key_sha256, k, SHA256_LEN);
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "u3:p3\n", 6), 6);
	close(fd);
	assert_int_equal(cp_auth_users_load(&a, path, err, sizeof(err)), 1);
	assert_null(cp_auth_user_find(&a, "u1", 2));
	unlink(path);
	assert_int_equal(cp_auth_users_load(&a, path, err, sizeof(err)), -ENOENT);
	assert_non_null(cp_auth_user_find(&a, "u3", 2));
	/* the 0x form equals the password form */
	{
		char text[128];
		const struct cp_auth_user *u;

		snprintf(text, sizeof(text), "dave:0x%s\n", dave_key_hex);
		assert_int_equal(
			cp_auth_users_load_buf(&a, text, strlen(text), err, sizeof(err)), 1);
		u = cp_auth_user_find(&a, "dave", 4);
		assert_non_null(u);
		assert_false(u->has_sha256);
		{
			uint8_t k[CP_AUTH_KEY_MAX];

			key_of(CP_AUTH_ALG_MD5, "dave", "davepw", k);
			assert_memory_equal(u->key_md5, k, MD5_LEN);
		}
	}
	cp_auth_fini(&a);
}

static void
test_init_limits(void **state)
{
	struct cp_auth_cfg cfg;
	struct cp_auth a;
	char out[CP_AUTH_NONCE_LEN + 1];
	struct sn_abi_addr bad = {.family = SN_FAM_NONE};

	(void)state;
	cp_auth_cfg_defaults(&cfg);
	assert_string_equal(cfg.realm, "supernode");
	assert_int_equal(cfg.nonce_lifetime_s, CP_AUTH_DEFAULT_NONCE_LIFETIME_S);
	cfg.realm[0] = '\0';
	assert_int_equal(cp_auth_init(&a, &cfg), -EINVAL);
	cp_auth_cfg_defaults(&cfg);
	cfg.nonce_lifetime_s = 0;
	assert_int_equal(cp_auth_init(&a, &cfg), -EINVAL);
	cp_auth_cfg_defaults(&cfg);
	assert_int_equal(cp_auth_init(&a, &cfg), 0);
	assert_int_equal(
		cp_auth_nonce_make(&a, &client4, PORT, NOW, out, CP_AUTH_NONCE_LEN), -ENOSPC);
	assert_int_equal(cp_auth_nonce_make(&a, &bad, PORT, NOW, out, sizeof(out)), -EINVAL);
	assert_int_equal(cp_auth_code_phrase(400)[0], 'B');
	assert_string_equal(cp_auth_code_phrase(438), "Stale Nonce");
	assert_string_equal(cp_auth_reason_str(CP_AUTH_R_OK), "authenticated");
	assert_string_equal(cp_auth_reason_str(CP_AUTH_R_COUNT), "?");
	cp_auth_fini(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_end_to_end),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_missing_attrs),
		cmocka_unit_test(test_no_leak),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_nonces),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_rest_expiry_parse),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_userhash),
		cmocka_unit_test(test_users_file),
		cmocka_unit_test(test_init_limits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
