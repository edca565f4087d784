/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_stun.h: RFC 5769 test vectors, builder round trips,
 * a table of malformed messages and every truncation of valid ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "sn_abi.h"
#include "sn_stun.h"

/* ------------------------------------------------------- RFC 5769 vectors */

/* RFC 5769 section 2.1: sample request (SOFTWARE, PRIORITY, ICE-CONTROLLED,
 * USERNAME, MESSAGE-INTEGRITY, FINGERPRINT) */
static const uint8_t rfc5769_request[] = {
	0x00,
	0x01,
	0x00,
	0x58,
	0x21,
	0x12,
	0xa4,
	0x42,
	0xb7,
	0xe7,
	0xa7,
	0x01,
	0xbc,
	0x34,
	0xd6,
	0x86,
	0xfa,
	0x87,
	0xdf,
	0xae,
	0x80,
	0x22,
	0x00,
	0x10,
	0x53,
	0x54,
	0x55,
	0x4e,
	0x20,
	0x74,
	0x65,
	0x73,
	0x74,
	0x20,
	0x63,
	0x6c,
	0x69,
	0x65,
	0x6e,
	0x74,
	0x00,
	0x24,
	0x00,
	0x04,
	0x6e,
	0x00,
	0x01,
	0xff,
	0x80,
	0x29,
	0x00,
	0x08,
	0x93,
	0x2f,
	0xf9,
	0xb1,
	0x51,
	0x26,
	0x3b,
	0x36,
	0x00,
	0x06,
	0x00,
	0x09,
	0x65,
	0x76,
	0x74,
	0x6a,
	0x3a,
	0x68,
	0x36,
	0x76,
	0x59,
	0x20,
	0x20,
	0x20,
	0x00,
	0x08,
	0x00,
	0x14,
	0x9a,
	0xea,
	0xa7,
	0x0c,
	0xbf,
	0xd8,
	0xcb,
	0x56,
	0x78,
	0x1e,
	0xf2,
	0xb5,
	0xb2,
	0xd3,
	0xf2,
	0x49,
	0xc1,
	0xb5,
	0x71,
	0xa2,
	0x80,
	0x28,
	0x00,
	0x04,
	0xe5,
	0x7a,
	0x3b,
	0xcf,
};

/* RFC 5769 section 2.2: sample IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853 */
static const uint8_t rfc5769_v4_response[] = {
	0x01,
	0x01,
	0x00,
	0x3c,
	0x21,
	0x12,
	0xa4,
	0x42,
	0xb7,
	0xe7,
	0xa7,
	0x01,
	0xbc,
	0x34,
	0xd6,
	0x86,
	0xfa,
	0x87,
	0xdf,
	0xae,
	0x80,
	0x22,
	0x00,
	0x0b,
	0x74,
	0x65,
	0x73,
	0x74,
	0x20,
	0x76,
	0x65,
	0x63,
	0x74,
	0x6f,
	0x72,
	0x20,
	0x00,
	0x20,
	0x00,
	0x08,
	0x00,
	0x01,
	0xa1,
	0x47,
	0xe1,
	0x12,
	0xa6,
	0x43,
	0x00,
	0x08,
	0x00,
	0x14,
	0x2b,
	0x91,
	0xf5,
	0x99,
	0xfd,
	0x9e,
	0x90,
	0xc3,
	0x8c,
	0x74,
	0x89,
	0xf9,
	0x2a,
	0xf9,
	0xba,
	0x53,
	0xf0,
	0x6b,
	0xe7,
	0xd7,
	0x80,
	0x28,
	0x00,
	0x04,
	0xc0,
	0x7d,
	0x4c,
	0x96,
};

