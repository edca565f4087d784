#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Latching relay session across a NAT: a --latch session with no remotes;
# h3 (behind r3's snat) and h1 each send a latch probe carrying the session
# token to their leg's relay port; `sessions show` then reports both legs
# latched, h3's leg at the NAT's mapping 198.18.0.13:<mapped port> (read
# from r3's conntrack table); data flows both ways byte-exact; a probe with
# a wrong token is dropped and counted (bad_token) without re-latching; a
# packet from a source that is not the leg's remote is dropped
# (wrong_source).
. "$(dirname "$0")/lib.sh"

st_up

H3_EP=$H3_4:7000
H1_EP=$H1_4:5000

j=$(st_snctl --json sessions add --latch) || st_fail "sessions add --latch failed"
st_log "added $j"
id=$(st_json 'j["id"]' <<<"$j") || st_fail "no id"
token=$(st_json 'j["token"]' <<<"$j") || st_fail "no token"
a_local=$(st_json 'j["a"]["local"]' <<<"$j")
b_local=$(st_json 'j["b"]["local"]' <<<"$j")
[ "$(st_json 'j["a"]["remote"]' <<<"$j")" = null ] || st_fail "a.remote set before any probe: $j"
[ "$(st_json 'j["a"]["latched"]' <<<"$j")" = false ] || st_fail "a latched before any probe: $j"
[ "$token" != 0000000000000000 ] || st_fail "latch session with token 0"
latch0=$(st_counter latch_events) || st_fail "no latch_events counter"

# Probes (resent every 0.2 s) until go, then the data exchange.
go=$OUT/go
rm -f "$go"
"$PY" "$ST_DIR/exchange.py" --seed 7 --count 200 --max-size 1400 --go-file "$go" --timeout 90 \
	--a-ns "$NS_H3" --a-bind "$H3_EP" --a-to "$a_local" --a-probe "$token" \
	--b-ns "$NS_H1" --b-bind "$H1_EP" --b-to "$b_local" --b-probe "$token" \
	>"$OUT/exchange.json" 2>"$OUT/exchange.log" &
EX_PID=$!
ST_EXTRA_CLEANUP+=('kill $EX_PID 2>/dev/null')

latched() {
	local s
	s=$(st_snctl --json sessions show "$id" 2>/dev/null) || return 1
	[ "$(st_json 'j["a"]["latched"] and j["b"]["latched"]' <<<"$s")" = true ]
}
if ! SN_WAIT=30 sn_wait_for latched; then
	st_snctl --json sessions show "$id" >&2
	st_fail "session $id: legs not latched after probes"
fi
show=$(st_snctl --json sessions show "$id")
st_log "latched: $show"

# The NAT's mapping for h3's socket towards the relay port, from conntrack.
laddr=${a_local%:*} lport=${a_local##*:}
mapped=$(st_ns r3 cat /proc/net/nf_conntrack | awk -v s="src=$H3_4" -v sp="sport=7000" \
	-v d="dst=$laddr" -v dp="dport=$lport" '
	$0 ~ s" " && $0 ~ d" " && $0 ~ sp" " && $0 ~ dp" " {
		n = 0
		for (i = 1; i <= NF; i++) if ($i ~ /^dport=/) { n++; if (n == 2) { sub("dport=", "", $i); print $i; exit } }
	}')
[ -n "$mapped" ] || { st_ns r3 cat /proc/net/nf_conntrack >&2; st_fail "no conntrack entry for h3 -> $a_local"; }
st_log "r3 maps $H3_EP -> $R3_WAN:$mapped"
[ "$(st_json 'j["a"]["remote"]' <<<"$show")" = "$R3_WAN:$mapped" ] ||
	st_fail "a.remote is $(st_json 'j["a"]["remote"]' <<<"$show"), expected $R3_WAN:$mapped"
[ "$(st_json 'j["b"]["remote"]' <<<"$show")" = "$H1_EP" ] ||
	st_fail "b.remote is $(st_json 'j["b"]["remote"]' <<<"$show"), expected $H1_EP"
latch1=$(st_counter latch_events)
[ "$latch1" -ge $((latch0 + 2)) ] || st_fail "latch_events $latch0 -> $latch1, expected +2 at least"

touch "$go"
wait "$EX_PID"
s=$?
st_log "exchange: $(cat "$OUT/exchange.json")"
[ "$s" = 0 ] || { cat "$OUT/exchange.log" >&2; st_fail "data exchange over the latched session failed"; }

# A probe with a wrong token, from another NAT mapping: dropped, counted,
# and the leg keeps its remote.
bad0=$(st_counter bad_token) || st_fail "no bad_token counter"
wrong=$(printf '%016x' $(( 0x$token ^ 1 )))
"$PY" "$ST_DIR/udp_send.py" "$NS_H3" "$H3_4:7001" "$a_local" "probe:$wrong" ||
	st_fail "sending the wrong probe failed"
SN_WAIT=10 sn_wait_for eval '[ "$(st_counter bad_token)" -gt "$bad0" ]' ||
	st_fail "probe with a wrong token not counted as bad_token"
st_log "bad_token $bad0 -> $(st_counter bad_token)"
show=$(st_snctl --json sessions show "$id")
[ "$(st_json 'j["a"]["remote"]' <<<"$show")" = "$R3_WAN:$mapped" ] ||
	st_fail "wrong-token probe changed a.remote: $show"

# Strict source: data from h2 to h3's relay port is not h3.
ws0=$(st_counter wrong_source) || st_fail "no wrong_source counter"
"$PY" "$ST_DIR/udp_send.py" "$NS_H2" "$H2_4:6000" "$a_local" 80776f6e67 || st_fail "send failed"
SN_WAIT=10 sn_wait_for eval '[ "$(st_counter wrong_source)" -gt "$ws0" ]' ||
	st_fail "packet from a foreign source not counted as wrong_source"
st_log "wrong_source $ws0 -> $(st_counter wrong_source)"
exit 0
