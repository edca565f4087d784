/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creating (sn-dataplane) and attaching to (sn-control, tools, tests) the
 * shared-memory region described in sn_abi.h.
 */
#ifndef SN_SHM_H
#define SN_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"

/* A mapping of the region and typed pointers into it. */
struct sn_shm {
	void *base;
	size_t size;
	int fd;
	struct sn_shm_hdr *hdr;
	struct sn_ring_hdr *cmd;  /* control -> dp */
	struct sn_ring_hdr *cpl;  /* dp -> control */
	struct sn_lcore_stats *stats; /* SN_MAX_LCORES pages, SN_LCORE_STATS_SIZE apart */
	struct sn_session *sessions;  /* hdr->max_sessions slots */
	struct sn_alloc *allocs;      /* hdr->max_allocs TURN allocation slots */
};

/* Bytes of a region for the given sizes (header, rings, stats, sessions, allocations). */
size_t sn_shm_size(
	uint32_t max_sessions, uint32_t max_allocs, uint32_t cmd_slots, uint32_t cpl_slots);

/*
 * Dataplane side: create or reuse the file at path, size it, map it
 * read-write, zero it, lay out rings/stats/sessions/allocations, fill the header with
 * generation = 0 (the caller fills ports/addrs, then calls
 * sn_shm_publish()).  cmd_slots/cpl_slots: powers of two.
 * Returns 0 or -errno.
 */
int sn_shm_create(struct sn_shm *s, const char *path, uint32_t max_sessions, uint32_t max_allocs,
	uint32_t cmd_slots, uint32_t cpl_slots);

/*
 * Dataplane side: pick a new generation (never 0, never the previous one,
 * bit 63 clear so it is a non-negative signed 64-bit value),
 * set dp_state RUNNING and publish it with release ordering.  Returns it.
 */
uint64_t sn_shm_publish(struct sn_shm *s);

/*
 * Control side: map an existing region read-write and check magic, ABI
 * version and sizes.  Returns 0, -ENOENT (no file yet), -EAGAIN (file not
 * initialised yet: generation 0), -EPROTO (magic/version mismatch) or
 * -errno.
 */
int sn_shm_attach(struct sn_shm *s, const char *path);

/* Unmap and close.  Safe on a zeroed struct. */
void sn_shm_detach(struct sn_shm *s);

/* Current generation (acquire load). */
uint64_t sn_shm_generation(const struct sn_shm *s);

/* Stats page of slot i (0 .. SN_MAX_LCORES-1). */
static inline struct sn_lcore_stats *
sn_shm_lcore_stats(const struct sn_shm *s, unsigned i)
{
	return (struct sn_lcore_stats *)((uint8_t *)s->stats + (size_t)i * SN_LCORE_STATS_SIZE);
}

/*
 * Copy lcore slot i's counters consistently (seqcount retry, bounded).
 * Returns 0, or -EBUSY if the writer never settled.
 */
int sn_shm_read_lcore(const struct sn_shm *s, unsigned i, struct sn_lcore_stats *out);

#endif /* SN_SHM_H */
