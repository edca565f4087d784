/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_stun_write.h: the RFC 5769 vectors (2.1-2.4) and the
 * corrected RFC 8489 Appendix B.1 vector (erratum 6268) rebuilt byte for
 * byte, the integrity verifiers on them, writer -> parser round trips for
 * every attribute kind, the sticky errors, and every buffer size.
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

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sn_abi.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

#define VEC_MAX	      512
#define MD5_LEN	      16
#define SHA256_LEN    32
#define PAD_SPACE     0x20 /* RFC 5769 section 2: samples 2.1-2.3 pad with spaces */
#define BIG_BUF	      2048
#define TRUNC_SHA_LEN 16 /* RFC 8489 section 14.6: shortest MESSAGE-INTEGRITY-SHA256 */

/* ------------------------------------------------------------ vectors */

/* RFC 5769 section 2.1: sample request, short-term password below */
static const char vec_2_1[] =
	"000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e740024"
	"00046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbf"
	"d8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf";
/* RFC 5769 section 2.2: IPv4 response, 192.0.2.1:32853 */
static const char vec_2_2[] =
	"0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200008000"
	"1a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96";
/* RFC 5769 section 2.3: IPv6 response, [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
static const char vec_2_3[] =
	"010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200014000"
	"2a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed"
	"4180280004c8fb0b4c";
/* RFC 5769 section 2.4: request with long-term authentication (zero padding) */
static const char vec_2_4[] =
	"000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b9"
	"00000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d"
	"706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
/*
 * RFC 8489 Appendix B.1 as corrected by erratum 6268: USERHASH, NONCE,
 * REALM, PASSWORD-ALGORITHM (SHA-256), MESSAGE-INTEGRITY-SHA256.
 */
static const char vec_b_1[] =
	"000100902112a44278ad3433c6ad72c029da412e001e00204a3cf38fef6992bda952c6780417da0f2481"
	"9415569e60b205c46e41407f1704001500296f624d61744a6f733241414143662f2f3439396b39353464"
	"364f4c33346f4c394653547679363473410000000014000b6578616d706c652e6f726700001d00040002"
	"0000001c0020b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65";

static const char short_term_pw[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t txid_5769[SN_STUN_TXID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
static const uint8_t txid_ltc[SN_STUN_TXID_LEN] = {
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e};
/* "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>" in UTF-8 */
static const char user_ltc[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
			       "\xe3\x82\xb9";
static const char realm_ltc[] = "example.org";
static const char nonce_ltc[] = "f//499k954d6OL34oL9FSTvy64sA";
static const char nonce_b1[] = "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA";
static const char pw_ltc[] = "TheMatrIX";

static const uint8_t mapped_v4[4] = {192, 0, 2, 1};
static const uint8_t mapped_v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11,
	0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
#define MAPPED_PORT 32853

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2, i;
	unsigned v;

	assert_true(strlen(h) % 2 == 0 && n <= cap);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Parse from an exact-size heap copy so ASan sees any over-read. */
static uint8_t *
parse_copy(const uint8_t *p, size_t len, struct sn_stun_msg *m)
{
	uint8_t *c = malloc(len);

	assert_non_null(c);
	memcpy(c, p, len);
	assert_int_equal(sn_stun_parse(c, c + len, m), SN_DROP_NONE);
	return c;
}

/* MD5(user ":" realm ":" password) or SHA-256 of the same (RFC 8489 section 9.2.2). */
static void
ltc_key(const char *digest, uint8_t *key)
{
	char buf[VEC_MAX];
	unsigned int n = 0;
	int len = snprintf(buf, sizeof(buf), "%s:%s:%s", user_ltc, realm_ltc, pw_ltc);

	assert_int_equal(
		EVP_Digest(buf, (size_t)len, key, &n, EVP_get_digestbyname(digest), NULL), 1);
}

/* Turn the zero padding of the attributes in [start+20, pos) into spaces (RFC 5769 samples). */
static void
space_pad(uint8_t *start, uint8_t *pos)
{
	uint8_t *p = start + SN_STUN_HLEN;
	size_t alen, padded, i;

	while (p < pos) {
		alen = (size_t)p[2] << 8 | p[3];
		padded = (alen + 3) & ~(size_t)3;
		for (i = alen; i < padded; i++)
			p[SN_STUN_ATTR_HLEN + i] = PAD_SPACE;
		p += SN_STUN_ATTR_HLEN + padded;
	}
}

/* ---------------------------------------------------- RFC 5769 rebuilds */

static void
test_rfc5769_2_1(void **state)
{
	static const uint8_t ice[8] = {0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36};
	uint8_t want[VEC_MAX], out[VEC_MAX];
	struct sn_stun_writer w;
	size_t n = unhex(vec_2_1, want, sizeof(want));

	(void)state;
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_5769);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, "STUN test client", 16), 0);
	assert_int_equal(sn_stun_add_u32(&w, SN_STUN_ATTR_PRIORITY, 0x6e0001ff), 0);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_ICE_CONTROLLED, ice, sizeof(ice)), 0);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_USERNAME, "evtj:h6vY", 9), 0);
	space_pad(out, w.pos);
	assert_int_equal(
		sn_stun_add_integrity(&w, (const uint8_t *)short_term_pw, strlen(short_term_pw)),
		0);
	assert_int_equal(sn_stun_add_fingerprint(&w), 0);
	assert_int_equal(sn_stun_writer_finish(&w), (int)n);
	assert_memory_equal(out, want, n);
}

