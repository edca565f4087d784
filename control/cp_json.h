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

struct cp_turn_alloc;

/*
 * A TURN allocation as snctl prints it:
 * {"id":N,"user":"alice"|null,"transport":"udp"|"tcp"|"tls","family":4,
 *  "client":"203.0.113.7:40000","server":"198.18.0.1:3478",
 *  "relayed":["198.18.0.1:49152","[2001:db8:1::1]:49153"],
 *  "peers":[{"addr":"192.0.2.9","expires_in_s":N},..],
 *  "channels":[{"number":16384,"peer":"192.0.2.9:5000","state":"bound"|"cooldown",
 *               "expires_in_s":N},..],
 *  "pkts":[c2p,p2c],"bytes":[c2p,p2c],"drops":[c2p,p2c],"rl_drops":[c2p,p2c],
 *  "stream_pkts":[c2p,p2c],"stream_bytes":[c2p,p2c],
 *  "age_s":N,"idle_s":N|null,"expires_in_s":N,"lifetime_s":N,"kbps":N,
 *  "dont_fragment":false,"adopted":false,"dp_ok":true}
 * pkts/bytes: the fast path's counters (shared slot, zeros when detached)
 * plus what control relayed itself for TCP/TLS clients (stream_*).
 * c2p = client to peer (SN_DIR_C2P), p2c = peer to client.  idle_s: since
 * the fast path last relayed for it (since creation when never); null for a
 * TCP/TLS allocation the fast path has not seen (control keeps no time).
 */
json_t *cp_json_alloc(const struct cp_core *c, const struct cp_turn_alloc *a);

/*
 * The "allocations.list" reply as JSON text (malloc'd, *len set), built one
 * allocation at a time: {"ok":true,"total":N,"offset":O,"allocations":[..],
 * "count":K}, allocations sorted by id, from offset, at most limit (0: all).
 * c->turn must not be NULL.
 */
char *cp_json_alloc_list_text(struct cp_core *c, uint64_t offset, uint64_t limit, size_t *len);

/*
 * The TURN part of "stats": {"enabled":true,"allocations":N,"max_allocs":M,
 * "counters":{name:n},"auth":{reason:n},"policy":{verdict:n}};
 * {"enabled":false} without a TURN server.
 */
json_t *cp_json_turn_stats(const struct cp_core *c);

/*
 * The TURN part of "status": enabled, realm, listeners, relay addresses,
 * allocations (and their quota), users and secrets loaded, files.
 */
json_t *cp_json_turn_status(const struct cp_core *c);

/* Format a 64-bit token as 16 hex digits. */
char *cp_token_fmt(uint64_t token, char buf[CP_TOKEN_HEX]);

/* A uint64 as a JSON integer (jansson integers are signed 64-bit). */
static inline json_t *
cp_json_u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

#endif /* CP_JSON_H */
