/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: the mailbox client (control/cp_mbox.c) against a real shared
 * memory region created with sn_shm_create(); the test plays the dataplane.
 */
#include <errno.h>

#include "cp_counters.h"
#include "cp_mbox.h"
#include "cp_test.h"
#include "fake_dp.h"
#include "sn_ring.h"

#define N_CMDS	   1000
#define SMALL_RING 8
#define MS	   1000000ull

struct rec {
	unsigned n_results;
	uint32_t flow[N_CMDS * 2];
	int32_t status[N_CMDS * 2];
	uint16_t type[N_CMDS * 2];
	unsigned ev[3];
	unsigned n_latched;
	struct sn_cpl latched;
	unsigned n_build;
};

struct mt {
	struct sn_config cfg;
	char path[128];
	struct cp_mbox m;
	uint64_t cnt[CP_CNT_MAX];
	struct rec r;
	struct fake_dp dp;
	bool dp_up;
	uint64_t now;
};

static int
build_add(void *arg, uint32_t flow_id, struct sn_cmd_session *spec)
{
	struct rec *r = arg;

	memset(spec, 0, sizeof(*spec));
	spec->token = 0x1000 + flow_id;
	r->n_build++;
	return 0;
}

static void
result(void *arg, uint16_t type, uint32_t flow_id, int32_t status)
{
	struct rec *r = arg;

	assert_true(r->n_results < N_CMDS * 2);
	r->type[r->n_results] = type;
	r->status[r->n_results] = status;
	r->flow[r->n_results++] = flow_id;
}

static void
latched(void *arg, const struct sn_cpl *evt)
{
	struct rec *r = arg;

	r->n_latched++;
	r->latched = *evt;
}

static void
event(void *arg, enum cp_mbox_event ev)
{
	struct rec *r = arg;

	r->ev[ev]++;
}

static const struct cp_mbox_ops ops = {
	.build_add = build_add,
	.result = result,
	.latched = latched,
	.event = event,
};

static int
setup(void **state)
{
	struct mt *t = calloc(1, sizeof(*t));

	t_shm_path(t->path, sizeof(t->path), "mbox");
	t_config(&t->cfg, 64, 16, t->path);
	assert_int_equal(cp_mbox_init(&t->m, t->path, &ops, &t->r, t->cnt), 0);
	t->now = 1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct mt *t = *state;

	cp_mbox_fini(&t->m);
	if (t->dp_up)
		fake_dp_destroy(&t->dp);
	unlink(t->path);
	free(t);
	return 0;
}

/* Poll with the clock moved past the retry period. */
static int
poll_later(struct mt *t)
{
	t->now += CP_MBOX_RETRY_MS * MS;
	return cp_mbox_poll(&t->m, t->now);
}

static void
start_dp(struct mt *t, uint32_t slots)
{
	assert_int_equal(fake_dp_start(&t->dp, t->path, &t->cfg, 64, slots, slots), 0);
	t->dp_up = true;
}

/* Attach and complete the HELLO exchange. */
static void
attach_synced(struct mt *t)
{
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_SYNCING);
	assert_int_equal(fake_dp_step(&t->dp, 0), 1);
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->m.state, CP_MBOX_READY);
}

static void
test_attach_waits_for_dp(void **state)
{
	struct mt *t = *state;
	const struct sn_cmd *c;

	/* No file: detached, retried later, nothing lost. */
	assert_int_equal(poll_later(t), 0);
	assert_int_equal(t->m.state, CP_MBOX_DETACHED);
	assert_int_equal(t->m.last_err, -ENOENT);
	/* Within the retry period nothing is tried. */
	start_dp(t, SMALL_RING);
	cp_mbox_poll(&t->m, t->now + 1);
	assert_int_equal(t->m.state, CP_MBOX_DETACHED);
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_SYNCING);
	assert_int_equal(t->r.ev[CP_MBOX_EV_ATTACHED], 1);
	assert_int_equal(t->m.gen, t->dp.gen);
	/* The first record is a HELLO of the current generation. */
	c = sn_ring_cons_slot(t->dp.shm.cmd);
	assert_non_null(c);
	assert_int_equal(c->type, SN_CMD_HELLO);
	assert_int_equal(c->version, SN_ABI_VERSION);
	assert_true(c->generation == t->dp.gen);
	assert_int_equal(fake_dp_step(&t->dp, 0), 1);
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->m.state, CP_MBOX_READY);
	assert_int_equal(t->r.ev[CP_MBOX_EV_SYNCED], 1);
	assert_int_equal(t->r.n_results, 0); /* HELLO results are not forwarded */
}

