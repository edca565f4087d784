/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN peer policy (see cp_policy.h): CIDR parsing, compiled allow/deny
 * lists, the default special-purpose table and the IPv6 forms that embed an
 * IPv4 address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_policy.h"
#include "sn_addr.h"

#define V4_BITS	  32
#define V6_BITS	  128
#define HALF_BITS 64
#define BYTE_BITS 8
#define V4_LEN	  4
#define V6_LEN	  16
/* Longest prefix length text: "128". */
#define PLEN_DIGITS_MAX 3
/* Shortest IPv4 prefix that has a directed broadcast distinct from the host (RFC 3021: /31). */
#define BCAST_PLEN_MAX 30

#define CP_POLICY_NAME_(name, str, desc) str,
const char *const cp_policy_verdict_names[CP_POLICY_VERDICT_MAX] = {
	CP_POLICY_VERDICTS(CP_POLICY_NAME_)};
#undef CP_POLICY_NAME_
#define CP_POLICY_DESC_(name, str, desc) desc,
const char *const cp_policy_verdict_descs[CP_POLICY_VERDICT_MAX] = {
	CP_POLICY_VERDICTS(CP_POLICY_DESC_)};
#undef CP_POLICY_DESC_

/*
 * The default deny tables, first match wins (so a more specific entry
 * comes before the range holding it).  Sources: IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890 and updates), multicast
 * (RFC 5771, RFC 4291 sec. 2.7), RFC 919 limited broadcast.  Entries that
 * are special-purpose but globally reachable (AS112 192.31.196.0/24,
 * 192.175.48.0/24, AMT 192.52.193.0/24) stay allowed.  IPv6 forms that
 * embed an IPv4 address (::ffff:0:0/96, ::/96, 64:ff9b::/96,
 * 64:ff9b:1::/48, 2002::/16, 2001::/32) are judged by their IPv4 address
 * before this table is consulted, so they do not appear here (apart from
 * the parts ::/128 and ::1/128 of ::/96, which are not IPv4-compatible).
 */
struct default_entry {
	const char *cidr;
	enum cp_policy_verdict verdict;
};

static const struct default_entry defaults4[] = {
	{"0.0.0.0/32", CP_POLICY_DENY_UNSPECIFIED},	/* RFC 1122 3.2.1.3 "this host" */
	{"0.0.0.0/8", CP_POLICY_DENY_THIS_NETWORK},	/* RFC 791 */
	{"10.0.0.0/8", CP_POLICY_DENY_PRIVATE},		/* RFC 1918 */
	{"100.64.0.0/10", CP_POLICY_DENY_CGN},		/* RFC 6598 */
	{"127.0.0.0/8", CP_POLICY_DENY_LOOPBACK},	/* RFC 1122 */
	{"169.254.0.0/16", CP_POLICY_DENY_LINK_LOCAL},	/* RFC 3927; cloud metadata */
	{"172.16.0.0/12", CP_POLICY_DENY_PRIVATE},	/* RFC 1918 */
	{"192.0.0.0/24", CP_POLICY_DENY_IETF_PROTOCOL}, /* RFC 6890; DS-Lite, PCP, TURN anycast */
	{"192.0.2.0/24", CP_POLICY_DENY_DOCUMENTATION}, /* RFC 5737 TEST-NET-1 */
	{"192.88.99.0/24", CP_POLICY_DENY_RESERVED},	/* RFC 7526 deprecated 6to4 relay anycast */
	{"192.168.0.0/16", CP_POLICY_DENY_PRIVATE},	/* RFC 1918 */
	{"198.18.0.0/15", CP_POLICY_DENY_BENCHMARK},	/* RFC 2544 */
	{"198.51.100.0/24", CP_POLICY_DENY_DOCUMENTATION}, /* RFC 5737 TEST-NET-2 */
	{"203.0.113.0/24", CP_POLICY_DENY_DOCUMENTATION},  /* RFC 5737 TEST-NET-3 */
	{"224.0.0.0/4", CP_POLICY_DENY_MULTICAST},	   /* RFC 5771 */
	{"255.255.255.255/32", CP_POLICY_DENY_BROADCAST},  /* RFC 919, before 240/4 */
	{"240.0.0.0/4", CP_POLICY_DENY_RESERVED},	   /* RFC 1112 sec. 4 */
};

