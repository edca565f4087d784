/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the TURN client table (dataplane/dp_ctab.h) and the
 * multi-entry side of the flow table it is built on (dp_flow.h:
 * dp_flow_insert_multi(), dp_flow_delete_entry(), dp_flow_lookup_next()),
 * without EAL: signature keys, tuples verified against allocation slots,
 * forced signature collisions (several tuples under one key: inserts never
 * fail, every tuple is found, deletes remove exactly one entry), the
 * table at its full allocation count, a random churn against a reference
 * model, and a reader thread that must always find a stable tuple set
 * while the writer churns colliding entries (run under TSan by
 * scripts/test).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dp_ctab.h"
#include "dp_flow.h"
#include "dp_types.h"

struct dp_ctx dp; /* dp_flow.c's dp_flow_init() refers to it */

#define N_ALLOCS      20000u
#define CHURN_OPS     200000u
#define CHURN_ALLOCS  4096u
#define COLLIDE	      12u /* tuples forced under one key */
#define STABLE	      64u /* entries under one key: a chain holds 8 x DP_FLOW_MAX_PROBE */
#define THREAD_ROUNDS 3000u
#define SERVER_PORT   3478

struct tbl {
	struct dp_flow_table t;
	void *mem;
	struct sn_alloc *allocs;
	uint32_t n;
};

static void
tbl_new(struct tbl *x, uint32_t n_allocs)
{
	size_t sz = dp_flow_mem_size(n_allocs);

	x->mem = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	assert_non_null(x->mem);
	memset(x->mem, 0, sz);
	dp_flow_table_init(&x->t, x->mem, n_allocs, true);
	x->allocs = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(struct sn_alloc) * n_allocs);
	assert_non_null(x->allocs);
	memset(x->allocs, 0, sizeof(struct sn_alloc) * n_allocs);
	x->n = n_allocs;
}

static void
tbl_free(struct tbl *x)
{
	free(x->mem);
	free(x->allocs);
}

/* Tuple i: IPv4 10.x.y.z or IPv6 2001:db8::i, client port, server address index. */
static void
tuple_of(uint32_t i, uint8_t *fam, uint8_t addr[16], uint16_t *cport, unsigned *sidx)
{
	memset(addr, 0, 16);
	if (i % 3 == 2) {
		*fam = SN_FAM_IPV6;
		addr[0] = 0x20;
		addr[1] = 0x01;
		addr[2] = 0x0d;
		addr[3] = 0xb8;
		addr[12] = (uint8_t)(i >> 24);
		addr[13] = (uint8_t)(i >> 16);
		addr[14] = (uint8_t)(i >> 8);
		addr[15] = (uint8_t)i;
	} else {
		*fam = SN_FAM_IPV4;
		addr[0] = 10;
		addr[1] = (uint8_t)(i >> 16);
		addr[2] = (uint8_t)(i >> 8);
		addr[3] = (uint8_t)i;
	}
	*cport = htons((uint16_t)(1024 + i % 50000));
	*sidx = i % 4;
}

/* Write tuple i into slot id (as dp_turn_cmd.c does). */
static void
slot_set(struct tbl *x, uint32_t id, uint32_t i)
{
	struct sn_alloc *a = &x->allocs[id];
	unsigned sidx;

	memset(a, 0, sizeof(*a));
	tuple_of(i, &a->client_family, a->client_addr, &a->client_port, &sidx);
	a->server_addr_idx = (uint8_t)sidx;
	a->server_port = htons(SERVER_PORT);
	a->alloc_id = id;
	a->state = SN_SESS_ACTIVE;
}

static uint32_t
key_of(uint32_t i)
{
	uint8_t fam, addr[16];
	uint16_t cport;
	unsigned sidx;

	tuple_of(i, &fam, addr, &cport, &sidx);
	return dp_ctab_key(&dp.ctab_hk, fam, addr, cport, sidx, htons(SERVER_PORT));
}

