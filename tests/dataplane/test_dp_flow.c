/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the relay flow table (dataplane/dp_flow.h), without EAL:
 * insert/lookup/delete rules, chains that spill into the next buckets,
 * tombstones and their cleanup, the table at its full key count, a random
 * churn against a reference model, and one writer churning while a reader
 * thread must always find a stable key set (run under TSan by
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

#include <cmocka.h>

#include <rte_hash_crc.h>

#include "dp_crc.h"
#include "dp_flow.h"
#include "dp_types.h"

struct dp_ctx dp; /* dp_flow.c's dp_flow_init() refers to it */

#define N_ADDRS	      64
#define N_PORTS	      65536
#define FULL_KEYS     20000u
#define CHURN_OPS     300000u
#define CHURN_KEYS    4096u
#define STABLE_KEYS   512u
#define THREAD_ROUNDS 5000u

struct tbl {
	struct dp_flow_table t;
	void *mem;
};

static void
tbl_new(struct tbl *x, uint64_t keys)
{
	size_t sz = dp_flow_mem_size(keys);

	x->mem = aligned_alloc(RTE_CACHE_LINE_SIZE, sz);
	assert_non_null(x->mem);
	memset(x->mem, 0, sz);
	dp_flow_table_init(&x->t, x->mem, keys, false);
}

static void
tbl_free(struct tbl *x)
{
	free(x->mem);
}

/* The n-th distinct key (address index, port). */
static uint32_t
nth_key(uint32_t n)
{
	return dp_flow_key((n / N_PORTS) % N_ADDRS, (uint16_t)(n % N_PORTS));
}

static bool
table_empty(const struct dp_flow_table *t)
{
	uint64_t b;
	unsigned i;

	for (b = 0; b <= t->mask; b++)
		for (i = 0; i < DP_FLOW_BUCKET_ENTRIES; i++)
			if (t->b[b].e[i] != 0)
				return false;
	return true;
}

/* dp_crc.h computes what rte_hash_crc_4byte()/_8byte() compute. */
static void
test_crc_equals_dpdk(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t init = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		init = (uint32_t)(x >> 17) * i;
		assert_int_equal(dp_crc32c_4((uint32_t)x, init), rte_hash_crc_4byte((uint32_t)x, init));
		assert_int_equal(dp_crc32c_8(x, init), rte_hash_crc_8byte(x, init));
	}
}

static void
test_basic(void **state)
{
	struct tbl x;
	uint32_t k = dp_flow_key(3, 40000);

	(void)state;
	tbl_new(&x, 64);
	assert_int_equal(dp_flow_lookup(&x.t, k), DP_FLOW_MISS);
	assert_int_equal(dp_flow_delete(&x.t, k), -ENOENT);
	assert_int_equal(dp_flow_insert(&x.t, k, dp_flow_data(7, 1)), 0);
	assert_int_equal(dp_flow_lookup(&x.t, k), dp_flow_data(7, 1));
	assert_int_equal(dp_flow_insert(&x.t, k, dp_flow_data(8, 0)), -EEXIST);
	assert_int_equal(dp_flow_lookup(&x.t, k), dp_flow_data(7, 1));
	/* flow 0 leg 0 is data 0: still a hit */
	assert_int_equal(dp_flow_insert(&x.t, dp_flow_key(0, 0), dp_flow_data(0, 0)), 0);
	assert_int_equal(dp_flow_lookup(&x.t, dp_flow_key(0, 0)), 0);
	assert_int_equal(dp_flow_lookup(&x.t, dp_flow_key(3, 40001)), DP_FLOW_MISS);
	assert_int_equal(x.t.count, 2);
	assert_int_equal(dp_flow_delete(&x.t, k), 0);
	assert_int_equal(dp_flow_lookup(&x.t, k), DP_FLOW_MISS);
	assert_int_equal(dp_flow_delete(&x.t, k), -ENOENT);
	assert_int_equal(dp_flow_delete(&x.t, dp_flow_key(0, 0)), 0);
	assert_true(table_empty(&x.t));
	/* untagged keys and the reserved values are refused */
	assert_int_equal(dp_flow_insert(&x.t, 5, 1), -EINVAL);
	assert_int_equal(dp_flow_insert(&x.t, DP_FLOW_TOMBSTONE, 1), -EINVAL);
	tbl_free(&x);
}

/* 20 keys with the same home bucket: the chain spills over 3 buckets. */
static void
test_chain(void **state)
{
	enum { CHAIN = 20 };
	uint32_t keys[CHAIN], home = UINT32_MAX, n = 0, i;
	struct tbl x;

	(void)state;
	tbl_new(&x, 1024);
	for (i = 0; n < CHAIN; i++) {
		uint32_t k = nth_key(i), h = dp_flow_hash(k) & x.t.mask;

		if (home == UINT32_MAX)
			home = h;
		if (h == home)
			keys[n++] = k;
	}
	for (i = 0; i < CHAIN; i++)
		assert_int_equal(dp_flow_insert(&x.t, keys[i], i), 0);
	for (i = 0; i < CHAIN; i++)
		assert_int_equal(dp_flow_lookup(&x.t, keys[i]), i);
	/* holes in the middle of the chain keep the tail reachable */
	for (i = 0; i < CHAIN; i += 3)
		assert_int_equal(dp_flow_delete(&x.t, keys[i]), 0);
	for (i = 0; i < CHAIN; i++)
		assert_int_equal(dp_flow_lookup(&x.t, keys[i]), i % 3 == 0 ? DP_FLOW_MISS : i);
	/* re-inserted keys take the tombstones and are found */
	for (i = 0; i < CHAIN; i += 3)
		assert_int_equal(dp_flow_insert(&x.t, keys[i], i + 100), 0);
	for (i = 0; i < CHAIN; i++)
		assert_int_equal(dp_flow_lookup(&x.t, keys[i]), i % 3 == 0 ? i + 100 : i);
	/* deleting everything, in any order, leaves no tombstone behind */
	for (i = 0; i < CHAIN; i += 2)
		assert_int_equal(dp_flow_delete(&x.t, keys[i]), 0);
	for (i = 1; i < CHAIN; i += 2)
		assert_int_equal(dp_flow_delete(&x.t, keys[i]), 0);
	assert_true(table_empty(&x.t));
	assert_int_equal(x.t.count, 0);
	tbl_free(&x);
}