static void
check_response(const char *hex, uint8_t family, const uint8_t *addr)
{
	uint8_t want[VEC_MAX], out[VEC_MAX];
	struct sn_stun_writer w;
	size_t n = unhex(hex, want, sizeof(want));

	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_SUCCESS, txid_5769);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, "test vector", 11), 0);
	assert_int_equal(
		sn_stun_add_xaddr(&w, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, family, addr, MAPPED_PORT),
		0);
	space_pad(out, w.pos);
	assert_int_equal(
		sn_stun_add_integrity(&w, (const uint8_t *)short_term_pw, strlen(short_term_pw)),
		0);
	assert_int_equal(sn_stun_add_fingerprint(&w), 0);
	assert_int_equal(sn_stun_writer_finish(&w), (int)n);
	assert_memory_equal(out, want, n);
}

static void
test_rfc5769_2_2(void **state)
{
	(void)state;
	check_response(vec_2_2, SN_FAM_IPV4, mapped_v4);
}

static void
test_rfc5769_2_3(void **state)
{
	(void)state;
	check_response(vec_2_3, SN_FAM_IPV6, mapped_v6);
}

static void
test_rfc5769_2_4(void **state)
{
	uint8_t want[VEC_MAX], out[VEC_MAX], key[MD5_LEN];
	struct sn_stun_writer w;
	size_t n = unhex(vec_2_4, want, sizeof(want));

	(void)state;
	ltc_key("MD5", key);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_ltc);
	sn_stun_add_raw(&w, SN_STUN_ATTR_USERNAME, user_ltc, strlen(user_ltc));
	sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, nonce_ltc, strlen(nonce_ltc));
	sn_stun_add_raw(&w, SN_STUN_ATTR_REALM, realm_ltc, strlen(realm_ltc));
	sn_stun_add_integrity(&w, key, sizeof(key));
	assert_int_equal(sn_stun_writer_finish(&w), (int)n);
	assert_memory_equal(out, want, n);
}