/* RFC 5769 section 2.3: sample IPv6 response,
 * XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
static const uint8_t rfc5769_v6_response[] = {
	0x01,
	0x01,
	0x00,
	0x48,
	0x21,
	0x12,
	0xa4,
	0x42,
	0xb7,
	0xe7,
	0xa7,
	0x01,
	0xbc,
	0x34,
	0xd6,
	0x86,
	0xfa,
	0x87,
	0xdf,
	0xae,
	0x80,
	0x22,
	0x00,
	0x0b,
	0x74,
	0x65,
	0x73,
	0x74,
	0x20,
	0x76,
	0x65,
	0x63,
	0x74,
	0x6f,
	0x72,
	0x20,
	0x00,
	0x20,
	0x00,
	0x14,
	0x00,
	0x02,
	0xa1,
	0x47,
	0x01,
	0x13,
	0xa9,
	0xfa,
	0xa5,
	0xd3,
	0xf1,
	0x79,
	0xbc,
	0x25,
	0xf4,
	0xb5,
	0xbe,
	0xd2,
	0xb9,
	0xd9,
	0x00,
	0x08,
	0x00,
	0x14,
	0xa3,
	0x82,
	0x95,
	0x4e,
	0x4b,
	0xe6,
	0x7b,
	0xf1,
	0x17,
	0x84,
	0xc9,
	0x7c,
	0x82,
	0x92,
	0xc2,
	0x75,
	0xbf,
	0xe3,
	0xed,
	0x41,
	0x80,
	0x28,
	0x00,
	0x04,
	0xc8,
	0xfb,
	0x0b,
	0x4c,
};

static const uint8_t rfc5769_txid[SN_STUN_TXID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};
static const uint8_t mapped_v4[4] = {192, 0, 2, 1};
static const uint8_t mapped_v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x00, 0x11,
	0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
#define MAPPED_PORT 32853

/* Parse from an exact-size heap copy so ASan sees any over-read. */
static enum sn_drop
parse_copy(const uint8_t *p, size_t len, struct sn_stun_msg *m, uint8_t **keep)
{
	uint8_t *c = malloc(len ? len : 1);
	enum sn_drop d;

	assert_non_null(c);
	memcpy(c, p, len);
	d = sn_stun_parse(c, c + len, m);
	if (keep != NULL)
		*keep = c;
	else
		free(c);
	return d;
}

static void
test_rfc5769_request(void **state)
{
	struct sn_stun_msg m;
	uint8_t *buf;

	(void)state;
	assert_true(sn_stun_is_candidate(rfc5769_request, sizeof(rfc5769_request)));
	assert_int_equal(
		parse_copy(rfc5769_request, sizeof(rfc5769_request), &m, &buf), SN_DROP_NONE);
	assert_int_equal(m.type, SN_STUN_BINDING_REQUEST);
	assert_int_equal(m.method, SN_STUN_BINDING);
	assert_int_equal(m.cls, SN_STUN_CLASS_REQUEST);
	assert_int_equal(m.length, 0x58);
	assert_memory_equal(m.txid, rfc5769_txid, SN_STUN_TXID_LEN);
	assert_int_equal(m.n_attrs, 6);
	assert_true(m.has_fingerprint);
	assert_true(m.has_integrity);
	assert_false(m.has_integrity_sha256);
	assert_int_equal(m.integrity_off, 76);
	assert_int_equal(m.unknown_required, 0);
	assert_int_equal(m.attrs[0].type, SN_STUN_ATTR_SOFTWARE);
	assert_int_equal(m.attrs[0].len, 16);
	assert_int_equal(m.attrs[0].off, 24);
	assert_memory_equal(buf + m.attrs[0].off, "STUN test client", 16);
	assert_int_equal(m.attrs[3].type, SN_STUN_ATTR_USERNAME);
	assert_int_equal(m.attrs[3].len, 9);
	assert_int_equal(m.attrs[5].type, SN_STUN_ATTR_FINGERPRINT);
	assert_ptr_equal(sn_stun_find(&m, SN_STUN_ATTR_PRIORITY), &m.attrs[1]);
	assert_null(sn_stun_find(&m, SN_STUN_ATTR_XOR_MAPPED_ADDRESS));
	/* FINGERPRINT base: CRC-32 of everything before the attribute */
	assert_int_equal(sn_stun_crc32(buf, sizeof(rfc5769_request) - 8) ^ SN_STUN_FINGERPRINT_XOR,
		0xe57a3bcf);
	free(buf);
}