/* The table holds the key count it was sized for (two per session). */
static void
test_full(void **state)
{
	struct tbl x;
	uint32_t i;

	(void)state;
	tbl_new(&x, FULL_KEYS);
	for (i = 0; i < FULL_KEYS; i++)
		assert_int_equal(dp_flow_insert(&x.t, nth_key(i * 7), i), 0);
	for (i = 0; i < FULL_KEYS; i++)
		assert_int_equal(dp_flow_lookup(&x.t, nth_key(i * 7)), i);
	assert_int_equal(dp_flow_lookup(&x.t, nth_key(1)), DP_FLOW_MISS);
	for (i = 0; i < FULL_KEYS; i += 2)
		assert_int_equal(dp_flow_delete(&x.t, nth_key(i * 7)), 0);
	for (i = 0; i < FULL_KEYS; i++)
		assert_int_equal(dp_flow_lookup(&x.t, nth_key(i * 7)), i % 2 ? i : DP_FLOW_MISS);
	for (i = 1; i < FULL_KEYS; i += 2)
		assert_int_equal(dp_flow_delete(&x.t, nth_key(i * 7)), 0);
	assert_true(table_empty(&x.t));
	tbl_free(&x);
}

/* Random inserts and deletes against a reference array. */
static void
test_churn(void **state)
{
	static uint32_t model[CHURN_KEYS]; /* data + 1, 0 = absent */
	struct tbl x;
	uint32_t op, i;

	(void)state;
	memset(model, 0, sizeof(model));
	tbl_new(&x, CHURN_KEYS / 2); /* more live keys than sized for: -ENOSPC allowed */
	srand(12345);
	for (op = 0; op < CHURN_OPS; op++) {
		uint32_t j = (uint32_t)rand() % CHURN_KEYS, k = nth_key(j * 13);
		int ret;

		if (model[j] == 0) {
			ret = dp_flow_insert(&x.t, k, op);
			assert_true(ret == 0 || ret == -ENOSPC);
			if (ret == 0)
				model[j] = op + 1;
		} else {
			assert_int_equal(dp_flow_delete(&x.t, k), 0);
			model[j] = 0;
		}
		i = (uint32_t)rand() % CHURN_KEYS;
		assert_int_equal(dp_flow_lookup(&x.t, nth_key(i * 13)),
			model[i] ? model[i] - 1 : DP_FLOW_MISS);
	}
	for (i = 0; i < CHURN_KEYS; i++)
		assert_int_equal(dp_flow_lookup(&x.t, nth_key(i * 13)),
			model[i] ? model[i] - 1 : DP_FLOW_MISS);
	for (i = 0; i < CHURN_KEYS; i++)
		if (model[i])
			assert_int_equal(dp_flow_delete(&x.t, nth_key(i * 13)), 0);
	assert_true(table_empty(&x.t));
	tbl_free(&x);
}

struct reader_arg {
	const struct dp_flow_table *t;
	volatile int stop;
	uint64_t misses;
	uint64_t lookups;
};

static void *
reader(void *p)
{
	struct reader_arg *a = p;
	uint32_t i;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < STABLE_KEYS; i++) {
			if (dp_flow_lookup(a->t, nth_key(i)) != i)
				a->misses++;
			a->lookups++;
		}
	}
	return NULL;
}

/* A reader never loses a key that stays while the writer churns others. */
static void
test_concurrent(void **state)
{
	struct reader_arg a;
	struct tbl x;
	pthread_t th;
	uint32_t r, i;

	(void)state;
	tbl_new(&x, 2 * STABLE_KEYS);
	for (i = 0; i < STABLE_KEYS; i++)
		assert_int_equal(dp_flow_insert(&x.t, nth_key(i), i), 0);
	memset(&a, 0, sizeof(a));
	a.t = &x.t;
	assert_int_equal(pthread_create(&th, NULL, reader, &a), 0);
	for (r = 0; r < THREAD_ROUNDS; r++) {
		for (i = 0; i < STABLE_KEYS; i++)
			assert_int_equal(dp_flow_insert(&x.t, nth_key(STABLE_KEYS + i), r), 0);
		for (i = 0; i < STABLE_KEYS; i++)
			assert_int_equal(dp_flow_delete(&x.t, nth_key(STABLE_KEYS + i)), 0);
	}
	__atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(a.misses, 0);
	tbl_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_equals_dpdk),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
