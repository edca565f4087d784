#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two-leg relay session, IPv4 then IPv6: h1 and h2 exchange 200 messages
# each way through the appliance (sizes 1..1400, random bytes), received
# byte-exact and in order; `sessions show` counts the packets; after
# `sessions del` the relay port no longer forwards (drop no_session).
. "$(dirname "$0")/lib.sh"

st_up

run_family() {
	local fam=$1 a_remote b_remote famargs=() j id a_local b_local show s
	if [ "$fam" = 4 ]; then
		a_remote=$H1_4:5000 b_remote=$H2_4:6000
	else
		a_remote=[$H1_6]:5000 b_remote=[$H2_6]:6000 famargs=(--family 6)
	fi
	j=$(st_snctl --json sessions add --a-remote "$a_remote" --b-remote "$b_remote" "${famargs[@]}") ||
		st_fail "IPv$fam: sessions add failed"
	st_log "IPv$fam: added $j"
	id=$(st_json 'j["id"]' <<<"$j") || st_fail "no id in $j"
	a_local=$(st_json 'j["a"]["local"]' <<<"$j") || st_fail "no a.local in $j"
	b_local=$(st_json 'j["b"]["local"]' <<<"$j") || st_fail "no b.local in $j"
	[ "$(st_json 'j["family"]' <<<"$j")" = "$fam" ] || st_fail "IPv$fam: family is not $fam: $j"
	[ "$(st_json 'j["a"]["remote"]' <<<"$j")" = "$a_remote" ] || st_fail "a.remote is not $a_remote"
	[ "$(st_json 'j["b"]["remote"]' <<<"$j")" = "$b_remote" ] || st_fail "b.remote is not $b_remote"
	[ "$(st_json 'len(j["token"])' <<<"$j")" = 16 ] || st_fail "token is not 16 hex digits: $j"

	"$PY" "$ST_DIR/exchange.py" --seed "$fam" --count 200 --max-size 1400 \
		--a-ns "$NS_H1" --a-bind "$a_remote" --a-to "$a_local" \
		--b-ns "$NS_H2" --b-bind "$b_remote" --b-to "$b_local" \
		>"$OUT/exchange$fam.json" 2>>"$OUT/exchange.log"
	s=$?
	st_log "IPv$fam: exchange: $(cat "$OUT/exchange$fam.json")"
	[ "$s" = 0 ] || st_fail "IPv$fam: exchange through session $id failed"

	show=$(st_snctl --json sessions show "$id") || st_fail "sessions show $id failed"
	st_log "IPv$fam: show $show"
	# Leg a counts what entered from h1: at least what h2 got, at most what
	# h1 sent (probes/handshake packets included on both sides).
	"$PY" - "$OUT/exchange$fam.json" "$show" <<-'EOF' || st_fail "IPv$fam: session counters wrong"
	import json, sys
	x = json.load(open(sys.argv[1])); s = json.loads(sys.argv[2])
	ok = True
	for leg, tx, rx in ((0, "a", "b"), (1, "b", "a")):
	    lo, hi = x[rx + "_rcvd_total"], x[tx + "_sent_total"]
	    blo, bhi = x[rx + "_rcvd_bytes"], x[tx + "_sent_bytes"]
	    p, b = s["pkts"][leg], s["bytes"][leg]
	    good = lo <= p <= hi and blo <= b <= bhi
	    print("leg %d: pkts %d in [%d, %d], bytes %d in [%d, %d]: %s"
	          % (leg, p, lo, hi, b, blo, bhi, "ok" if good else "WRONG"), file=sys.stderr)
	    ok = ok and good
	sys.exit(0 if ok else 1)
	EOF

	# Deleted: gone from show, and its relay port drops (no_session).
	local before after
	before=$(st_counter no_session) || st_fail "stats has no no_session counter"
	st_snctl sessions del "$id" >/dev/null || st_fail "sessions del $id failed"
	if st_snctl --json sessions show "$id" >/dev/null 2>&1; then
		st_fail "IPv$fam: session $id still shown after del"
	fi
	"$PY" "$ST_DIR/udp_send.py" "$NS_H1" "$a_remote" "$a_local" 80616674657264656c657465 ||
		st_fail "send failed"
	SN_WAIT=10 sn_wait_for eval '[ "$(st_counter no_session)" -gt "$before" ]' ||
		st_fail "IPv$fam: a packet to deleted session $id's port was not counted as no_session"
	after=$(st_counter no_session)
	st_log "IPv$fam: deleted session $id; no_session $before -> $after"
}

run_family 4
run_family 6
exit 0