/* dp_ctab_find() of tuple i under key (key_of(i) unless forced). */
static uint32_t
find(const struct tbl *x, uint32_t key, uint32_t i)
{
	uint8_t fam, addr[16];
	uint16_t cport;
	unsigned sidx;

	tuple_of(i, &fam, addr, &cport, &sidx);
	return dp_ctab_find(
		&x->t, x->allocs, x->n, key, fam, addr, cport, sidx, htons(SERVER_PORT));
}

static void
test_key(void **state)
{
	uint8_t a4[16] = {198, 18, 0, 11}, a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x11};
	uint32_t k = dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40001), 0, htons(SERVER_PORT));
	uint32_t i, n_same = 0;

	(void)state;
	/* deterministic, tagged, never a reserved entry value */
	assert_int_equal(k, dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40001), 0, htons(SERVER_PORT)));
	assert_true(k & DP_FLOW_KEY_VALID);
	assert_true(k != DP_FLOW_TOMBSTONE && k != DP_FLOW_EMPTY);
	/* every field of the 5-tuple changes it */
	assert_true(k != dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40002), 0, htons(SERVER_PORT)));
	assert_true(k != dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40001), 1, htons(SERVER_PORT)));
	assert_true(k != dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40001), 0, htons(SERVER_PORT + 1)));
	a4[3]++;
	assert_true(k != dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons(40001), 0, htons(SERVER_PORT)));
	assert_true(dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV6, a6, htons(40001), 0, htons(SERVER_PORT)) &
		    DP_FLOW_KEY_VALID);
	/* signatures spread: few equal among many tuples */
	for (i = 1; i < N_ALLOCS; i++)
		n_same += key_of(i) == key_of(0);
	assert_true(n_same <= 1);
}

/*
 * The hash is keyed: another key places the same tuples elsewhere, and
 * tuples a client controls (one address, every source port) spread over
 * the buckets as random ones would, whatever the key.
 */
static void
test_keyed(void **state)
{
	struct dp_ctab_hkey saved = dp.ctab_hk, other;
	uint8_t a4[16] = {198, 18, 0, 11};
	static uint32_t load[65536];
	uint32_t i, n_same = 0, mask = (1u << 14) - 1, max = 0, k;
	unsigned round;

	(void)state;
	assert_int_equal(dp_ctab_hkey_init(&other), 0);
	assert_memory_not_equal(&other, &saved, sizeof(other));
	for (i = 0; i < N_ALLOCS; i++) {
		dp.ctab_hk = saved;
		k = key_of(i);
		dp.ctab_hk = other;
		n_same += key_of(i) == k;
	}
	dp.ctab_hk = saved;
	assert_true(n_same <= 2);
	/* 16384 home buckets, 65535 source ports of one client address: 4 per
	 * bucket on average; a random placement puts 12-20 in the fullest
	 * (multiply-shift without the crc finalizer: up to 199 for 1% of keys) */
	for (round = 0; round < 2; round++) {
		memset(load, 0, sizeof(load));
		for (i = 1; i < 65536; i++) {
			k = dp_ctab_key(&dp.ctab_hk, SN_FAM_IPV4, a4, htons((uint16_t)i), 0,
				htons(SERVER_PORT));
			if (++load[k & mask] > max)
				max = load[k & mask];
		}
		assert_true(max <= 24);
		dp.ctab_hk = other;
	}
	dp.ctab_hk = saved;
}

