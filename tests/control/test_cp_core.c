/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the control engine (control/cp_core.c) with a fake clock and a
 * fake dataplane on a real shared-memory region: confirmed adds, rejects,
 * deletes, replay on a new generation, adoption on start, idle expiry,
 * latch events, bulk loads, request deadlines.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "cp_counters.h"
#include "cp_json.h"
#include "cp_test.h"
#include "fake_dp.h"

#define RING 64
#define MAXS 64
#define MS   1000000ull

struct ct {
	struct sn_config cfg;
	char path[128];
	struct cp_core c;
	struct t_replies r;
	struct fake_dp dp;
	bool dp_up;
	bool core_up;
};

static int
setup(void **state)
{
	struct ct *t = calloc(1, sizeof(*t));

	t_shm_path(t->path, sizeof(t->path), "core");
	t_config(&t->cfg, MAXS, 16, t->path);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct ct *t = *state;

	if (t->core_up)
		cp_core_fini(&t->c);
	if (t->dp_up)
		fake_dp_destroy(&t->dp);
	unlink(t->path);
	t_replies_clear(&t->r);
	free(t);
	return 0;
}

static void
core_start(struct ct *t)
{
	assert_int_equal(cp_core_init(&t->c, &t->cfg, t_clock, t_sink, &t->r), 0);
	t->core_up = true;
}

static void
dp_start(struct ct *t)
{
	assert_int_equal(fake_dp_start(&t->dp, t->path, &t->cfg, MAXS, RING, RING), 0);
	t->dp_up = true;
}

/* Let control and the fake dataplane talk until both are idle. */
static void
pump(struct ct *t)
{
	unsigned quiet = 0, rounds = 0;

	while (quiet < 2) {
		int n = cp_core_poll(&t->c);

		n += (int)fake_dp_step(&t->dp, 0);
		quiet = n == 0 ? quiet + 1 : 0;
		assert_true(++rounds < 10000);
	}
}

/* Advance past the attach retry period and synchronise. */
static void
attach(struct ct *t)
{
	t_now_ns += CP_MBOX_RETRY_MS * MS;
	pump(t);
	assert_int_equal(t->c.mbox.state, CP_MBOX_READY);
}

static json_t *
add_json(struct ct *t, const char *a_remote, const char *b_remote, bool latch)
{
	struct cp_session_spec sp;
	char err[256] = "";
	unsigned n = t->r.n;

	memset(&sp, 0, sizeof(sp));
	if (a_remote != NULL)
		assert_int_equal(
			sn_endpoint_parse(a_remote, &sp.leg[0].remote, &sp.leg[0].remote_port), 0);
	if (b_remote != NULL)
		assert_int_equal(
			sn_endpoint_parse(b_remote, &sp.leg[1].remote, &sp.leg[1].remote_port), 0);
	sp.latch = latch;
	if (cp_core_add(&t->c, &sp, 7, NULL, err, sizeof(err)) != 0)
		fail_msg("add: %s", err);
	assert_int_equal(t->r.n, n); /* nothing before the dataplane confirmed */
	pump(t);
	assert_int_equal(t->r.n, n + 1);
	return t_last(&t->r);
}

static json_t *
add_ok(struct ct *t, const char *a_remote, const char *b_remote, bool latch)
{
	json_t *r = add_json(t, a_remote, b_remote, latch);

	if (!t_ok(r))
		fail_msg("add failed: %s", t_err(r));
	return json_object_get(r, "session");
}

