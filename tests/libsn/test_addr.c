/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_addr.h: address, prefix and endpoint text forms, round
 * trips through the formatters, and rejects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sn_abi.h"
#include "sn_addr.h"

struct addr_case {
	const char *in;
	uint8_t family;	   /* SN_FAM_NONE: must be rejected */
	const char *canon; /* sn_addr_fmt() output */
};

static const struct addr_case addr_cases[] = {
	{"198.18.0.1", SN_FAM_IPV4, "198.18.0.1"},
	{"0.0.0.0", SN_FAM_IPV4, "0.0.0.0"},
	{"255.255.255.255", SN_FAM_IPV4, "255.255.255.255"},
	{"2001:db8:1::1", SN_FAM_IPV6, "2001:db8:1::1"},
	{"2001:0DB8:0000:0000:0000:0000:0000:0001", SN_FAM_IPV6, "2001:db8::1"},
	{"::", SN_FAM_IPV6, "::"},
	{"::1", SN_FAM_IPV6, "::1"},
	{"fe80::1", SN_FAM_IPV6, "fe80::1"},
	{"::ffff:198.18.0.1", SN_FAM_IPV6, "::ffff:198.18.0.1"},
	{"2001:db8:1234:5678:11:2233:4455:6677", SN_FAM_IPV6,
		"2001:db8:1234:5678:11:2233:4455:6677"},
	{"", SN_FAM_NONE, NULL},
	{"1.2.3", SN_FAM_NONE, NULL},
	{"1.2.3.4.5", SN_FAM_NONE, NULL},
	{"256.1.1.1", SN_FAM_NONE, NULL},
	{"1.2.3.4/24", SN_FAM_NONE, NULL},
	{" 1.2.3.4", SN_FAM_NONE, NULL},
	{"1.2.3.4 ", SN_FAM_NONE, NULL},
	{"1.2.3.4:80", SN_FAM_NONE, NULL},
	{"[::1]", SN_FAM_NONE, NULL},
	{"2001:db8:::1", SN_FAM_NONE, NULL},
	{"2001:db8::1::2", SN_FAM_NONE, NULL},
	{"12345::", SN_FAM_NONE, NULL},
	{"localhost", SN_FAM_NONE, NULL},
};

static void
test_addr_parse_fmt(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		const struct addr_case *ac = &addr_cases[i];
		struct sn_abi_addr a, b;
		char buf[SN_ENDPOINT_STRLEN];
		int rc = sn_addr_parse(ac->in, &a);

		if (ac->family == SN_FAM_NONE) {
			if (rc != -EINVAL)
				fail_msg("'%s' accepted", ac->in);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' rejected", ac->in);
		assert_int_equal(a.family, ac->family);
		assert_ptr_equal(sn_addr_fmt(&a, buf, sizeof(buf)), buf);
		assert_string_equal(buf, ac->canon);
		/* round trip */
		assert_int_equal(sn_addr_parse(buf, &b), 0);
		assert_true(sn_addr_eq(&a, &b));
	}
	assert_int_equal(sn_addr_parse(NULL, &(struct sn_abi_addr){0}), -EINVAL);
}

struct prefix_case {
	const char *in;
	bool need;
	int want;
	uint8_t family, plen;
};

static const struct prefix_case prefix_cases[] = {
	{"198.18.0.1/24", true, 0, SN_FAM_IPV4, 24},
	{"198.18.0.1/32", true, 0, SN_FAM_IPV4, 32},
	{"198.18.0.1/0", true, 0, SN_FAM_IPV4, 0},
	{"2001:db8:1::1/64", true, 0, SN_FAM_IPV6, 64},
	{"2001:db8:1::1/128", true, 0, SN_FAM_IPV6, 128},
	{"198.18.0.1", false, 0, SN_FAM_IPV4, 32},
	{"2001:db8::1", false, 0, SN_FAM_IPV6, 128},
	{"198.18.0.1/24", false, 0, SN_FAM_IPV4, 24},
	{"198.18.0.1", true, -EINVAL, 0, 0},
	{"2001:db8::1", true, -EINVAL, 0, 0},
	{"198.18.0.1/33", true, -EINVAL, 0, 0},
	{"2001:db8::1/129", true, -EINVAL, 0, 0},
	{"198.18.0.1/", true, -EINVAL, 0, 0},
	{"198.18.0.1/-1", true, -EINVAL, 0, 0},
	{"198.18.0.1/+8", true, -EINVAL, 0, 0},
	{"198.18.0.1/24x", true, -EINVAL, 0, 0},
	{"198.18.0.1/24/8", true, -EINVAL, 0, 0},
	{"198.18.0.1/99999999999999999999", true, -EINVAL, 0, 0},
	{"/24", true, -EINVAL, 0, 0},
	{"", false, -EINVAL, 0, 0},
	{"bogus/24", true, -EINVAL, 0, 0},
};

static void
test_prefix_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prefix_cases) / sizeof(prefix_cases[0]); i++) {
		const struct prefix_case *pc = &prefix_cases[i];
		struct sn_abi_addr a;
		uint8_t plen = 0xee;
		int rc = sn_prefix_parse(pc->in, &a, &plen, pc->need);

		if (rc != pc->want)
			fail_msg("'%s' (need %d): rc %d, want %d", pc->in, pc->need, rc, pc->want);
		if (rc == 0) {
			assert_int_equal(a.family, pc->family);
			assert_int_equal(plen, pc->plen);
		}
	}
}