static void
test_basic(void **state)
{
	struct tbl x;
	uint32_t i;

	(void)state;
	tbl_new(&x, 64);
	for (i = 0; i < 10; i++) {
		slot_set(&x, i, i * 7);
		assert_int_equal(dp_flow_insert_multi(&x.t, key_of(i * 7), i), 0);
	}
	for (i = 0; i < 10; i++) {
		assert_int_equal(find(&x, key_of(i * 7), i * 7), i);
		/* the fast path's first probe: one entry, the right one here */
		assert_int_equal(dp_flow_lookup(&x.t, key_of(i * 7)), i);
	}
	assert_int_equal(find(&x, key_of(1), 1), DP_FLOW_MISS);
	/* the same (key, data) twice is refused; another data is not */
	assert_int_equal(dp_flow_insert_multi(&x.t, key_of(0), 0), -EEXIST);
	assert_int_equal(dp_flow_delete_entry(&x.t, key_of(0), 5), -ENOENT);
	assert_int_equal(dp_flow_delete_entry(&x.t, key_of(0), 0), 0);
	assert_int_equal(find(&x, key_of(0), 0), DP_FLOW_MISS);
	/* a slot whose tuple differs (reused, stream) is not a match */
	x.allocs[1].flags = SN_ALLOC_STREAM;
	assert_int_equal(find(&x, key_of(7), 7), DP_FLOW_MISS);
	x.allocs[1].flags = 0;
	x.allocs[1].client_port++;
	assert_int_equal(find(&x, key_of(7), 7), DP_FLOW_MISS);
	tbl_free(&x);
}

/* COLLIDE tuples under one signature: all inserted, each found, exact deletes. */
static void
test_collisions(void **state)
{
	const uint32_t key = DP_FLOW_KEY_VALID | 0x1234567u;
	struct tbl x;
	unsigned pos;
	uint32_t i, n;

	(void)state;
	tbl_new(&x, 256);
	for (i = 0; i < COLLIDE; i++) {
		slot_set(&x, i, 1000 + i);
		assert_int_equal(dp_flow_insert_multi(&x.t, key, i), 0);
	}
	/* the chain holds them all, over more than one bucket */
	for (pos = 0, n = 0; dp_flow_lookup_next(&x.t, key, &pos) != DP_FLOW_MISS; n++)
		;
	assert_int_equal(n, COLLIDE);
	for (i = 0; i < COLLIDE; i++)
		assert_int_equal(find(&x, key, 1000 + i), i);
	/* delete every other one: the rest stay reachable past the holes */
	for (i = 0; i < COLLIDE; i += 2)
		assert_int_equal(dp_flow_delete_entry(&x.t, key, i), 0);
	for (i = 0; i < COLLIDE; i++)
		assert_int_equal(find(&x, key, 1000 + i), i % 2 ? i : DP_FLOW_MISS);
	/* re-inserted entries reuse the tombstones */
	for (i = 0; i < COLLIDE; i += 2)
		assert_int_equal(dp_flow_insert_multi(&x.t, key, i), 0);
	for (i = 0; i < COLLIDE; i++)
		assert_int_equal(find(&x, key, 1000 + i), i);
	for (i = 0; i < COLLIDE; i++)
		assert_int_equal(dp_flow_delete_entry(&x.t, key, i), 0);
	assert_int_equal(x.t.count, 0);
	for (i = 0; i <= x.t.mask; i++) {
		unsigned e;

		for (e = 0; e < DP_FLOW_BUCKET_ENTRIES; e++)
			assert_int_equal(x.t.b[i].e[e], 0); /* no tombstone left */
	}
	tbl_free(&x);
}

/* The table holds the allocation count it was sized for. */
static void
test_full(void **state)
{
	struct tbl x;
	uint32_t i;

	(void)state;
	tbl_new(&x, N_ALLOCS);
	for (i = 0; i < N_ALLOCS; i++) {
		slot_set(&x, i, i);
		assert_int_equal(dp_flow_insert_multi(&x.t, key_of(i), i), 0);
	}
	for (i = 0; i < N_ALLOCS; i++)
		assert_int_equal(find(&x, key_of(i), i), i);
	assert_int_equal(find(&x, key_of(N_ALLOCS + 1), N_ALLOCS + 1), DP_FLOW_MISS);
	for (i = 0; i < N_ALLOCS; i += 2)
		assert_int_equal(dp_flow_delete_entry(&x.t, key_of(i), i), 0);
	for (i = 0; i < N_ALLOCS; i++)
		assert_int_equal(find(&x, key_of(i), i), i % 2 ? i : DP_FLOW_MISS);
	tbl_free(&x);
}

