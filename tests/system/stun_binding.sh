#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# STUN Binding answered by the fast path, checked with third-party clients:
#   stun-client (`stun`, RFC 3489 era), coturn's turnutils_stunclient (IPv4
#   and IPv6), aioice (raw Binding with FINGERPRINT, IPv4 and IPv6, and ICE
#   candidate gathering): the reflexive address is h1's own;
#   from h3 behind r3 it is the NAT's 198.18.0.13;
#   stun_binding_answered grows.
# The default config polls adaptively: between the clients the idle worker
# naps (idle_naps grows), and each client's first Binding after a nap is
# still answered.  Restarted with idle_sleep_us = 0 (always poll), the idle
# worker never naps (idle_naps stays 0) and Bindings are answered.
. "$(dirname "$0")/lib.sh"

st_up
ans0=$(st_counter stun_binding_answered) || st_fail "no stun_binding_answered counter"
failures=0
check() { # name, command...: log and count a failure
	local name=$1
	shift
	if "$@" >"$OUT/$name.out" 2>&1; then
		st_log "ok   $name: $(grep -E 'OK|reflexive|MappedAddress' "$OUT/$name.out" | head -2 | tr '\n' ' ')"
	else
		st_log "FAIL $name:"
		tail -n 15 "$OUT/$name.out" >&2
		failures=$((failures + 1))
	fi
}

# Reflexive address lines of the clients.  They run RFC 3489/5780 extra
# tests (CHANGE-REQUEST) after the first Binding; those may go unanswered by
# a single-address server, so the clients run under a timeout and only the
# first answer's mapped address is judged.
stun_client() { # ns server expected-address
	timeout -k 2 25 ip netns exec "$P$1" stun "$2" -v 2>&1 | tee /dev/stderr |
		grep -E "^MappedAddress = $3:[0-9]+" | head -1 | grep -q .
}
turnutils() { # ns expected-address args...
	local ns=$1 want=$2
	shift 2
	timeout -k 2 15 ip netns exec "$P$ns" turnutils_stunclient "$@" 2>&1 | tee /dev/stderr |
		grep -E "UDP reflexive addr: $want:[0-9]+" | head -1 | grep -q .
}
aioice() { # ns args...
	local ns=$1
	shift
	timeout -k 2 30 ip netns exec "$P$ns" "$PY" "$ST_DIR/stun_check.py" "$@"
}

check stun_client_h1 stun_client h1 "$APP4" "$H1_4"
check turnutils_v4_h1 turnutils h1 "$H1_4" "$APP4"
check turnutils_v6_h1 turnutils h1 "$H1_6" -p 3478 "$APP6"
check aioice_raw_v4_h1 aioice h1 raw --server "$APP4:3478" --expect "$H1_4"
check aioice_raw_v6_h1 aioice h1 raw --server "[$APP6]:3478" --expect "$H1_6"
check aioice_ice_v4_h1 aioice h1 ice --server "$APP4:3478" --expect "$H1_4"
check aioice_raw_v4_h3 aioice h3 raw --server "$APP4:3478" --expect "$R3_WAN" --any-port
check turnutils_v4_h3 turnutils h3 "$R3_WAN" "$APP4"
check stun_client_h3 stun_client h3 "$APP4" "$R3_WAN"

ans1=$(st_counter stun_binding_answered)
st_log "stun_binding_answered $ans0 -> $ans1"
# At least one answered Binding per successful client run.
[ "$ans1" -ge $((ans0 + 9 - failures)) ] || st_fail "stun_binding_answered grew by $((ans1 - ans0)) only"
[ "$failures" = 0 ] || st_fail "$failures STUN client checks failed"
sleep 0.1 # > idle_after_us (1 ms) without packets
naps=$(st_counter idle_naps) || st_fail "no idle_naps counter"
st_log "idle_naps $naps"
[ "$naps" -gt 0 ] || st_fail "the idle worker never napped (idle_sleep_us default 500)"

# Always poll: the same wiring, the appliance restarted on idle_sleep_us = 0.
st_log "restart with dataplane/idle_sleep_us=0"
sn_stop_pid "$CP_PID" "$ST_STOP_TIMEOUT" || st_fail "sn-control did not stop on SIGTERM"
sn_stop_pid "$DP_PID" "$ST_STOP_TIMEOUT" || st_fail "sn-dataplane did not stop on SIGTERM"
wait "$CP_PID" "$DP_PID" 2>/dev/null || true
st_mkconf --set "dataplane/idle_sleep_us=0"
st_start_dp
st_start_cp
st_wait_ready 90
sleep 0.1 # an idle spell > idle_after_us, as above
check turnutils_v4_h1_polling turnutils h1 "$H1_4" "$APP4"
[ "$failures" = 0 ] || st_fail "Binding with idle_sleep_us = 0 not answered"
naps=$(st_counter idle_naps) || st_fail "no idle_naps counter"
st_log "idle_naps with idle_sleep_us = 0: $naps"
[ "$naps" = 0 ] || st_fail "the worker napped $naps times with idle_sleep_us = 0"
exit 0
