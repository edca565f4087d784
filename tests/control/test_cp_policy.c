/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the TURN peer policy (control/turn/cp_policy.c), table-driven.
 * Every default range at its first and last address and just outside it,
 * every IPv6 form embedding an IPv4 address, operator allow/deny lists, own
 * addresses, ports, CIDR parsing.  Addresses are data only: nothing is sent.
 * "Public" test addresses are 1.2.3.4 and 2a01:4f8::1-style values.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sn_addr.h"
#include "turn/cp_policy.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Entries of the default tables in cp_policy.c (each must compile). */
#define T_N_DEFAULTS4 17
#define T_N_DEFAULTS6 13

#define A  CP_POLICY_ALLOW
#define UN CP_POLICY_DENY_UNSPECIFIED
#define TN CP_POLICY_DENY_THIS_NETWORK
#define LO CP_POLICY_DENY_LOOPBACK
#define PR CP_POLICY_DENY_PRIVATE
#define CG CP_POLICY_DENY_CGN
#define LL CP_POLICY_DENY_LINK_LOCAL
#define MC CP_POLICY_DENY_MULTICAST
#define BC CP_POLICY_DENY_BROADCAST
#define BM CP_POLICY_DENY_BENCHMARK
#define DO CP_POLICY_DENY_DOCUMENTATION
#define IP CP_POLICY_DENY_IETF_PROTOCOL
#define RS CP_POLICY_DENY_RESERVED
#define SE CP_POLICY_DENY_SELF
#define CF CP_POLICY_DENY_CONFIG
#define EM CP_POLICY_DENY_EMBEDDED_V4

struct addr_case {
	const char *addr;
	enum cp_policy_verdict v;
	enum cp_policy_verdict inner; /* for EM */
};

static struct sn_abi_addr
addr(const char *s)
{
	struct sn_abi_addr a;

	if (sn_addr_parse(s, &a) != 0)
		fail_msg("test address '%s' does not parse", s);
	return a;
}

static void
run_cases(const struct cp_policy *p, const struct addr_case *c, size_t n, const char *what)
{
	char got[CP_POLICY_VERDICT_STRLEN], want[CP_POLICY_VERDICT_STRLEN];
	enum cp_policy_verdict v, inner;
	struct sn_abi_addr a;
	size_t i;

	for (i = 0; i < n; i++) {
		a = addr(c[i].addr);
		v = cp_policy_check(p, &a, &inner);
		if (v != c[i].v || (v == EM && inner != c[i].inner) || (v != EM && inner != A))
			fail_msg("%s case %zu %s: %s, expected %s", what, i, c[i].addr,
				cp_policy_verdict_fmt(v, inner, got, sizeof(got)),
				cp_policy_verdict_fmt(c[i].v, c[i].inner, want, sizeof(want)));
	}
}