static void
test_rfc8489_b_1(void **state)
{
	uint8_t want[VEC_MAX], out[VEC_MAX], key[SHA256_LEN], uh[SHA256_LEN];
	static const uint8_t alg_sha256[4] = {0x00, 0x02, 0x00, 0x00};
	char ur[VEC_MAX];
	unsigned int hl = 0;
	struct sn_stun_writer w;
	size_t n = unhex(vec_b_1, want, sizeof(want));
	int len;

	(void)state;
	ltc_key("SHA256", key);
	/* RFC 8489 section 14.4: USERHASH = SHA-256(username ":" realm) */
	len = snprintf(ur, sizeof(ur), "%s:%s", user_ltc, realm_ltc);
	assert_int_equal(EVP_Digest(ur, (size_t)len, uh, &hl, EVP_sha256(), NULL), 1);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_ltc);
	sn_stun_add_raw(&w, SN_STUN_ATTR_USERHASH, uh, sizeof(uh));
	sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, nonce_b1, strlen(nonce_b1));
	sn_stun_add_raw(&w, SN_STUN_ATTR_REALM, realm_ltc, strlen(realm_ltc));
	sn_stun_add_raw(&w, SN_STUN_ATTR_PASSWORD_ALGORITHM, alg_sha256, sizeof(alg_sha256));
	sn_stun_add_integrity_sha256(&w, key, sizeof(key));
	assert_int_equal(sn_stun_writer_finish(&w), (int)n);
	assert_memory_equal(out, want, n);
}

/* ------------------------------------------------------------ verifiers */

struct verify_case {
	const char *hex;
	const char *digest; /* NULL: short-term password as the key */
	bool sha256;
};

static const struct verify_case verify_cases[] = {
	{vec_2_1, NULL, false},
	{vec_2_2, NULL, false},
	{vec_2_3, NULL, false},
	{vec_2_4, "MD5", false},
	{vec_b_1, "SHA256", true},
};

static int
check(const struct sn_stun_msg *m, bool sha256, const uint8_t *key, size_t keylen)
{
	return sha256 ? sn_stun_check_integrity_sha256(m, key, keylen)
		      : sn_stun_check_integrity(m, key, keylen);
}

static void
test_verify_vectors(void **state)
{
	uint8_t buf[VEC_MAX], key[SHA256_LEN], *c;
	struct sn_stun_msg m;
	size_t n, keylen, i, moff;
	unsigned v;

	(void)state;
	for (v = 0; v < sizeof(verify_cases) / sizeof(verify_cases[0]); v++) {
		const struct verify_case *vc = &verify_cases[v];

		n = unhex(vc->hex, buf, sizeof(buf));
		if (vc->digest == NULL) {
			keylen = strlen(short_term_pw);
			memcpy(key, short_term_pw, keylen);
		} else {
			ltc_key(vc->digest, key);
			keylen = vc->sha256 ? SHA256_LEN : MD5_LEN;
		}
		c = parse_copy(buf, n, &m);
		assert_int_equal(check(&m, vc->sha256, key, keylen), 0);
		/* the other kind is absent */
		assert_int_equal(check(&m, !vc->sha256, key, keylen), -ENOENT);
		/* a wrong key */
		key[0] ^= 1;
		assert_int_equal(check(&m, vc->sha256, key, keylen), -EBADMSG);
		key[0] ^= 1;
		/* every covered body byte and every MAC byte matters */
		moff = vc->sha256 ? m.integrity_sha256_off : m.integrity_off;
		for (i = SN_STUN_HLEN; i < n; i++) {
			if (i >= moff && i < moff + SN_STUN_ATTR_HLEN)
				continue; /* the attribute header: parse would refuse */
			if (i >= moff + SN_STUN_ATTR_HLEN + (vc->sha256 ? SHA256_LEN : 20))
				break; /* FINGERPRINT: not covered */
			c[i] ^= 0x40;
			if (i < moff) {
				/* reparse: a flipped length would be malformed; skip those */
				struct sn_stun_msg m2;

				if (sn_stun_parse(c, c + n, &m2) == SN_DROP_NONE &&
					(vc->sha256 ? m2.has_integrity_sha256 : m2.has_integrity))
					assert_int_equal(
						check(&m2, vc->sha256, key, keylen), -EBADMSG);
			} else {
				assert_int_equal(check(&m, vc->sha256, key, keylen), -EBADMSG);
			}
			c[i] ^= 0x40;
		}
		assert_int_equal(check(&m, vc->sha256, key, keylen), 0);
		free(c);
	}
	assert_int_equal(sn_stun_check_integrity(NULL, key, 1), -ENOENT);
}