static const struct default_entry defaults6[] = {
	{"::/128", CP_POLICY_DENY_UNSPECIFIED},		 /* RFC 4291 2.5.2 */
	{"::1/128", CP_POLICY_DENY_LOOPBACK},		 /* RFC 4291 2.5.3 */
	{"2001:2::/48", CP_POLICY_DENY_BENCHMARK},	 /* RFC 5180, inside 2001::/23 */
	{"2001::/23", CP_POLICY_DENY_IETF_PROTOCOL},	 /* RFC 2928 (ORCHID, AMT, PCP, ...) */
	{"2001:db8::/32", CP_POLICY_DENY_DOCUMENTATION}, /* RFC 3849 */
	{"3fff::/20", CP_POLICY_DENY_DOCUMENTATION},	 /* RFC 9637 */
	{"fc00::/7", CP_POLICY_DENY_PRIVATE},		 /* RFC 4193 unique local */
	{"fec0::/10", CP_POLICY_DENY_PRIVATE},		 /* RFC 3879 deprecated site-local */
	{"fe80::/10", CP_POLICY_DENY_LINK_LOCAL},	 /* RFC 4291 2.5.6 */
	{"ff00::/8", CP_POLICY_DENY_MULTICAST},		 /* RFC 4291 2.7 */
	/*
	 * Everything outside global unicast 2000::/3 (RFC 4291 2.4, IANA IPv6
	 * address space): ::/8 reserved, 100::/64 discard-only (RFC 6666),
	 * 5f00::/16 SRv6 SIDs (RFC 9602), unassigned space.
	 */
	{"::/3", CP_POLICY_DENY_RESERVED},
	{"4000::/2", CP_POLICY_DENY_RESERVED},
	{"8000::/1", CP_POLICY_DENY_RESERVED},
};

#define N_DEFAULTS4 (sizeof(defaults4) / sizeof(defaults4[0]))
#define N_DEFAULTS6 (sizeof(defaults6) / sizeof(defaults6[0]))

_Static_assert(N_DEFAULTS4 <= CP_POLICY_MAX_DEFAULTS, "IPv4 default table room");
_Static_assert(N_DEFAULTS6 <= CP_POLICY_MAX_DEFAULTS, "IPv6 default table room");

/* ------------------------------------------------------------ bit helpers */

static inline uint32_t
load32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline uint64_t
load64(const uint8_t *b)
{
	return (uint64_t)load32(b) << 32 | load32(b + 4);
}

static inline uint32_t
mask32(unsigned plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (V4_BITS - plen);
}

static inline uint64_t
mask64(unsigned plen)
{
	return plen == 0 ? 0 : UINT64_MAX << (HALF_BITS - plen);
}

static void
rule4_make(struct cp_policy_rule4 *r, const uint8_t *b, unsigned plen, enum cp_policy_verdict v)
{
	r->mask = mask32(plen);
	r->net = load32(b) & r->mask;
	r->verdict = (uint8_t)v;
}

static void
rule6_make(struct cp_policy_rule6 *r, const uint8_t *b, unsigned plen, enum cp_policy_verdict v)
{
	r->mask[0] = mask64(plen > HALF_BITS ? HALF_BITS : plen);
	r->mask[1] = mask64(plen > HALF_BITS ? plen - HALF_BITS : 0);
	r->net[0] = load64(b) & r->mask[0];
	r->net[1] = load64(b + 8) & r->mask[1];
	r->verdict = (uint8_t)v;
}

/* First matching rule of r[0..n) or NULL. */
static inline const struct cp_policy_rule4 *
scan4(const struct cp_policy_rule4 *r, uint32_t n, uint32_t a)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if ((a & r[i].mask) == r[i].net)
			return &r[i];
	return NULL;
}

static inline const struct cp_policy_rule6 *
scan6(const struct cp_policy_rule6 *r, uint32_t n, uint64_t hi, uint64_t lo)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if ((hi & r[i].mask[0]) == r[i].net[0] && (lo & r[i].mask[1]) == r[i].net[1])
			return &r[i];
	return NULL;
}

/* ---------------------------------------------------------------- parsing */

static int
parse_fail(struct cp_policy_err *err, size_t pos, const char *msg)
{
	if (err != NULL) {
		err->pos = pos;
		err->msg = msg;
	}
	return -EINVAL;
}

static bool
addr_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
	       ch == ':' || ch == '.';
}

