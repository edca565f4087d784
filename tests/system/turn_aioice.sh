#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TURN server with aioice's TURN client (turn_aioice.py) in h1 and a
# plain UDP socket in h2 as the peer: allocate, then messages of 1..1400
# bytes both ways, one at a time, byte-exact, from the right source; over
# UDP (IPv4 and IPv6 to the server), TCP and TLS (5349, certificate made
# here with openssl and verified by the client, IP SAN).  aioice sends no
# REQUESTED-ADDRESS-FAMILY, so the relayed address is IPv4 (RFC 8656
# section 7.1) even over IPv6.  Each run ends with Refresh(lifetime 0): no
# allocation is left.  Then relay to relay: the peer is a second aioice
# allocation (client in h2), over UDP, TCP and TLS in every mix.  The UDP runs' data goes through the fast path
# (turn_c2p_pkts and turn_p2c_pkts grow by the message counts), the stream
# runs' through sn-control (stream_to_peer_pkts, stream_to_client_pkts).
# h2's 198.18.0.12 is a benchmarking address, denied by the default peer
# policy: the config allows 198.18.0.0/24 (allowed_peer).
. "$(dirname "$0")/lib.sh"
. "$ST_DIR/turn_lib.sh"

ROUNDS=2
SIZES=1,2,3,4,5,7,64,100,255,256,500,1000,1200,1400
NSIZES=14

st_require "$(command -v openssl)"
turn_cert
turn_up --set "turn/allowed_peer=198.18.0.0/24" \
	--set "turn/tls_cert=$TURN_CERT" --set "turn/tls_key=$TURN_KEY"

# Relayed addresses are IPv4 appliance addresses (any of them).
RELAY4=$(turn_app_addrs 4 | paste -sd,)
st_log "IPv4 appliance addresses: $RELAY4"
allocs() { st_snctl --json allocations list | st_json 'j["total"]'; }

failures=0
run() { # name server transport [extra args]
	local name=$1 server=$2 transport=$3 out s
	shift 3
	out=$OUT/aioice-$name.json
	timeout -k 2 60 ip netns exec "$NS_H1" "$PY" "$ST_DIR/turn_aioice.py" \
		--server "$server" --transport "$transport" --user "$TURN_USER" --password "$TURN_PASS" \
		--peer-ns "$NS_H2" --expect-relay "$RELAY4" --cafile "$TURN_CERT" \
		--sizes "$SIZES" --rounds "$ROUNDS" "$@" >"$out" 2>"$OUT/aioice-$name.log"
	s=$?
	if [ "$s" = 0 ] && "$PY" - "$out" "$((ROUNDS * NSIZES))" <<-'EOF'; then
	import json, sys
	j = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
	want = int(sys.argv[2])
	sys.exit(0 if j["c2p"] == want and j["p2c"] == want and not j["errors"] else 1)
	EOF
		st_log "ok   $name: $(cat "$out")"
	else
		st_log "FAIL $name (exit $s): $(cat "$out")"
		tail -n 15 "$OUT/aioice-$name.log" >&2
		failures=$((failures + 1))
	fi
	# The allocations were deleted by the clients' Refresh(0).
	# shellcheck disable=SC2016
	SN_WAIT=5 sn_wait_for eval '[ "$(allocs)" = 0 ]' || {
		st_log "FAIL $name: $(allocs) allocations left after the client deleted its own"
		failures=$((failures + 1))
	}
}

c2p0=$(turn_counter turn_c2p_pkts) || exit 1
p2c0=$(turn_counter turn_p2c_pkts) || exit 1
run udp_v4 "$APP4:3478" udp --peer-addr "$H2_4"
run udp_v6 "[$APP6]:3478" udp --peer-addr "$H2_4"
c2p1=$(turn_counter turn_c2p_pkts) || exit 1
p2c1=$(turn_counter turn_p2c_pkts) || exit 1
s2p0=$(turn_counter stream_to_peer_pkts) || exit 1
s2c0=$(turn_counter stream_to_client_pkts) || exit 1
run tcp_v4 "$APP4:3478" tcp --peer-addr "$H2_4"
run tcp_v6 "[$APP6]:3478" tcp --peer-addr "$H2_4"
run tls_v4 "$APP4:5349" tls --peer-addr "$H2_4"
s2p1=$(turn_counter stream_to_peer_pkts) || exit 1
s2c1=$(turn_counter stream_to_client_pkts) || exit 1
st_log "fast path turn_c2p_pkts +$((c2p1 - c2p0)) turn_p2c_pkts +$((p2c1 - p2c0));" \
	"control stream_to_peer_pkts +$((s2p1 - s2p0)) stream_to_client_pkts +$((s2c1 - s2c0))"
# warm-up datagrams that reached the peers (turn_aioice.py) count too
warm() { cat "$@" | "$PY" -c 'import json, sys
print(sum(json.loads(l).get("warm_up_c2p", 0) for l in sys.stdin if l.strip().startswith("{")))'; }
want=$((2 * ROUNDS * NSIZES))
{ [ $((c2p1 - c2p0)) = "$((want + $(warm "$OUT"/aioice-udp_v[46].json)))" ] && [ $((p2c1 - p2c0)) = "$want" ]; } || {
	st_log "FAIL: fast-path TURN counters grew by $((c2p1 - c2p0))/$((p2c1 - p2c0)), want $want each"
	failures=$((failures + 1))
}
want=$((3 * ROUNDS * NSIZES))
{ [ $((s2p1 - s2p0)) = "$((want + $(warm "$OUT"/aioice-tcp_v[46].json "$OUT"/aioice-tls_v4.json)))" ] && [ $((s2c1 - s2c0)) = "$want" ]; } || {
	st_log "FAIL: control stream counters grew by $((s2p1 - s2p0))/$((s2c1 - s2c0)), want $want each"
	failures=$((failures + 1))
}

# Relay to relay: the peer is a second allocation (client in h2), over every
# mix of transports (UDP allocations relay in the fast path, TCP/TLS ones in
# sn-control).
run r2r_udp_udp "$APP4:3478" udp --peer-turn udp
run r2r_tcp_tcp "$APP4:3478" tcp --peer-turn tcp
run r2r_udp_tcp "$APP4:3478" udp --peer-turn tcp
run r2r_tcp_udp "$APP4:3478" tcp --peer-turn udp
run r2r_tls_udp "$APP4:5349" tls --peer-turn udp --peer-server "$APP4:3478"
[ "$failures" = 0 ] || st_fail "$failures aioice checks failed"
exit 0