/* Every default range: first and last address, and the neighbours outside. */
static const struct addr_case default_cases[] = {
	{"0.0.0.0", UN, A},
	{"0.0.0.1", TN, A},
	{"0.255.255.255", TN, A},
	{"1.0.0.0", A, A},
	{"9.255.255.255", A, A},
	{"10.0.0.0", PR, A},
	{"10.255.255.255", PR, A},
	{"11.0.0.0", A, A},
	{"100.63.255.255", A, A},
	{"100.64.0.0", CG, A},
	{"100.127.255.255", CG, A},
	{"100.128.0.0", A, A},
	{"126.255.255.255", A, A},
	{"127.0.0.0", LO, A},
	{"127.0.0.1", LO, A},
	{"127.255.255.255", LO, A},
	{"128.0.0.0", A, A},
	{"169.253.255.255", A, A},
	{"169.254.0.0", LL, A},
	{"169.254.169.254", LL, A},
	{"169.254.255.255", LL, A},
	{"169.255.0.0", A, A},
	{"172.15.255.255", A, A},
	{"172.16.0.0", PR, A},
	{"172.31.255.255", PR, A},
	{"172.32.0.0", A, A},
	{"191.255.255.255", A, A},
	{"192.0.0.0", IP, A},
	{"192.0.0.10", IP, A},
	{"192.0.0.255", IP, A},
	{"192.0.1.0", A, A},
	{"192.0.1.255", A, A},
	{"192.0.2.0", DO, A},
	{"192.0.2.255", DO, A},
	{"192.0.3.0", A, A},
	{"192.31.196.1", A, A}, /* AS112, globally reachable */
	{"192.52.193.1", A, A}, /* AMT, globally reachable */
	{"192.175.48.1", A, A}, /* AS112, globally reachable */
	{"192.88.98.255", A, A},
	{"192.88.99.0", RS, A},
	{"192.88.99.255", RS, A},
	{"192.88.100.0", A, A},
	{"192.167.255.255", A, A},
	{"192.168.0.0", PR, A},
	{"192.168.1.1", PR, A},
	{"192.168.255.255", PR, A},
	{"192.169.0.0", A, A},
	{"198.17.255.255", A, A},
	{"198.18.0.0", BM, A},
	{"198.19.255.255", BM, A},
	{"198.20.0.0", A, A},
	{"198.51.99.255", A, A},
	{"198.51.100.0", DO, A},
	{"198.51.100.255", DO, A},
	{"198.51.101.0", A, A},
	{"203.0.112.255", A, A},
	{"203.0.113.0", DO, A},
	{"203.0.113.255", DO, A},
	{"203.0.114.0", A, A},
	{"223.255.255.255", A, A},
	{"224.0.0.0", MC, A},
	{"239.255.255.255", MC, A},
	{"240.0.0.0", RS, A},
	{"255.255.255.254", RS, A},
	{"255.255.255.255", BC, A},
	{"1.2.3.4", A, A},

	{"::", UN, A},
	{"::1", LO, A},
	{"::2", EM, TN}, /* IPv4-compatible 0.0.0.2 */
	{"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RS, A},
	{"2000::", A, A},
	{"2001::", EM, BC}, /* Teredo: server 0.0.0.0 but client ~0 = 255.255.255.255 */
	{"2001:1::", IP, A},
	{"2001:1::1", IP, A},
	{"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", IP, A},
	{"2001:2::", BM, A},
	{"2001:2:0:ffff:ffff:ffff:ffff:ffff", BM, A},
	{"2001:2:1::", IP, A},
	{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", IP, A},
	{"2001:200::", A, A},
	{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", A, A},
	{"2001:db8::", DO, A},
	{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", DO, A},
	{"2001:db9::", A, A},
	{"2620:4f:8000::1", A, A}, /* AS112, globally reachable */
	{"2a01:4f8::1", A, A},
	{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A},
	{"3fff::", DO, A},
	{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", DO, A},
	{"3fff:1000::", A, A},
	{"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", A, A},
	{"4000::", RS, A},
	{"5f00::1", RS, A},
	{"100::", RS, A},
	{"100::ffff:ffff:ffff:ffff", RS, A},
	{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RS, A},
	{"fc00::", PR, A},
	{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PR, A},
	{"fe00::", RS, A},
	{"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RS, A},
	{"fe80::", LL, A},
	{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LL, A},
	{"fec0::", PR, A},
	{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PR, A},
	{"ff00::", MC, A},
	{"ff02::1", MC, A},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", MC, A},
};

static void
test_defaults(void **state)
{
	struct cp_policy *p = *state;

	cp_policy_init(p, true);
	assert_int_equal(p->n_def4, T_N_DEFAULTS4);
	assert_int_equal(p->n_def6, T_N_DEFAULTS6);
	run_cases(p, default_cases, NELEM(default_cases), "default");
}

/* ---------------------------------------------------------- embeddings */

struct inner_case {
	const char *v4;
	enum cp_policy_verdict v; /* its own verdict */
};

static const struct inner_case inners[] = {
	{"127.0.0.1", LO},
	{"10.0.0.1", PR},
	{"169.254.169.254", LL},
	{"192.168.1.1", PR},
	{"100.64.0.1", CG},
	{"0.0.0.0", UN},
	{"255.255.255.255", BC},
	{"1.2.3.4", A},
	{"5.6.7.8", A},
};

/* An IPv6 address from 16 bytes. */
static struct sn_abi_addr
v6_bytes(const uint8_t *b)
{
	struct sn_abi_addr a;

	memset(&a, 0, sizeof(a));
	a.family = SN_FAM_IPV6;
	memcpy(a.bytes, b, 16);
	return a;
}

static void
expect(const struct cp_policy *p, const struct sn_abi_addr *a, enum cp_policy_verdict want,
	enum cp_policy_verdict want_inner, const char *form, const char *v4)
{
	char got[CP_POLICY_VERDICT_STRLEN], txt[INET6_ADDRSTRLEN];
	enum cp_policy_verdict v, inner;

	v = cp_policy_check(p, a, &inner);
	if (want == A ? v != A : (v != EM || inner != want_inner))
		fail_msg("%s of %s (%s): %s, expected %s%s", form, v4,
			sn_addr_fmt(a, txt, sizeof(txt)),
			cp_policy_verdict_fmt(v, inner, got, sizeof(got)),
			want == A ? "allow" : "embedded_v4:",
			want == A ? "" : cp_policy_verdict_name(want_inner));
}

/*
 * Every IPv6 form embedding the IPv4 address: a refused IPv4 address gives
 * DENY_EMBEDDED_V4 with its own verdict as the inner one, an allowed one
 * ALLOW (the wrapper's own range being no reason to refuse).
 */
static void
check_embeddings(const struct cp_policy *p, const char *v4txt, enum cp_policy_verdict v4v)
{
	static const uint8_t pub4[4] = {1, 2, 3, 4};
	struct sn_abi_addr a4 = addr(v4txt), a;
	const uint8_t *v4 = a4.bytes;
	uint8_t b[16];
	unsigned i;

	/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2) */
	memset(b, 0, 16);
	b[10] = b[11] = 0xff;
	memcpy(b + 12, v4, 4);
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "IPv4-mapped", v4txt);
	/* ::a.b.c.d (RFC 4291 2.5.5.1); ::0.0.0.0 is "::" itself */
	memset(b, 0, 16);
	memcpy(b + 12, v4, 4);
	a = v6_bytes(b);
	if (a4.bytes[0] != 0)
		expect(p, &a, v4v, v4v, "IPv4-compatible", v4txt);
	/* ::ffff:0:a.b.c.d (RFC 2765 SIIT) */
	memset(b, 0, 16);
	b[8] = b[9] = 0xff;
	memcpy(b + 12, v4, 4);
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "IPv4-translated", v4txt);
	/* 64:ff9b::a.b.c.d (RFC 6052) */
	memset(b, 0, 16);
	b[1] = 0x64, b[2] = 0xff, b[3] = 0x9b;
	memcpy(b + 12, v4, 4);
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "NAT64 64:ff9b::/96", v4txt);
	/* 64:ff9b:1::/96 inside the local-use /48 (RFC 8215), with and without subnet bits */
	b[5] = 0x01;
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "NAT64 64:ff9b:1::/96", v4txt);
	b[6] = 0xab, b[7] = 0xcd, b[10] = 0x12;
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "NAT64 64:ff9b:1:abcd:0:12::/96", v4txt);
	/* 64:ff9b:1::/48 in the RFC 6052 /64 format: bits 72..103 */
	memset(b, 0, 16);
	b[1] = 0x64, b[2] = 0xff, b[3] = 0x9b, b[5] = 0x01;
	memcpy(b + 9, v4, 4);
	a = v6_bytes(b);
	if (v4v != A || a4.bytes[3] != 0) {
		/* the /96 reading (d.0.0.0) is checked as well: keep it public */
		enum cp_policy_verdict v, inner;

		v = cp_policy_check(p, &a, &inner);
		if (v4v == A ? v != A : v != EM)
			fail_msg("NAT64 /64 format of %s: %s", v4txt, cp_policy_verdict_name(v));
	}
	/* 2002:V4ADDR::/48 6to4 (RFC 3056), with subnet and interface id */
	memset(b, 0, 16);
	b[0] = 0x20, b[1] = 0x02;
	memcpy(b + 2, v4, 4);
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "6to4", v4txt);
	b[7] = 0x01, b[15] = 0x01;
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "6to4 host", v4txt);
	/* Teredo (RFC 4380 4): 2001:0:SERVER:flags:~port:~CLIENT; the other end public */
	memset(b, 0, 16);
	b[0] = 0x20, b[1] = 0x01;
	memcpy(b + 4, v4, 4);
	b[8] = 0x80;		    /* cone flag */
	b[10] = 0xec, b[11] = 0x77; /* ~port 5000 */
	for (i = 0; i < 4; i++)
		b[12 + i] = (uint8_t)~pub4[i];
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "Teredo server", v4txt);
	memcpy(b + 4, pub4, 4);
	for (i = 0; i < 4; i++)
		b[12 + i] = (uint8_t)~v4[i];
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "Teredo client (obfuscated)", v4txt);
	/* The client not obfuscated is a different (public: ~v4) address. */
	/* ISATAP interface ids (RFC 5214 6.1) under a public prefix, u/l bit 0 and 1 */
	memset(b, 0, 16);
	b[0] = 0x2a, b[1] = 0x01, b[2] = 0x04, b[3] = 0xf8;
	b[10] = 0x5e, b[11] = 0xfe;
	memcpy(b + 12, v4, 4);
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "ISATAP", v4txt);
	b[8] = 0x02;
	a = v6_bytes(b);
	expect(p, &a, v4v, v4v, "ISATAP global", v4txt);
}

