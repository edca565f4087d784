#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What the TURN server must refuse, with a hand-written STUN/TURN client
# (turn_stun.py: struct, hmac, hashlib; long-term credentials, MESSAGE-
# INTEGRITY HMAC-SHA1 and -SHA256, FINGERPRINT) from h1 (h2 as a second
# client and as a peer, h3 for the error rate), counters from
# `snctl --json stats` (turn_negative.py lists every case):
#   authentication: no credentials -> 401 with REALM and NONCE; wrong
#   password, unknown user, other realm, tampered integrity or body -> 401;
#   tampered, invented or another client's nonce -> 438; a nonce older than
#   nonce_lifetime_s (10 s here) -> 438 with a fresh NONCE that works;
#   SHA-256 password algorithm works, a bid-down of PASSWORD-ALGORITHMS -> 400;
#   allocations: IPv4, IPv6 (REQUESTED-ADDRESS-FAMILY), both at once (RFC
#   8656 ADDITIONAL-ADDRESS-FAMILY, 0x8000); retransmission -> same answer;
#   another Allocate on the 5-tuple -> 437; Refresh by another user -> 441;
#   user_quota 1 -> 486 (but another user is fine); no REQUESTED-TRANSPORT
#   -> 400, TCP -> 442; IPv4 peer on an IPv6 relay -> 443;
#   peer policy (default): CreatePermission and ChannelBind to every
#   special-purpose form (loopback, private, CGN, link-local incl. the
#   metadata address, multicast, broadcast, benchmarking, documentation,
#   IPv4-mapped/compatible, NAT64, 6to4, Teredo) -> 403 and counted;
#   ChannelBind to the appliance's own non-relayed ports -> 403; public
#   addresses allowed;
#   fast path: Send indication and ChannelData relay to another allocation
#   (relay to relay: no allowed_peer needed); ChannelData from another
#   5-tuple -> nothing, turn_no_allocation; unbound channel ->
#   turn_unknown_channel; a peer without permission -> nothing,
#   turn_no_permission; Send to the appliance's own ports -> turn_self_peer;
#   malformed STUN to 3478 -> no answer, stun_malformed /
#   stun_bad_fingerprint / stun_not_request; unknown comprehension-required
#   attribute -> 420;
#   error responses per source address stay within the error_rate_pps bucket.
. "$(dirname "$0")/lib.sh"
. "$ST_DIR/turn_lib.sh"

NONCE_LIFETIME=10
ERROR_RATE=20
turn_up --set "turn/user_quota=1" --set "turn/nonce_lifetime_s=$NONCE_LIFETIME" \
	--set "turn/error_rate_pps=$ERROR_RATE"

"$PY" "$ST_DIR/turn_negative.py" --snctl "$SNCTL_BIN" --socket "$SOCK" \
	--server "$APP4:3478" --server6 "[$APP6]:3478" --users "$TURN_USERS" --realm "$TURN_REALM" \
	--relay-addrs "$(turn_app_addrs all | paste -sd,)" \
	--nonce-lifetime "$NONCE_LIFETIME" --error-rate "$ERROR_RATE" \
	--h1 "$NS_H1" --h1-addr "$H1_4" --h2 "$NS_H2" --h2-addr "$H2_4" --h3 "$NS_H3" \
	>"$OUT/negative.out" 2>"$OUT/negative.log"
s=$?
sed 's/^/    /' "$OUT/negative.out" >&2
[ "$s" = 0 ] || { tail -n 20 "$OUT/negative.log" >&2; st_fail "TURN negative checks failed"; }
exit 0
