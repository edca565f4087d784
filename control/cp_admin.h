/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin protocol: JSON lines on the admin socket, one request object
 * per line, one reply object per request, in order.  snctl is its client.
 *
 *   {"cmd":"status"}                       -> {"ok":true,"control":{..},"dataplane":{..},...}
 *   {"cmd":"stats"}                        -> {"ok":true,"lcores":[..],"total":{..},"control":{..}}
 *   {"cmd":"sessions.list","offset":0,"limit":0} -> {"ok":true,"total":N,"count":K,"sessions":[..]}
 *   {"cmd":"sessions.show","id":N}         -> {"ok":true,"session":{..}}
 *   {"cmd":"sessions.add","a_remote":"198.18.0.11:5000","b_remote":null,
 *    "a_local":"198.18.0.1","b_local":"198.18.0.1:50000","latch":true,
 *    "rate_bytes_per_s":0,"burst_bytes":0,"family":4}
 *                                          -> {"ok":true,"session":{..}} once the dataplane
 * confirmed
 *   {"cmd":"sessions.del","ids":[1,2]}     -> {"ok":true,"deleted":2,"failed":0,"not_found":[]}
 *   {"cmd":"sessions.load","path":"/abs/file.csv"}
 *                                          -> {"ok":true,"added":N,"failed":N,"first_id":F,
 *                                              "seconds":S,"errors":["line 3: ..."]}
 *   {"cmd":"sessions.flush"}               -> {"ok":true,"deleted":N,"failed":0}
 *   {"cmd":"ping"}                         -> {"ok":true,"version":"..."}
 * TURN (cp_turn.h; all answer {"ok":false,"error":"no TURN server: ..."}
 * when [turn] enabled = no):
 *   {"cmd":"allocations.list","offset":0,"limit":0}
 *                                          -> {"ok":true,"total":N,"offset":O,"count":K,
 *                                              "allocations":[..]} (cp_json_alloc())
 *   {"cmd":"allocations.show","id":N}      -> {"ok":true,"allocation":{..}}
 *   {"cmd":"allocations.kill","id":N}      -> {"ok":true,"killed":{..}} (as it was)
 *   {"cmd":"users.list"}                   -> {"ok":true,"file":P,"file_exists":B,"count":N,
 *                                              "loaded":N,"users":[{"name","key","line",
 *                                              "allocations"}],"others":[{"name",
 *                                              "allocations"}]}  (no passwords; others:
 *                                              users with allocations not in the file)
 *   {"cmd":"users.add","name":"alice","password":"..."}
 *                                          -> {"ok":true,"name":..,"action":"added"|"updated",
 *                                              "users":N}
 *   {"cmd":"users.del","name":"alice"}     -> {"ok":true,"name":..,"action":"deleted","users":N}
 *   {"cmd":"secrets.list"}                 -> {"ok":true,"file":P,"file_exists":B,"count":N,
 *                                              "loaded":N,"max":8,"secrets":[{"index",
 *                                              "fingerprint","length","line"}]}
 *   {"cmd":"secrets.add","secret":"..."}   -> {"ok":true,"action":"added","index":I,
 *                                              "fingerprint":"8 hex","secrets":N}
 *   {"cmd":"secrets.del","secret":"..."|"index":I}
 *                                          -> {"ok":true,"action":"deleted","index":I,
 *                                              "fingerprint":..,"secrets":N}
 *     (a "secret" no secret equals but that is a decimal number is an index)
 * users.* and secrets.* edit [turn] users_file / secrets_file atomically and
 * reload them (cp_turn_files.h); a file the server refuses is put back.
 * "status" and "stats" carry a "turn" object (cp_json_turn_status(),
 * cp_json_turn_stats()).
 * Any failure: {"ok":false,"error":"one line"}.  A request may carry "tag"
 * (any JSON value), echoed in its reply.  Unknown fields are errors.
 */
#ifndef CP_ADMIN_H
#define CP_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "cp_core.h"

#define CP_ADMIN_LINE_MAX    65536 /* longest request line */
#define CP_ADMIN_MAX_DEL_IDS 1048576

/*
 * Handle one request line (without its newline) from connection conn_id.
 * Exactly one reply goes out through the core's reply sink: now, or when
 * the dataplane confirmed.
 */
void cp_admin_handle(struct cp_core *c, const char *line, size_t len, uint64_t conn_id);

/*
 * Parse the fields of a sessions.add request into spec.  0, or -EINVAL with
 * err naming the field.  Exposed for tests.
 */
int cp_admin_parse_add(json_t *req, struct cp_session_spec *spec, char *err, size_t errlen);

#endif /* CP_ADMIN_H */