static void
test_embeddings(void **state)
{
	struct cp_policy *p = *state;
	struct sn_abi_addr a;
	unsigned i;

	cp_policy_init(p, true);
	for (i = 0; i < NELEM(inners); i++) {
		a = addr(inners[i].v4);
		assert_int_equal(cp_policy_check(p, &a, NULL), inners[i].v);
		check_embeddings(p, inners[i].v4, inners[i].v);
	}
}

/* Text forms, as an operator or a TURN client would write them. */
static const struct addr_case embedded_text_cases[] = {
	{"::ffff:127.0.0.1", EM, LO},	       /* RFC 4291 2.5.5.2 */
	{"::ffff:7f00:1", EM, LO},	       /* the same in hex */
	{"::127.0.0.1", EM, LO},	       /* IPv4-compatible, RFC 4291 2.5.5.1 */
	{"::ffff:0:127.0.0.1", EM, LO},	       /* SIIT, RFC 2765 */
	{"64:ff9b::127.0.0.1", EM, LO},	       /* NAT64 well-known prefix, RFC 6052 */
	{"64:ff9b:1::10.0.0.1", EM, PR},       /* local-use NAT64, RFC 8215, /96 format */
	{"64:ff9b:1:a9fe:a9:fe00::", EM, LL},  /* /48 format of 169.254.169.254 */
	{"64:ff9b:1:7f:0:1::", EM, LO},	       /* /56 format of 127.0.0.1 */
	{"64:ff9b:1:0:c0:a801:100::", EM, PR}, /* /64 format of 192.168.1.1 */
	{"64:ff9b:1:0:1:203:400::", A, A},     /* /64 format of 1.2.3.4 (/96 reading 4.0.0.0) */
	{"64:ff9b:1:102:3:400::", EM, UN},     /* /48 format of 1.2.3.4: /96 reading 0.0.0.0 */
	{"64:ff9b:1:0:ff00::", EM, UN},	       /* u-octet set: only the /96 reading, 0.0.0.0 */
	{"64:ff9b:1:0:ff00::1.2.3.4", A, A},
	{"64:ff9b:2::127.0.0.1", RS, A}, /* outside both NAT64 prefixes */
	{"2002:7f00:1::", EM, LO},	 /* 6to4, RFC 3056 */
	{"2002:a9fe:a9fe:1::1", EM, LL}, /* with subnet and host bits */
	{"2002:c0a8:101::", EM, PR},	 /* 192.168.1.1 */
	{"2002:102:304::1", A, A},
	{"2001:0:102:304:8000:ec77:f5ff:fffe", EM, PR}, /* Teredo client ~0a000001 */
	{"2001:0:102:304:8000:ec77:80ff:fffe", EM, LO}, /* client 127.0.0.1 */
	{"2001:0:102:304:8000:ec77:fefd:fcfb", A, A},	/* client 1.2.3.4 */
	{"2001:0:7f00:1:8000:ec77:fefd:fcfb", EM, LO},	/* server 127.0.0.1 */
	{"2001:0:102:304:8000:ec77:7f00:1", A, A},	/* client ~7f000001 = 128.255.255.254 */
	{"fe80::5efe:10.0.0.1", EM, PR},		/* ISATAP, RFC 5214 6.1 */
	{"2a01:4f8::200:5efe:169.254.169.254", EM, LL}, /* u/l bit set */
	{"2a01:4f8::200:5efe:1.2.3.4", A, A},
	{"2a01:4f8::100:5efe:10.0.0.1", A, A}, /* not an ISATAP id (other bits set) */
};

