# shellcheck shell=bash disable=SC2034,SC2120
# SPDX-License-Identifier: BSD-3-Clause
# Common part of the system tests (source it first).  A test is a bash script
# that runs the real processes on the virtual wiring of its own prefix and
# exits 0 (pass) or non-zero (fail, with the reason on stderr).
#
# Inputs (environment; scripts/test sets them, defaults allow a direct run):
#   SN_VARIANT  release|asan|tsan: which build dir's binaries (release)
#   SN_PREFIX   netns/tap/shm prefix, short (default: tst)
#   SN_OUT      directory for logs and files (default tests/out/<test>)
#   SN_BASE_CONF  config the test's copy derives from (conf/supernode.conf)
#
# Isolation: everything a test creates is named from SN_PREFIX: namespaces
# ${P}app.., tap ${P}tap0, shm /dev/shm/sn-${P}, EAL file prefix sn-${P},
# admin socket /run/sn-${P}/admin.sock; the config is a copy of
# conf/supernode.conf with those keys replaced.  Cleanup (trap EXIT) stops
# the processes, removes the wiring, the shm file and DPDK's files, and fails
# the test if a sanitizer reported anything or a process did not stop cleanly.

. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/lib.sh"

ST_DIR=$SN_ROOT/tests/system
ST_NAME=${ST_NAME:-$(basename "$0" .sh)}
SN_VARIANT=${SN_VARIANT:-release}
P=${SN_PREFIX:-tst}
OUT=${SN_OUT:-$SN_ROOT/tests/out/$ST_NAME}
BUILD=$(sn_build_dir "$SN_VARIANT") || sn_die "bad SN_VARIANT $SN_VARIANT"
DP_BIN=$BUILD/dataplane/sn-dataplane
CP_BIN=$BUILD/control/sn-control
SNCTL_BIN=$BUILD/snctl/snctl
BASE_CONF=${SN_BASE_CONF:-$SN_ROOT/conf/supernode.conf}
CONF=$OUT/supernode.conf
SHM=/dev/shm/sn-$P
FILE_PREFIX=sn-$P
SOCK_DIR=/run/sn-$P
SOCK=$SOCK_DIR/admin.sock
TAP=${P}tap0
NS_APP=${P}app NS_H1=${P}h1 NS_H2=${P}h2 NS_H3=${P}h3 NS_R3=${P}r3
APP4=198.18.0.1 APP6=2001:db8:1::1
H1_4=198.18.0.11 H2_4=198.18.0.12 R3_WAN=198.18.0.13 H3_4=192.0.2.10
H1_6=2001:db8:1::11 H2_6=2001:db8:1::12
PY=$SN_PY

DP_PID='' CP_PID=''
ST_WIRED=0
ST_EXTRA_CLEANUP=()
# Seconds a process gets to exit after SIGTERM (sanitizer runtimes are slow
# to tear down: leak scan, reports).
case "$SN_VARIANT" in
tsan) ST_STOP_TIMEOUT=60 ;;
asan) ST_STOP_TIMEOUT=30 ;;
*) ST_STOP_TIMEOUT=10 ;;
esac

mkdir -p "$OUT"
# Start from an empty directory (but the runner's own test.log).
find "$OUT" -mindepth 1 -maxdepth 1 ! -name test.log -exec rm -rf {} +