/* A MESSAGE-INTEGRITY-SHA256 truncated to 16 bytes (RFC 8489 section 14.6) verifies. */
static void
test_verify_truncated_sha256(void **state)
{
	uint8_t out[VEC_MAX], mac[SHA256_LEN], key[SHA256_LEN];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	unsigned int maclen = 0;
	uint8_t *c;
	int n;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_ltc);
	sn_stun_add_raw(&w, SN_STUN_ATTR_USERNAME, "bob", 3);
	/* the header length must count the attribute before the MAC is computed */
	out[3] = (uint8_t)(out[3] + SN_STUN_ATTR_HLEN + TRUNC_SHA_LEN);
	assert_non_null(
		HMAC(EVP_sha256(), key, sizeof(key), out, (size_t)(w.pos - out), mac, &maclen));
	out[3] = (uint8_t)(out[3] - SN_STUN_ATTR_HLEN - TRUNC_SHA_LEN);
	sn_stun_add_raw(&w, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, mac, TRUNC_SHA_LEN);
	sn_stun_add_fingerprint(&w);
	n = sn_stun_writer_finish(&w);
	assert_true(n > 0);
	c = parse_copy(out, (size_t)n, &m);
	assert_int_equal(sn_stun_check_integrity_sha256(&m, key, sizeof(key)), 0);
	c[m.integrity_sha256_off + SN_STUN_ATTR_HLEN + TRUNC_SHA_LEN - 1] ^= 1;
	assert_int_equal(sn_stun_check_integrity_sha256(&m, key, sizeof(key)), -EBADMSG);
	free(c);
}

/* ------------------------------------------------------------ round trips */

static const uint8_t txid_rt[SN_STUN_TXID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

static void
test_roundtrip_raw(void **state)
{
	uint8_t out[VEC_MAX], val[SN_STUN_ATTR_HLEN * 4];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	const struct sn_stun_attr *a;
	size_t len, i;
	uint8_t *c;
	int n;

	(void)state;
	for (i = 0; i < sizeof(val); i++)
		val[i] = (uint8_t)(0xa0 + i);
	for (len = 0; len <= sizeof(val); len++) {
		memset(out, 0xee, sizeof(out));
		sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
		assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, val, len), 0);
		assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, val, len), 0);
		n = sn_stun_writer_finish(&w);
		assert_int_equal(n, SN_STUN_HLEN + 2 * (SN_STUN_ATTR_HLEN + ((len + 3) & ~3u)));
		c = parse_copy(out, (size_t)n, &m);
		assert_int_equal(m.n_attrs, 2);
		assert_int_equal(m.type, SN_STUN_BINDING_REQUEST);
		assert_memory_equal(m.txid, txid_rt, SN_STUN_TXID_LEN);
		a = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
		assert_non_null(a);
		assert_int_equal(a->len, len);
		if (len > 0)
			assert_memory_equal(c + a->off, val, len);
		for (i = len; i < ((len + 3) & ~3u); i++)
			assert_int_equal(c[a->off + i], 0); /* zero padding */
		free(c);
	}
}

static void
test_roundtrip_u32(void **state)
{
	static const uint32_t vals[] = {0, 1, 600, 0x80000000u, UINT32_MAX};
	uint8_t out[VEC_MAX];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	const struct sn_stun_attr *a;
	unsigned i;
	uint8_t *c;
	int n;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		sn_stun_writer_begin(&w, out, out + sizeof(out), 0x0103, txid_rt);
		sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, vals[i]);
		n = sn_stun_writer_finish(&w);
		assert_int_equal(n, SN_STUN_HLEN + SN_STUN_ATTR_HLEN + 4);
		c = parse_copy(out, (size_t)n, &m);
		assert_int_equal(m.method, SN_TURN_ALLOCATE);
		assert_int_equal(m.cls, SN_STUN_CLASS_SUCCESS);
		a = sn_stun_find(&m, SN_TURN_ATTR_LIFETIME);
		assert_non_null(a);
		assert_int_equal(a->len, 4);
		assert_int_equal((uint32_t)c[a->off] << 24 | (uint32_t)c[a->off + 1] << 16 |
					 (uint32_t)c[a->off + 2] << 8 | c[a->off + 3],
			vals[i]);
		free(c);
	}
}

