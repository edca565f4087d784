#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TURN server with coturn's turnutils_uclient in h1 and turnutils_peer
# (UDP echo) in h2, through the appliance: every run must end with "Total
# lost packets 0" and the relayed addresses of the family asked for:
#   UDP with channels, -s Send/Data indications, -y client to client
#   (relay to relay), -W TURN REST secret; TCP (-t), TCP client to client,
#   TLS (-S -t) on 5349 and 443 (self-signed certificate made with openssl
#   here; TLS below 1.2 refused); IPv6 transport and peer, -x (IPv6 relay
#   over an IPv4 server address) and -X (IPv4 relay over IPv6); wrong
#   password and wrong REST secret: no allocation; -Z dual allocation (IPv4
#   and IPv6 relayed addresses at once).
# UDP data is relayed by the fast path (turn_c2p_pkts/turn_p2c_pkts grow),
# TCP/TLS data by sn-control (turn stream_to_peer_pkts grows).
# h1 and h2 (198.18.0.0/24, 2001:db8:1::/64) are benchmarking and
# documentation addresses, which the default peer policy denies: the config
# allows those two prefixes with allowed_peer.
. "$(dirname "$0")/lib.sh"
. "$ST_DIR/turn_lib.sh"

# A moderate rate: 4 clients (each with an RTP and an RTCP allocation),
# 50 messages of 170 bytes each at uclient's 20 ms interval.
N=${TURN_UC_N:-50} M=${TURN_UC_M:-4} L=170
PEER_PORT=3480

st_require "$(command -v turnutils_uclient)" "$(command -v turnutils_peer)" "$(command -v openssl)"
turn_cert
turn_up --set "turn/allowed_peer=198.18.0.0/24" --add "turn/allowed_peer=2001:db8:1::/64" \
	--set "turn/tls_cert=$TURN_CERT" --set "turn/tls_key=$TURN_KEY"

# Echo peers in h2, IPv4 and IPv6 (turnutils_peer listens on one address).
for a in "$H2_4" "$H2_6"; do
	ip netns exec "$NS_H2" turnutils_peer -L "$a" -p "$PEER_PORT" >"$OUT/peer-$a.log" 2>&1 </dev/null &
	ST_EXTRA_CLEANUP+=("kill $! 2>/dev/null")
done
SN_WAIT=10 sn_wait_for eval "ip netns exec $NS_H2 ss -Hlun | grep -q ':$PEER_PORT '" ||
	st_fail "turnutils_peer did not start"

fast0=$(turn_counter turn_c2p_pkts) || exit 1
p2c0=$(turn_counter turn_p2c_pkts) || exit 1
stream0=$(turn_counter stream_to_peer_pkts) || exit 1

failures=0 sent_udp=0 sent_stream=0
# uc NAME RELAY_FAMILY(4|6|46) uclient-args...: run with -v; require exit 0,
# "Total lost packets 0", as many messages echoed as sent, and relayed
# addresses all of that family (46: both, dual allocations).
uc() {
	local name=$1 fam=$2 log=$OUT/uc-$1.log rc tot relays other='' bad=''
	shift 2
	timeout -k 2 90 ip netns exec "$NS_H1" turnutils_uclient -v "$@" >"$log" 2>&1
	rc=$?
	[ "$rc" = 0 ] || bad="exit status $rc"
	grep -qE 'Total lost packets 0 \(' "$log" ||
		bad="$bad; $(grep -E 'Total lost packets' "$log" | tail -1 | sed 's/^.*: : //')"
	tot=$(grep -oE 'tot_send_msgs=[0-9]+, tot_recv_msgs=[0-9]+$' "$log" | tail -1)
	[[ $tot =~ ^tot_send_msgs=([0-9]+),\ tot_recv_msgs=([0-9]+)$ ]] &&
		[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
		bad="$bad; totals '${tot:-none}'"
	relays=$(grep -cE 'Received relay addr' "$log")
	[ "$relays" -ge 1 ] || bad="$bad; no relayed address"
	if [ "$fam" = 46 ]; then # dual allocations: both families
		grep -q 'IPv4\. Received relay addr' "$log" && grep -q 'IPv6\. Received relay addr' "$log" ||
			bad="$bad; not both IPv4 and IPv6 relayed addresses"
	else
		other=$(grep -E 'Received relay addr' "$log" | grep -cv "IPv$fam\\. Received")
		[ "$other" = 0 ] || bad="$bad; $other relayed addresses not IPv$fam"
	fi
	if [ -z "$bad" ]; then
		# what uclient says it sent: the counters below must cover it
		case " $* " in
		*" -t "*) sent_stream=$((sent_stream + BASH_REMATCH[1])) ;;
		*) sent_udp=$((sent_udp + BASH_REMATCH[1])) ;;
		esac
		st_log "ok   $name: $relays IPv$fam relayed addresses, $tot, lost 0"
	else
		st_log "FAIL $name (turnutils_uclient $*): ${bad#; }"
		grep -vE 'start_mclient: msz|Received relay addr|: (initial|refresh|create perm|channel bind)' \
			"$log" | tail -n 12 >&2
		failures=$((failures + 1))
	fi
}
# uc_refused NAME args...: the allocation must fail (uclient exits non-zero
# with "Cannot complete Allocation").
uc_refused() {
	local name=$1 log=$OUT/uc-$1.log rc
	shift
	timeout -k 2 60 ip netns exec "$NS_H1" turnutils_uclient "$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && grep -q 'Cannot complete Allocation' "$log" &&
		! grep -q 'Received relay addr' "$log"; then
		st_log "ok   $name: refused ($(grep -m1 'Cannot complete' "$log" | sed 's/^.*ERROR: //'))"
	else
		st_log "FAIL $name: not refused (exit $rc)"
		tail -n 8 "$log" >&2
		failures=$((failures + 1))
	fi
}