/*
 * Random installs and deletes of allocations, some under forced shared
 * keys, against a reference model: model[id] = tuple + 1 (0 = free).
 */
static void
test_churn(void **state)
{
	static uint32_t model[CHURN_ALLOCS];
	const uint32_t shared = DP_FLOW_KEY_VALID | 0x7654321u;
	struct tbl x;
	uint32_t op, i;

	(void)state;
	memset(model, 0, sizeof(model));
	tbl_new(&x, CHURN_ALLOCS);
	srand(8656);
	for (op = 0; op < CHURN_OPS; op++) {
		uint32_t id = (uint32_t)rand() % CHURN_ALLOCS;
		uint32_t k;

		if (model[id] == 0) {
			uint32_t tuple = op * CHURN_ALLOCS + id; /* unique */

			slot_set(&x, id, tuple);
			k = id % 512 == 0 ? shared : key_of(tuple);
			assert_int_equal(dp_flow_insert_multi(&x.t, k, id), 0);
			model[id] = tuple + 1;
		} else {
			k = id % 512 == 0 ? shared : key_of(model[id] - 1);
			assert_int_equal(dp_flow_delete_entry(&x.t, k, id), 0);
			memset(&x.allocs[id], 0, sizeof(x.allocs[id]));
			model[id] = 0;
		}
		i = (uint32_t)rand() % CHURN_ALLOCS;
		if (model[i] != 0)
			assert_int_equal(find(&x, i % 512 == 0 ? shared : key_of(model[i] - 1),
						 model[i] - 1),
				i);
	}
	for (i = 0; i < CHURN_ALLOCS; i++)
		if (model[i] != 0)
			assert_int_equal(find(&x, i % 512 == 0 ? shared : key_of(model[i] - 1),
						 model[i] - 1),
				i);
	tbl_free(&x);
}

struct reader_arg {
	struct tbl *x;
	uint32_t key;
	volatile int stop;
	uint32_t errors;
};

/* Slots 0..STABLE-1 stay installed under arg->key: always found. */
static void *
reader(void *p)
{
	struct reader_arg *r = p;
	uint32_t i;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		for (i = 0; i < STABLE; i += 7)
			if (find(r->x, r->key, 50000 + i) != i)
				r->errors++;
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct reader_arg r = {0};
	struct tbl x;
	pthread_t th;
	uint32_t round, i;

	(void)state;
	tbl_new(&x, 2 * STABLE);
	r.x = &x;
	r.key = DP_FLOW_KEY_VALID | 0x0abcdefu;
	for (i = 0; i < STABLE; i++) {
		slot_set(&x, i, 50000 + i);
		assert_int_equal(dp_flow_insert_multi(&x.t, r.key, i), 0);
	}
	/* slots are written before the reader starts (the dataplane reuses a
	 * slot only after an RCU grace period, which this test has not) */
	for (i = STABLE; i < 2 * STABLE; i++)
		slot_set(&x, i, 90000 + i);
	assert_int_equal(pthread_create(&th, NULL, reader, &r), 0);
	/* the writer adds and removes other tuples under the same key */
	for (round = 0; round < THREAD_ROUNDS; round++) {
		uint32_t id = STABLE + round % STABLE;

		assert_int_equal(dp_flow_insert_multi(&x.t, r.key, id), 0);
		assert_int_equal(dp_flow_delete_entry(&x.t, r.key, id), 0);
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_int_equal(r.errors, 0);
	tbl_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_keyed),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_concurrent),
	};

	if (dp_ctab_hkey_init(&dp.ctab_hk) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
