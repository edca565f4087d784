/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-producer single-consumer ring of fixed-size slots in shared memory
 * (layout: struct sn_ring_hdr in sn_abi.h).  Lock-free, wait-free, C11
 * atomics only; usable from the DPDK process and from the plain control
 * process alike.  No allocation: the caller owns the memory.
 */
#ifndef SN_RING_H
#define SN_RING_H

#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"

/* Bytes needed for a ring of 'slots' slots of 'slot_size' bytes. */
size_t sn_ring_mem_size(uint32_t slots, uint32_t slot_size);

/*
 * Initialise a ring in mem (at least sn_ring_mem_size() bytes).
 * slots must be a power of two >= 2, slot_size a multiple of 8.
 * Returns 0, or -EINVAL.
 */
int sn_ring_init(struct sn_ring_hdr *r, uint32_t slots, uint32_t slot_size);

/* Producer: pointer to the next free slot, or NULL if the ring is full. */
void *sn_ring_prod_slot(struct sn_ring_hdr *r);
/* Producer: publish the slot returned by sn_ring_prod_slot(). */
void sn_ring_prod_commit(struct sn_ring_hdr *r);
/* Producer: copy one record in and publish it.  Returns 0 or -ENOSPC. */
int sn_ring_enqueue(struct sn_ring_hdr *r, const void *rec);

/* Consumer: pointer to the oldest unconsumed slot, or NULL if empty. */
const void *sn_ring_cons_slot(const struct sn_ring_hdr *r);
/* Consumer: release the slot returned by sn_ring_cons_slot(). */
void sn_ring_cons_release(struct sn_ring_hdr *r);
/* Consumer: copy the oldest record out and release it.  0 or -ENOENT. */
int sn_ring_dequeue(struct sn_ring_hdr *r, void *rec);

/* Records waiting (a snapshot; exact only for the calling side). */
uint32_t sn_ring_count(const struct sn_ring_hdr *r);
/* Free slots (a snapshot). */
uint32_t sn_ring_free(const struct sn_ring_hdr *r);

#endif /* SN_RING_H */