static void
test_embedded_text(void **state)
{
	struct cp_policy *p = *state;

	cp_policy_init(p, true);
	run_cases(p, embedded_text_cases, NELEM(embedded_text_cases), "embedded");
}

/* ----------------------------------------------------- operator lists */

static void
test_operator_allow(void **state)
{
	static const struct addr_case cases[] = {
		{"10.1.2.3", A, A},		      /* allowed by 10.0.0.0/8 */
		{"10.0.0.0", A, A},		      /* first */
		{"10.255.255.255", A, A},	      /* last */
		{"::ffff:10.1.2.3", A, A},	      /* the destination is 10.1.2.3: allowed */
		{"::ffff:127.0.0.1", EM, LO},	      /* still refused */
		{"64:ff9b::169.254.169.254", EM, LL}, /* metadata through NAT64 */
		{"172.16.0.1", PR, A},		      /* other private ranges stay refused */
		{"192.168.1.1", PR, A},
		{"10.9.0.1", CF, A},		/* explicit deny inside the allow wins */
		{"::ffff:10.9.0.1", EM, CF},	/* and inside IPv6 */
		{"fd00::1", A, A},		/* allowed ULA */
		{"fd00::ffff:127.0.0.1", A, A}, /* no embedding there */
		{"fd01::1", PR, A},
		{"::ffff:0:0", EM, UN},	  /* allow ::ffff:0:0/96 never lets v4 through */
		{"::ffff:0:a00:1", A, A}, /* SIIT 10.0.0.1: allowed via 10/8 */
	};
	struct cp_policy *p = *state;
	struct cp_policy_err e;

	cp_policy_init(p, true);
	assert_int_equal(cp_policy_allow_cidr(p, "10.0.0.0/8", &e), 0);
	assert_int_equal(cp_policy_deny_cidr(p, "10.9.0.0/16", &e), 0);
	assert_int_equal(cp_policy_allow_cidr(p, "fd00::/16", &e), 0);
	assert_int_equal(cp_policy_allow_cidr(p, "::ffff:0:0/96", &e), 0);
	run_cases(p, cases, NELEM(cases), "allow");
}