CRED=(-u "$TURN_USER" -w "$TURN_PASS")
SZ=(-n "$N" -m "$M" -l "$L")
# UDP: the fast path relays the data.
uc udp_channels 4 "${CRED[@]}" "${SZ[@]}" -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc udp_send_ind 4 "${CRED[@]}" "${SZ[@]}" -s -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc udp_c2c 4 "${CRED[@]}" "${SZ[@]}" -y "$APP4"
uc udp_rest 4 -W "$TURN_SECRET" -u carol "${SZ[@]}" -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc udp_v6 6 "${CRED[@]}" "${SZ[@]}" -e "$H2_6" -r "$PEER_PORT" "$APP6"
uc udp_v4_relay6 6 "${CRED[@]}" -n 20 -m 2 -l "$L" -x -e "$H2_6" -r "$PEER_PORT" "$APP4"
uc udp_v6_relay4 4 "${CRED[@]}" -n 20 -m 2 -l "$L" -X -e "$H2_4" -r "$PEER_PORT" "$APP6"
# -Z: dual allocation (an IPv4 and an IPv6 relayed address; coturn sends
# its ADDITIONAL-ADDRESS-FAMILY), data through the IPv6 one.
uc udp_dual 46 "${CRED[@]}" -n 20 -m 2 -l "$L" -Z -e "$H2_6" -r "$PEER_PORT" "$APP4"
fast1=$(turn_counter turn_c2p_pkts) || exit 1
p2c1=$(turn_counter turn_p2c_pkts) || exit 1
# TCP and TLS: sn-control relays the data.
uc tcp 4 "${CRED[@]}" "${SZ[@]}" -t -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc tcp_c2c 4 "${CRED[@]}" -n 20 -m 2 -l "$L" -t -y "$APP4"
uc tcp_v6 6 "${CRED[@]}" -n 20 -m 2 -l "$L" -t -e "$H2_6" -r "$PEER_PORT" "$APP6"
uc tls_5349 4 "${CRED[@]}" "${SZ[@]}" -S -t -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc tls_443 4 "${CRED[@]}" -n 20 -m 2 -l "$L" -S -t -p 443 -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc tls_v6_rest 6 -W "$TURN_SECRET" -u dave -n 20 -m 2 -l "$L" -S -t -e "$H2_6" -r "$PEER_PORT" "$APP6"
stream1=$(turn_counter stream_to_peer_pkts) || exit 1
# Refused credentials.
uc_refused wrong_password -u "$TURN_USER" -w not-the-password -n 2 -e "$H2_4" -r "$PEER_PORT" "$APP4"
uc_refused wrong_rest_secret -W not-the-secret -u carol -n 2 -e "$H2_4" -r "$PEER_PORT" "$APP4"

# TLS: the handshake itself, with openssl s_client: TLS 1.2 and 1.3 are
# accepted with our certificate (verified against it), TLS 1.1 is refused.
tls_probe() { # name expect(ok|refused) s_client-args...
	local name=$1 want=$2 got log=$OUT/tls-$1.log
	shift 2
	if timeout -k 2 15 ip netns exec "$NS_H1" openssl s_client -connect "$APP4:5349" \
		-CAfile "$TURN_CERT" -verify_return_error -verify_ip "$APP4" "$@" </dev/null >"$log" 2>&1 &&
		grep -q 'Verify return code: 0 (ok)' "$log"; then
		got=ok
	else
		got=refused
	fi
	# A refusal must be the server's: a protocol_version alert.
	[ "$got" = refused ] && ! grep -q 'alert protocol version' "$log" && got=failed
	if [ "$got" = "$want" ]; then
		st_log "ok   $name: $got ($(grep -m1 -E 'Protocol *:|New, ' "$log" | sed 's/^ *//'))"
	else
		st_log "FAIL $name: $got, expected $want"
		tail -n 8 "$log" >&2
		failures=$((failures + 1))
	fi
}
tls_probe tls1.3 ok -tls1_3
tls_probe tls1.2 ok -tls1_2
tls_probe tls1.1 refused -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'

st_log "fast path turn_c2p_pkts $fast0 -> $fast1, turn_p2c_pkts $p2c0 -> $p2c1;" \
	"control stream_to_peer_pkts $stream0 -> $stream1"
# Every UDP message went through the fast path (each echoed once): at
# least what uclient sent in the UDP runs, each way; every TCP/TLS one
# through control.
udp_msgs=$sent_udp
[ $((fast1 - fast0)) -ge "$udp_msgs" ] ||
	st_fail "turn_c2p_pkts grew by $((fast1 - fast0)), expected >= $udp_msgs (UDP data not on the fast path?)"
[ $((p2c1 - p2c0)) -ge "$udp_msgs" ] ||
	st_fail "turn_p2c_pkts grew by $((p2c1 - p2c0)), expected >= $udp_msgs"
stream_msgs=$sent_stream
[ $((stream1 - stream0)) -ge "$stream_msgs" ] ||
	st_fail "stream_to_peer_pkts grew by $((stream1 - stream0)), expected >= $stream_msgs"
[ "$failures" = 0 ] || st_fail "$failures turnutils_uclient checks failed"
exit 0
