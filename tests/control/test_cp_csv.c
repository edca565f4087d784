/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: sessions.load CSV lines and endpoint fields (control/cp_csv.c), table-driven. */
#include <errno.h>

#include "cp_csv.h"
#include "cp_test.h"

struct csv_case {
	const char *line;
	int ret;	     /* 1 session, 0 skipped, -EINVAL */
	const char *err;     /* substring of the error */
	uint8_t fam_a_local; /* family of leg a's local (0 none) */
	uint16_t a_local_port, b_remote_port;
	bool latch;
};

static const struct csv_case cases[] = {
	{"198.18.0.1:50000,198.18.0.11:5000,198.18.0.1:50001,198.18.0.12:6000", 1, NULL,
		SN_FAM_IPV4, 50000, 6000, false},
	{"198.18.0.1:50000,198.18.0.11:5000,198.18.0.1:50001,198.18.0.12:6000\r\n", 1, NULL,
		SN_FAM_IPV4, 50000, 6000, false},
	{" 198.18.0.1 , 198.18.0.11:5000 ,, 198.18.0.12:6000 ", 1, NULL, SN_FAM_IPV4, 0, 6000,
		false},
	{",198.18.0.11:5000,,", 1, NULL, 0, 0, 0, true},
	{"[2001:db8:1::1]:50000,[2001:db8:1::11]:5000,,[2001:db8:1::12]:6000", 1, NULL, SN_FAM_IPV6,
		50000, 6000, false},
	{",,,", 1, NULL, 0, 0, 0, true},
	{"", 0, NULL, 0, 0, 0, false},
	{"   \n", 0, NULL, 0, 0, 0, false},
	{"# a comment", 0, NULL, 0, 0, 0, false},
	{"a_local,a_remote,b_local,b_remote", 0, NULL, 0, 0, 0, false},
	{"198.18.0.1,198.18.0.11:5000,198.18.0.1", -EINVAL, "line 7: expected 4 fields", 0, 0, 0,
		false},
	{"1,2,3,4,5", -EINVAL, "line 7: expected 4 fields", 0, 0, 0, false},
	{"198.18.0.1,198.18.0.11,,", -EINVAL, "line 7: a_remote: bad endpoint '198.18.0.11'", 0, 0,
		0, false},
	{"x,198.18.0.11:5000,,", -EINVAL, "line 7: a_local: bad endpoint or address 'x'", 0, 0, 0,
		false},
	{",,[2001:db8::1:5,", -EINVAL, "line 7: b_local", 0, 0, 0, false},
	{",,,198.18.0.12:0", -EINVAL, "line 7: b_remote", 0, 0, 0, false},
	{",,,198.18.0.12:65536", -EINVAL, "line 7: b_remote", 0, 0, 0, false},
	{",,,[2001:db8::1]", -EINVAL, "line 7: b_remote", 0, 0, 0, false},
};

static void
test_csv_lines(void **state)
{
	struct cp_session_spec sp;
	char line[CP_CSV_LINE_MAX], err[256];
	unsigned i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct csv_case *c = &cases[i];

		snprintf(line, sizeof(line), "%s", c->line);
		err[0] = '\0';
		ret = cp_csv_parse_line(line, 7, &sp, err, sizeof(err));
		if (ret != c->ret)
			fail_msg("case %u '%s': ret %d, expected %d (%s)", i, c->line, ret, c->ret,
				err);
		if (c->err != NULL && strstr(err, c->err) == NULL)
			fail_msg("case %u '%s': error '%s' lacks '%s'", i, c->line, err, c->err);
		if (ret != 1)
			continue;
		assert_int_equal(sp.leg[0].local.family, c->fam_a_local);
		assert_int_equal(sp.leg[0].local_port, c->a_local_port);
		assert_int_equal(sp.leg[1].remote_port, c->b_remote_port);
		assert_int_equal(sp.latch, c->latch);
	}
}

static void
test_local_and_remote_fields(void **state)
{
	struct sn_abi_addr a;
	uint16_t port;

	assert_int_equal(cp_parse_local("198.18.0.1", &a, &port), 0);
	assert_int_equal(a.family, SN_FAM_IPV4);
	assert_int_equal(port, 0);
	assert_int_equal(cp_parse_local("[2001:db8:1::1]:50000", &a, &port), 0);
	assert_int_equal(a.family, SN_FAM_IPV6);
	assert_int_equal(port, 50000);
	assert_int_equal(cp_parse_local("2001:db8:1::1", &a, &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(cp_parse_local("", &a, &port), 0);
	assert_int_equal(a.family, SN_FAM_NONE);
	assert_int_equal(cp_parse_local("host.example:1", &a, &port), -EINVAL);
	assert_int_equal(cp_parse_remote(NULL, &a, &port), 0);
	assert_int_equal(a.family, SN_FAM_NONE);
	assert_int_equal(cp_parse_remote("198.18.0.1", &a, &port), -EINVAL);
	assert_int_equal(cp_parse_remote("198.18.0.1:1", &a, &port), 0);
	assert_int_equal(port, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_lines),
		cmocka_unit_test(test_local_and_remote_fields),
	};

	return cmocka_run_group_tests_name("cp_csv", tests, NULL, NULL);
}