static void
check_response(const uint8_t *msg, size_t len, uint8_t want_fam, const uint8_t *want_addr)
{
	const struct sn_stun_attr *a;
	struct sn_stun_msg m;
	uint8_t fam = 0, addr[16] = {0};
	uint16_t port = 0;
	uint8_t *buf;

	assert_int_equal(parse_copy(msg, len, &m, &buf), SN_DROP_NONE);
	assert_int_equal(m.type, SN_STUN_BINDING_SUCCESS);
	assert_int_equal(m.method, SN_STUN_BINDING);
	assert_int_equal(m.cls, SN_STUN_CLASS_SUCCESS);
	assert_int_equal(m.n_attrs, 4);
	assert_true(m.has_fingerprint);
	assert_true(m.has_integrity);
	a = sn_stun_find(&m, SN_STUN_ATTR_XOR_MAPPED_ADDRESS);
	assert_non_null(a);
	assert_int_equal(sn_stun_xaddr_decode(&m, a, &fam, addr, &port), 0);
	assert_int_equal(fam, want_fam);
	assert_int_equal(port, MAPPED_PORT);
	assert_memory_equal(addr, want_addr, want_fam == SN_FAM_IPV4 ? 4 : 16);
	/* SOFTWARE is not an address */
	a = sn_stun_find(&m, SN_STUN_ATTR_SOFTWARE);
	assert_non_null(a);
	assert_int_equal(sn_stun_xaddr_decode(&m, a, &fam, addr, &port), -EINVAL);
	free(buf);
}

static void
test_rfc5769_v4_response(void **state)
{
	(void)state;
	check_response(rfc5769_v4_response, sizeof(rfc5769_v4_response), SN_FAM_IPV4, mapped_v4);
}

static void
test_rfc5769_v6_response(void **state)
{
	(void)state;
	check_response(rfc5769_v6_response, sizeof(rfc5769_v6_response), SN_FAM_IPV6, mapped_v6);
}

/* Any flipped bit before the FINGERPRINT value is caught by the CRC. */
static void
test_rfc5769_fingerprint_flips(void **state)
{
	const uint8_t *vec[] = {rfc5769_request, rfc5769_v4_response, rfc5769_v6_response};
	const size_t lens[] = {
		sizeof(rfc5769_request), sizeof(rfc5769_v4_response), sizeof(rfc5769_v6_response)};
	size_t v, i;

	(void)state;
	for (v = 0; v < 3; v++) {
		uint8_t b[128];
		struct sn_stun_msg m;

		/* bytes 24.. are attribute values/ headers of SOFTWARE etc.; flip
		 * value bytes of the first attribute and the FINGERPRINT value */
		for (i = 24; i < 36; i++) {
			memcpy(b, vec[v], lens[v]);
			b[i] ^= 0x01;
			assert_int_equal(
				sn_stun_parse(b, b + lens[v], &m), SN_DROP_STUN_FINGERPRINT);
		}
		for (i = lens[v] - 4; i < lens[v]; i++) {
			memcpy(b, vec[v], lens[v]);
			b[i] ^= 0x80;
			assert_int_equal(
				sn_stun_parse(b, b + lens[v], &m), SN_DROP_STUN_FINGERPRINT);
		}
	}
}

/* Every cut short of the end fails, and never reads past the cut. */
static void
test_truncations(void **state)
{
	const uint8_t *vec[] = {rfc5769_request, rfc5769_v4_response, rfc5769_v6_response};
	const size_t lens[] = {
		sizeof(rfc5769_request), sizeof(rfc5769_v4_response), sizeof(rfc5769_v6_response)};
	size_t v, len;

	(void)state;
	for (v = 0; v < 3; v++) {
		for (len = 0; len < lens[v]; len++) {
			struct sn_stun_msg m;

			if (parse_copy(vec[v], len, &m, NULL) == SN_DROP_NONE)
				fail_msg("vector %zu cut at %zu parsed", v, len);
		}
	}
}

