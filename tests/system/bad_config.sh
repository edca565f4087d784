#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bad configs are refused by both processes before they touch anything:
# for each case, sn-dataplane -c and sn-control -c exit non-zero with a
# message naming the offending key (or section), and no shm file, admin
# socket or tap exists afterwards.
. "$(dirname "$0")/lib.sh"

st_require "$DP_BIN" "$CP_BIN"
st_wiring

# name | words the message must contain one of (|-separated) | mkconf edits
CASES=(
	"unknown_key|no_such_key|--add dataplane/no_such_key=1"
	"unknown_section|no_such_section|--raw [no_such_section] --raw answer=42"
	"bad_number|max_sessions|--set dataplane/max_sessions=12x"
	"bad_address|address|--add port*/address=198.18.0.300/24"
	"port_range|port_min,port_max|--set relay/port_min=60000 --set relay/port_max=50000"
	"workers_main|workers,main_lcore|--set dataplane/main_lcore=0 --set dataplane/workers=0"
	"missing_device|device|--del port*/device"
)

failures=0
check_clean() {
	local what=$1
	if [ -e "$SHM" ]; then
		st_log "  $what: shm file $SHM exists"
		return 1
	fi
	if [ -e "$SOCK" ]; then
		st_log "  $what: admin socket $SOCK exists"
		return 1
	fi
	if ip -n "$NS_APP" link show "$TAP" >/dev/null 2>&1; then
		st_log "  $what: tap $TAP exists"
		return 1
	fi
	return 0
}

for c in "${CASES[@]}"; do
	IFS='|' read -r name words edits <<<"$c"
	set -f # the edits hold [ ] and *: no globbing
	# shellcheck disable=SC2086
	ST_CONF_DST=$OUT/$name.conf st_mkconf $edits
	set +f
	rm -f "$SHM"
	rm -rf "$SOCK_DIR"
	mkdir -p "$SOCK_DIR"
	for prog in dataplane control; do
		bin=$DP_BIN
		[ "$prog" = control ] && bin=$CP_BIN
		log=$OUT/$name.$prog.log
		# shellcheck disable=SC2046
		timeout -k 5 30 ip netns exec "$NS_APP" env $(sn_san_env "$SN_VARIANT" $prog) \
			"$bin" -c "$OUT/$name.conf" >"$log" 2>&1 </dev/null
		rc=$?
		msg=$(grep -v -E '^(EAL|TELEMETRY|=+|    #)' "$log" | head -3 | tr '\n' ' ')
		ok=0
		IFS=',' read -ra ws <<<"$words"
		for w in "${ws[@]}"; do
			grep -qF -- "$w" "$log" && ok=1
		done
		if [ "$rc" = 0 ] || [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			st_log "FAIL $name/$prog: exit status $rc (want a refusal): $msg"
			failures=$((failures + 1))
		elif [ "$ok" = 0 ]; then
			st_log "FAIL $name/$prog: exit $rc, message does not name '$words': $msg"
			failures=$((failures + 1))
		elif ! check_clean "$name/$prog"; then
			st_log "FAIL $name/$prog: left something behind"
			failures=$((failures + 1))
		else
			st_log "ok   $name/$prog: exit $rc: $msg"
		fi
		rm -f "$SHM" "$SOCK"
		ip -n "$NS_APP" link del "$TAP" 2>/dev/null
		sn_dpdk_cleanup "$FILE_PREFIX"
	done
done
[ "$failures" = 0 ] || st_fail "$failures of $((${#CASES[@]} * 2)) refusals wrong"
exit 0
