#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# snctl with no sn-control behind its socket: one clear line on stderr,
# exit status 1, nothing on stdout; for the plain and the --json forms.
. "$(dirname "$0")/lib.sh"

st_require "$SNCTL_BIN"
sock=$OUT/absent/admin.sock
rm -rf "$OUT/absent"

for args in "status" "--json status" "sessions list" "stats"; do
	# shellcheck disable=SC2046,SC2086
	env $(sn_san_env "$SN_VARIANT" snctl) "$SNCTL_BIN" --socket "$sock" $args \
		>"$OUT/stdout" 2>"$OUT/stderr.log"
	rc=$?
	st_log "snctl $args: exit $rc, stderr: $(head -c 300 "$OUT/stderr.log")"
	[ "$rc" = 1 ] || st_fail "snctl $args: exit status $rc, expected 1"
	grep -qF "sn-control is not running (socket $sock)" "$OUT/stderr.log" ||
		st_fail "snctl $args: expected 'sn-control is not running (socket $sock)' on stderr"
	[ ! -s "$OUT/stdout" ] || st_fail "snctl $args: printed on stdout: $(head -c 200 "$OUT/stdout")"
done

# A socket file with nobody listening (stale socket of a crashed control).
mkdir -p "$OUT/absent"
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$sock"
# shellcheck disable=SC2046
env $(sn_san_env "$SN_VARIANT" snctl) "$SNCTL_BIN" --socket "$sock" status >"$OUT/stdout" 2>"$OUT/stderr.log"
rc=$?
st_log "snctl status on a stale socket: exit $rc, stderr: $(head -c 300 "$OUT/stderr.log")"
[ "$rc" = 1 ] || st_fail "stale socket: exit status $rc, expected 1"
# Beyond the contract's wording: any one-line message naming the socket.
grep -qF "$sock" "$OUT/stderr.log" || st_fail "stale socket: the message does not name $sock"
rm -rf "$OUT/absent"
exit 0
