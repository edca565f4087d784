/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-producer single-consumer ring in shared memory (see sn_ring.h).
 *
 * The producer owns head, the consumer owns tail; each reads the other's
 * index with acquire ordering and publishes its own with release ordering,
 * so a slot's contents are visible before its index moves.  Works between
 * processes because the indices are lock-free 64-bit atomics in the shared
 * mapping.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "sn_ring.h"

#define SN_RING_LOAD(p, o) __atomic_load_n((p), (o))
#define SN_RING_STORE(p, v, o) __atomic_store_n((p), (v), (o))

static inline uint8_t *
ring_data(const struct sn_ring_hdr *r)
{
	return (uint8_t *)(r + 1);
}

size_t
sn_ring_mem_size(uint32_t slots, uint32_t slot_size)
{
	return sizeof(struct sn_ring_hdr) + (size_t)slots * slot_size;
}

int
sn_ring_init(struct sn_ring_hdr *r, uint32_t slots, uint32_t slot_size)
{
	if (r == NULL || slots < 2 || (slots & (slots - 1)) != 0 || slot_size == 0 ||
			(slot_size % 8) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->slots = slots;
	r->slot_size = slot_size;
	SN_RING_STORE(&r->head, 0, __ATOMIC_RELEASE);
	SN_RING_STORE(&r->tail, 0, __ATOMIC_RELEASE);
	return 0;
}

void *
sn_ring_prod_slot(struct sn_ring_hdr *r)
{
	uint64_t head = SN_RING_LOAD(&r->head, __ATOMIC_RELAXED);
	uint64_t tail = SN_RING_LOAD(&r->tail, __ATOMIC_ACQUIRE);

	if (head - tail >= r->slots)
		return NULL;
	return ring_data(r) + (size_t)(head & (r->slots - 1)) * r->slot_size;
}

void
sn_ring_prod_commit(struct sn_ring_hdr *r)
{
	uint64_t head = SN_RING_LOAD(&r->head, __ATOMIC_RELAXED);

	SN_RING_STORE(&r->head, head + 1, __ATOMIC_RELEASE);
}

int
sn_ring_enqueue(struct sn_ring_hdr *r, const void *rec)
{
	void *slot = sn_ring_prod_slot(r);

	if (slot == NULL)
		return -ENOSPC;
	memcpy(slot, rec, r->slot_size);
	sn_ring_prod_commit(r);
	return 0;
}

const void *
sn_ring_cons_slot(const struct sn_ring_hdr *r)
{
	uint64_t tail = SN_RING_LOAD(&r->tail, __ATOMIC_RELAXED);
	uint64_t head = SN_RING_LOAD(&r->head, __ATOMIC_ACQUIRE);

	if (head == tail)
		return NULL;
	return ring_data(r) + (size_t)(tail & (r->slots - 1)) * r->slot_size;
}

void
sn_ring_cons_release(struct sn_ring_hdr *r)
{
	uint64_t tail = SN_RING_LOAD(&r->tail, __ATOMIC_RELAXED);

	SN_RING_STORE(&r->tail, tail + 1, __ATOMIC_RELEASE);
}

int
sn_ring_dequeue(struct sn_ring_hdr *r, void *rec)
{
	const void *slot = sn_ring_cons_slot(r);

	if (slot == NULL)
		return -ENOENT;
	memcpy(rec, slot, r->slot_size);
	sn_ring_cons_release(r);
	return 0;
}

uint32_t
sn_ring_count(const struct sn_ring_hdr *r)
{
	uint64_t tail = SN_RING_LOAD(&r->tail, __ATOMIC_ACQUIRE);
	uint64_t head = SN_RING_LOAD(&r->head, __ATOMIC_ACQUIRE);

	return head >= tail ? (uint32_t)(head - tail) : 0;
}

uint32_t
sn_ring_free(const struct sn_ring_hdr *r)
{
	uint32_t n = sn_ring_count(r);

	return n >= r->slots ? 0 : r->slots - n;
}