/* ------------------------------------------------------------- builder */

static void
test_build_v4_exact(void **state)
{
	static const uint8_t want[] = {
		0x01,
		0x01,
		0x00,
		0x0c,
		0x21,
		0x12,
		0xa4,
		0x42,
		0xb7,
		0xe7,
		0xa7,
		0x01,
		0xbc,
		0x34,
		0xd6,
		0x86,
		0xfa,
		0x87,
		0xdf,
		0xae,
		/* the XOR-MAPPED-ADDRESS attribute of RFC 5769 section 2.2 */
		0x00,
		0x20,
		0x00,
		0x08,
		0x00,
		0x01,
		0xa1,
		0x47,
		0xe1,
		0x12,
		0xa6,
		0x43,
	};
	uint8_t out[64];

	(void)state;
	assert_int_equal(sn_stun_build_binding_success(out, sizeof(out), rfc5769_txid, SN_FAM_IPV4,
				 mapped_v4, MAPPED_PORT, false),
		sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

static void
test_build_v6_exact(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_int_equal(sn_stun_build_binding_success(out, sizeof(out), rfc5769_txid, SN_FAM_IPV6,
				 mapped_v6, MAPPED_PORT, false),
		44);
	/* same attribute bytes as RFC 5769 section 2.3 (offset 36 there) */
	assert_memory_equal(out + 20, rfc5769_v6_response + 36, 24);
}

struct build_case {
	uint8_t family;
	bool fp;
	int want_len;
};

static const struct build_case build_cases[] = {
	{SN_FAM_IPV4, false, 32},
	{SN_FAM_IPV4, true, 40},
	{SN_FAM_IPV6, false, 44},
	{SN_FAM_IPV6, true, 52},
};

static void
test_build_round_trip(void **state)
{
	static const uint8_t addr4[4] = {203, 0, 113, 77};
	static const uint8_t addr6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xee, [15] = 0x42};
	static const uint16_t ports[] = {1, 3478, 0x2112, 0xffff};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++) {
		const struct build_case *bc = &build_cases[i];
		const uint8_t *addr = bc->family == SN_FAM_IPV4 ? addr4 : addr6;

		for (j = 0; j < sizeof(ports) / sizeof(ports[0]); j++) {
			uint8_t out[52], txid[SN_STUN_TXID_LEN], fam, got[16];
			const struct sn_stun_attr *a;
			struct sn_stun_msg m;
			uint16_t port;
			size_t cap;
			int n;

			memset(txid, (int)(0x11 * (i + j + 1)), sizeof(txid));
			n = sn_stun_build_binding_success(
				out, sizeof(out), txid, bc->family, addr, ports[j], bc->fp);
			assert_int_equal(n, bc->want_len);
			assert_true(sn_stun_is_candidate(out, (size_t)n));
			assert_int_equal(sn_stun_parse(out, out + n, &m), SN_DROP_NONE);
			assert_int_equal(m.type, SN_STUN_BINDING_SUCCESS);
			assert_int_equal(m.has_fingerprint, bc->fp);
			assert_int_equal(m.n_attrs, bc->fp ? 2 : 1);
			assert_memory_equal(m.txid, txid, sizeof(txid));
			a = sn_stun_find(&m, SN_STUN_ATTR_XOR_MAPPED_ADDRESS);
			assert_non_null(a);
			assert_int_equal(sn_stun_xaddr_decode(&m, a, &fam, got, &port), 0);
			assert_int_equal(fam, bc->family);
			assert_int_equal(port, ports[j]);
			assert_memory_equal(got, addr, bc->family == SN_FAM_IPV4 ? 4 : 16);
			for (cap = 0; cap < (size_t)bc->want_len; cap++)
				assert_int_equal(sn_stun_build_binding_success(out, cap, txid,
							 bc->family, addr, ports[j], bc->fp),
					-ENOSPC);
		}
	}
}