/* True when a bit of b[0..len) past the first plen bits is set. */
static bool
host_bits_set(const uint8_t *b, size_t len, unsigned plen)
{
	size_t i;

	for (i = plen / BYTE_BITS; i < len; i++) {
		uint8_t keep = i == plen / BYTE_BITS
				       ? (uint8_t)(UINT8_MAX << (BYTE_BITS - plen % BYTE_BITS))
				       : 0;

		if ((b[i] & (uint8_t)~keep) != 0)
			return true;
	}
	return false;
}

int
cp_policy_parse_cidr(
	const char *start, const char *end, struct cp_policy_cidr *c, struct cp_policy_err *err)
{
	char buf[CP_POLICY_CIDR_TEXT_MAX];
	const char *p, *slash = NULL;
	unsigned plen, max, digits;
	const char *msg;
	size_t n;

	memset(c, 0, sizeof(*c));
	if (start == NULL || end == NULL || end < start)
		return parse_fail(err, 0, "no text");
	if (start == end)
		return parse_fail(err, 0, "empty");
	for (p = start; p < end; p++) {
		if (*p == '/') {
			slash = p;
			break;
		}
		if (!addr_char(*p))
			return parse_fail(err, (size_t)(p - start), "not an address character");
	}
	n = (size_t)((slash != NULL ? slash : end) - start);
	if (n == 0)
		return parse_fail(err, 0, "address missing");
	if (n >= sizeof(buf))
		return parse_fail(err, sizeof(buf) - 1, "address too long");
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, c->addr.bytes) == 1) {
		c->addr.family = SN_FAM_IPV4;
		max = V4_BITS;
	} else if (inet_pton(AF_INET6, buf, c->addr.bytes) == 1) {
		c->addr.family = SN_FAM_IPV6;
		max = V6_BITS;
	} else {
		memset(c, 0, sizeof(*c));
		return parse_fail(err, 0, "not an IPv4 or IPv6 address");
	}
	if (slash == NULL) {
		c->prefix_len = (uint8_t)max;
		return 0;
	}
	plen = 0;
	digits = 0;
	for (p = slash + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			goto bad_plen;
		if (++digits > PLEN_DIGITS_MAX)
			goto bad_plen;
		plen = plen * 10 + (unsigned)(*p - '0');
	}
	p = slash + 1;
	if (digits == 0) {
		msg = "prefix length missing";
		goto fail;
	}
	if (plen > max) {
		msg = "prefix length too long";
		goto fail;
	}
	if (host_bits_set(c->addr.bytes, sn_fam_len(c->addr.family), plen)) {
		p = slash;
		msg = "host bits set past the prefix";
		goto fail;
	}
	c->prefix_len = (uint8_t)plen;
	return 0;

bad_plen:
	msg = "bad prefix length";
fail:
	memset(c, 0, sizeof(*c));
	return parse_fail(err, (size_t)(p - start), msg);
}

/* ------------------------------------------------------------- building */

void
cp_policy_init(struct cp_policy *p, bool defaults)
{
	struct cp_policy_cidr c;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->defaults = defaults;
	p->port_min = CP_POLICY_PORT_MIN_DEFAULT;
	if (!defaults)
		return;
	/* Constant text: tests/control/test_cp_policy.c checks every entry compiles. */
	for (i = 0; i < N_DEFAULTS4; i++) {
		const char *t = defaults4[i].cidr;

		if (cp_policy_parse_cidr(t, t + strlen(t), &c, NULL) == 0 &&
			c.addr.family == SN_FAM_IPV4)
			rule4_make(&p->def4[p->n_def4++], c.addr.bytes, c.prefix_len,
				defaults4[i].verdict);
	}
	for (i = 0; i < N_DEFAULTS6; i++) {
		const char *t = defaults6[i].cidr;

		if (cp_policy_parse_cidr(t, t + strlen(t), &c, NULL) == 0 &&
			c.addr.family == SN_FAM_IPV6)
			rule6_make(&p->def6[p->n_def6++], c.addr.bytes, c.prefix_len,
				defaults6[i].verdict);
	}
}