static void
test_roundtrip_xaddr(void **state)
{
	static const uint16_t types[] = {SN_STUN_ATTR_XOR_MAPPED_ADDRESS,
		SN_TURN_ATTR_XOR_PEER_ADDRESS, SN_TURN_ATTR_XOR_RELAYED_ADDRESS};
	static const uint16_t ports[] = {1, 3478, 32853, 65535};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xee, [15] = 0x42};
	static const uint8_t a4[4] = {203, 0, 113, 77};
	uint8_t out[VEC_MAX], fam, addr[16];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	unsigned t, p, f;
	uint16_t port;
	uint8_t *c;
	int n;

	(void)state;
	for (t = 0; t < 3; t++)
		for (p = 0; p < 4; p++)
			for (f = 0; f < 2; f++) {
				uint8_t want_fam = f ? SN_FAM_IPV6 : SN_FAM_IPV4;

				sn_stun_writer_begin(&w, out, out + sizeof(out),
					SN_STUN_BINDING_SUCCESS, txid_rt);
				sn_stun_add_xaddr(&w, types[t], want_fam, f ? a6 : a4, ports[p]);
				n = sn_stun_writer_finish(&w);
				assert_int_equal(
					n, SN_STUN_HLEN + SN_STUN_ATTR_HLEN +
						   (f ? SN_STUN_XADDR6_LEN : SN_STUN_XADDR4_LEN));
				c = parse_copy(out, (size_t)n, &m);
				assert_int_equal(
					sn_stun_xaddr_decode(
						&m, sn_stun_find(&m, types[t]), &fam, addr, &port),
					0);
				assert_int_equal(fam, want_fam);
				assert_int_equal(port, ports[p]);
				assert_memory_equal(addr, f ? a6 : a4, f ? 16 : 4);
				free(c);
			}
	/* matches the fast-path builder byte for byte */
	{
		uint8_t ref[VEC_MAX];

		sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_SUCCESS, txid_rt);
		sn_stun_add_xaddr(&w, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, SN_FAM_IPV6, a6, 4242);
		sn_stun_add_fingerprint(&w);
		n = sn_stun_writer_finish(&w);
		assert_int_equal(sn_stun_build_binding_success(
					 ref, sizeof(ref), txid_rt, SN_FAM_IPV6, a6, 4242, true),
			n);
		assert_memory_equal(out, ref, (size_t)n);
	}
}

static void
test_roundtrip_error(void **state)
{
	static const struct {
		uint16_t code;
		const char *reason;
	} cases[] = {
		{300, "Try Alternate"},
		{400, "Bad Request"},
		{401, "Unauthenticated"},
		{420, "Unknown Attribute"},
		{438, "Stale Nonce"},
		{499, ""},
		{500, NULL},
		{699, "x"},
	};
	uint8_t out[VEC_MAX];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	const struct sn_stun_attr *a;
	size_t rlen;
	unsigned i;
	uint8_t *c;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rlen = cases[i].reason ? strlen(cases[i].reason) : 0;
		sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
		assert_int_equal(sn_stun_add_error(&w, cases[i].code, cases[i].reason), 0);
		n = sn_stun_writer_finish(&w);
		c = parse_copy(out, (size_t)n, &m);
		a = sn_stun_find(&m, SN_STUN_ATTR_ERROR_CODE);
		assert_non_null(a);
		assert_int_equal(a->len, SN_STUN_ERROR_HLEN + rlen);
		assert_int_equal(c[a->off] | c[a->off + 1] | (c[a->off + 2] & 0xf8), 0);
		assert_int_equal((c[a->off + 2] & 7) * 100 + c[a->off + 3], cases[i].code);
		if (rlen > 0)
			assert_memory_equal(c + a->off + SN_STUN_ERROR_HLEN, cases[i].reason, rlen);
		free(c);
	}
}

