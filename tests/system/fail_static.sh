#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fail static.  10 sessions with continuous traffic (sequence-numbered,
# both ways):
#  1. kill -9 sn-control mid-traffic, restart it: `sessions list` shows the
#     same sessions (adopted from the shm table) with the same endpoints, and
#     not one packet is lost or reordered across the kill and the restart;
#  2. restart sn-dataplane (SIGTERM, clean exit, start again): a new
#     generation, control replays the sessions, traffic resumes on all of
#     them, then runs again with zero loss.  The restore time (dataplane
#     start -> every session forwarding both ways) is logged; it only has to
#     be under a generous sanity limit (SN_RESTORE_LIMIT_S, default 10 s).
. "$(dirname "$0")/lib.sh"

FLOWS=10
PPS=${SN_FAIL_STATIC_PPS:-1000}
LIMIT=${SN_RESTORE_LIMIT_S:-10}

# No idle expiry: a dataplane restart resets the sessions' last-seen times.
st_up --set control/idle_timeout_s=0

rm -f "$OUT/adds.jsonl"
for i in $(seq 0 $((FLOWS - 1))); do
	st_snctl --json sessions add --a-remote "$H1_4:$((5100 + i))" --b-remote "$H2_4:$((6100 + i))" \
		>>"$OUT/adds.jsonl" || st_fail "sessions add failed"
done
"$PY" - "$OUT/adds.jsonl" "$OUT/flows.json" "$OUT/sessions.before" <<-'EOF' || st_fail "bad sessions add output"
import json, sys
adds = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
json.dump([{"a_bind": j["a"]["remote"], "a_to": j["a"]["local"],
            "b_bind": j["b"]["remote"], "b_to": j["b"]["local"]} for j in adds],
          open(sys.argv[2], "w"), indent=1)
with open(sys.argv[3], "w") as f:
    for j in sorted(adds, key=lambda j: j["id"]):
        f.write("%d %s %s %s %s\n" % (j["id"], j["a"]["local"], j["a"]["remote"], j["b"]["local"], j["b"]["remote"]))
EOF

# Sessions as `sessions list` reports them: "id a.local a.remote b.local b.remote".
sessions_now() {
	st_snctl --json sessions list >"$OUT/list.json" || return 1
	"$PY" - "$OUT/list.json" "$ST_DIR" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[2])
	import snlab
	for j in sorted(snlab.session_list(snlab.load_json(open(sys.argv[1]).read())), key=lambda j: j["id"]):
	    print("%d %s %s %s %s" % (j["id"], j["a"]["local"], j["a"]["remote"], j["b"]["local"], j["b"]["remote"]))
	EOF
}

traffic_start() { # phase name, extra flows.py args
	local ph=$1
	shift
	rm -f "$OUT/stop.$ph" "$OUT/ready.$ph"
	"$PY" "$ST_DIR/flows.py" --a-ns "$NS_H1" --b-ns "$NS_H2" --flows "$OUT/flows.json" --pps "$PPS" \
		--stop-file "$OUT/stop.$ph" --ready-file "$OUT/ready.$ph" --out "$OUT/flows.$ph.json" "$@" \
		>"$OUT/flows.$ph.log" 2>&1 &
	FL_PID=$!
}
traffic_wait_ready() {
	SN_WAIT=${2:-60} sn_wait_for test -e "$OUT/ready.$1" || {
		cat "$OUT/flows.$1.log" >&2
		st_fail "$1: traffic handshake did not complete"
	}
}
traffic_stop() {
	touch "$OUT/stop.$1"
	wait "$FL_PID"
	local s=$?
	st_log "$1: traffic $(cat "$OUT/flows.$1.json" 2>/dev/null)"
	[ "$s" = 0 ] || st_fail "$1: packets lost or reordered"
}
ST_EXTRA_CLEANUP+=('[ -n "${FL_PID:-}" ] && kill $FL_PID 2>/dev/null')

# ---- 1. control killed and restarted under traffic
traffic_start control
traffic_wait_ready control
sleep 2
st_log "kill -9 sn-control (pid $CP_PID)"
kill -KILL "$CP_PID"
wait "$CP_PID" 2>/dev/null
CP_PID=
sleep 2
st_start_cp
answers() { st_snctl --json sessions list >/dev/null 2>&1; }
SN_WAIT=30 sn_wait_for answers || { st_show_logs; st_fail "restarted sn-control does not answer"; }
# Adoption may take a moment after the socket answers: wait for the list.
adopted() { [ "$(sessions_now)" = "$(cat "$OUT/sessions.before")" ]; }
if ! SN_WAIT=30 sn_wait_for adopted; then
	st_log "before:"; cat "$OUT/sessions.before" >&2
	st_log "after:"; sessions_now >&2
	st_fail "restarted sn-control did not adopt the same sessions"
fi
st_log "restarted sn-control adopted all $FLOWS sessions"
sleep 2
traffic_stop control

# ---- 2. dataplane restarted: control replays, traffic resumes
gen0=$(st_generation)
st_log "SIGTERM sn-dataplane (pid $DP_PID, generation $gen0)"
kill -TERM "$DP_PID"
SN_WAIT=15 sn_wait_for eval '! kill -0 $DP_PID' || st_fail "sn-dataplane did not stop on SIGTERM"
wait "$DP_PID"
s=$?
[ "$s" = 0 ] || st_fail "sn-dataplane exited with status $s on SIGTERM"
DP_PID=
t0=$(date +%s.%N)
st_start_dp
traffic_start dataplane --t0 "$t0" --handshake-timeout 90
traffic_wait_ready dataplane 90
restore=$(cat "$OUT/ready.dataplane")
gen1=$(st_generation)
st_log "RESTORE TIME: ${restore} s from sn-dataplane start to all $FLOWS sessions forwarding both ways (generation $gen0 -> $gen1)"
echo "$restore" >"$OUT/restore_seconds"
[ -n "$gen1" ] && [ "$gen1" != 0 ] && [ "$gen1" != "$gen0" ] || st_fail "generation did not change: $gen0 -> $gen1"
[ "$(sessions_now)" = "$(cat "$OUT/sessions.before")" ] || st_fail "sessions differ after the dataplane restart"
sleep 3
traffic_stop dataplane
awk -v r="$restore" -v l="$LIMIT" 'BEGIN { exit !(r < l) }' ||
	st_fail "restore took ${restore} s, over the ${LIMIT} s sanity limit"
exit 0