st_log() { printf '[%s %s] %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$ST_NAME" "$*" >&2; }
st_fail() {
	st_log "FAIL: $*"
	exit 1
}

# Require root and the binaries of the variant.
st_require() {
	[ "$(id -u)" = 0 ] || st_fail "must run as root"
	local b
	for b in "$@"; do
		[ -x "$b" ] || st_fail "missing binary $b (scripts/build $SN_VARIANT)"
	done
}

# The test's config: conf/supernode.conf with the isolation keys set, plus
# the mkconf.py edits given as arguments.
st_mkconf() {
	local dst=${ST_CONF_DST:-$CONF}
	"$PY" "$ST_DIR/mkconf.py" "$BASE_CONF" "$dst" \
		--set "dataplane/shm_path=$SHM" \
		--set "dataplane/file_prefix=$FILE_PREFIX" \
		--set "port*/tap=$TAP" \
		--set "control/admin_socket=$SOCK" \
		"$@" || st_fail "mkconf failed"
}

st_cleanup() {
	local rc=$? f bad=0
	trap - EXIT
	set +e
	# What the appliance says at the end (kept for post-mortems).
	if [ -n "$CP_PID" ] && kill -0 "$CP_PID" 2>/dev/null; then
		st_final_state
	fi
	# Stop control first (it must not replay into a dying dataplane).
	if [ -n "$CP_PID" ]; then
		if kill -0 "$CP_PID" 2>/dev/null; then
			sn_stop_pid "$CP_PID" "$ST_STOP_TIMEOUT" || { st_log "sn-control needed SIGKILL"; bad=1; }
		else
			st_log "sn-control was not running any more"
			bad=1
		fi
		wait "$CP_PID" 2>/dev/null
		f=$?
		# 143: died of the SIGTERM itself (no handler): harmless for control.
		case "$f" in 0|143) ;; *) st_log "sn-control exit status $f after SIGTERM"; bad=1 ;; esac
	fi
	if [ -n "$DP_PID" ]; then
		if kill -0 "$DP_PID" 2>/dev/null; then
			sn_stop_pid "$DP_PID" "$ST_STOP_TIMEOUT" || { st_log "sn-dataplane needed SIGKILL"; bad=1; }
		else
			st_log "sn-dataplane was not running any more"
			bad=1
		fi
		wait "$DP_PID" 2>/dev/null
		f=$?
		[ "$f" = 0 ] || { st_log "sn-dataplane exit status $f after SIGTERM (want 0: clean stop)"; bad=1; }
	fi
	if [ "$rc" != 0 ] && [ -n "$CP_PID$DP_PID" ]; then
		st_show_logs
	fi
	for f in "${ST_EXTRA_CLEANUP[@]}"; do eval "$f"; done
	[ "$ST_WIRED" = 1 ] && "$SN_ROOT/scripts/wiring" down "$P" >/dev/null 2>&1
	rm -f "$SHM"
	rm -rf "$SOCK_DIR"
	sn_dpdk_cleanup "$FILE_PREFIX"
	if f=$(sn_san_findings "$OUT"/*.log); then
		st_log "sanitizer reports:"
		printf '%s\n' "$f" | head -20 >&2
		bad=1
	fi
	if [ "$bad" = 1 ] && [ "$rc" = 0 ]; then
		st_log "FAIL: unclean stop or sanitizer report"
		rc=1
	fi
	[ "$rc" = 0 ] && st_log "PASS" || st_log "exit $rc"
	exit "$rc"
}
trap st_cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Wiring of this prefix (removed by the cleanup).
st_wiring() {
	ST_WIRED=1
	"$SN_ROOT/scripts/wiring" up "$P" >"$OUT/wiring.log" 2>&1 || {
		cat "$OUT/wiring.log" >&2
		st_fail "wiring up failed"
	}
}

# Run a command inside a namespace of this prefix: st_ns h1 cmd...
st_ns() { ip netns exec "$P$1" "${@:2}"; }

# Start sn-dataplane in ${P}app (background; log $OUT/dataplane[.N].log).
# Save `snctl --json status` and `stats` to $OUT/final-*.json and log the
# port misses and non-zero drops (where lost packets went).
st_final_state() {
	timeout 30 "$SNCTL_BIN" --socket "$SOCK" --json status >"$OUT/final-status.json" 2>/dev/null || return 0
	timeout 30 "$SNCTL_BIN" --socket "$SOCK" --json stats >"$OUT/final-stats.json" 2>/dev/null
	"$PY" - "$OUT/final-status.json" <<-'EOF' >&2
	import json, sys
	j = json.load(open(sys.argv[1]))
	ports = ["%s rx %s tx %s imissed %s ierrors %s oerrors %s" % (p.get("name"), p.get("ipackets"),
	         p.get("opackets"), p.get("imissed"), p.get("ierrors"), p.get("oerrors")) for p in j.get("ports", [])]
	drops = {k: v for k, v in j.get("drops", {}).items() if v}
	print("final state: ports: %s; drops: %s" % ("; ".join(ports), drops or "none"))
	EOF
}

st_start_dp() {
	local log=$OUT/dataplane.log n=1
	while [ -e "$log" ]; do n=$((n + 1)); log=$OUT/dataplane.$n.log; done
	# shellcheck disable=SC2046
	ip netns exec "$NS_APP" env $(sn_san_env "$SN_VARIANT" dataplane) \
		"$DP_BIN" -c "$CONF" "$@" >"$log" 2>&1 </dev/null &
	DP_PID=$!
	DP_LOG=$log
	st_log "sn-dataplane pid $DP_PID (log ${log##*/})"
}