static void
test_add_confirmed(void **state)
{
	struct ct *t = *state;
	struct cp_session_spec sp;
	const struct sn_session *slot;
	char err[256];
	json_t *s;

	core_start(t);
	memset(&sp, 0, sizeof(sp));
	sp.latch = true;
	/* No dataplane yet: refused at once, clearly. */
	assert_int_equal(cp_core_add(&t->c, &sp, 1, NULL, err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "not running"));
	dp_start(t);
	attach(t);
	s = add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_int_equal(json_integer_value(json_object_get(s, "id")), 0);
	assert_string_equal(json_string_value(json_object_get(s, "token")), "0000000000000000");
	assert_int_equal(json_integer_value(json_object_get(s, "family")), 4);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "a"), "local")),
		"198.18.0.1:50000");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "b"), "local")),
		"198.18.0.1:50001");
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "b"), "remote")),
		"198.18.0.12:6000");
	assert_true(json_is_false(json_object_get(json_object_get(s, "a"), "latched")));
	assert_string_equal(json_string_value(json_object_get(s, "state")), "active");
	assert_int_equal(t->r.conn[t->r.n - 1], 7);
	/* The dataplane has exactly that. */
	slot = &t->dp.shm.sessions[0];
	assert_int_equal(slot->state, SN_SESS_ACTIVE);
	assert_int_equal(ntohs(slot->leg[1].local_port), 50001);
	assert_int_equal(ntohs(slot->leg[1].remote_port), 6000);
	assert_int_equal(t->c.cnt[CP_CNT_SESSIONS_ADDED], 1);
	assert_int_equal(t->c.sess.n_state[CP_SESS_ACTIVE], 1);
}

static void
test_add_rejected(void **state)
{
	struct ct *t = *state;
	json_t *r;

	core_start(t);
	dp_start(t);
	attach(t);
	t->dp.add_status = -ENOSPC;
	r = add_json(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_false(t_ok(r));
	assert_non_null(strstr(t_err(r), "refused session 0"));
	assert_int_equal(t->c.sess.count, 0);
	assert_int_equal(cp_sessions_ports_free(&t->c.sess, 0), 16);
	t->dp.add_status = 0;
	r = add_json(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_true(t_ok(r));
}

static void
test_del_and_flush(void **state)
{
	struct ct *t = *state;
	uint32_t ids[] = {0, 2, 9};
	char err[256];
	json_t *r;
	unsigned i;

	core_start(t);
	dp_start(t);
	attach(t);
	for (i = 0; i < 3; i++)
		add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 3);
	assert_int_equal(cp_core_del(&t->c, ids, 3, 3, NULL, err, sizeof(err)), 0);
	assert_int_equal(t->c.sess.n_state[CP_SESS_DELETING], 2);
	pump(t);
	r = t_last(&t->r);
	assert_false(t_ok(r)); /* 9 does not exist */
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 2);
	assert_int_equal(json_array_size(json_object_get(r, "not_found")), 1);
	assert_non_null(strstr(t_err(r), "no session 9"));
	assert_int_equal(t->c.sess.count, 1);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 1);
	assert_int_equal(t->dp.shm.sessions[0].state, SN_SESS_FREE);

	/* The same id twice in one request counts once. */
	ids[0] = ids[1] = 1;
	assert_int_equal(cp_core_del(&t->c, ids, 2, 3, NULL, err, sizeof(err)), 0);
	pump(t);
	r = t_last(&t->r);
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 1);
	add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);

	assert_int_equal(cp_core_flush(&t->c, 3, NULL, err, sizeof(err)), 0);
	pump(t);
	r = t_last(&t->r);
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "deleted")), 1);
	assert_int_equal(t->c.sess.count, 0);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 0);
	/* Flush of nothing answers at once. */
	assert_int_equal(cp_core_flush(&t->c, 3, NULL, err, sizeof(err)), 0);
	assert_true(t_ok(t_last(&t->r)));
	assert_int_equal(cp_sessions_ports_free(&t->c.sess, 0), 16);
}

static void
test_latched_event(void **state)
{
	struct ct *t = *state;
	struct sn_abi_addr a;
	struct cp_session *s;
	json_t *j, *leg;
	char tok[CP_TOKEN_HEX];

	core_start(t);
	dp_start(t);
	attach(t);
	j = add_ok(t, NULL, "198.18.0.12:6000", true);
	s = cp_sessions_find(&t->c.sess, 0);
	assert_string_equal(
		json_string_value(json_object_get(j, "token")), cp_token_fmt(s->token, tok));
	assert_true(json_is_null(json_object_get(json_object_get(j, "a"), "remote")));
	assert_int_equal(sn_addr_parse("198.18.0.13", &a), 0);
	assert_int_equal(fake_dp_latch(&t->dp, 0, 0, &a, 40000), 0);
	pump(t);
	assert_int_equal(s->leg[0].flags, SN_LEG_LATCH | SN_LEG_LATCHED);
	assert_int_equal(s->leg[0].remote_port, 40000);
	assert_int_equal(t->c.cnt[CP_CNT_LATCHED], 1);
	j = cp_json_session(&t->c, s);
	leg = json_object_get(j, "a");
	assert_string_equal(json_string_value(json_object_get(leg, "remote")), "198.18.0.13:40000");
	assert_true(json_is_true(json_object_get(leg, "latched")));
	json_decref(j);
}