static void
test_operator_deny(void **state)
{
	static const struct addr_case cases[] = {
		{"1.2.3.0", CF, A},
		{"1.2.3.4", CF, A},
		{"1.2.3.255", CF, A},
		{"1.2.2.255", A, A},
		{"1.2.4.0", A, A},
		{"5.6.7.8", A, A},
		{"::ffff:1.2.3.4", EM, CF},
		{"2002:102:304::1", EM, CF},
		{"64:ff9b::1.2.3.4", EM, CF},
		{"2001:0:506:708:8000:ec77:fefd:fcfb", EM, CF}, /* Teredo client 1.2.3.4 */
		{"2a01:4f8::1", CF, A},
		{"2a01:4f8:ffff:ffff:ffff:ffff:ffff:ffff", CF, A},
		{"2a01:4f7:ffff:ffff:ffff:ffff:ffff:ffff", A, A},
		{"2a01:4f9::", A, A},
		{"2002:506:708::1", CF, A}, /* 6to4 of a public v4, wrapper denied */
		{"2002:507::1", A, A},
		{"127.0.0.1", LO, A},
	};
	struct cp_policy *p = *state;

	cp_policy_init(p, true);
	/* deny before and after an overlapping allow: deny wins either way */
	assert_int_equal(cp_policy_deny_cidr(p, "1.2.3.0/24", NULL), 0);
	assert_int_equal(cp_policy_allow_cidr(p, "1.2.0.0/16", NULL), 0);
	assert_int_equal(cp_policy_allow_cidr(p, "2a01:4f8::/32", NULL), 0);
	assert_int_equal(cp_policy_deny_cidr(p, "2a01:4f8::/32", NULL), 0);
	assert_int_equal(cp_policy_deny_cidr(p, "2002:506:708::/48", NULL), 0);
	run_cases(p, cases, NELEM(cases), "deny");
}