static void
test_build_bad_family(void **state)
{
	uint8_t out[64], a[16] = {0};

	(void)state;
	assert_int_equal(sn_stun_build_binding_success(
				 out, sizeof(out), rfc5769_txid, SN_FAM_NONE, a, 1, true),
		-EINVAL);
	assert_int_equal(
		sn_stun_build_binding_success(out, sizeof(out), rfc5769_txid, 5, a, 1, false),
		-EINVAL);
}

/* ------------------------------------------------------- message builder */

#define MSG_MAX 1024

struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
msg_init(struct msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	put16(m->b, type);
	m->b[4] = 0x21;
	m->b[5] = 0x12;
	m->b[6] = 0xa4;
	m->b[7] = 0x42;
	memcpy(m->b + 8, rfc5769_txid, SN_STUN_TXID_LEN);
	m->len = SN_STUN_HLEN;
}

static void
msg_fix_len(struct msg *m)
{
	put16(m->b + 2, (uint16_t)(m->len - SN_STUN_HLEN));
}

static void
msg_add(struct msg *m, uint16_t type, uint16_t len)
{
	size_t padded = (len + 3u) & ~3u, i;

	put16(m->b + m->len, type);
	put16(m->b + m->len + 2, len);
	for (i = 0; i < len; i++)
		m->b[m->len + 4 + i] = (uint8_t)(0x30 + i);
	m->len += 4 + padded;
	msg_fix_len(m);
}

static void
msg_add_fp(struct msg *m)
{
	uint32_t crc;

	put16(m->b + m->len, SN_STUN_ATTR_FINGERPRINT);
	put16(m->b + m->len + 2, 4);
	m->len += 8;
	msg_fix_len(m);
	crc = sn_stun_crc32(m->b, m->len - 8) ^ SN_STUN_FINGERPRINT_XOR;
	m->b[m->len - 4] = (uint8_t)(crc >> 24);
	m->b[m->len - 3] = (uint8_t)(crc >> 16);
	m->b[m->len - 2] = (uint8_t)(crc >> 8);
	m->b[m->len - 1] = (uint8_t)crc;
}

/* ------------------------------------------------------- malformed table */

typedef void (*make_fn)(struct msg *m);

static void
mk_ok_plain(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
}

static void
mk_bad_cookie(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 5);
	m->b[7] = 0x43;
}

static void
mk_top_bits(struct msg *m)
{
	msg_init(m, 0xc001);
}

static void
mk_top_bit_one(struct msg *m)
{
	msg_init(m, 0x4001);
}

static void
mk_len_not_mult4(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 4);
	m->len += 2; /* header length 10 */
	msg_fix_len(m);
}

static void
mk_len_field_short(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 8);
	put16(m->b + 2, 8); /* says 8, carries 12 */
}

static void
mk_len_field_long(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 8);
	put16(m->b + 2, 16); /* says 16, carries 12 */
}

static void
mk_attr_overrun(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 8);
	put16(m->b + SN_STUN_HLEN + 2, 9); /* padded 12 > 8 left */
}

static void
mk_attr_overrun_huge(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 8);
	put16(m->b + SN_STUN_HLEN + 2, 0xffff);
}

static void
mk_fp_not_last(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add_fp(m);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 4);
}

static void
mk_fp_bad(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 4);
	msg_add_fp(m);
	m->b[m->len - 1] ^= 1;
}

static void
mk_fp_len_8(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_FINGERPRINT, 8);
}

static void
mk_fp_twice(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add_fp(m);
	msg_add_fp(m);
}

static void
mk_attr_after_mi(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, SN_STUN_INTEGRITY_LEN);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 4);
}

static void
mk_attr_after_mi256(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, SN_STUN_INTEGRITY_SHA256_LEN);
	msg_add(m, SN_STUN_ATTR_USERNAME, 4);
}

