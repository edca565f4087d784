#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Table churn under traffic: 20 sessions carry continuous sequence-numbered
# traffic both ways (~2000 packets/s in total) while snctl bulk-adds 100k
# other sessions (sessions load of a generated CSV) and deletes exactly
# those.  The 20 sessions must lose nothing and reorder nothing (counted at
# the receivers against what was sent).
#
# 100k sessions need 200k local relay endpoints: the test config gives the
# port four more IPv4 addresses and the port range 10000-59999 (4 x 50000).
# The add/delete cycle runs SN_CHURN_ROUNDS times (default 3) under the same
# traffic.
# env: SN_CHURN_SESSIONS (default 100000), SN_CHURN_PPS (default 2000),
#      SN_CHURN_ROUNDS (default 3)
. "$(dirname "$0")/lib.sh"

N=${SN_CHURN_SESSIONS:-100000}
PPS=${SN_CHURN_PPS:-2000}
ROUNDS=${SN_CHURN_ROUNDS:-3}
FLOWS=20
PORT_MIN=10000 PORTS=50000
EXTRA=(198.18.0.4 198.18.0.5 198.18.0.6 198.18.0.7)
[ "$N" -le $(( ${#EXTRA[@]} * PORTS / 2 )) ] || st_fail "SN_CHURN_SESSIONS too large"

# idle_timeout_s = 0: the bulk sessions never see a packet; expiry must not
# race the test's own deletes.
edits=(--set "relay/port_min=$PORT_MIN" --set "relay/port_max=$((PORT_MIN + PORTS - 1))"
	--set "control/idle_timeout_s=0"
	--set "dataplane/max_sessions=$(( (N + 1024) > 131072 ? N + 1024 : 131072 ))")
for a in "${EXTRA[@]}"; do edits+=(--add "port*/address=$a/24"); done
st_up "${edits[@]}"

# The 20 sessions under watch.
rm -f "$OUT/adds.jsonl"
for i in $(seq 0 $((FLOWS - 1))); do
	st_snctl --json sessions add --a-remote "$H1_4:$((5000 + i))" --b-remote "$H2_4:$((6000 + i))" \
		>>"$OUT/adds.jsonl" || st_fail "sessions add failed"
done
"$PY" - "$OUT/adds.jsonl" "$OUT/flows.json" "$OUT/flow-ids" <<-'EOF' || st_fail "bad sessions add output"
import json, sys
adds = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
flows = [{"a_bind": j["a"]["remote"], "a_to": j["a"]["local"],
          "b_bind": j["b"]["remote"], "b_to": j["b"]["local"]} for j in adds]
json.dump(flows, open(sys.argv[2], "w"), indent=1)
open(sys.argv[3], "w").write("".join("%d\n" % j["id"] for j in adds))
EOF
st_log "watching sessions $(tr '\n' ' ' <"$OUT/flow-ids")"

# The bulk CSV: a_local,a_remote,b_local,b_remote; legs spread over the
# extra addresses; remotes are h1/h2 (already-resolved neighbours).
"$PY" - "$N" "$PORT_MIN" "$PORTS" "$OUT/bulk.csv" "${EXTRA[@]}" <<-'EOF'
import sys
n, pmin, ports, path, addrs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
def ep(leg):
    return "%s:%d" % (addrs[leg // ports], pmin + leg % ports)
with open(path, "w") as f:
    for k in range(n):
        f.write("%s,198.18.0.11:%d,%s,198.18.0.12:%d\n" % (ep(2 * k), 20000 + k % 40000, ep(2 * k + 1), 20000 + k % 40000))
EOF

stop=$OUT/stop ready=$OUT/ready
rm -f "$stop" "$ready"
"$PY" "$ST_DIR/flows.py" --a-ns "$NS_H1" --b-ns "$NS_H2" --flows "$OUT/flows.json" --pps "$PPS" \
	--stop-file "$stop" --ready-file "$ready" --out "$OUT/flows-result.json" \
	>"$OUT/flows.log" 2>&1 &
FL_PID=$!
ST_EXTRA_CLEANUP+=('kill $FL_PID 2>/dev/null')
SN_WAIT=60 sn_wait_for test -e "$ready" || { cat "$OUT/flows.log" >&2; st_fail "traffic handshake did not complete"; }
st_log "traffic running on $FLOWS sessions at ~$PPS pps"

# Sessions installed in the dataplane (its own count, from the shm header).
dp_active() { st_snctl --json status | st_json 'j["sessions"]["dp_active"]'; }

churn_round() { # round number
	local r=$1 load nb t0 left n
	# Add.
	load=$(st_snctl --json sessions load "$OUT/bulk.csv") || st_fail "round $r: sessions load failed: $load"
	st_log "round $r: load: $load"
	[ "$(st_json 'j["added"]' <<<"$load")" = "$N" ] ||
		st_fail "round $r: load added $(st_json 'j["added"]' <<<"$load") of $N"
	[ "$(st_json 'j["failed"]' <<<"$load")" = 0 ] || st_fail "round $r: load failed for some sessions"
	n=$(dp_active)
	[ "$n" = $((N + FLOWS)) ] || st_fail "round $r: dataplane has $n sessions after the load, expected $((N + FLOWS))"

	# Exactly the ids the load created: all listed ids but the watched ones.
	st_snctl --json sessions list >"$OUT/list.json" || st_fail "sessions list failed"
	"$PY" - "$OUT/list.json" "$OUT/flow-ids" "$OUT/bulk-ids" "$ST_DIR" <<-'EOF' ||
	import sys
	sys.path.insert(0, sys.argv[4])
	import snlab
	ids = [s["id"] for s in snlab.session_list(snlab.load_json(open(sys.argv[1]).read()))]
	watched = set(int(x) for x in open(sys.argv[2]))
	missing = watched - set(ids)
	if missing:
	    print("watched sessions missing from the list: %s" % sorted(missing), file=sys.stderr)
	    sys.exit(1)
	bulk = sorted(set(ids) - watched)
	open(sys.argv[3], "w").write("\n".join(map(str, bulk)) + "\n")
	print("listed %d sessions, %d bulk" % (len(ids), len(bulk)), file=sys.stderr)
	EOF
		st_fail "round $r: session list after the load is wrong"
	nb=$(wc -l <"$OUT/bulk-ids")
	[ "$nb" = "$N" ] || st_fail "round $r: $nb bulk sessions listed, expected $N"

	# Delete exactly those, in batches.
	t0=$(date +%s%N)
	rm -f "$OUT"/del-batch.*
	split -l 5000 "$OUT/bulk-ids" "$OUT/del-batch."
	for f in "$OUT"/del-batch.*; do
		# shellcheck disable=SC2046
		st_snctl sessions del $(cat "$f") >/dev/null || st_fail "round $r: sessions del failed (batch ${f##*.})"
	done
	rm -f "$OUT"/del-batch.*
	st_log "round $r: deleted $N sessions in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

	left=$(st_snctl --json sessions list | st_json 'sorted(s["id"] for s in session_list(j))') ||
		st_fail "sessions list failed"
	[ "$left" = "$(sort -n "$OUT/flow-ids")" ] ||
		st_fail "round $r: after the delete, sessions left: $(echo "$left" | head -c 300)"
	n=$(dp_active)
	[ "$n" = "$FLOWS" ] || st_fail "round $r: dataplane has $n sessions after the delete, expected $FLOWS"
}

for r in $(seq 1 "$ROUNDS"); do
	churn_round "$r"
done

# Stop the traffic and account for every packet.
touch "$stop"
wait "$FL_PID"
s=$?
st_log "traffic: $(cat "$OUT/flows-result.json" 2>/dev/null)"
[ "$s" = 0 ] || st_fail "the watched sessions lost or reordered packets"
exit 0
