/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TURN peer policy (control/turn/cp_policy.c).
 *
 * Input: byte 0 selects the default table (bit 0) and a peer port minimum
 * (bit 1); then lines (at '\n'), each handed to the CIDR parser in a buffer
 * of exactly its length: "+CIDR" allow, "-CIDR" deny, "=ADDR" own address,
 * anything else is parsed as a CIDR and checked.  The bytes of the whole
 * input are then also read as raw IPv4 and IPv6 addresses and checked.
 *
 * Invariants: the parser fails with a position inside the text and a
 * message, or yields a prefix without host bits that formats and parses
 * back unchanged; every address inside a deny entry is DENY_CONFIG, inside
 * an allow entry (and no deny/own entry) ALLOW, an own address DENY_SELF
 * or DENY_CONFIG (checked against a bitwise reference, not the compiled
 * masks); an IPv4 address refused stays refused inside every IPv6 form that
 * embeds it (mapped, SIIT, NAT64, 6to4, Teredo server and client) with its
 * verdict as the inner one, and one allowed is allowed there unless the
 * IPv6 lists say otherwise; verdicts and names are in range.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sn_addr.h"
#include "turn/cp_policy.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define FZ_MAX_LINES 32 /* lines handled per input */
#define FZ_MAX_RAW   64 /* raw addresses checked per input */
#define FZ_FLAG_DEFS 0x01
#define FZ_FLAG_PORT 0x02
#define FZ_PORT_MIN  1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cp_policy pol;

/* Reference copies of what the lists hold, matched bit by bit. */
struct fz_entry {
	struct cp_policy_cidr c;
	int kind; /* '+', '-', '=' */
};
static struct fz_entry entries[FZ_MAX_LINES];
static unsigned n_entries;

static bool
fz_in(const struct cp_policy_cidr *c, const struct sn_abi_addr *a)
{
	unsigned i;

	if (c->addr.family != a->family)
		return false;
	for (i = 0; i < c->prefix_len; i++) {
		unsigned bit = 0x80u >> (i % 8);

		if ((c->addr.bytes[i / 8] & bit) != (a->bytes[i / 8] & bit))
			return false;
	}
	return true;
}

static bool
fz_member(const struct sn_abi_addr *a, int kind)
{
	unsigned i;

	for (i = 0; i < n_entries; i++)
		if (entries[i].kind == kind && fz_in(&entries[i].c, a))
			return true;
	return false;
}

static enum cp_policy_verdict
fz_check(const struct sn_abi_addr *a, enum cp_policy_verdict *inner)
{
	char buf[CP_POLICY_VERDICT_STRLEN];
	enum cp_policy_verdict v, in;

	v = cp_policy_check(&pol, a, &in);
	CHECK((unsigned)v < CP_POLICY_VERDICT_MAX);
	CHECK(v != CP_POLICY_DENY_PORT && v != CP_POLICY_DENY_INVALID);
	if (v == CP_POLICY_DENY_EMBEDDED_V4)
		CHECK(in != CP_POLICY_ALLOW && in != CP_POLICY_DENY_EMBEDDED_V4 &&
			in != CP_POLICY_DENY_PORT && in != CP_POLICY_DENY_INVALID &&
			(unsigned)in < CP_POLICY_VERDICT_MAX);
	else
		CHECK(in == CP_POLICY_ALLOW);
	CHECK(cp_policy_verdict_fmt(v, in, buf, sizeof(buf)) == buf && buf[0] != '\0');
	if (fz_member(a, '-'))
		CHECK(v == CP_POLICY_DENY_CONFIG);
	else if (fz_member(a, '='))
		CHECK(v == CP_POLICY_DENY_SELF);
	else if (a->family == SN_FAM_IPV4 && fz_member(a, '+'))
		CHECK(v == CP_POLICY_ALLOW);
	if (inner != NULL)
		*inner = in;
	return v;
}

static void
fz_v6(struct sn_abi_addr *a, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = SN_FAM_IPV6;
	memcpy(a->bytes, b, 16);
}