static void
mk_mi_after_mi256(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, SN_STUN_INTEGRITY_SHA256_LEN);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, SN_STUN_INTEGRITY_LEN);
}

static void
mk_mi_twice(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, SN_STUN_INTEGRITY_LEN);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, SN_STUN_INTEGRITY_LEN);
}

static void
mk_mi_len_16(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, 16);
}

static void
mk_mi256_len_12(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 12);
}

static void
mk_mi256_len_18(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 18);
}

static void
mk_mi256_len_36(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 36);
}

static void
mk_mi256_len_16(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16);
	msg_add_fp(m);
}

static void
mk_mi_mi256_fp(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_USERNAME, 9);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY, SN_STUN_INTEGRITY_LEN);
	msg_add(m, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, SN_STUN_INTEGRITY_SHA256_LEN);
	msg_add_fp(m);
}

static void
mk_attrs_max(struct msg *m)
{
	unsigned i;

	msg_init(m, SN_STUN_BINDING_REQUEST);
	for (i = 0; i < SN_STUN_MAX_ATTRS; i++)
		msg_add(m, SN_STUN_ATTR_SOFTWARE, 0);
}

static void
mk_attrs_too_many(struct msg *m)
{
	unsigned i;

	msg_init(m, SN_STUN_BINDING_REQUEST);
	for (i = 0; i < SN_STUN_MAX_ATTRS + 1; i++)
		msg_add(m, SN_STUN_ATTR_SOFTWARE, 0);
}

static void
mk_reserved_type(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, 0x0000, 4);
}

static void
mk_unknown_required(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, SN_STUN_ATTR_SOFTWARE, 3);
	msg_add(m, 0x0003, 4); /* RFC 5780 CHANGE-REQUEST: not known here */
	msg_add(m, 0x7fff, 4);
}

static void
mk_unknown_optional(struct msg *m)
{
	msg_init(m, SN_STUN_BINDING_REQUEST);
	msg_add(m, 0x8001, 4);
	msg_add(m, 0xffff, 0);
	msg_add(m, SN_STUN_ATTR_PRIORITY, 4);
	msg_add(m, SN_STUN_ATTR_USE_CANDIDATE, 0);
}

struct malformed_case {
	const char *name;
	make_fn make;
	enum sn_drop want;
	uint16_t want_unknown;
};