static void
test_replay_on_generation_change(void **state)
{
	struct ct *t = *state;
	struct cp_session *s[5];
	const struct sn_session *slot;
	struct sn_abi_addr a;
	uint64_t gen0;
	unsigned i;

	core_start(t);
	dp_start(t);
	attach(t);
	for (i = 0; i < 4; i++)
		add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	add_ok(t, NULL, "198.18.0.12:6000", true);
	assert_int_equal(sn_addr_parse("198.18.0.13", &a), 0);
	fake_dp_latch(&t->dp, 4, 0, &a, 41000);
	pump(t);
	for (i = 0; i < 5; i++)
		s[i] = cp_sessions_find(&t->c.sess, i);
	gen0 = t->dp.gen;

	/* The dataplane restarts: new file, new generation, empty table. */
	fake_dp_destroy(&t->dp);
	dp_start(t);
	assert_true(t->dp.gen != gen0);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 0);
	attach(t);
	assert_int_equal(t->c.cnt[CP_CNT_REPLAYS], 1);
	assert_int_equal(t->c.cnt[CP_CNT_SESSIONS_REPLAYED], 5);
	assert_int_equal(t->c.replay_outstanding, 0);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 5);
	assert_int_equal(t->dp.rejected, 0);
	for (i = 0; i < 5; i++) {
		slot = &t->dp.shm.sessions[i];
		assert_ptr_equal(cp_sessions_find(&t->c.sess, i), s[i]); /* same state objects */
		assert_int_equal(slot->state, SN_SESS_ACTIVE);
		assert_int_equal(slot->token, s[i]->token);
		assert_int_equal(ntohs(slot->leg[0].local_port), s[i]->leg[0].local_port);
		assert_int_equal(ntohs(slot->leg[1].local_port), s[i]->leg[1].local_port);
	}
	/* The latched remote is programmed as a remote and may still re-latch. */
	slot = &t->dp.shm.sessions[4];
	assert_true(slot->leg[0].flags & SN_LEG_REMOTE_SET);
	assert_true(slot->leg[0].flags & SN_LEG_LATCH);
	assert_int_equal(ntohs(slot->leg[0].remote_port), 41000);
	assert_int_equal(t->c.sess.n_state[CP_SESS_ACTIVE], 5);
	/* No session was adopted twice. */
	assert_int_equal(t->c.cnt[CP_CNT_SESSIONS_ADOPTED], 0);
}

/* Prepare slot id of the fake dp's table as the dataplane would have it. */
static void
prep_slot(struct ct *t, uint32_t id, uint16_t pa, uint16_t pb, const char *remote_a)
{
	struct sn_session *s = &t->dp.shm.sessions[id];

	memset(s, 0, sizeof(*s));
	s->flow_id = id;
	s->family = SN_FAM_IPV4;
	s->token = 0xabcdef00 + id;
	s->leg[0].local_port = htons(pa);
	s->leg[1].local_port = htons(pb);
	s->leg[1].local_addr_idx = 2;
	if (remote_a != NULL) {
		inet_pton(AF_INET, remote_a, s->leg[0].remote_addr);
		s->leg[0].remote_port = htons(5555);
		s->leg[0].flags = SN_LEG_REMOTE_SET;
	}
	s->leg[1].flags = SN_LEG_LATCH;
	s->state = SN_SESS_ACTIVE;
	t->dp.shm.hdr->sessions_active++;
}