static void
test_self(void **state)
{
	static const struct addr_case cases[] = {
		{"198.18.0.1", SE, A}, /* allowed range, own address: refused */
		{"198.18.0.2", A, A},
		{"198.18.0.255", BC, A}, /* directed broadcast of the /24 */
		{"198.18.1.255", A, A},
		{"198.18.7.255", BC, A}, /* of 198.18.4.0/22 */
		{"198.18.8.3", A, A},	 /* /31 and /32: no broadcast */
		{"198.18.8.4", A, A},
		{"::ffff:198.18.0.1", EM, SE},
		{"::ffff:198.18.0.255", EM, BC},
		{"2002:c612:1::", EM, SE},
		{"2001:db8:1::1", SE, A},
		{"2001:db8:1::2", A, A},
		{"2001:db8:2::1", DO, A},
		{"1.2.3.4", SE, A}, /* a public own address */
		{"1.2.3.5", A, A},
	};
	struct cp_policy *p = *state;
	struct sn_abi_addr a;
	cp_policy_init(p, true);
	assert_int_equal(cp_policy_allow_cidr(p, "198.18.0.0/15", NULL), 0);
	assert_int_equal(cp_policy_allow_cidr(p, "2001:db8:1::/64", NULL), 0);
	a = addr("198.18.0.1");
	assert_int_equal(cp_policy_add_self(p, &a), 0);
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 24), 0);
	a = addr("198.18.4.1");
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 22), 0);
	a = addr("198.18.8.4");
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 31), 0);
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 32), 0);
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 33), -EINVAL);
	a = addr("2001:db8:1::1");
	assert_int_equal(cp_policy_add_self(p, &a), 0);
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 64), 0);
	a = addr("1.2.3.4");
	assert_int_equal(cp_policy_add_self(p, &a), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(cp_policy_add_self(p, &a), -EINVAL);
	assert_int_equal(cp_policy_add_self_subnet(p, &a, 8), -EINVAL);
	run_cases(p, cases, NELEM(cases), "self");
}

static void
test_defaults_off(void **state)
{
	static const struct addr_case cases[] = {
		{"10.0.0.1", A, A},
		{"127.0.0.1", A, A},
		{"::1", A, A},
		{"::ffff:127.0.0.1", A, A},
		{"fe80::1", A, A},
		{"192.168.0.1", CF, A},
		{"::ffff:192.168.0.1", EM, CF},
		{"2001:0:102:304:8000:ec77:3f57:fefe", EM, CF}, /* client ~c0a80101 */
		{"192.0.2.10", SE, A},
		{"64:ff9b::192.0.2.10", EM, SE},
	};
	struct cp_policy *p = *state;
	struct sn_abi_addr a;

	cp_policy_init(p, false);
	assert_int_equal(p->n_def4, 0);
	assert_int_equal(cp_policy_deny_cidr(p, "192.168.0.0/16", NULL), 0);
	a = addr("192.0.2.10");
	assert_int_equal(cp_policy_add_self(p, &a), 0);
	run_cases(p, cases, NELEM(cases), "defaults off");
}

static void
test_ports(void **state)
{
	struct cp_policy *p = *state;
	struct sn_abi_addr a = addr("1.2.3.4"), lo = addr("::ffff:127.0.0.1");
	enum cp_policy_verdict inner;

	cp_policy_init(p, true);
	assert_int_equal(cp_policy_check_port(p, 0), CP_POLICY_DENY_PORT);
	assert_int_equal(cp_policy_check_port(p, 1), A);
	assert_int_equal(cp_policy_check_port(p, 65535), A);
	assert_int_equal(cp_policy_check_endpoint(p, &a, 0, NULL), CP_POLICY_DENY_PORT);
	assert_int_equal(cp_policy_check_endpoint(p, &a, 5000, NULL), A);
	/* the address verdict comes first */
	assert_int_equal(cp_policy_check_endpoint(p, &lo, 0, &inner), EM);
	assert_int_equal(inner, LO);
	cp_policy_set_port_min(p, 1024);
	assert_int_equal(cp_policy_check_port(p, 1023), CP_POLICY_DENY_PORT);
	assert_int_equal(cp_policy_check_port(p, 1024), A);
	cp_policy_set_port_min(p, 0);
	assert_int_equal(cp_policy_check_port(p, 0), A);
}

