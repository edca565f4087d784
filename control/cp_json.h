/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON views of the control state for the admin protocol: a session, the
 * status page, the counters, session lists.  Pure readers of cp_core and
 * of the attached shared-memory region.
 */
#ifndef CP_JSON_H
#define CP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cp_core.h"

#define CP_TOKEN_HEX 17 /* 16 hex digits + NUL */

/*
 * A session as snctl prints it:
 * {"id":N,"token":"<16 hex>","family":4,"state":"active",
 *  "a":{"local":"198.18.0.1:49152","remote":"198.18.0.11:5000"|null,"latched":false,"latch":false},
 *  "b":{...},"rate_bytes_per_s":0,"burst_bytes":0,"pkts":[0,0],"bytes":[0,0],
 *  "rl_drops":0,"idle_s":N,"adopted":false}
 * Counters come from the shared slot when attached (else zeros).
 */
json_t *cp_json_session(const struct cp_core *c, const struct cp_session *s);

/* The "status" reply (without "ok"). */
json_t *cp_json_status(struct cp_core *c);

/* The "stats" reply (without "ok"). */
json_t *cp_json_stats(struct cp_core *c);

/*
 * The "sessions.list" reply as JSON text (malloc'd, *len set): built one
 * session at a time so a million sessions cost their text, not a tree.
 * Sessions sorted by id, from offset, at most limit (0: all).
 */
char *cp_json_list_text(struct cp_core *c, uint64_t offset, uint64_t limit, size_t *len);

/* Format a 64-bit token as 16 hex digits. */
char *cp_token_fmt(uint64_t token, char buf[CP_TOKEN_HEX]);

/* A uint64 as a JSON integer (jansson integers are signed 64-bit). */
static inline json_t *
cp_json_u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

#endif /* CP_JSON_H */