static void
test_backpressure_in_order(void **state)
{
	struct mt *t = *state;
	unsigned i, spins = 0;

	start_dp(t, SMALL_RING);
	attach_synced(t);
	for (i = 0; i < N_CMDS; i++)
		assert_int_equal(cp_mbox_submit(&t->m,
					 i % 2 ? SN_CMD_SESSION_DEL : SN_CMD_SESSION_ADD, i % 64),
			0);
	assert_int_equal(cp_mbox_flush(&t->m), SMALL_RING);
	assert_int_equal(sn_ring_free(t->dp.shm.cmd), 0);
	assert_int_equal(cp_mbox_outstanding(&t->m), N_CMDS);
	assert_true(t->cnt[CP_CNT_CMD_RING_FULL] >= 1);
	/* The dataplane drains a few per loop; control retries on every poll. */
	while (t->r.n_results < N_CMDS) {
		fake_dp_step(&t->dp, 3);
		cp_mbox_poll(&t->m, t->now);
		assert_true(++spins < N_CMDS * 2);
	}
	for (i = 0; i < N_CMDS; i++) {
		assert_int_equal(t->r.flow[i], i % 64);
		assert_int_equal(t->r.type[i], i % 2 ? SN_CMD_SESSION_DEL : SN_CMD_SESSION_ADD);
		assert_int_equal(t->r.status[i], 0);
	}
	assert_false(t->dp.seq_disorder);
	assert_int_equal(t->dp.applied, N_CMDS + 1); /* + HELLO */
	assert_int_equal(cp_mbox_outstanding(&t->m), 0);
	assert_int_equal(t->cnt[CP_CNT_CMDS_SENT], N_CMDS + 1);
	assert_int_equal(t->cnt[CP_CNT_CMDS_OK], N_CMDS);
	assert_int_equal(t->cnt[CP_CNT_CMDS_RETRIED], N_CMDS - SMALL_RING);
	assert_int_equal(t->r.n_build, N_CMDS / 2);
}

static void
test_full_completion_ring(void **state)
{
	struct mt *t = *state;
	unsigned i;

	/* The dataplane stops when it cannot post completions; control drains them. */
	start_dp(t, SMALL_RING);
	attach_synced(t);
	for (i = 0; i < 20; i++)
		cp_mbox_submit(&t->m, SN_CMD_SESSION_ADD, i);
	cp_mbox_flush(&t->m);
	assert_int_equal(fake_dp_step(&t->dp, 0), SMALL_RING);
	assert_int_equal(fake_dp_step(&t->dp, 0), 0); /* cpl ring full */
	for (i = 0; i < 10 && t->r.n_results < 20; i++) {
		cp_mbox_poll(&t->m, t->now);
		fake_dp_step(&t->dp, 0);
	}
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->r.n_results, 20);
}

