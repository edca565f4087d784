/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_ring.h: init rules, full/empty, index wrap, the
 * zero-copy slot API, and a two-thread producer/consumer run passing 1e6
 * sequence-numbered records with no loss, duplication or reordering.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sn_abi.h"
#include "sn_ring.h"

#define REC_SIZE       64
#define THREAD_RECORDS 1000000u
#define THREAD_SLOTS   256

/* A test record: sequence number and a check word derived from it. */
struct rec {
	uint64_t seq;
	uint64_t check;
	uint8_t fill[REC_SIZE - 16];
};
_Static_assert(sizeof(struct rec) == REC_SIZE, "record size");

static uint64_t
check_of(uint64_t seq)
{
	return seq * 0x9e3779b97f4a7c15ull ^ 0x5a5a5a5a5a5a5a5aull;
}

static void
rec_fill(struct rec *r, uint64_t seq)
{
	r->seq = seq;
	r->check = check_of(seq);
	memset(r->fill, (int)(seq & 0xff), sizeof(r->fill));
}

static struct sn_ring_hdr *
ring_new(uint32_t slots, uint32_t slot_size)
{
	size_t sz = sn_ring_mem_size(slots, slot_size);
	struct sn_ring_hdr *r;

	assert_true(sz >= sizeof(struct sn_ring_hdr) + (size_t)slots * slot_size);
	sz = (sz + SN_CACHE_LINE - 1) / SN_CACHE_LINE * SN_CACHE_LINE;
	r = aligned_alloc(SN_CACHE_LINE, sz);
	assert_non_null(r);
	memset(r, 0xee, sz); /* init must not rely on zeroed memory */
	assert_int_equal(sn_ring_init(r, slots, slot_size), 0);
	return r;
}

struct init_case {
	uint32_t slots, slot_size;
	int want;
};

static const struct init_case init_cases[] = {
	{2, 8, 0},
	{1024, SN_CMD_SIZE, 0},
	{65536, SN_CPL_SIZE, 0},
	{0, 8, -EINVAL},
	{1, 8, -EINVAL},
	{3, 8, -EINVAL},
	{1000, 8, -EINVAL},
	{4, 0, -EINVAL},
	{4, 12, -EINVAL},
	{4, 7, -EINVAL},
};

static void
test_init(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(init_cases) / sizeof(init_cases[0]); i++) {
		const struct init_case *ic = &init_cases[i];
		uint32_t slots = ic->slots >= 2 ? ic->slots : 2;
		size_t sz = sn_ring_mem_size(slots, ic->slot_size ? ic->slot_size : 8) + 4096;
		struct sn_ring_hdr *r;

		sz = (sz + SN_CACHE_LINE - 1) / SN_CACHE_LINE * SN_CACHE_LINE;
		r = aligned_alloc(SN_CACHE_LINE, sz);

		assert_non_null(r);
		if (sn_ring_init(r, ic->slots, ic->slot_size) != ic->want)
			fail_msg("init(%u, %u) != %d", ic->slots, ic->slot_size, ic->want);
		if (ic->want == 0) {
			assert_int_equal(r->slots, ic->slots);
			assert_int_equal(r->slot_size, ic->slot_size);
			assert_int_equal(sn_ring_count(r), 0);
			assert_int_equal(sn_ring_free(r), ic->slots);
		}
		free(r);
	}
}

static void
test_empty_full(void **state)
{
	struct sn_ring_hdr *r = ring_new(8, REC_SIZE);
	struct rec in, out;
	uint64_t i;

	(void)state;
	assert_null(sn_ring_cons_slot(r));
	assert_int_equal(sn_ring_dequeue(r, &out), -ENOENT);
	for (i = 0; i < 8; i++) {
		rec_fill(&in, i);
		assert_int_equal(sn_ring_enqueue(r, &in), 0);
		assert_int_equal(sn_ring_count(r), i + 1);
		assert_int_equal(sn_ring_free(r), 8 - (i + 1));
	}
	rec_fill(&in, 99);
	assert_int_equal(sn_ring_enqueue(r, &in), -ENOSPC);
	assert_null(sn_ring_prod_slot(r));
	assert_int_equal(sn_ring_count(r), 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(sn_ring_dequeue(r, &out), 0);
		assert_int_equal(out.seq, i);
		assert_int_equal(out.check, check_of(i));
	}
	assert_int_equal(sn_ring_dequeue(r, &out), -ENOENT);
	assert_int_equal(sn_ring_count(r), 0);
	assert_int_equal(sn_ring_free(r), 8);
	free(r);
}