static void
test_adopt_on_start(void **state)
{
	struct ct *t = *state;
	struct cp_session *s;
	json_t *j;

	/* A running dataplane with 3 sessions, one clashing with another's endpoint. */
	dp_start(t);
	prep_slot(t, 3, 50005, 50005, "198.18.0.11");
	prep_slot(t, 10, 50006, 50007, NULL);
	prep_slot(t, 11, 50006, 50009, NULL); /* leg a endpoint = flow 10's */
	core_start(t);
	attach(t);
	assert_int_equal(t->c.cnt[CP_CNT_ADOPTIONS], 1);
	assert_int_equal(t->c.cnt[CP_CNT_SESSIONS_ADOPTED], 2);
	assert_int_equal(t->c.cnt[CP_CNT_ADOPT_FAILED], 1);
	/* The clashing slot was deleted so the dataplane matches control. */
	assert_int_equal(t->dp.shm.sessions[11].state, SN_SESS_FREE);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 2);
	s = cp_sessions_find(&t->c.sess, 3);
	assert_non_null(s);
	assert_int_equal(s->token, 0xabcdef03);
	assert_int_equal(s->leg[0].remote_port, 5555);
	assert_int_equal(s->leg[1].local_addr_idx, 2);
	assert_int_equal(s->leg[1].flags, SN_LEG_LATCH);
	assert_null(cp_sessions_find(&t->c.sess, 11));
	/* Nothing was re-sent for adopted sessions: the table is untouched. */
	assert_int_equal(t->dp.shm.sessions[3].token, 0xabcdef03);
	/* New sessions avoid adopted ids and ports. */
	j = add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 0);
	for (unsigned i = 0; i < 2; i++)
		add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	/* ids 0, 1, 2 used 50000-50004 and 50007 (50005/50006 adopted on this address) */
	j = add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 4); /* 3 skipped */
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "a"), "local")),
		"198.18.0.1:50008");
}

static void
test_idle_expiry(void **state)
{
	struct ct *t = *state;

	t->cfg.cp.idle_timeout_s = 10;
	core_start(t);
	dp_start(t);
	attach(t);
	add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	add_ok(t, "198.18.0.11:5001", "198.18.0.12:6001", false);
	/* 11 s later: session 0 never saw a packet; session 1 just did. */
	t_now_ns += 11 * NS_PER_S_T;
	fake_dp_advance(&t->dp, 11 * NS_PER_S_T);
	fake_dp_packet(&t->dp, 1, 0, 100);
	assert_int_equal(cp_core_expire_idle(&t->c), 1);
	pump(t);
	assert_null(cp_sessions_find(&t->c.sess, 0));
	assert_non_null(cp_sessions_find(&t->c.sess, 1));
	assert_int_equal(t->dp.shm.sessions[0].state, SN_SESS_FREE);
	/* 9 s of dataplane time without packets: kept; at 10 s: expired. */
	fake_dp_advance(&t->dp, 9 * NS_PER_S_T);
	t_now_ns += 30 * NS_PER_S_T;
	assert_int_equal(cp_core_expire_idle(&t->c), 0);
	fake_dp_advance(&t->dp, 1 * NS_PER_S_T);
	cp_core_tick(&t->c);
	pump(t);
	assert_int_equal(t->c.sess.count, 0);
	assert_int_equal(t->c.cnt[CP_CNT_IDLE_EXPIRED], 2);
	assert_int_equal(t->dp.shm.hdr->sessions_active, 0);

	/* idle_timeout_s = 0: never. */
	t->c.cfg.cp.idle_timeout_s = 0;
	add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	t_now_ns += 1000000 * NS_PER_S_T;
	assert_int_equal(cp_core_expire_idle(&t->c), 0);
}

static void
test_dp_down(void **state)
{
	struct ct *t = *state;
	struct cp_session_spec sp;
	char err[256];
	json_t *r;

	core_start(t);
	dp_start(t);
	attach(t);
	add_ok(t, "198.18.0.11:5000", "198.18.0.12:6000", false);
	/* An add the dataplane never answers, then it stops. */
	memset(&sp, 0, sizeof(sp));
	sp.latch = true;
	assert_int_equal(cp_core_add(&t->c, &sp, 9, NULL, err, sizeof(err)), 0);
	__atomic_store_n(&t->dp.shm.hdr->dp_state, SN_DP_STOPPED, __ATOMIC_RELEASE);
	t_now_ns += CP_MBOX_RETRY_MS * MS;
	cp_core_poll(&t->c);
	r = t_last(&t->r);
	assert_false(t_ok(r));
	assert_non_null(strstr(t_err(r), "went down"));
	assert_int_equal(t->c.sess.count, 1); /* the confirmed one stays */
	assert_int_equal(cp_core_add(&t->c, &sp, 9, NULL, err, sizeof(err)), -EAGAIN);
	assert_non_null(strstr(err, "stopped"));
	/* Deleting while the dataplane is down completes at once. */
	uint32_t id = 0;
	assert_int_equal(cp_core_del(&t->c, &id, 1, 9, NULL, err, sizeof(err)), 0);
	assert_true(t_ok(t_last(&t->r)));
	assert_int_equal(t->c.sess.count, 0);
}