struct ep_case {
	const char *in;
	int want;
	uint8_t family;
	uint16_t port;
	const char *canon; /* sn_endpoint_fmt() output */
};

static const struct ep_case ep_cases[] = {
	{"198.18.0.11:5000", 0, SN_FAM_IPV4, 5000, "198.18.0.11:5000"},
	{"1.2.3.4:1", 0, SN_FAM_IPV4, 1, "1.2.3.4:1"},
	{"1.2.3.4:65535", 0, SN_FAM_IPV4, 65535, "1.2.3.4:65535"},
	{"[2001:db8:1::11]:5000", 0, SN_FAM_IPV6, 5000, "[2001:db8:1::11]:5000"},
	{"[2001:DB8:1:0::11]:49152", 0, SN_FAM_IPV6, 49152, "[2001:db8:1::11]:49152"},
	{"[::]:3478", 0, SN_FAM_IPV6, 3478, "[::]:3478"},
	{"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 0, SN_FAM_IPV6, 65535,
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
	{"1.2.3.4", -EINVAL},
	{"1.2.3.4:", -EINVAL},
	{":5000", -EINVAL},
	{"1.2.3.4:0", -EINVAL},
	{"1.2.3.4:65536", -EINVAL},
	{"1.2.3.4:50a", -EINVAL},
	{"1.2.3.4:-1", -EINVAL},
	{"1.2.3.4: 80", -EINVAL},
	{"2001:db8::1:5000", -EINVAL},
	{"[2001:db8::1]", -EINVAL},
	{"[2001:db8::1]:", -EINVAL},
	{"[2001:db8::1]5000", -EINVAL},
	{"[2001:db8::1]:99999", -EINVAL},
	{"[1.2.3.4]:5000", -EINVAL},
	{"[]:5000", -EINVAL},
	{"[2001:db8::1:5000", -EINVAL},
	{"host:5000", -EINVAL},
	{"", -EINVAL},
};

static void
test_endpoint_parse_fmt(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ep_cases) / sizeof(ep_cases[0]); i++) {
		const struct ep_case *ec = &ep_cases[i];
		struct sn_abi_addr a, b;
		char buf[SN_ENDPOINT_STRLEN];
		uint16_t port = 0, port2 = 0;
		int rc = sn_endpoint_parse(ec->in, &a, &port);

		if (rc != ec->want)
			fail_msg("'%s': rc %d, want %d", ec->in, rc, ec->want);
		if (rc != 0)
			continue;
		assert_int_equal(a.family, ec->family);
		assert_int_equal(port, ec->port);
		assert_ptr_equal(sn_endpoint_fmt(&a, port, buf, sizeof(buf)), buf);
		assert_string_equal(buf, ec->canon);
		assert_int_equal(sn_endpoint_parse(buf, &b, &port2), 0);
		assert_true(sn_addr_eq(&a, &b));
		assert_int_equal(port2, port);
	}
}

/* Equality is family plus the family's bytes; the rest of bytes[] is ignored. */
static void
test_addr_eq(void **state)
{
	struct sn_abi_addr a, b;

	(void)state;
	assert_int_equal(sn_addr_parse("198.18.0.1", &a), 0);
	b = a;
	memset(b.bytes + 4, 0x77, sizeof(b.bytes) - 4);
	assert_true(sn_addr_eq(&a, &b));
	b.bytes[3] ^= 1;
	assert_false(sn_addr_eq(&a, &b));
	b = a;
	b.family = SN_FAM_IPV6;
	assert_false(sn_addr_eq(&a, &b));
	assert_int_equal(sn_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(sn_addr_parse("2001:db8::2", &b), 0);
	assert_false(sn_addr_eq(&a, &b));
	assert_int_equal(sn_fam_len(SN_FAM_IPV4), 4);
	assert_int_equal(sn_fam_len(SN_FAM_IPV6), 16);
	assert_int_equal(sn_fam_len(SN_FAM_NONE), 0);
	assert_int_equal(sn_fam_len(5), 0);
}

/* Formatters always NUL-terminate inside the buffer they are given. */
static void
test_fmt_small_buffers(void **state)
{
	struct sn_abi_addr a;
	char buf[SN_ENDPOINT_STRLEN];
	size_t len;

	(void)state;
	assert_int_equal(sn_addr_parse("2001:db8:1234:5678:11:2233:4455:6677", &a), 0);
	for (len = 1; len < sizeof(buf); len++) {
		memset(buf, 'x', sizeof(buf));
		sn_addr_fmt(&a, buf, len);
		assert_non_null(memchr(buf, '\0', len));
		assert_int_equal(buf[len], 'x');
		memset(buf, 'x', sizeof(buf));
		sn_endpoint_fmt(&a, 65535, buf, len);
		assert_non_null(memchr(buf, '\0', len));
		assert_int_equal(buf[len], 'x');
	}
	/* an address of no family formats to something printable */
	memset(&a, 0, sizeof(a));
	sn_addr_fmt(&a, buf, sizeof(buf));
	assert_true(strlen(buf) > 0 && strlen(buf) < sizeof(buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_fmt),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_endpoint_parse_fmt),
		cmocka_unit_test(test_addr_eq),
		cmocka_unit_test(test_fmt_small_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