static void
test_invalid_family(void **state)
{
	struct cp_policy *p = *state;
	struct sn_abi_addr a;
	enum cp_policy_verdict inner = EM;

	cp_policy_init(p, false);
	memset(&a, 0, sizeof(a));
	assert_int_equal(cp_policy_check(p, &a, &inner), CP_POLICY_DENY_INVALID);
	assert_int_equal(inner, A);
	a.family = 5;
	assert_int_equal(cp_policy_check(p, &a, NULL), CP_POLICY_DENY_INVALID);
}

/* ------------------------------------------------------------- parsing */

struct cidr_case {
	const char *text;
	int ret;
	size_t pos;	 /* error offset */
	const char *fmt; /* canonical form when parsed */
};

static const struct cidr_case cidr_cases[] = {
	{"10.0.0.0/8", 0, 0, "10.0.0.0/8"},
	{"10.0.0.1", 0, 0, "10.0.0.1/32"},
	{"0.0.0.0/0", 0, 0, "0.0.0.0/0"},
	{"255.255.255.255/32", 0, 0, "255.255.255.255/32"},
	{"1.2.3.0/024", 0, 0, "1.2.3.0/24"},
	{"::/0", 0, 0, "::/0"},
	{"::", 0, 0, "::/128"},
	{"2001:DB8::/32", 0, 0, "2001:db8::/32"},
	{"::ffff:1.2.3.0/120", 0, 0, "::ffff:1.2.3.0/120"},
	{"2001:db8::8000/113", 0, 0, "2001:db8::8000/113"},
	{"fe80::/10", 0, 0, "fe80::/10"},
	{"", -EINVAL, 0, NULL},
	{"/8", -EINVAL, 0, NULL},
	{"10.0.0.0/", -EINVAL, 9, NULL},
	{"10.0.0.0/33", -EINVAL, 9, NULL},
	{"10.0.0.0/999", -EINVAL, 9, NULL},
	{"10.0.0.0/0008", -EINVAL, 12, NULL},
	{"2001:db8::/129", -EINVAL, 11, NULL},
	{"10.0.0.1/8", -EINVAL, 8, NULL},
	{"10.128.0.0/8", -EINVAL, 10, NULL},
	{"2001:db8::8000/112", -EINVAL, 14, NULL},
	{"2001:db8::1/127", -EINVAL, 11, NULL},
	{"10.0.0.0/8x", -EINVAL, 10, NULL},
	{"10.0.0.0/-1", -EINVAL, 9, NULL},
	{"10.0.0.0/+8", -EINVAL, 9, NULL},
	{"10.0.0.0/ 8", -EINVAL, 9, NULL},
	{"10.0.0.0 /8", -EINVAL, 8, NULL},
	{" 10.0.0.0/8", -EINVAL, 0, NULL},
	{"10.0.0.0/8\n", -EINVAL, 10, NULL},
	{"1.2.3.4/32/1", -EINVAL, 10, NULL},
	{"10.0.0.256/32", -EINVAL, 0, NULL},
	{"1.2.3", -EINVAL, 0, NULL},
	{"1.2.3.4.5", -EINVAL, 0, NULL},
	{"fe80::1%eth0/64", -EINVAL, 7, NULL},
	{"g::/8", -EINVAL, 0, NULL},
	{"2001:db8:::1", -EINVAL, 0, NULL},
	{"1:2:3:4:5:6:7:8:9", -EINVAL, 0, NULL},
	{"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000", -EINVAL, 63, NULL},
	{"localhost", -EINVAL, 0, NULL},
};