/* Many laps around a small ring, at every fill level. */
static void
test_wrap(void **state)
{
	struct sn_ring_hdr *r = ring_new(4, REC_SIZE);
	uint64_t next_in = 0, next_out = 0;
	unsigned lap, k;

	(void)state;
	for (lap = 0; lap < 1000; lap++) {
		unsigned burst = 1 + lap % 4;
		struct rec rc;

		for (k = 0; k < burst; k++) {
			rec_fill(&rc, next_in++);
			assert_int_equal(sn_ring_enqueue(r, &rc), 0);
		}
		assert_int_equal(sn_ring_count(r), burst);
		for (k = 0; k < burst; k++) {
			assert_int_equal(sn_ring_dequeue(r, &rc), 0);
			assert_int_equal(rc.seq, next_out);
			assert_int_equal(rc.check, check_of(next_out));
			next_out++;
		}
	}
	assert_int_equal(next_in, next_out);
	assert_int_equal(r->head, next_in);
	assert_int_equal(r->tail, next_out);
	free(r);
}

/* Slot API: write in place, commit; read in place, release. */
static void
test_slot_api(void **state)
{
	struct sn_ring_hdr *r = ring_new(2, REC_SIZE);
	const struct rec *cs;
	struct rec *ps;

	(void)state;
	ps = sn_ring_prod_slot(r);
	assert_non_null(ps);
	/* asking again before commit returns the same slot */
	assert_ptr_equal(sn_ring_prod_slot(r), ps);
	rec_fill(ps, 7);
	assert_null(sn_ring_cons_slot(r)); /* not visible before commit */
	sn_ring_prod_commit(r);
	cs = sn_ring_cons_slot(r);
	assert_non_null(cs);
	assert_ptr_equal(cs, ps);
	assert_int_equal(cs->seq, 7);
	ps = sn_ring_prod_slot(r);
	assert_non_null(ps);
	assert_ptr_not_equal(ps, cs);
	rec_fill(ps, 8);
	sn_ring_prod_commit(r);
	assert_null(sn_ring_prod_slot(r)); /* full */
	sn_ring_cons_release(r);
	cs = sn_ring_cons_slot(r);
	assert_non_null(cs);
	assert_int_equal(cs->seq, 8);
	sn_ring_cons_release(r);
	assert_null(sn_ring_cons_slot(r));
	/* slots lie inside the ring memory, after the header */
	ps = sn_ring_prod_slot(r);
	assert_true((uint8_t *)ps >= (uint8_t *)(r + 1));
	assert_true((uint8_t *)ps + REC_SIZE <= (uint8_t *)r + sn_ring_mem_size(2, REC_SIZE));
	free(r);
}

/* ------------------------------------------------------------- threads */

struct thread_arg {
	struct sn_ring_hdr *r;
	uint64_t n;
	uint64_t bad; /* consumer: records out of order or corrupted */
	uint64_t got;
};

static void *
producer(void *p)
{
	struct thread_arg *a = p;
	uint64_t seq = 0;

	while (seq < a->n) {
		/* alternate the copy API and the zero-copy API */
		if (seq & 1) {
			struct rec *s = sn_ring_prod_slot(a->r);

			if (s == NULL) {
				sched_yield();
				continue;
			}
			rec_fill(s, seq);
			sn_ring_prod_commit(a->r);
		} else {
			struct rec rc;

			rec_fill(&rc, seq);
			if (sn_ring_enqueue(a->r, &rc) != 0) {
				sched_yield();
				continue;
			}
		}
		seq++;
	}
	return NULL;
}

static void *
consumer(void *p)
{
	struct thread_arg *a = p;
	uint64_t want = 0;
	unsigned i;

	while (want < a->n) {
		struct rec rc;
		const struct rec *s;

		if (want & 2) {
			s = sn_ring_cons_slot(a->r);
			if (s == NULL) {
				sched_yield();
				continue;
			}
			rc = *s;
			sn_ring_cons_release(a->r);
		} else if (sn_ring_dequeue(a->r, &rc) != 0) {
			sched_yield();
			continue;
		}
		if (rc.seq != want || rc.check != check_of(want))
			a->bad++;
		for (i = 0; i < sizeof(rc.fill); i++)
			if (rc.fill[i] != (uint8_t)(want & 0xff))
				a->bad++;
		a->got++;
		want++;
	}
	return NULL;
}

static void
test_two_threads(void **state)
{
	struct sn_ring_hdr *r = ring_new(THREAD_SLOTS, REC_SIZE);
	struct thread_arg a = {.r = r, .n = THREAD_RECORDS};
	pthread_t tp, tc;
	struct rec rc;

	(void)state;
	assert_int_equal(pthread_create(&tc, NULL, consumer, &a), 0);
	assert_int_equal(pthread_create(&tp, NULL, producer, &a), 0);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(pthread_join(tc, NULL), 0);
	assert_int_equal(a.got, THREAD_RECORDS);
	assert_int_equal(a.bad, 0);
	assert_int_equal(sn_ring_count(r), 0);
	assert_int_equal(sn_ring_dequeue(r, &rc), -ENOENT);
	assert_int_equal(r->head, THREAD_RECORDS);
	assert_int_equal(r->tail, THREAD_RECORDS);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_empty_full),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_slot_api),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