static void
test_roundtrip_unknown(void **state)
{
	static const uint16_t types[] = {0x0031, 0x7fff, 0x0040, 0x1234, 0x0002};
	uint8_t out[VEC_MAX];
	struct sn_stun_writer w;
	struct sn_stun_msg m;
	const struct sn_stun_attr *a;
	size_t k, i;
	uint8_t *c;
	int n;

	(void)state;
	for (k = 0; k <= 5; k++) {
		sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
		sn_stun_add_error(&w, SN_STUN_ERR_UNKNOWN_ATTRIBUTE, "Unknown Attribute");
		assert_int_equal(sn_stun_add_unknown(&w, types, k), 0);
		n = sn_stun_writer_finish(&w);
		c = parse_copy(out, (size_t)n, &m);
		a = sn_stun_find(&m, SN_STUN_ATTR_UNKNOWN_ATTRIBUTES);
		assert_non_null(a);
		assert_int_equal(a->len, 2 * k);
		for (i = 0; i < k; i++)
			assert_int_equal(c[a->off + 2 * i] << 8 | c[a->off + 2 * i + 1], types[i]);
		free(c);
	}
}

/* Everything together, both integrity attributes, FINGERPRINT; verify them all. */
static int
build_full(uint8_t *buf, size_t cap, const uint8_t *key, size_t keylen)
{
	static const uint16_t unk[] = {0x0031, 0x0032, 0x0033};
	static const uint8_t a4[4] = {198, 18, 0, 11};
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x11};
	struct sn_stun_writer w;

	sn_stun_writer_begin(&w, buf, buf + cap, 0x0113, txid_rt);
	sn_stun_add_error(&w, SN_STUN_ERR_UNKNOWN_ATTRIBUTE, "Unknown Attribute");
	sn_stun_add_unknown(&w, unk, 3);
	sn_stun_add_raw(&w, SN_STUN_ATTR_REALM, "example.org", 11);
	sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, "obMatJos2AAAB", 13);
	sn_stun_add_u32(&w, SN_TURN_ATTR_LIFETIME, 600);
	sn_stun_add_xaddr(&w, SN_TURN_ATTR_XOR_RELAYED_ADDRESS, SN_FAM_IPV4, a4, 50000);
	sn_stun_add_xaddr(&w, SN_TURN_ATTR_XOR_PEER_ADDRESS, SN_FAM_IPV6, a6, 6000);
	sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, "supernode", 9);
	sn_stun_add_integrity(&w, key, keylen);
	sn_stun_add_integrity_sha256(&w, key, keylen);
	sn_stun_add_fingerprint(&w);
	return sn_stun_writer_finish(&w);
}