static void
test_parse_cidr(void **state)
{
	char buf[CP_POLICY_CIDR_TEXT_MAX + 8];
	struct cp_policy_cidr c, c2;
	struct cp_policy_err e;
	unsigned i;
	int ret;

	for (i = 0; i < NELEM(cidr_cases); i++) {
		const struct cidr_case *k = &cidr_cases[i];

		e.pos = 999;
		e.msg = NULL;
		ret = cp_policy_parse_cidr(k->text, k->text + strlen(k->text), &c, &e);
		if (ret != k->ret)
			fail_msg("case %u '%s': ret %d, expected %d (%s)", i, k->text, ret, k->ret,
				ret != 0 ? e.msg : "");
		if (ret != 0) {
			if (e.pos != k->pos || e.msg == NULL)
				fail_msg("case %u '%s': error at %zu (%s), expected %zu", i,
					k->text, e.pos, e.msg != NULL ? e.msg : "-", k->pos);
			assert_int_equal(c.addr.family, SN_FAM_NONE);
			continue;
		}
		cp_policy_cidr_fmt(&c, buf, sizeof(buf));
		if (strcmp(buf, k->fmt) != 0)
			fail_msg("case %u '%s': formats as '%s', expected '%s'", i, k->text, buf,
				k->fmt);
		assert_int_equal(cp_policy_parse_cidr(buf, buf + strlen(buf), &c2, NULL), 0);
		assert_memory_equal(&c, &c2, sizeof(c));
	}
	/* Only [start, end) is read: a prefix of a longer text. */
	{
		static const char t[] = "10.0.0.0/8junk";

		assert_int_equal(cp_policy_parse_cidr(t, t + 10, &c, &e), 0);
		assert_int_equal(c.prefix_len, 8);
		assert_int_equal(cp_policy_parse_cidr(t, t, &c, &e), -EINVAL);
	}
	assert_int_equal(cp_policy_allow_cidr(*state, NULL, &e), -EINVAL);
}

static void
test_add_errors(void **state)
{
	struct cp_policy *p = *state;
	struct cp_policy_err e;
	char t[32];
	unsigned i;

	cp_policy_init(p, true);
	assert_int_equal(cp_policy_deny_cidr(p, "10.0.0.1/8", &e), -EINVAL);
	assert_int_equal(e.pos, 8);
	assert_non_null(strstr(e.msg, "host bits"));
	assert_int_equal(cp_policy_allow_cidr(p, "10.0.0.0/33", &e), -EINVAL);
	assert_int_equal(e.pos, 9);
	assert_int_equal(p->deny4.n + p->allow4.n, 0);
	for (i = 0; i < CP_POLICY_MAX_CIDRS; i++) {
		snprintf(t, sizeof(t), "1.%u.%u.0/24", i / 256, i % 256);
		assert_int_equal(cp_policy_deny_cidr(p, t, &e), 0);
	}
	assert_int_equal(cp_policy_deny_cidr(p, "5.0.0.0/8", &e), -ENOSPC);
	/* the IPv6 list has its own room */
	assert_int_equal(cp_policy_deny_cidr(p, "2a01::/16", &e), 0);
}

static void
test_names(void **state)
{
	char buf[CP_POLICY_VERDICT_STRLEN];
	unsigned i, j;

	for (i = 0; i < CP_POLICY_VERDICT_MAX; i++) {
		assert_non_null(cp_policy_verdict_names[i]);
		assert_true(cp_policy_verdict_names[i][0] != '\0');
		assert_true(cp_policy_verdict_descs[i][0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(
				cp_policy_verdict_names[i], cp_policy_verdict_names[j]);
		cp_policy_verdict_fmt(i, CP_POLICY_VERDICT_MAX - 1, buf, sizeof(buf));
	}
	assert_string_equal(cp_policy_verdict_name(A), "allow");
	assert_string_equal(cp_policy_verdict_name(CF), "denied_by_config");
	assert_string_equal(cp_policy_verdict_name(CP_POLICY_VERDICT_MAX), "?");
	assert_string_equal(
		cp_policy_verdict_fmt(EM, LO, buf, sizeof(buf)), "embedded_v4:loopback");
	assert_string_equal(
		cp_policy_verdict_fmt(EM, CF, buf, sizeof(buf)), "embedded_v4:denied_by_config");
	assert_string_equal(cp_policy_verdict_fmt(PR, A, buf, sizeof(buf)), "private");
}

static struct cp_policy policy;

static int
setup(void **state)
{
	*state = &policy;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_embeddings),
		cmocka_unit_test(test_embedded_text),
		cmocka_unit_test(test_operator_allow),
		cmocka_unit_test(test_operator_deny),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_defaults_off),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_invalid_family),
		cmocka_unit_test(test_parse_cidr),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("cp_policy", tests, setup, NULL);
}