static const struct malformed_case malformed_cases[] = {
	{"header only", mk_ok_plain, SN_DROP_NONE, 0},
	{"bad cookie", mk_bad_cookie, SN_DROP_STUN_MALFORMED, 0},
	{"top bits 11", mk_top_bits, SN_DROP_STUN_MALFORMED, 0},
	{"top bits 01", mk_top_bit_one, SN_DROP_STUN_MALFORMED, 0},
	{"length not multiple of 4", mk_len_not_mult4, SN_DROP_STUN_MALFORMED, 0},
	{"length field too short", mk_len_field_short, SN_DROP_STUN_MALFORMED, 0},
	{"length field too long", mk_len_field_long, SN_DROP_STUN_MALFORMED, 0},
	{"attribute overruns by padding", mk_attr_overrun, SN_DROP_STUN_MALFORMED, 0},
	{"attribute length 65535", mk_attr_overrun_huge, SN_DROP_STUN_MALFORMED, 0},
	{"fingerprint not last", mk_fp_not_last, SN_DROP_STUN_MALFORMED, 0},
	{"bad fingerprint", mk_fp_bad, SN_DROP_STUN_FINGERPRINT, 0},
	{"fingerprint length 8", mk_fp_len_8, SN_DROP_STUN_MALFORMED, 0},
	{"fingerprint twice", mk_fp_twice, SN_DROP_STUN_MALFORMED, 0},
	{"attribute after MESSAGE-INTEGRITY", mk_attr_after_mi, SN_DROP_STUN_MALFORMED, 0},
	{"attribute after MESSAGE-INTEGRITY-SHA256", mk_attr_after_mi256, SN_DROP_STUN_MALFORMED,
		0},
	{"MESSAGE-INTEGRITY after -SHA256", mk_mi_after_mi256, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY twice", mk_mi_twice, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY length 16", mk_mi_len_16, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY-SHA256 length 12", mk_mi256_len_12, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY-SHA256 length 18", mk_mi256_len_18, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY-SHA256 length 36", mk_mi256_len_36, SN_DROP_STUN_MALFORMED, 0},
	{"MESSAGE-INTEGRITY-SHA256 truncated to 16", mk_mi256_len_16, SN_DROP_NONE, 0},
	{"MI, MI-SHA256, FINGERPRINT", mk_mi_mi256_fp, SN_DROP_NONE, 0},
	{"32 attributes", mk_attrs_max, SN_DROP_NONE, 0},
	{"33 attributes", mk_attrs_too_many, SN_DROP_STUN_MALFORMED, 0},
	{"reserved type 0", mk_reserved_type, SN_DROP_STUN_MALFORMED, 0},
	{"unknown required", mk_unknown_required, SN_DROP_NONE, 0x0003},
	{"unknown optional", mk_unknown_optional, SN_DROP_NONE, 0},
};

static void
test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(malformed_cases) / sizeof(malformed_cases[0]); i++) {
		const struct malformed_case *mc = &malformed_cases[i];
		struct sn_stun_msg sm;
		struct msg m;
		enum sn_drop d;

		mc->make(&m);
		d = parse_copy(m.b, m.len, &sm, NULL);
		if (d != mc->want)
			fail_msg("%s: want %s, got %s", mc->name, sn_drop_names[mc->want],
				sn_drop_names[d]);
		if (d == SN_DROP_NONE && sm.unknown_required != mc->want_unknown)
			fail_msg("%s: unknown_required 0x%04x, want 0x%04x", mc->name,
				sm.unknown_required, mc->want_unknown);
	}
}

/* Integrity offsets point at the attribute headers. */
static void
test_integrity_offsets(void **state)
{
	struct sn_stun_msg sm;
	struct msg m;

	(void)state;
	mk_mi_mi256_fp(&m);
	assert_int_equal(sn_stun_parse(m.b, m.b + m.len, &sm), SN_DROP_NONE);
	assert_true(sm.has_integrity && sm.has_integrity_sha256 && sm.has_fingerprint);
	assert_int_equal(sm.integrity_off, SN_STUN_HLEN + 4 + 12);
	assert_int_equal(sm.integrity_sha256_off, SN_STUN_HLEN + 16 + 24);
	assert_int_equal(m.b[sm.integrity_off + 1], SN_STUN_ATTR_MESSAGE_INTEGRITY);
	assert_int_equal(m.b[sm.integrity_sha256_off + 1], SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256);
}

/* RFC 8489 section 5: method and class bits interleave in the type. */
static void
test_method_class(void **state)
{
	static const struct {
		uint16_t type, method, cls;
	} cases[] = {
		{0x0001, SN_STUN_BINDING, SN_STUN_CLASS_REQUEST},
		{0x0011, SN_STUN_BINDING, SN_STUN_CLASS_INDICATION},
		{0x0101, SN_STUN_BINDING, SN_STUN_CLASS_SUCCESS},
		{0x0111, SN_STUN_BINDING, SN_STUN_CLASS_ERROR},
		{0x0003, SN_TURN_ALLOCATE, SN_STUN_CLASS_REQUEST},
		{0x0113, SN_TURN_ALLOCATE, SN_STUN_CLASS_ERROR},
		{0x0016, SN_TURN_SEND, SN_STUN_CLASS_INDICATION},
		{0x0017, SN_TURN_DATA, SN_STUN_CLASS_INDICATION},
		{0x0109, SN_TURN_CHANNEL_BIND, SN_STUN_CLASS_SUCCESS},
		{0x3eef, 0x0fff, SN_STUN_CLASS_REQUEST},
		{0x3fff, 0x0fff, SN_STUN_CLASS_ERROR},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sn_stun_msg sm;
		struct msg m;

		msg_init(&m, cases[i].type);
		assert_int_equal(sn_stun_parse(m.b, m.b + m.len, &sm), SN_DROP_NONE);
		assert_int_equal(sm.method, cases[i].method);
		assert_int_equal(sm.cls, cases[i].cls);
	}
}