static void
test_add_deadline(void **state)
{
	struct ct *t = *state;
	struct cp_session_spec sp;
	char err[256];
	json_t *r;

	core_start(t);
	dp_start(t);
	attach(t);
	memset(&sp, 0, sizeof(sp));
	sp.latch = true;
	assert_int_equal(cp_core_add(&t->c, &sp, 9, NULL, err, sizeof(err)), 0);
	t_now_ns += (CP_ADD_TIMEOUT_MS + 1) * MS;
	cp_core_tick(&t->c);
	assert_int_equal(t->r.n, 1);
	r = t_last(&t->r);
	assert_false(t_ok(r));
	assert_non_null(strstr(t_err(r), "timed out"));
	/* The dataplane answers later: the session becomes active, no second reply. */
	pump(t);
	assert_int_equal(t->r.n, 1);
	assert_int_equal(t->c.sess.n_state[CP_SESS_ACTIVE], 1);
	assert_null(t->c.waiters);
}

static void
test_load_csv(void **state)
{
	struct ct *t = *state;
	char csv[160], err[256];
	json_t *r, *errs;
	FILE *f;

	snprintf(csv, sizeof(csv), "/tmp/cp-test-%d.csv", (int)getpid());
	f = fopen(csv, "w");
	assert_non_null(f);
	fprintf(f, "a_local,a_remote,b_local,b_remote\n"
		   "198.18.0.1:50010,198.18.0.11:5000,198.18.0.1:50011,198.18.0.12:6000\n"
		   "# comment\n"
		   "198.18.0.1,198.18.0.11:5001,,198.18.0.12:6001\n"
		   "bad line\n"
		   "198.18.0.1:50010,198.18.0.11:5000,,198.18.0.12:6000\n"
		   ",,[2001:db8:1::1]:50012,\n"
		   "\n"
		   "198.18.0.1,198.18.0.11:5002,198.18.0.1,nonsense\n");
	fclose(f);
	core_start(t);
	dp_start(t);
	attach(t);
	assert_int_equal(
		cp_core_load(&t->c, "/nonexistent.csv", 4, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent.csv"));
	assert_int_equal(cp_core_load(&t->c, csv, 4, NULL, err, sizeof(err)), 0);
	pump(t);
	unlink(csv);
	r = t_last(&t->r);
	assert_true(t_ok(r));
	assert_int_equal(json_integer_value(json_object_get(r, "added")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "failed")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "first_id")), 0);
	assert_true(json_is_number(json_object_get(r, "seconds")));
	errs = json_object_get(r, "errors");
	assert_int_equal(json_array_size(errs), 3);
	assert_non_null(strstr(json_string_value(json_array_get(errs, 0)), "line 5:"));
	assert_non_null(strstr(json_string_value(json_array_get(errs, 1)), "line 6: a_local"));
	assert_non_null(strstr(json_string_value(json_array_get(errs, 1)), "in use"));
	assert_non_null(strstr(json_string_value(json_array_get(errs, 2)), "line 9: b_remote"));
	assert_int_equal(t->dp.shm.hdr->sessions_active, 3);
	/* The IPv6 line latches on both legs. */
	assert_int_equal(t->dp.shm.sessions[2].family, SN_FAM_IPV6);
	assert_true(t->dp.shm.sessions[2].token != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_confirmed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_and_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latched_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_on_generation_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_on_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_csv, setup, teardown),
	};
	int fails;

	rcu_register_thread();
	cp_log_max = CP_LOG_ERROR;
	fails = cmocka_run_group_tests_name("cp_core", tests, NULL, NULL);
	rcu_unregister_thread();
	return fails;
}