/* An IPv4 address and the IPv6 forms embedding it. */
static void
fz_check_v4(const uint8_t *v4)
{
	static const uint8_t other[4] = {1, 2, 3, 4};
	struct sn_abi_addr a, w;
	enum cp_policy_verdict v, vw, inner;
	uint8_t b[16];
	unsigned form, i;

	memset(&a, 0, sizeof(a));
	a.family = SN_FAM_IPV4;
	memcpy(a.bytes, v4, 4);
	v = fz_check(&a, NULL);
	CHECK(cp_policy_check_endpoint(&pol, &a, 0, NULL) != CP_POLICY_ALLOW || pol.port_min == 0);
	for (form = 0; form < 6; form++) {
		/* Teredo checks the client first: a refused server may hide behind it */
		bool exact_inner = form != 4;

		memset(b, 0, sizeof(b));
		switch (form) {
		case 0: /* ::ffff:0:0/96 */
			b[10] = b[11] = 0xff;
			memcpy(b + 12, v4, 4);
			break;
		case 1: /* ::ffff:0:0:0/96 */
			b[8] = b[9] = 0xff;
			memcpy(b + 12, v4, 4);
			break;
		case 2: /* 64:ff9b::/96 */
			b[1] = 0x64, b[2] = 0xff, b[3] = 0x9b;
			memcpy(b + 12, v4, 4);
			break;
		case 3: /* 2002::/16 */
			b[0] = 0x20, b[1] = 0x02;
			memcpy(b + 2, v4, 4);
			break;
		case 4: /* Teredo server */
		case 5: /* Teredo client, obfuscated */
			b[0] = 0x20, b[1] = 0x01;
			memcpy(b + 4, form == 4 ? v4 : other, 4);
			for (i = 0; i < 4; i++)
				b[12 + i] = (uint8_t) ~(form == 4 ? other[i] : v4[i]);
			break;
		}
		fz_v6(&w, b);
		vw = fz_check(&w, &inner);
		if (fz_member(&w, '-') || fz_member(&w, '='))
			continue;
		if (v != CP_POLICY_ALLOW) {
			CHECK(vw == CP_POLICY_DENY_EMBEDDED_V4);
			if (exact_inner)
				CHECK(inner == v);
		} else if (form < 4) {
			CHECK(vw == CP_POLICY_ALLOW);
		}
	}
}

static void
fz_line(const char *line, size_t len)
{
	struct cp_policy_cidr c, c2;
	struct cp_policy_err e;
	char buf[CP_POLICY_CIDR_TEXT_MAX + 8];
	int kind = 0, ret;
	char *copy;

	if (len > 0 && (line[0] == '+' || line[0] == '-' || line[0] == '=')) {
		kind = line[0];
		line++;
		len--;
	}
	/* An exact-size copy, so a read past the text is an ASan error. */
	copy = malloc(len != 0 ? len : 1);
	CHECK(copy != NULL);
	memcpy(copy, line, len);
	e.pos = SIZE_MAX;
	e.msg = NULL;
	ret = cp_policy_parse_cidr(copy, copy + len, &c, &e);
	if (ret != 0) {
		CHECK(ret == -EINVAL && e.msg != NULL && e.pos <= len);
		CHECK(c.addr.family == SN_FAM_NONE);
		free(copy);
		return;
	}
	free(copy);
	CHECK(c.addr.family == SN_FAM_IPV4 || c.addr.family == SN_FAM_IPV6);
	CHECK(c.prefix_len <= (c.addr.family == SN_FAM_IPV4 ? 32 : 128));
	cp_policy_cidr_fmt(&c, buf, sizeof(buf));
	CHECK(cp_policy_parse_cidr(buf, buf + strlen(buf), &c2, NULL) == 0);
	CHECK(memcmp(&c, &c2, sizeof(c)) == 0);
	switch (kind) {
	case '+':
		ret = cp_policy_allow(&pol, &c);
		break;
	case '-':
		ret = cp_policy_deny(&pol, &c);
		break;
	case '=':
		ret = cp_policy_add_self(&pol, &c.addr);
		c.prefix_len = c.addr.family == SN_FAM_IPV4 ? 32 : 128;
		break;
	default:
		if (c.addr.family == SN_FAM_IPV4)
			fz_check_v4(c.addr.bytes);
		else
			fz_check(&c.addr, NULL);
		return;
	}
	CHECK(ret == 0);
	entries[n_entries].c = c;
	entries[n_entries].kind = kind;
	n_entries++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p, *end, *nl;
	struct sn_abi_addr a;
	unsigned lines = 0, i;
	size_t off;

	if (size == 0)
		return 0;
	cp_policy_init(&pol, (data[0] & FZ_FLAG_DEFS) != 0);
	if ((data[0] & FZ_FLAG_PORT) != 0)
		cp_policy_set_port_min(&pol, FZ_PORT_MIN);
	n_entries = 0;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (p < end && lines < FZ_MAX_LINES) {
		nl = memchr(p, '\n', (size_t)(end - p));
		fz_line(p, nl != NULL ? (size_t)(nl - p) : (size_t)(end - p));
		lines++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	/* Every list entry: first and last address. */
	for (i = 0; i < n_entries; i++) {
		const struct cp_policy_cidr *c = &entries[i].c;
		size_t len = sn_fam_len(c->addr.family);
		unsigned bit;

		a = c->addr;
		if (a.family == SN_FAM_IPV4)
			fz_check_v4(a.bytes);
		else
			fz_check(&a, NULL);
		for (bit = c->prefix_len; bit < len * 8; bit++)
			a.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
		if (a.family == SN_FAM_IPV4)
			fz_check_v4(a.bytes);
		else
			fz_check(&a, NULL);
	}
	/* Raw addresses from the input bytes. */
	for (off = 0, i = 0; off + 16 <= size && i < FZ_MAX_RAW; off += 4, i++) {
		fz_check_v4(data + off);
		fz_v6(&a, data + off);
		fz_check(&a, NULL);
	}
	return 0;
}