st_start_cp() {
	local log=$OUT/control.log n=1
	while [ -e "$log" ]; do n=$((n + 1)); log=$OUT/control.$n.log; done
	mkdir -p "$SOCK_DIR"
	# shellcheck disable=SC2046
	ip netns exec "$NS_APP" env $(sn_san_env "$SN_VARIANT" control) \
		"$CP_BIN" -c "$CONF" "$@" >"$log" 2>&1 </dev/null &
	CP_PID=$!
	CP_LOG=$log
	st_log "sn-control pid $CP_PID (log ${log##*/})"
}

# snctl against this test's socket; stderr goes to $OUT/snctl.log too.
st_snctl() {
	# shellcheck disable=SC2046
	env $(sn_san_env "$SN_VARIANT" snctl) "$SNCTL_BIN" --socket "$SOCK" "$@" 2> >(tee -a "$OUT/snctl.log" >&2)
}

# Dataplane generation from `snctl --json status` (empty if not answering).
st_generation() {
	st_snctl --json status 2>/dev/null | "$PY" "$ST_DIR/snj.py" \
		'[v for p, v in find_all(j, "generation") if isinstance(v, int)][0]' 2>/dev/null
}

# A published generation of a running dataplane (sn_generation's rule).
st_dp_ready() {
	st_snctl --json status 2>/dev/null | "$PY" "$ST_DIR/snj.py" "$SN_GEN_EXPR" >/dev/null 2>&1
}

# Wait for `snctl status` to answer with a published generation.
st_wait_ready() {
	local t=${1:-60}
	if ! SN_WAIT=$t sn_wait_for st_dp_ready; then
		st_log "not ready after ${t}s; status:"
		st_snctl --json status >&2
		st_show_logs
		st_fail "appliance did not become ready"
	fi
	st_log "ready, generation $(st_generation)"
}

st_show_logs() {
	local f
	for f in "$OUT"/dataplane*.log "$OUT"/control*.log; do
		[ -f "$f" ] || continue
		echo "----- tail ${f##*/}" >&2
		tail -n 25 "$f" >&2
	done
}

# Everything up: config (with extra mkconf edits), wiring, dataplane,
# control, ready.
st_up() {
	st_require "$DP_BIN" "$CP_BIN" "$SNCTL_BIN"
	st_mkconf "$@"
	st_wiring
	st_start_dp
	st_start_cp
	st_wait_ready 90
}

# JSON expression over stdin (snj.py).
st_json() { "$PY" "$ST_DIR/snj.py" "$1"; }

# Total of one counter over all lcores (snctl stats --json).
st_counter() {
	st_snctl --json stats | st_json "counter(j, \"$1\")"
}