/* XOR address value rules: exact lengths, known families, inside the message. */
static void
test_xaddr_rejects(void **state)
{
	struct sn_stun_attr fake;
	struct sn_stun_msg sm;
	struct msg m;
	uint8_t fam, addr[16];
	uint16_t port;

	(void)state;
	msg_init(&m, SN_STUN_BINDING_SUCCESS);
	msg_add(&m, SN_STUN_ATTR_XOR_MAPPED_ADDRESS, 20); /* family byte 0x31: bad */
	m.b[SN_STUN_HLEN + 4 + 1] = SN_STUN_FAMILY_IPV4;  /* IPv4 with 20 bytes */
	msg_add(&m, SN_TURN_ATTR_XOR_PEER_ADDRESS, 8);
	m.b[SN_STUN_HLEN + 24 + 4 + 1] = SN_STUN_FAMILY_IPV6; /* IPv6 with 8 bytes */
	msg_add(&m, SN_TURN_ATTR_XOR_RELAYED_ADDRESS, 8);
	m.b[SN_STUN_HLEN + 36 + 4 + 1] = 3; /* unknown family */
	assert_int_equal(sn_stun_parse(m.b, m.b + m.len, &sm), SN_DROP_NONE);
	assert_int_equal(sm.n_attrs, 3);
	assert_int_equal(sn_stun_xaddr_decode(&sm, &sm.attrs[0], &fam, addr, &port), -EINVAL);
	assert_int_equal(sn_stun_xaddr_decode(&sm, &sm.attrs[1], &fam, addr, &port), -EINVAL);
	assert_int_equal(sn_stun_xaddr_decode(&sm, &sm.attrs[2], &fam, addr, &port), -EINVAL);
	/* an attribute that does not lie inside the message */
	fake.type = SN_STUN_ATTR_XOR_MAPPED_ADDRESS;
	fake.len = 8;
	fake.off = (uint16_t)(m.len - 4);
	assert_int_equal(sn_stun_xaddr_decode(&sm, &fake, &fam, addr, &port), -EINVAL);
	assert_int_equal(sn_stun_xaddr_decode(&sm, NULL, &fam, addr, &port), -EINVAL);
}

/* The parser accepts exactly [start, end): trailing bytes are an error. */
static void
test_exact_extent(void **state)
{
	uint8_t b[sizeof(rfc5769_v4_response) + 4];
	struct sn_stun_msg sm;

	(void)state;
	memcpy(b, rfc5769_v4_response, sizeof(rfc5769_v4_response));
	memset(b + sizeof(rfc5769_v4_response), 0, 4);
	assert_int_equal(sn_stun_parse(b, b + sizeof(b), &sm), SN_DROP_STUN_MALFORMED);
	assert_int_equal(sn_stun_parse(b, b + sizeof(rfc5769_v4_response), &sm), SN_DROP_NONE);
	assert_false(sn_stun_is_candidate(b, SN_STUN_HLEN - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_request),
		cmocka_unit_test(test_rfc5769_v4_response),
		cmocka_unit_test(test_rfc5769_v6_response),
		cmocka_unit_test(test_rfc5769_fingerprint_flips),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_build_v4_exact),
		cmocka_unit_test(test_build_v6_exact),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_build_bad_family),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_integrity_offsets),
		cmocka_unit_test(test_method_class),
		cmocka_unit_test(test_xaddr_rejects),
		cmocka_unit_test(test_exact_extent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