static void
test_roundtrip_full(void **state)
{
	static const uint8_t key[MD5_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t out[BIG_BUF], *c;
	struct sn_stun_msg m;
	int n;

	(void)state;
	n = build_full(out, sizeof(out), key, sizeof(key));
	assert_true(n > 0);
	c = parse_copy(out, (size_t)n, &m);
	assert_int_equal(m.n_attrs, 11);
	assert_true(m.has_integrity && m.has_integrity_sha256 && m.has_fingerprint);
	assert_int_equal(m.method, SN_TURN_ALLOCATE);
	assert_int_equal(m.cls, SN_STUN_CLASS_ERROR);
	assert_int_equal(sn_stun_check_integrity(&m, key, sizeof(key)), 0);
	assert_int_equal(sn_stun_check_integrity_sha256(&m, key, sizeof(key)), 0);
	assert_int_equal(sn_stun_check_integrity(&m, key, sizeof(key) - 1), -EBADMSG);
	assert_int_equal(sn_stun_check_integrity_sha256(&m, key, sizeof(key) - 1), -EBADMSG);
	free(c);
	/* an empty key works too (short-term credentials with an empty password) */
	n = build_full(out, sizeof(out), NULL, 0);
	assert_true(n > 0);
	c = parse_copy(out, (size_t)n, &m);
	assert_int_equal(sn_stun_check_integrity(&m, NULL, 0), 0);
	assert_int_equal(sn_stun_check_integrity_sha256(&m, NULL, 0), 0);
	free(c);
}

/* -------------------------------------------------------- errors, sizes */

/* Every buffer size below the full message fails with -ENOSPC and never writes past it. */
static void
test_overflow_every_size(void **state)
{
	static const uint8_t key[MD5_LEN] = {9};
	uint8_t ref[BIG_BUF], *buf;
	int n, cap;

	(void)state;
	n = build_full(ref, sizeof(ref), key, sizeof(key));
	assert_true(n > 0);
	for (cap = 0; cap <= n; cap++) {
		buf = malloc((size_t)cap + 1); /* exact size for ASan (+1: malloc(0)) */
		assert_non_null(buf);
		if (cap < n) {
			assert_int_equal(build_full(buf, (size_t)cap, key, sizeof(key)), -ENOSPC);
		} else {
			assert_int_equal(build_full(buf, (size_t)cap, key, sizeof(key)), n);
			assert_memory_equal(buf, ref, (size_t)n);
		}
		free(buf);
	}
}

static void
test_sticky_errors(void **state)
{
	static const uint8_t key[MD5_LEN] = {0};
	uint8_t out[VEC_MAX], a[16] = {0};
	uint8_t *big, *val;
	struct sn_stun_writer w;
	char reason[SN_STUN_ERROR_REASON_MAX + 2];

	(void)state;
	/* no room for the next attribute: it and everything after fail */
	sn_stun_writer_begin(&w, out, out + SN_STUN_HLEN + 8, SN_STUN_BINDING_REQUEST, txid_rt);
	assert_int_equal(sn_stun_add_u32(&w, SN_STUN_ATTR_PRIORITY, 1), 0);
	assert_int_equal(sn_stun_add_u32(&w, SN_STUN_ATTR_PRIORITY, 1), -ENOSPC);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, NULL, 0), -ENOSPC);
	assert_int_equal(sn_stun_writer_finish(&w), -ENOSPC);
	/* a first -EINVAL stays even when later calls would run out of room */
	sn_stun_writer_begin(&w, out, out + SN_STUN_HLEN, SN_STUN_BINDING_REQUEST, txid_rt);
	assert_int_equal(sn_stun_add_xaddr(&w, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, 5, a, 1), -EINVAL);
	assert_int_equal(sn_stun_add_u32(&w, SN_STUN_ATTR_PRIORITY, 1), -EINVAL);
	assert_int_equal(sn_stun_writer_finish(&w), -EINVAL);
	/* bad arguments */
	sn_stun_writer_begin(&w, out, out + sizeof(out), 0xc001, txid_rt);
	assert_int_equal(sn_stun_writer_finish(&w), -EINVAL);
	sn_stun_writer_begin(&w, out, out + SN_STUN_HLEN - 1, SN_STUN_BINDING_REQUEST, txid_rt);
	assert_int_equal(sn_stun_writer_finish(&w), -ENOSPC);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
	assert_int_equal(sn_stun_add_error(&w, 299, "x"), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
	assert_int_equal(sn_stun_add_error(&w, 700, "x"), -EINVAL);
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
	assert_int_equal(sn_stun_add_error(&w, 400, reason), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, NULL, 1), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_ERROR, txid_rt);
	assert_int_equal(
		sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, a, SN_STUN_ATTR_MAX_LEN + 1), -EINVAL);
	/* nothing but the allowed attributes after MESSAGE-INTEGRITY (section 14.5) */
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
	assert_int_equal(sn_stun_add_integrity(&w, key, sizeof(key)), 0);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, "x", 1), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
	sn_stun_add_integrity(&w, key, sizeof(key));
	assert_int_equal(sn_stun_add_integrity(&w, key, sizeof(key)), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
	sn_stun_add_integrity_sha256(&w, key, sizeof(key));
	assert_int_equal(sn_stun_add_integrity(&w, key, sizeof(key)), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
	sn_stun_add_fingerprint(&w);
	assert_int_equal(sn_stun_add_fingerprint(&w), -EINVAL);
	sn_stun_writer_begin(&w, out, out + sizeof(out), SN_STUN_BINDING_REQUEST, txid_rt);
	sn_stun_add_fingerprint(&w);
	assert_int_equal(sn_stun_add_integrity_sha256(&w, key, sizeof(key)), -EINVAL);
	/* the 16-bit message length: 65535 bytes of body at most */
	big = calloc(1, 2 * (size_t)SN_STUN_MAX_BODY_LEN);
	assert_non_null(big);
	sn_stun_writer_begin(
		&w, big, big + 2 * (size_t)SN_STUN_MAX_BODY_LEN, SN_STUN_BINDING_REQUEST, txid_rt);
	val = calloc(1, SN_STUN_MAX_BODY_LEN);
	assert_non_null(val);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, val,
				 SN_STUN_MAX_BODY_LEN - 2 * SN_STUN_ATTR_HLEN - 3),
		0);
	free(val);
	assert_int_equal(sn_stun_add_raw(&w, SN_STUN_ATTR_SOFTWARE, NULL, 0), 0);
	assert_int_equal(sn_stun_writer_finish(&w), SN_STUN_HLEN + SN_STUN_MAX_BODY_LEN - 3);
	assert_int_equal(sn_stun_add_u32(&w, SN_STUN_ATTR_PRIORITY, 1), -ENOSPC);
	free(big);
}

