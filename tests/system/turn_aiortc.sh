#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# WebRTC through the TURN server: two aiortc RTCPeerConnections with
# relay-only ICE (turn_aiortc.py), one in h1 and one in h3 behind r3's NAT,
# signalling through files; a data channel carries 50 messages each way
# (text and binary, up to 4000 bytes), checked in order and byte-exact; the
# selected candidate pair must be relay/relay on appliance addresses.
# Cases: both clients on TURN over UDP (relay to relay through the fast
# path: turn_hairpin grows); both on TURN over TCP (sn-control relays both
# legs); h1 on TURN over TCP and h3 on UDP (sn-control relays h1's leg, the
# fast path h3's); h1 on TURN over TLS (turns:, port 5349, certificate made
# here, trusted by h1 through SSL_CERT_FILE) and h3 on UDP.
# Default settings plus users: relay to relay needs no allowed_peer (a
# relayed address of the appliance is always an allowed peer).
. "$(dirname "$0")/lib.sh"
. "$ST_DIR/turn_lib.sh"

COUNT=50
st_require "$(command -v openssl)"
"$PY" -c 'import aiortc' 2>/dev/null || st_fail "python3-aiortc is not installed (scripts/deps)"
turn_cert
turn_up --set "turn/tls_cert=$TURN_CERT" --set "turn/tls_key=$TURN_KEY"
RELAY4=$(turn_app_addrs 4 | paste -sd,)

failures=0
pair() { # name url-h1 url-h3
	local name=$1 url1=$2 url3=$3 dir=$OUT/$1 p1 p3 s1 s3
	mkdir -p "$dir"
	SSL_CERT_FILE=$TURN_CERT timeout -k 2 60 ip netns exec "$NS_H1" "$PY" "$ST_DIR/turn_aiortc.py" offer \
		--dir "$dir" --url "$url1" --user "$TURN_USER" --password "$TURN_PASS" \
		--count "$COUNT" --seed "$name" --relay-addrs "$RELAY4" \
		>"$dir/offer.out" 2>"$dir/offer.log" &
	p1=$!
	timeout -k 2 60 ip netns exec "$NS_H3" "$PY" "$ST_DIR/turn_aiortc.py" answer \
		--dir "$dir" --url "$url3" --user "$TURN_USER2" --password "$TURN_PASS2" \
		--count "$COUNT" --seed "$name" --relay-addrs "$RELAY4" \
		>"$dir/answer.out" 2>"$dir/answer.log" &
	p3=$!
	wait "$p1"
	s1=$?
	wait "$p3"
	s3=$?
	if [ "$s1" = 0 ] && [ "$s3" = 0 ]; then
		st_log "ok   $name: h1 $(cat "$dir/offer.out")"
		st_log "ok   $name: h3 $(cat "$dir/answer.out")"
	else
		st_log "FAIL $name: h1 exit $s1: $(cat "$dir/offer.out")"
		tail -n 10 "$dir/offer.log" >&2
		st_log "FAIL $name: h3 exit $s3: $(cat "$dir/answer.out")"
		tail -n 10 "$dir/answer.log" >&2
		failures=$((failures + 1))
	fi
}

hp0=$(turn_counter turn_hairpin) || exit 1
pair udp_udp "turn:$APP4:3478" "turn:$APP4:3478"
hp1=$(turn_counter turn_hairpin) || exit 1
st_log "turn_hairpin $hp0 -> $hp1"
[ "$hp1" -gt "$hp0" ] || { st_log "FAIL udp_udp: turn_hairpin did not grow (relay to relay not in the fast path)"; failures=$((failures + 1)); }
s0=$(turn_counter stream_to_peer_pkts) || exit 1
pair tcp_tcp "turn:$APP4:3478?transport=tcp" "turn:$APP4:3478?transport=tcp"
pair tcp_udp "turn:$APP4:3478?transport=tcp" "turn:$APP4:3478"
pair tls_udp "turns:$APP4:5349" "turn:$APP4:3478"
s1=$(turn_counter stream_to_peer_pkts) || exit 1
st_log "stream_to_peer_pkts $s0 -> $s1"
[ "$s1" -gt "$s0" ] || { st_log "FAIL: stream_to_peer_pkts did not grow (TCP/TLS leg)"; failures=$((failures + 1)); }
[ "$failures" = 0 ] || st_fail "$failures aiortc checks failed"
exit 0
