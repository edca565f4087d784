/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: the session state (control/cp_sessions.c). */
#include <arpa/inet.h>
#include <errno.h>

#include "cp_test.h"
#include "cp_sessions.h"

struct st {
	struct sn_config cfg;
	struct cp_sessions s;
};

static int
setup_n(void **state, uint32_t max, uint16_t nports)
{
	struct st *t = calloc(1, sizeof(*t));

	t_config(&t->cfg, max, nports, NULL);
	assert_int_equal(cp_sessions_init(&t->s, &t->cfg), 0);
	*state = t;
	return 0;
}

static int
setup(void **state)
{
	return setup_n(state, 8, 16);
}

/* 4 relay ports per address. */
static int
setup_small(void **state)
{
	return setup_n(state, 8, 4);
}

static int
teardown(void **state)
{
	struct st *t = *state;

	cp_sessions_fini(&t->s);
	free(t);
	return 0;
}

/* spec with both remotes (IPv4) and everything else allocated. */
static void
spec_v4(struct cp_session_spec *sp, uint16_t ra, uint16_t rb)
{
	memset(sp, 0, sizeof(*sp));
	assert_int_equal(sn_addr_parse("198.18.0.11", &sp->leg[0].remote), 0);
	sp->leg[0].remote_port = ra;
	assert_int_equal(sn_addr_parse("198.18.0.12", &sp->leg[1].remote), 0);
	sp->leg[1].remote_port = rb;
}

static struct cp_session *
must_create(struct st *t, const struct cp_session_spec *sp)
{
	struct cp_session *s = NULL;
	char err[256] = "";

	if (cp_sessions_create(&t->s, sp, t_now_ns, &s, err, sizeof(err)) != 0)
		fail_msg("create: %s", err);
	return s;
}

static void
test_create_defaults(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *s;
	struct sn_cmd_session c;

	spec_v4(&sp, 5000, 6000);
	s = must_create(t, &sp);
	assert_int_equal(s->id, 0);
	assert_int_equal(s->state, CP_SESS_PENDING);
	assert_int_equal(s->family, SN_FAM_IPV4);
	assert_int_equal(s->token, 0); /* no latching: no token */
	assert_int_equal(s->leg[0].local_addr_idx, 0);
	assert_int_equal(s->leg[1].local_addr_idx, 0);
	assert_int_equal(s->leg[0].local_port, T_PORT_MIN);
	assert_int_equal(s->leg[1].local_port, T_PORT_MIN + 1); /* same address, next port */
	assert_int_equal(s->leg[0].flags, 0);
	assert_ptr_equal(cp_sessions_find(&t->s, 0), s);
	assert_ptr_equal(cp_sessions_lookup(&t->s, 0), s); /* hash table agrees with the array */
	assert_null(cp_sessions_find(&t->s, 1));
	assert_null(cp_sessions_find(&t->s, 1000000));
	assert_ptr_equal(cp_sessions_find_ep(&t->s, 0, T_PORT_MIN + 1, NULL), s);
	assert_int_equal(t->s.n_state[CP_SESS_PENDING], 1);

	cp_session_to_cmd(s, &c);
	assert_int_equal(ntohs(c.leg[0].local_port), T_PORT_MIN);
	assert_int_equal(ntohs(c.leg[1].remote_port), 6000);
	assert_int_equal(c.leg[1].remote.family, SN_FAM_IPV4);
	assert_int_equal(c.leg[0].flags, 0);
}

static void
test_latch_token(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *a, *b;
	char err[256];

	memset(&sp, 0, sizeof(sp));
	/* Without --latch a leg needs a remote. */
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a_remote"));
	sp.latch = true;
	a = must_create(t, &sp);
	b = must_create(t, &sp);
	assert_int_not_equal(a->token, 0);
	assert_int_not_equal(b->token, 0);
	assert_int_not_equal(a->token, b->token);
	assert_int_equal(a->leg[0].flags, SN_LEG_LATCH);
	assert_int_equal(a->leg[1].flags, SN_LEG_LATCH);
	assert_int_equal(a->leg[0].remote.family, SN_FAM_NONE);
}