/*
 * sn_hmac() against libcrypto's one-shot HMAC() for a key sequence that
 * hits and misses the per-digest cache of the last key: repeated keys,
 * keys that differ in one byte or in length only, the empty key, keys
 * over one block (never cached) and alternation between the digests.
 */
static void
test_hmac_key_cache(void **state)
{
	static const size_t lens[] = {16, 16, 15, 16, 0, 0, 32, 64, 65, 200, 200, 16, 20};
	uint8_t key[256], data[300], got[SHA256_LEN], want[SHA256_LEN];
	const char *digests[] = {"SHA1", "SHA256"};
	unsigned i, d, r, wlen;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (r = 0; r < 2; r++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			memset(key, 0x5a, sizeof(key));
			if (i == 1)
				key[7] ^= 1; /* same length as the last key, one byte differs */
			for (d = 0; d < 2; d++) {
				const EVP_MD *md = d == 0 ? EVP_sha1() : EVP_sha256();
				size_t outlen = d == 0 ? 20 : SHA256_LEN;
				size_t dlen = (i * 37 + d) % sizeof(data);

				assert_int_equal(sn_hmac(digests[d], key, lens[i], data, dlen, got,
							 outlen),
					0);
				assert_non_null(HMAC(md, key, (int)lens[i], data, dlen, want, &wlen));
				assert_int_equal(wlen, outlen);
				assert_memory_equal(got, want, outlen);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_2_1),
		cmocka_unit_test(test_rfc5769_2_2),
		cmocka_unit_test(test_rfc5769_2_3),
		cmocka_unit_test(test_rfc5769_2_4),
		cmocka_unit_test(test_rfc8489_b_1),
		cmocka_unit_test(test_verify_vectors),
		cmocka_unit_test(test_verify_truncated_sha256),
		cmocka_unit_test(test_roundtrip_raw),
		cmocka_unit_test(test_roundtrip_u32),
		cmocka_unit_test(test_roundtrip_xaddr),
		cmocka_unit_test(test_roundtrip_error),
		cmocka_unit_test(test_roundtrip_unknown),
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_overflow_every_size),
		cmocka_unit_test(test_sticky_errors),
		cmocka_unit_test(test_hmac_key_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
