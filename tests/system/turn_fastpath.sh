#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TURN fast path (RFC 8656) of sn-dataplane alone, without sn-control:
# allocations, permissions and channels programmed through the mailbox
# with sn-turnprog; clients and peers in the lab namespaces exchange
# ChannelData, Send and Data indications and plain UDP with it, IPv4,
# IPv6 and across families, byte-exact; hairpin between two allocations;
# every drop reason (wrong 5-tuple, unknown channel, no permission both
# ways, malformed, self peer, rate limit, expired permission and
# allocation) counted; checks in turn_fastpath.py.
. "$(dirname "$0")/lib.sh"

TURNPROG=$BUILD/tests/tools/sn-turnprog
st_require "$DP_BIN" "$TURNPROG"
st_mkconf --set dataplane/max_sessions=65536 --set dataplane/max_allocs=4096
st_wiring
st_start_dp
SN_WAIT=60 sn_wait_for "$TURNPROG" -s "$SHM" now || {
	st_show_logs
	st_fail "the dataplane did not publish $SHM"
}
st_log "dataplane up, now_s $("$TURNPROG" -s "$SHM" now)"

"$PY" "$ST_DIR/turn_fastpath.py" --turnprog "$TURNPROG" --shm "$SHM" --prefix "$P" ||
	st_fail "turn_fastpath.py failed"
"$TURNPROG" -s "$SHM" stats >"$OUT/final-stats.json" 2>/dev/null
exit 0