static void
test_explicit_endpoints(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *s, *x;
	char err[256];

	spec_v4(&sp, 5000, 6000);
	assert_int_equal(sn_addr_parse(T_ADDR4B, &sp.leg[0].local), 0);
	sp.leg[0].local_port = T_PORT_MIN + 3;
	assert_int_equal(sn_addr_parse(T_ADDR4B, &sp.leg[1].local), 0); /* address only */
	s = must_create(t, &sp);
	assert_int_equal(s->leg[0].local_addr_idx, 2);
	assert_int_equal(s->leg[0].local_port, T_PORT_MIN + 3);
	assert_int_equal(s->leg[1].local_addr_idx, 2);
	assert_int_equal(s->leg[1].local_port, T_PORT_MIN); /* allocated, first free */

	/* The same endpoint again: in use, with the owner named. */
	sp.leg[1].local_port = 0;
	assert_int_equal(
		cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "a_local"));
	assert_non_null(strstr(err, "session 0"));

	/* Both legs on one endpoint. */
	sp.leg[0].local_port = T_PORT_MIN + 5;
	sp.leg[1].local_port = T_PORT_MIN + 5;
	assert_int_equal(
		cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "b_local"));

	/* Outside the relay range: the fast path would never relay it. */
	sp.leg[0].local_port = 40000;
	sp.leg[1].local_port = 0;
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outside the relay range"));

	/* Not an appliance address; STUN port; family mismatch. */
	spec_v4(&sp, 5000, 6000);
	assert_int_equal(sn_addr_parse("10.0.0.1", &sp.leg[0].local), 0);
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an appliance address"));
	spec_v4(&sp, 5000, 6000);
	sp.leg[1].local_port = 3478;
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "STUN"));
	spec_v4(&sp, 5000, 6000);
	assert_int_equal(sn_addr_parse(T_ADDR6, &sp.leg[1].local), 0);
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "b_local"));
	assert_non_null(strstr(err, "IPv6"));
	/* Failed creates leaked nothing: one session, three ports. */
	assert_int_equal(t->s.count, 1);
	assert_int_equal(cp_sessions_ports_free(&t->s, 2), 16 - 2);
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 16);
}

static void
test_ipv6(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *s;

	memset(&sp, 0, sizeof(sp));
	sp.family = SN_FAM_IPV6;
	sp.latch = true;
	s = must_create(t, &sp);
	assert_int_equal(s->family, SN_FAM_IPV6);
	assert_int_equal(s->leg[0].local_addr_idx, 1);
	/* Family derived from a remote. */
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(sn_addr_parse("2001:db8:1::11", &sp.leg[0].remote), 0);
	sp.leg[0].remote_port = 1;
	sp.latch = true;
	s = must_create(t, &sp);
	assert_int_equal(s->family, SN_FAM_IPV6);
}

static void
test_flow_id_reuse(void **state)
{
	struct st *t = *state;
	struct cp_session *s[8], *x;
	struct cp_session_spec sp;
	char err[256];
	unsigned i;

	spec_v4(&sp, 5000, 6000);
	for (i = 0; i < 8; i++) {
		s[i] = must_create(t, &sp);
		assert_int_equal(s[i]->id, i);
	}
	/* Table full: a clean error, nothing leaked. */
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "full"));
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 0);

	cp_sessions_remove(&t->s, s[5]);
	cp_sessions_remove(&t->s, s[2]);
	assert_null(cp_sessions_find(&t->s, 5));
	assert_null(cp_sessions_lookup(&t->s, 5));
	x = must_create(t, &sp);
	assert_int_equal(x->id, 5); /* FIFO: freed first, reused first */
	x = must_create(t, &sp);
	assert_int_equal(x->id, 2);
	assert_int_equal(t->s.count, 8);
}

static void
test_port_exhaustion(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *x, *first;
	char err[256];
	unsigned i;

	/* 4 ports on the address: two sessions, then no port. */
	spec_v4(&sp, 5000, 6000);
	first = must_create(t, &sp);
	must_create(t, &sp);
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 0);
	assert_int_equal(
		cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "no free relay port on 198.18.0.1"));
	/* Leg a could take a port, leg b not: leg a's port is given back. */
	cp_sessions_remove(&t->s, first);
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 2);
	sp.leg[1].local_port = T_PORT_MIN + 2; /* taken by the second session */
	assert_int_equal(
		cp_sessions_create(&t->s, &sp, t_now_ns, &x, err, sizeof(err)), -EADDRINUSE);
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 2);
	/* Other addresses are separate pools. */
	spec_v4(&sp, 5000, 6000);
	assert_int_equal(sn_addr_parse(T_ADDR4B, &sp.leg[0].local), 0);
	assert_int_equal(sn_addr_parse(T_ADDR4B, &sp.leg[1].local), 0);
	for (i = 0; i < 2; i++)
		must_create(t, &sp);
	assert_int_equal(cp_sessions_ports_free(&t->s, 2), 0);
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 2);
	/* Next-fit: the cursor moved past 50000 (taken and given back above). */
	spec_v4(&sp, 5000, 6000);
	x = must_create(t, &sp);
	assert_int_equal(x->leg[0].local_port, T_PORT_MIN + 1);
	assert_int_equal(x->leg[1].local_port, T_PORT_MIN);
}

