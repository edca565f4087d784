/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by cp_turn.c (state) and cp_turn_req.c (requests).
 */
#ifndef CP_TURN_INT_H
#define CP_TURN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_turn.h"

uint64_t cp_turn_now_ns(void);
bool cp_turn_src_eq(const struct cp_turn_src *a, const struct cp_turn_src *b);
struct cp_turn_alloc *cp_turn_find_src(struct cp_turn *t, const struct cp_turn_src *src);

/* A free id and a zeroed allocation for src, hashed; NULL when full. */
struct cp_turn_alloc *cp_turn_alloc_new(struct cp_turn *t, const struct cp_turn_src *src);
/* Release everything a holds, tell the dataplane, count why (CP_TURN_C_MAX: not counted). */
void cp_turn_alloc_free(struct cp_turn *t, struct cp_turn_alloc *a, enum cp_turn_counter why);

/* The user's usage record (created when create). */
struct cp_turn_user *cp_turn_user_get(struct cp_turn *t, const char *name, size_t len, bool create);

/*
 * A relayed port for relay slot r of a, of family fam, on the next relay
 * address with room: even < 0 any port, 0 an even port, 1 an even port with
 * its successor reserved (token written to resv_token).  0, -EADDRINUSE,
 * -ENOSPC.
 */
int cp_turn_relay_pick(struct cp_turn *t, struct cp_turn_alloc *a, unsigned r, uint8_t fam, int even,
	uint8_t *resv_token);
/* The reserved port of a RESERVATION-TOKEN (consumed).  0 or -ENOENT. */
int cp_turn_reservation_take(struct cp_turn *t, const uint8_t *token, uint8_t *idx, uint16_t *port);
bool cp_turn_has_family(const struct cp_turn *t, uint8_t fam);

/* May an error answer go to src now (per-source limiter, UDP only)? */
bool cp_turn_error_allowed(struct cp_turn *t, const struct cp_turn_src *src, uint64_t now_ns);

/* Index a's relayed addresses (once they are all chosen) for cp_turn_find_relay(). */
void cp_turn_relay_index(struct cp_turn *t, struct cp_turn_alloc *a);

/* Send an answer now, or hold it until the commands queued before it are applied. */
void cp_turn_answer(struct cp_turn *t, const struct cp_turn_src *src, const uint8_t *msg, size_t len,
	bool hold);

/* Queue a command; queue a's whole state. */
void cp_turn_submit(struct cp_turn *t, uint16_t type, uint32_t id, uint8_t sub);
void cp_turn_program(struct cp_turn *t, const struct cp_turn_alloc *a);

#endif /* CP_TURN_INT_H */