static int
list_add(struct cp_policy_list4 *l4, struct cp_policy_list6 *l6, const struct sn_abi_addr *a,
	unsigned plen, enum cp_policy_verdict v)
{
	switch (a->family) {
	case SN_FAM_IPV4:
		if (plen > V4_BITS)
			return -EINVAL;
		if (l4->n == CP_POLICY_MAX_CIDRS)
			return -ENOSPC;
		rule4_make(&l4->r[l4->n++], a->bytes, plen, v);
		return 0;
	case SN_FAM_IPV6:
		if (l6 == NULL || plen > V6_BITS)
			return -EINVAL;
		if (l6->n == CP_POLICY_MAX_CIDRS)
			return -ENOSPC;
		rule6_make(&l6->r[l6->n++], a->bytes, plen, v);
		return 0;
	default:
		return -EINVAL;
	}
}

int
cp_policy_allow(struct cp_policy *p, const struct cp_policy_cidr *c)
{
	return list_add(&p->allow4, &p->allow6, &c->addr, c->prefix_len, CP_POLICY_ALLOW);
}

int
cp_policy_deny(struct cp_policy *p, const struct cp_policy_cidr *c)
{
	return list_add(&p->deny4, &p->deny6, &c->addr, c->prefix_len, CP_POLICY_DENY_CONFIG);
}

int
cp_policy_allow_cidr(struct cp_policy *p, const char *text, struct cp_policy_err *err)
{
	struct cp_policy_cidr c;
	int ret;

	if (text == NULL)
		return parse_fail(err, 0, "no text");
	ret = cp_policy_parse_cidr(text, text + strlen(text), &c, err);
	return ret != 0 ? ret : cp_policy_allow(p, &c);
}

int
cp_policy_deny_cidr(struct cp_policy *p, const char *text, struct cp_policy_err *err)
{
	struct cp_policy_cidr c;
	int ret;

	if (text == NULL)
		return parse_fail(err, 0, "no text");
	ret = cp_policy_parse_cidr(text, text + strlen(text), &c, err);
	return ret != 0 ? ret : cp_policy_deny(p, &c);
}

int
cp_policy_add_self(struct cp_policy *p, const struct sn_abi_addr *a)
{
	return list_add(&p->self4, &p->self6, a, a->family == SN_FAM_IPV4 ? V4_BITS : V6_BITS,
		CP_POLICY_DENY_SELF);
}

int
cp_policy_add_self_subnet(struct cp_policy *p, const struct sn_abi_addr *a, uint8_t prefix_len)
{
	uint8_t b[V4_LEN];
	uint32_t bc;

	if (a->family == SN_FAM_IPV6)
		return prefix_len <= V6_BITS ? 0 : -EINVAL;
	if (a->family != SN_FAM_IPV4 || prefix_len > V4_BITS)
		return -EINVAL;
	if (prefix_len > BCAST_PLEN_MAX)
		return 0;
	bc = load32(a->bytes) | ~mask32(prefix_len);
	b[0] = (uint8_t)(bc >> 24);
	b[1] = (uint8_t)(bc >> 16);
	b[2] = (uint8_t)(bc >> 8);
	b[3] = (uint8_t)bc;
	if (p->bcast4.n == CP_POLICY_MAX_CIDRS)
		return -ENOSPC;
	rule4_make(&p->bcast4.r[p->bcast4.n++], b, V4_BITS, CP_POLICY_DENY_BROADCAST);
	return 0;
}

void
cp_policy_set_port_min(struct cp_policy *p, uint16_t port_min)
{
	p->port_min = port_min;
}

/* ------------------------------------------------------------- checking */

/* Rules 1, 2, 4, 5 of cp_policy.h for an IPv4 address (host order). */
static enum cp_policy_verdict
check4(const struct cp_policy *p, uint32_t a)
{
	const struct cp_policy_rule4 *r;

	if (scan4(p->deny4.r, p->deny4.n, a) != NULL)
		return CP_POLICY_DENY_CONFIG;
	if (scan4(p->self4.r, p->self4.n, a) != NULL)
		return CP_POLICY_DENY_SELF;
	if (scan4(p->bcast4.r, p->bcast4.n, a) != NULL)
		return CP_POLICY_DENY_BROADCAST;
	if (scan4(p->allow4.r, p->allow4.n, a) != NULL)
		return CP_POLICY_ALLOW;
	r = scan4(p->def4, p->n_def4, a);
	return r != NULL ? (enum cp_policy_verdict)r->verdict : CP_POLICY_ALLOW;
}

