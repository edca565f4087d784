/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake dataplane for the control-plane tests: creates a real shared-memory
 * region with sn_shm_create(), publishes a generation, and plays the dp main
 * lcore's part of the mailbox on demand (consume commands, apply them to the
 * session table, post completions; post latch events).  No DPDK.
 */
#ifndef FAKE_DP_H
#define FAKE_DP_H

#include <stdbool.h>
#include <stdint.h>

#include "sn_config.h"
#include "sn_shm.h"

#define FAKE_DP_TSC_HZ 1000000000ull /* now_tsc counts nanoseconds */
#define FAKE_DP_MAX_ALLOCS 1024

struct fake_dp {
	struct sn_shm shm;
	char path[SN_CONF_STR];
	uint64_t gen;
	uint64_t applied, rejected;
	uint32_t last_seq;  /* seq of the last command consumed */
	bool seq_disorder;  /* a command arrived with seq <= the previous one */
	int32_t add_status; /* status answered to SESSION_ADD (0 = apply) */
	uint32_t n_hello;
};

/* Create the region at path with the config's addresses and ports; publish. 0 or -errno. */
int fake_dp_start(struct fake_dp *dp, const char *path, const struct sn_config *cfg,
	uint32_t max_sessions, uint32_t cmd_slots, uint32_t cpl_slots);

/* Mark the dataplane stopped (dp_state STOPPED) and unmap; the file stays. */
void fake_dp_stop(struct fake_dp *dp);

/* Unmap (if mapped) and remove the file. */
void fake_dp_destroy(struct fake_dp *dp);

/*
 * Consume and apply up to max commands (0: all available), posting one
 * completion each; stops early when the completion ring is full.  Returns
 * commands consumed.
 */
unsigned fake_dp_step(struct fake_dp *dp, unsigned max);

/* Post an SN_EVT_LATCHED for flow/leg; also updates the slot.  0 or -ENOSPC. */
int fake_dp_latch(struct fake_dp *dp, uint32_t flow, unsigned leg, const struct sn_abi_addr *a,
	uint16_t port);

/* Advance hdr->now_tsc by ns. */
void fake_dp_advance(struct fake_dp *dp, uint64_t ns);

/* Record a packet on flow's leg now (pkts/bytes/last_seen_tsc). */
void fake_dp_packet(struct fake_dp *dp, uint32_t flow, unsigned leg, uint32_t bytes);

#endif /* FAKE_DP_H */