static void
test_latched_and_rejects(void **state)
{
	struct mt *t = *state;
	struct sn_abi_addr a;

	start_dp(t, SMALL_RING);
	attach_synced(t);
	t->dp.add_status = -ENOSPC;
	cp_mbox_submit(&t->m, SN_CMD_SESSION_ADD, 1);
	cp_mbox_flush(&t->m);
	fake_dp_step(&t->dp, 0);
	assert_int_equal(sn_addr_parse("192.0.2.10", &a), 0);
	assert_int_equal(fake_dp_latch(&t->dp, 1, 1, &a, 7000), 0);
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->r.n_results, 1);
	assert_int_equal(t->r.status[0], -ENOSPC);
	assert_int_equal(t->cnt[CP_CNT_CMDS_FAILED], 1);
	assert_int_equal(t->r.n_latched, 1);
	assert_int_equal(t->r.latched.flow_id, 1);
	assert_int_equal(t->r.latched.leg, 1);
}

static void
test_dataplane_restart(void **state)
{
	struct mt *t = *state;
	uint64_t gen0;

	start_dp(t, SMALL_RING);
	attach_synced(t);
	gen0 = t->dp.gen;
	/* Commands queued for the old dataplane ... */
	cp_mbox_submit(&t->m, SN_CMD_SESSION_ADD, 1);
	cp_mbox_submit(&t->m, SN_CMD_SESSION_ADD, 2);
	cp_mbox_flush(&t->m);
	/* ... which is replaced by a new one (new file, new generation). */
	fake_dp_destroy(&t->dp);
	start_dp(t, SMALL_RING);
	assert_true(t->dp.gen != gen0);
	poll_later(t);
	assert_int_equal(t->r.ev[CP_MBOX_EV_DOWN], 1);
	assert_int_equal(t->r.ev[CP_MBOX_EV_ATTACHED], 2);
	assert_int_equal(t->m.state, CP_MBOX_SYNCING);
	assert_true(t->m.gen == t->dp.gen);
	assert_int_equal(t->cnt[CP_CNT_DETACHES], 1);
	/* Old commands are gone; the new ring starts with a HELLO. */
	assert_int_equal(fake_dp_step(&t->dp, 0), 1);
	assert_int_equal(t->dp.n_hello, 1);
	assert_int_equal(t->dp.rejected, 0);
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->m.state, CP_MBOX_READY);
	assert_int_equal(t->r.n_results, 0);

	/* A generation change on the same mapping is noticed without waiting. */
	t->dp.shm.hdr->generation ^= 1;
	t->dp.gen = t->dp.shm.hdr->generation;
	cp_mbox_poll(&t->m, t->now);
	assert_int_equal(t->r.ev[CP_MBOX_EV_ATTACHED], 3);
	assert_true(t->m.gen == t->dp.gen);
}

static void
test_dataplane_stopped(void **state)
{
	struct mt *t = *state;

	start_dp(t, SMALL_RING);
	attach_synced(t);
	cp_mbox_submit(&t->m, SN_CMD_SESSION_ADD, 1);
	/* SIGTERM: dp_state STOPPED, file left behind. */
	__atomic_store_n(&t->dp.shm.hdr->dp_state, SN_DP_STOPPED, __ATOMIC_RELEASE);
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_DOWN);
	assert_int_equal(t->r.ev[CP_MBOX_EV_DOWN], 1);
	assert_int_equal(cp_mbox_outstanding(&t->m), 0);
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_DOWN); /* keeps waiting */
	assert_int_equal(t->r.ev[CP_MBOX_EV_DOWN], 1);
	/* A new dataplane: attached again. */
	fake_dp_destroy(&t->dp);
	start_dp(t, SMALL_RING);
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_SYNCING);
	assert_int_equal(t->r.ev[CP_MBOX_EV_ATTACHED], 2);

	/* The file removed: detached, waiting. */
	fake_dp_destroy(&t->dp);
	t->dp_up = false;
	poll_later(t);
	assert_int_equal(t->m.state, CP_MBOX_DETACHED);
	assert_int_equal(t->r.ev[CP_MBOX_EV_DOWN], 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_waits_for_dp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_completion_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latched_and_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dataplane_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dataplane_stopped, setup, teardown),
	};

	cp_log_max = CP_LOG_ERROR;
	return cmocka_run_group_tests_name("cp_mbox", tests, NULL, NULL);
}