/* Byte layout of the IPv6 forms that embed an IPv4 address. */
#define EMB_TAIL 12 /* IPv4 in the last 32 bits (RFC 4291 2.5.5, RFC 6052 /96) */
/* RFC 6052 2.2 u-octet (bits 64..71), zero in every format */
#define RFC6052_U	 8
#define SIXTOFOUR_V4	 2 /* RFC 3056 2: 2002:V4ADDR::/48 */
#define TEREDO_SERVER	 4 /* RFC 4380 4: 2001:0:SERVER:flags:port:CLIENT */
#define TEREDO_CLIENT	 12
#define TEREDO_OBFUSCATE 0xffffffffu /* RFC 4380 4: client address and port inverted */
#define ISATAP_IID	 8	     /* RFC 5214 6.1: interface id [0|2]00:5efe:V4ADDR */
#define ISATAP_UL	 0x02
#define MAX_EMBEDDED	 4
/* Mask of "this network" 0.0.0.0/8. */
#define THIS_NET_MASK 0xff000000u

static const uint8_t pfx_mapped[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}; /* ::ffff:0:0/96 */
static const uint8_t pfx_siit[] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}; /* ::ffff:0:0:0/96 */
static const uint8_t pfx_compat[12];					      /* ::/96 */
static const uint8_t pfx_nat64[] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}; /* 64:ff9b::/96 */
static const uint8_t pfx_nat64_local[] = {0, 0x64, 0xff, 0x9b, 0, 0x01}; /* 64:ff9b:1::/48 */
static const uint8_t pfx_6to4[] = {0x20, 0x02};				 /* 2002::/16 */
static const uint8_t pfx_teredo[] = {0x20, 0x01, 0, 0};			 /* 2001::/32 */
static const uint8_t iid_isatap[] = {0, 0, 0x5e, 0xfe};