static void
test_adopt(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct sn_session slot;
	struct cp_session *s;
	char err[256];

	memset(&slot, 0, sizeof(slot));
	slot.flow_id = 3;
	slot.state = SN_SESS_ACTIVE;
	slot.family = SN_FAM_IPV4;
	slot.token = 0x1122334455667788ull;
	slot.rate_bytes_per_s = 1000;
	slot.burst_bytes = 3000;
	slot.leg[0].local_addr_idx = 0;
	slot.leg[0].local_port = htons(T_PORT_MIN + 1);
	slot.leg[0].flags = SN_LEG_LATCH | SN_LEG_LATCHED | SN_LEG_REMOTE_SET;
	inet_pton(AF_INET, "192.0.2.7", slot.leg[0].remote_addr);
	slot.leg[0].remote_port = htons(7000);
	slot.leg[1].local_addr_idx = 2;
	slot.leg[1].local_port = htons(T_PORT_MIN);
	slot.leg[1].flags = SN_LEG_LATCH;
	assert_int_equal(cp_sessions_adopt(&t->s, &slot, 3, t_now_ns, err, sizeof(err)), 0);
	assert_int_equal(cp_sessions_adopt(&t->s, &slot, 3, t_now_ns, err, sizeof(err)), -EEXIST);
	cp_sessions_rebuild_free(&t->s);
	s = cp_sessions_find(&t->s, 3);
	assert_non_null(s);
	assert_int_equal(s->state, CP_SESS_ACTIVE);
	assert_true(s->flags & CP_SESS_F_ADOPTED);
	assert_int_equal(s->token, 0x1122334455667788ull);
	assert_int_equal(s->leg[0].remote_port, 7000);
	assert_int_equal(s->leg[0].flags, SN_LEG_LATCH | SN_LEG_LATCHED);
	assert_int_equal(s->leg[1].remote.family, SN_FAM_NONE);
	assert_int_equal(s->rate_bytes_per_s, 1000);
	/* Its ports are taken, its id is not handed out again. */
	assert_int_equal(cp_sessions_ports_free(&t->s, 0), 15);
	spec_v4(&sp, 5000, 6000);
	s = must_create(t, &sp);
	assert_int_equal(s->id, 0);
	assert_int_equal(s->leg[0].local_port, T_PORT_MIN);
	assert_int_equal(s->leg[1].local_port, T_PORT_MIN + 2); /* +1 adopted */
	/* An adoption clashing with a known endpoint is refused. */
	slot.leg[1].local_addr_idx = 0;
	slot.leg[1].local_port = htons(T_PORT_MIN + 2);
	assert_int_equal(
		cp_sessions_adopt(&t->s, &slot, 4, t_now_ns, err, sizeof(err)), -EADDRINUSE);
	slot.leg[0].local_port = htons(T_PORT_MIN + 9);
	slot.leg[1].local_addr_idx = 9;
	assert_int_equal(cp_sessions_adopt(&t->s, &slot, 4, t_now_ns, err, sizeof(err)), -EINVAL);
	for (unsigned i = 0; i < 6; i++)
		must_create(t, &sp);
	assert_int_equal(cp_sessions_create(&t->s, &sp, t_now_ns, &s, err, sizeof(err)), -ENOSPC);
}

static void
test_idle(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session *s;

	spec_v4(&sp, 5000, 6000);
	s = must_create(t, &sp);
	/* No packet yet: control clock since creation. */
	assert_int_equal(cp_session_idle_s(s, t_now_ns + 7 * NS_PER_S_T, 0, 123, 1000), 7);
	/* Packets: dataplane TSC. */
	assert_int_equal(cp_session_idle_s(s, t_now_ns, 5000, 25000, 1000), 20);
	assert_int_equal(cp_session_idle_s(s, t_now_ns, 5000, 4000, 1000), 0);
}

static void
test_snapshot_sorted(void **state)
{
	struct st *t = *state;
	struct cp_session_spec sp;
	struct cp_session **v;
	size_t n, i;

	spec_v4(&sp, 5000, 6000);
	for (i = 0; i < 8; i++)
		must_create(t, &sp);
	cp_sessions_remove(&t->s, cp_sessions_find(&t->s, 3));
	v = cp_sessions_snapshot(&t->s, &n, true);
	assert_int_equal(n, 7);
	for (i = 1; i < n; i++)
		assert_true(v[i - 1]->id < v[i]->id);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latch_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_endpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_id_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_sorted, setup, teardown),
	};
	const struct CMUnitTest small[] = {
		cmocka_unit_test(test_port_exhaustion),
	};
	int fails;

	rcu_register_thread();
	cp_log_max = CP_LOG_ERROR;
	fails = cmocka_run_group_tests_name("cp_sessions", tests, NULL, NULL);
	fails += cmocka_run_group_tests_name(
		"cp_sessions_small_range", small, setup_small, teardown);
	rcu_unregister_thread();
	return fails;
}
