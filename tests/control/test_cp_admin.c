/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the admin protocol (control/cp_admin.c): request parsing and
 * errors, then requests end to end through the engine with a fake dataplane.
 */
#include <errno.h>

#include "cp_admin.h"
#include "cp_test.h"
#include "fake_dp.h"

#define MS 1000000ull

struct at {
	struct sn_config cfg;
	char path[128];
	struct cp_core c;
	struct t_replies r;
	struct fake_dp dp;
	bool dp_up;
};

static int
setup(void **state)
{
	struct at *t = calloc(1, sizeof(*t));

	t_shm_path(t->path, sizeof(t->path), "admin");
	t_config(&t->cfg, 32, 16, t->path);
	assert_int_equal(cp_core_init(&t->c, &t->cfg, t_clock, t_sink, &t->r), 0);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct at *t = *state;

	cp_core_fini(&t->c);
	if (t->dp_up)
		fake_dp_destroy(&t->dp);
	t_replies_clear(&t->r);
	free(t);
	return 0;
}

static void
pump(struct at *t)
{
	unsigned quiet = 0;

	while (quiet < 2) {
		int n = cp_core_poll(&t->c);

		if (t->dp_up)
			n += (int)fake_dp_step(&t->dp, 0);
		quiet = n == 0 ? quiet + 1 : 0;
	}
}

static void
dp_up(struct at *t)
{
	assert_int_equal(fake_dp_start(&t->dp, t->path, &t->cfg, 32, 64, 64), 0);
	t->dp_up = true;
	t_now_ns += CP_MBOX_RETRY_MS * MS;
	pump(t);
	assert_true(cp_mbox_ready(&t->c.mbox));
}

/* Send one request line; return the reply (after pumping). */
static json_t *
req(struct at *t, const char *line)
{
	unsigned n = t->r.n;

	cp_admin_handle(&t->c, line, strlen(line), 5);
	pump(t);
	if (t->r.n != n + 1)
		fail_msg("request %s: %u replies", line, t->r.n - n);
	return t_last(&t->r);
}

static void
expect_error(struct at *t, const char *line, const char *msg)
{
	json_t *r = req(t, line);

	if (t_ok(r) || strstr(t_err(r), msg) == NULL)
		fail_msg("request %s: error '%s', expected '%s'", line, t_err(r), msg);
}

static void
test_bad_requests(void **state)
{
	struct at *t = *state;

	expect_error(t, "{\"cmd\":", "bad JSON");
	expect_error(t, "not json", "bad JSON");
	expect_error(t, "[1,2]", "must be a JSON object");
	expect_error(t, "{}", "missing \"cmd\"");
	expect_error(t, "{\"cmd\":42}", "missing \"cmd\"");
	expect_error(t, "{\"cmd\":\"reboot\"}", "unknown cmd 'reboot'");
	expect_error(t, "{\"cmd\":\"status\",\"verbose\":1}", "status: unknown field 'verbose'");
	expect_error(t, "{\"cmd\":\"sessions.show\"}", "id: must be a session id");
	expect_error(t, "{\"cmd\":\"sessions.show\",\"id\":-1}", "id: must be a session id");
	expect_error(t, "{\"cmd\":\"sessions.show\",\"id\":3}", "no session 3");
	expect_error(t, "{\"cmd\":\"sessions.del\"}", "ids: required");
	expect_error(t, "{\"cmd\":\"sessions.del\",\"ids\":[]}", "non-empty array");
	expect_error(t, "{\"cmd\":\"sessions.del\",\"ids\":[\"x\"]}", "ids: must be a session id");
	expect_error(t, "{\"cmd\":\"sessions.load\",\"path\":\"rel.csv\"}", "absolute path");
	expect_error(
		t, "{\"cmd\":\"sessions.list\",\"limit\":\"all\"}", "limit: must be an integer");
	expect_error(t, "{\"cmd\":\"sessions.add\",\"a_remote\":\"1.2.3.4\"}",
		"a_remote: bad endpoint '1.2.3.4'");
	expect_error(t, "{\"cmd\":\"sessions.add\",\"a_local\":\"nowhere\"}",
		"a_local: bad endpoint or address 'nowhere'");
	expect_error(t, "{\"cmd\":\"sessions.add\",\"latch\":\"yes\"}", "latch: must be true");
	expect_error(t, "{\"cmd\":\"sessions.add\",\"family\":5}", "family: must be 4 or 6");
	expect_error(t, "{\"cmd\":\"sessions.add\",\"rate_bytes_per_s\":-3}", "rate_bytes_per_s");
	/* Valid request, but no dataplane. */
	expect_error(t, "{\"cmd\":\"sessions.add\",\"latch\":true}", "dataplane not running");
	/* Tags are echoed, on errors too. */
	{
		json_t *r = req(t, "{\"cmd\":\"nope\",\"tag\":\"t1\"}");

		assert_string_equal(json_string_value(json_object_get(r, "tag")), "t1");
	}
	assert_int_equal(t->c.cnt[CP_CNT_ADMIN_ERRORS], 22);
}

