# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared shell helpers for scripts/* and tests/system/*.  Source it; it sets
# SN_ROOT (the repository) and defines small helpers.  No side effects.

SN_ROOT=${SN_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Debian's interpreter: it has scapy and aioice (a pyenv shim on PATH may not).
SN_PY=${SN_PY:-/usr/bin/python3}
# Where build dirs live (build/, build-asan/, ...).  Default: the repository.
SN_BUILD_BASE=${SN_BUILD_BASE:-$SN_ROOT}
# Runtime directory of the appliance started by scripts/start.
SN_RUN_DIR=${SN_RUN_DIR:-/run/supernode}

export DEBIAN_FRONTEND=noninteractive

sn_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
sn_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

sn_need_root() {
	[ "$(id -u)" = 0 ] || sn_die "must run as root (network namespaces, hugepages, apt)"
}

# Build directory of a variant: release -> build, asan -> build-asan, ...
sn_build_dir() {
	case "$1" in
	release|"") echo "$SN_BUILD_BASE/build" ;;
	asan|tsan|fuzz) echo "$SN_BUILD_BASE/build-$1" ;;
	*) return 1 ;;
	esac
}

# Sanitizer runtime options for processes of a build variant (printed as
# env assignments, for `env $(sn_san_env VARIANT ROLE) cmd`).  ROLE is
# dataplane (DPDK: its EAL and uninstrumented libraries leak by design)
# or other.  Reports go to stderr (the log); halt_on_error=0 so one report
# does not hide the next and the harness greps the log for them.
sn_san_env() {
	local variant=$1 role=${2:-other} leaks=1
	[ "$role" = dataplane ] && leaks=0
	case "$variant" in
	asan)
		echo "ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0:halt_on_error=0:print_summary=1:detect_odr_violation=0:allocator_may_return_null=1"
		echo "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=0"
		echo "LSAN_OPTIONS=suppressions=$SN_ROOT/tests/system/lsan.supp:print_suppressions=0"
		;;
	tsan)
		echo "TSAN_OPTIONS=report_signal_unsafe=0:halt_on_error=0:second_deadlock_stack=1:history_size=4:suppress_equal_addresses=0:suppressions=$SN_ROOT/tests/system/tsan.supp"
		;;
	esac
}

# Sanitizer findings in a log file (prints them; status 0 if any).
sn_san_findings() {
	grep -E 'ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|ThreadSanitizer: (reported|FATAL)|runtime error:|SUMMARY: (Address|Undefined|Thread)' "$@" 2>/dev/null
}

# Print the dataplane generation that `SNCTL --socket SOCK --json status`
# reports as published (non-zero) by a running dataplane; status 1 when
# there is none yet (not answering, detached, 0, or the shm file of a
# dataplane that stopped: sn-control may still be attached to the
# previous file for a moment after both were restarted).
SN_GEN_EXPR='[d["generation"] for d in [j["dataplane"]] if d.get("state") == "running" and d.get("generation")][0]'
sn_generation() { # SNCTL SOCK
	"$1" --socket "$2" --json status 2>/dev/null |
		"$SN_PY" "$SN_ROOT/tests/system/snj.py" "$SN_GEN_EXPR" 2>/dev/null
}

# Wait until "$@" succeeds, at most $SN_WAIT seconds (default 20) polling
# every 0.1 s.  Status 0 if it did.
sn_wait_for() {
	local deadline=$(( $(date +%s) + ${SN_WAIT:-20} ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# Stop a process by pid: SIGTERM, wait up to $2 seconds (default 10), then
# SIGKILL.  Only the given pid.  Status 0 if it exited on SIGTERM.
sn_stop_pid() {
	local pid=$1 t=$(( ${2:-10} * 10 )) i=0
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt "$t" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
		return 1
	fi
	return 0
}

# Remove what a dataplane with EAL file prefix $1 may leave behind after an
# unclean exit: hugepage backing files (they keep pages reserved) and the
# EAL runtime directory.  Only call once that dataplane is gone.
sn_dpdk_cleanup() {
	local fp=$1 d
	[ -n "$fp" ] || return 0
	for d in /dev/hugepages $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts 2>/dev/null); do
		rm -f "$d/${fp}map_"* 2>/dev/null
	done
	rm -rf "/var/run/dpdk/$fp" 2>/dev/null
	return 0
}

# Value of KEY in [SECTION] of an INI file (first one; SECTION may end in *
# to match a prefix, e.g. "port*"), else DEFAULT.
sn_conf_get() {
	local file=$1 sec=$2 key=$3 def=${4:-} v
	v=$(awk -v sec="$sec" -v key="$key" '
		function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
		/^[ \t]*[;#]/ { next }
		/^[ \t]*\[/ {
			s = $0; sub(/^[ \t]*\[/, "", s); sub(/\].*$/, "", s); s = trim(s)
			if (substr(sec, length(sec)) == "*") in_sec = index(s, substr(sec, 1, length(sec) - 1)) == 1
			else in_sec = (s == sec)
			next
		}
		in_sec && index($0, "=") {
			k = trim(substr($0, 1, index($0, "=") - 1))
			if (k == key) { v = trim(substr($0, index($0, "=") + 1)); sub(/[ \t]+[;#].*$/, "", v); print v; exit }
		}' "$file" 2>/dev/null)
	printf '%s\n' "${v:-$def}"
}
