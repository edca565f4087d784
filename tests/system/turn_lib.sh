# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Common part of the TURN system tests (source it after lib.sh): credential
# files, a self-signed TLS certificate and the [turn] config keys, all in
# the test's $OUT directory.
#
#   turn_files          users file (coturn format: alice, bob, carol, dave),
#                       REST secrets file; TURN_USER/TURN_PASS (alice),
#                       TURN_USER2/TURN_PASS2 (bob), TURN_USERS (all, as
#                       name:pass,...), TURN_SECRET
#   turn_cert           $OUT/turn-cert.pem and $OUT/turn-key.pem (openssl CLI,
#                       self-signed, CN and SAN 198.18.0.1 / 2001:db8:1::1)
#   turn_conf_args      the mkconf edits for [turn], into the array TURN_CONF
#   turn_up [mkconf edits...]
#                       files + config + st_up
#   turn_counter NAME   prints the counter (st_counter); fails (in the
#                       command substitution: add "|| exit 1") when absent
#   turn_app_addrs 4|6|all  the appliance addresses of the config

TURN_REALM=supernode.test
TURN_USER=alice TURN_PASS=secret
TURN_USER2=bob TURN_PASS2=hunter2
TURN_USERS=$TURN_USER:$TURN_PASS,$TURN_USER2:$TURN_PASS2,carol:c4rol-pw,dave:d4ve-pw
TURN_SECRET=rest-secret-for-tests
TURN_USERS_FILE=$OUT/turn-users
TURN_SECRETS_FILE=$OUT/turn-secrets
TURN_CERT=$OUT/turn-cert.pem
TURN_KEY=$OUT/turn-key.pem

turn_files() {
	local um
	um=$(umask)
	umask 077
	{
		echo "# coturn turnuserdb format: name:password"
		tr ',' '\n' <<<"$TURN_USERS"
	} >"$TURN_USERS_FILE"
	printf '%s\n' "# TURN REST API shared secrets" "$TURN_SECRET" >"$TURN_SECRETS_FILE"
	umask "$um"
}

turn_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=$APP4" -addext "subjectAltName=IP:$APP4,IP:$APP6" \
		-keyout "$TURN_KEY" -out "$TURN_CERT" >"$OUT/openssl.log" 2>&1 ||
		{ cat "$OUT/openssl.log" >&2; st_fail "openssl could not make a certificate"; }
}

# The [turn] keys every TURN test sets (then the test's own edits).
turn_conf_args() {
	TURN_CONF=(
		--set "turn/enabled=yes"
		--set "turn/realm=$TURN_REALM"
		--set "turn/users_file=$TURN_USERS_FILE"
		--set "turn/secrets_file=$TURN_SECRETS_FILE"
	)
}

turn_up() {
	turn_files
	turn_conf_args
	st_up "${TURN_CONF[@]}" "$@"
	grep -i -E 'turn|listen' "$CP_LOG" | head -20 >&2
}

turn_counter() {
	local v
	v=$(st_counter "$1") || st_fail "no counter $1 in snctl stats"
	[[ $v =~ ^[0-9]+$ ]] || st_fail "counter $1 is '$v'"
	echo "$v"
}

# The appliance addresses of the test's config ([port ...] address keys),
# without prefix length, one per line: turn_app_addrs 4|6|all.
turn_app_addrs() {
	awk -v fam="$1" '
		/^[ \t]*\[/ { inport = ($0 ~ /^[ \t]*\[port /) }
		inport && /^[ \t]*address[ \t]*=/ {
			a = $0; sub(/^[^=]*=[ \t]*/, "", a); sub(/\/.*$/, "", a)
			if (fam == "all" || (fam == 6) == (index(a, ":") > 0)) print a
		}' "$CONF"
}
