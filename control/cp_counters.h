/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sn-control's own counters (mailbox, replay, adoption, admin), one X-macro
 * list so the code, `snctl status` and metrics agree.
 *
 * X(ENUM_SUFFIX, "name", "one-line description")
 */
#ifndef CP_COUNTERS_H
#define CP_COUNTERS_H

#include <stdint.h>

#define CP_COUNTERS(X)                                                                            \
	X(CMDS_SENT, "cmds_sent", "commands written to the command ring")                         \
	X(CMD_RING_FULL, "cmd_ring_full",                                                         \
		"flushes stopped by a full command ring (commands kept, retried)")                \
	X(CMDS_RETRIED, "cmds_retried",                                                           \
		"commands sent after waiting in the local queue for ring space")                  \
	X(CMDS_OK, "cmds_ok", "commands confirmed by the dataplane")                              \
	X(CMDS_FAILED, "cmds_failed", "commands the dataplane answered with an error")            \
	X(CPL_UNKNOWN, "cpl_unknown", "completions matching no command in flight")                \
	X(CPL_BAD, "cpl_bad", "completion records with a wrong version or type")                  \
	X(ATTACHES, "attaches", "attachments to a dataplane shared-memory region")                \
	X(DETACHES, "detaches", "detachments (dataplane gone, file replaced)")                    \
	X(DP_DOWN, "dp_down", "dataplane seen stopped or dead while attached")                    \
	X(REPLAYS, "replays", "state replays to a new dataplane generation")                      \
	X(SESSIONS_REPLAYED, "sessions_replayed", "sessions re-sent by replays")                  \
	X(REPLAY_FAILED, "replay_failed", "replayed sessions the dataplane refused")              \
	X(ADOPTIONS, "adoptions", "reconciliations with a running dataplane")                     \
	X(SESSIONS_ADOPTED, "sessions_adopted", "sessions adopted from the shared session table") \
	X(ADOPT_FAILED, "adopt_failed", "active dataplane slots that could not be adopted")       \
	X(SESSIONS_ADDED, "sessions_added", "sessions confirmed by the dataplane after an add")   \
	X(SESSIONS_DELETED, "sessions_deleted", "sessions removed")                               \
	X(IDLE_EXPIRED, "idle_expired", "sessions deleted by the idle timeout")                   \
	X(LATCHED, "latched", "legs latched (dataplane events)")                                  \
	X(ADMIN_CONNS, "admin_conns", "admin connections accepted")                               \
	X(ADMIN_REQUESTS, "admin_requests", "admin requests handled")                             \
	X(ADMIN_ERRORS, "admin_errors", "admin requests answered with an error")                  \
	X(ADMIN_TIMEOUTS, "admin_timeouts", "admin requests answered early: dataplane too slow")

#define CP_ENUM_(name, str, desc) CP_CNT_##name,
enum cp_counter { CP_COUNTERS(CP_ENUM_) CP_CNT_MAX };
#undef CP_ENUM_

extern const char *const cp_counter_names[CP_CNT_MAX];

#endif /* CP_COUNTERS_H */