static void
test_parse_add(void **state)
{
	struct cp_session_spec sp;
	char err[256];
	json_t *j;

	j = json_loads("{\"a_remote\":\"[2001:db8:1::11]:5000\",\"b_local\":\"2001:db8:1::1\","
		       "\"b_remote\":null,\"latch\":true,\"rate_bytes_per_s\":125000,\"family\":6}",
		0, NULL);
	assert_int_equal(cp_admin_parse_add(j, &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.leg[0].remote.family, SN_FAM_IPV6);
	assert_int_equal(sp.leg[0].remote_port, 5000);
	assert_int_equal(sp.leg[1].local.family, SN_FAM_IPV6);
	assert_int_equal(sp.leg[1].local_port, 0);
	assert_int_equal(sp.leg[1].remote.family, SN_FAM_NONE);
	assert_true(sp.latch);
	assert_int_equal(sp.rate_bytes_per_s, 125000);
	assert_int_equal(sp.family, 6);
	json_decref(j);
}

static void
test_requests_end_to_end(void **state)
{
	struct at *t = *state;
	json_t *r, *s;

	r = req(t, "{\"cmd\":\"status\"}");
	assert_true(t_ok(r));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "dataplane"), "state")),
		"absent");
	dp_up(t);
	r = req(t, "{\"cmd\":\"ping\"}");
	assert_true(t_ok(r));
	r = req(t, "{\"cmd\":\"sessions.add\",\"a_remote\":\"198.18.0.11:5000\",\"b_remote\":"
		   "\"198.18.0.12:6000\",\"a_local\":\"198.18.0.2:50003\",\"rate_bytes_per_s\":"
		   "10000}");
	assert_true(t_ok(r));
	s = json_object_get(r, "session");
	assert_int_equal(json_integer_value(json_object_get(s, "id")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "a"), "local")),
		"198.18.0.2:50003");
	assert_int_equal(json_integer_value(json_object_get(s, "rate_bytes_per_s")), 10000);
	assert_int_equal(json_integer_value(json_object_get(s, "burst_bytes")), 3000);
	r = req(t, "{\"cmd\":\"sessions.add\",\"latch\":true,\"family\":6}");
	assert_true(t_ok(r));
	r = req(t, "{\"cmd\":\"sessions.add\",\"latch\":true,\"a_local\":\"198.18.0.2:50003\"}");
	assert_false(t_ok(r));
	assert_non_null(strstr(t_err(r), "in use by session 0"));

	r = req(t, "{\"cmd\":\"sessions.show\",\"id\":1}");
	assert_true(t_ok(r));
	s = json_object_get(r, "session");
	assert_int_equal(json_integer_value(json_object_get(s, "family")), 6);
	assert_int_equal(strlen(json_string_value(json_object_get(s, "token"))), 16);

	r = req(t, "{\"cmd\":\"sessions.list\"}");
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "sessions")), 2);
	r = req(t, "{\"cmd\":\"sessions.list\",\"offset\":1,\"limit\":5,\"tag\":9}");
	assert_int_equal(json_array_size(json_object_get(r, "sessions")), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(r, "sessions"), 0), "id")),
		1);
	assert_int_equal(json_integer_value(json_object_get(r, "tag")), 9);

	r = req(t, "{\"cmd\":\"status\"}");
	assert_true(t_ok(r));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "dataplane"), "state")),
		"running");
	assert_true(
		json_is_integer(json_object_get(json_object_get(r, "dataplane"), "generation")));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(r, "sessions"), "active")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "ports")), 1);
	assert_int_equal(json_array_size(json_object_get(r, "lcores")), 2);
	assert_non_null(json_object_get(json_object_get(r, "drops"), "wrong_source"));
	assert_non_null(json_object_get(json_object_get(r, "punts"), "arp"));
	r = req(t, "{\"cmd\":\"stats\"}");
	assert_true(t_ok(r));
	assert_non_null(json_object_get(
		json_object_get(json_object_get(r, "total"), "drops"), "bad_token"));
	assert_non_null(json_object_get(
		json_object_get(json_object_get(r, "total"), "events"), "latch_events"));

	r = req(t, "{\"cmd\":\"sessions.del\",\"ids\":[0,1]}");
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 2);
	r = req(t, "{\"cmd\":\"sessions.flush\"}");
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test(test_parse_add),
		cmocka_unit_test_setup_teardown(test_requests_end_to_end, setup, teardown),
	};
	int fails;

	rcu_register_thread();
	cp_log_max = CP_LOG_ERROR;
	fails = cmocka_run_group_tests_name("cp_admin", tests, NULL, NULL);
	rcu_unregister_thread();
	return fails;
}