static bool
all_zero(const uint8_t *b, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static uint32_t
v4_of(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/*
 * 64:ff9b:1::/48 (RFC 8215) holds NAT64 prefixes of any RFC 6052 length
 * from /48 to /96, so the IPv4 address may sit at several places.  Every
 * reading that is well formed (u-octet and suffix zero) is checked, except
 * readings inside 0.0.0.0/8 taken from the /48, /56 and /64 formats: those
 * arise from the zero bytes of the /96 format, and every such reading of
 * 0.0.0.0 itself implies the /96 reading is 0.0.0.0 too, which is always
 * checked (last, so the reason names the more specific reading).  Practical
 * effect: public destinations need the /96 format.  Returns the count.
 */
static unsigned
nat64_local_readings(const uint8_t *b, uint32_t *v4)
{
	uint32_t r;
	unsigned n = 0;

	if (b[RFC6052_U] == 0) {
		/* /48: bits 48..63 and 72..87; suffix bytes 11..15 */
		r = v4_of(b[6], b[7], b[9], b[10]);
		if (all_zero(b, 11, V6_LEN) && (r & THIS_NET_MASK) != 0)
			v4[n++] = r;
		/* /56: bits 56..63 and 72..95; suffix bytes 12..15 */
		r = v4_of(b[7], b[9], b[10], b[11]);
		if (all_zero(b, 12, V6_LEN) && (r & THIS_NET_MASK) != 0)
			v4[n++] = r;
		/* /64: bits 72..103; suffix bytes 13..15 */
		r = v4_of(b[9], b[10], b[11], b[12]);
		if (all_zero(b, 13, V6_LEN) && (r & THIS_NET_MASK) != 0)
			v4[n++] = r;
	}
	v4[n++] = load32(b + EMB_TAIL); /* /96 */
	return n;
}

/*
 * The IPv4 addresses an IPv6 address embeds through a tunnelling or
 * translation form, into v4[] (at most MAX_EMBEDDED).  Sets *wrapper when
 * the whole address is such a form (its verdict is then that of the IPv4
 * addresses); ISATAP interface ids leave *wrapper false.
 */
static unsigned
embedded_v4(const uint8_t *b, uint32_t *v4, bool *wrapper)
{
	*wrapper = true;
	if (memcmp(b, pfx_mapped, sizeof(pfx_mapped)) == 0 ||
		memcmp(b, pfx_siit, sizeof(pfx_siit)) == 0 ||
		memcmp(b, pfx_nat64, sizeof(pfx_nat64)) == 0) {
		v4[0] = load32(b + EMB_TAIL);
		return 1;
	}
	if (memcmp(b, pfx_compat, sizeof(pfx_compat)) == 0) {
		/* ::/128 and ::1/128 are not IPv4-compatible (RFC 4291 2.5.5.1). */
		v4[0] = load32(b + EMB_TAIL);
		if (v4[0] <= 1) {
			*wrapper = false;
			return 0;
		}
		return 1;
	}
	if (memcmp(b, pfx_nat64_local, sizeof(pfx_nat64_local)) == 0)
		return nat64_local_readings(b, v4);
	if (memcmp(b, pfx_6to4, sizeof(pfx_6to4)) == 0) {
		v4[0] = load32(b + SIXTOFOUR_V4);
		return 1;
	}
	if (memcmp(b, pfx_teredo, sizeof(pfx_teredo)) == 0) {
		v4[0] = load32(b + TEREDO_CLIENT) ^ TEREDO_OBFUSCATE;
		v4[1] = load32(b + TEREDO_SERVER);
		return 2;
	}
	*wrapper = false;
	if ((b[ISATAP_IID] & (uint8_t)~ISATAP_UL) == iid_isatap[0] &&
		memcmp(b + ISATAP_IID + 1, iid_isatap + 1, sizeof(iid_isatap) - 1) == 0) {
		v4[0] = load32(b + EMB_TAIL);
		return 1;
	}
	return 0;
}

static enum cp_policy_verdict
check6(const struct cp_policy *p, const uint8_t *b, enum cp_policy_verdict *inner)
{
	uint64_t hi = load64(b), lo = load64(b + 8);
	const struct cp_policy_rule6 *r;
	uint32_t v4[MAX_EMBEDDED];
	unsigned i, n;
	bool wrapper;

	if (scan6(p->deny6.r, p->deny6.n, hi, lo) != NULL)
		return CP_POLICY_DENY_CONFIG;
	if (scan6(p->self6.r, p->self6.n, hi, lo) != NULL)
		return CP_POLICY_DENY_SELF;
	n = embedded_v4(b, v4, &wrapper);
	for (i = 0; i < n; i++) {
		enum cp_policy_verdict v = check4(p, v4[i]);

		if (v != CP_POLICY_ALLOW) {
			*inner = v;
			return CP_POLICY_DENY_EMBEDDED_V4;
		}
	}
	if (wrapper)
		return CP_POLICY_ALLOW;
	if (scan6(p->allow6.r, p->allow6.n, hi, lo) != NULL)
		return CP_POLICY_ALLOW;
	r = scan6(p->def6, p->n_def6, hi, lo);
	return r != NULL ? (enum cp_policy_verdict)r->verdict : CP_POLICY_ALLOW;
}

enum cp_policy_verdict
cp_policy_check(
	const struct cp_policy *p, const struct sn_abi_addr *peer, enum cp_policy_verdict *inner)
{
	enum cp_policy_verdict dummy;

	if (inner == NULL)
		inner = &dummy;
	*inner = CP_POLICY_ALLOW;
	switch (peer->family) {
	case SN_FAM_IPV4:
		return check4(p, load32(peer->bytes));
	case SN_FAM_IPV6:
		return check6(p, peer->bytes, inner);
	default:
		return CP_POLICY_DENY_INVALID;
	}
}

enum cp_policy_verdict
cp_policy_check_port(const struct cp_policy *p, uint16_t port)
{
	return port < p->port_min ? CP_POLICY_DENY_PORT : CP_POLICY_ALLOW;
}

enum cp_policy_verdict
cp_policy_check_endpoint(const struct cp_policy *p, const struct sn_abi_addr *peer, uint16_t port,
	enum cp_policy_verdict *inner)
{
	enum cp_policy_verdict v = cp_policy_check(p, peer, inner);

	return v != CP_POLICY_ALLOW ? v : cp_policy_check_port(p, port);
}

/* ------------------------------------------------------------ formatting */

const char *
cp_policy_verdict_name(enum cp_policy_verdict v)
{
	return (unsigned)v < CP_POLICY_VERDICT_MAX ? cp_policy_verdict_names[v] : "?";
}

char *
cp_policy_verdict_fmt(enum cp_policy_verdict v, enum cp_policy_verdict inner, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (v == CP_POLICY_DENY_EMBEDDED_V4)
		snprintf(buf, len, "%s:%s", cp_policy_verdict_name(v),
			cp_policy_verdict_name(inner));
	else
		snprintf(buf, len, "%s", cp_policy_verdict_name(v));
	return buf;
}

char *
cp_policy_cidr_fmt(const struct cp_policy_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	sn_addr_fmt(&c->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix_len);
	return buf;
}
