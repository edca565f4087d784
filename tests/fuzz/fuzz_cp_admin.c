/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the admin protocol (control/cp_admin.c) through
 * cp_admin_handle(), the entry point sn-control's socket server calls, on an
 * in-memory control core with no dataplane attached (the mailbox is never
 * polled, so nothing maps shared memory and sessions.add/load answer
 * "dataplane not running" before touching a file).
 *
 * The input is what one connection sends: split into request lines as
 * cp_server's conn_process() does (at '\n', one trailing '\r' dropped, empty
 * lines skipped; a last line without its newline counts too), each line
 * handed over in a buffer of exactly its length.  Every input starts from
 * the same state: three ACTIVE sessions (ids 0..2: IPv4, IPv4 latching with
 * a rate, IPv6) that show, list, del and flush requests can find.  Each
 * line must produce exactly one reply, synchronously: a JSON object with a
 * boolean "ok", an "error" string when not ok, and the request's "tag"
 * echoed when the request was an object carrying one.  No request may stay
 * waiting.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <urcu.h>

#include "cp_admin.h"
#include "cp_core.h"
#include "cp_csv.h"
#include "cp_log.h"
#include "sn_addr.h"
#include "sn_config.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define FZ_MAX_SESSIONS 32
#define FZ_PORT_MIN	50000
#define FZ_NPORTS	16
#define FZ_N_ADDRS	3
#define FZ_NOW_NS	UINT64_C(1000000000000)
#define FZ_CONN_ID	7
#define FZ_MAX_LINES	16 /* request lines handled per input */

/* The error of requests that need a dataplane (cp_core_dp_ready(), detached). */
static const char fz_no_dp[] = "dataplane not running (no shared memory)";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sn_config cfg;
static struct cp_core core;
static bool ready;

/* Replies of the current request line. */
static unsigned n_replies;
static json_t *reply;

static uint64_t
fz_clock(void)
{
	return FZ_NOW_NS;
}

/* The reply sink: every reply is one JSON object; keep the last one. */
static void
fz_sink(void *arg, uint64_t conn_id, char *text, size_t len)
{
	json_error_t e;
	json_t *j;

	CHECK(conn_id == FZ_CONN_ID);
	CHECK(len == strlen(text) && memchr(text, '\n', len) == NULL);
	j = json_loadb(text, len, 0, &e);
	free(text);
	CHECK(j != NULL && json_is_object(j));
	json_decref(reply);
	reply = j;
	n_replies++;
}

/* Sessions present at the start of every input (the CSV forms of cp_csv.h). */
static const char *const fz_seed_sessions[] = {
	"198.18.0.1,198.18.0.11:5000,198.18.0.1:50010,198.18.0.12:6000",
	",,198.18.0.2,",
	"[2001:db8:1::1]:50001,[2001:db8:1::11]:5000,,[2001:db8:1::12]:6000",
};
#define FZ_SEED_RATE 125000 /* bytes/s of the latching session */

static void
fz_init(void)
{
	static const char *const addrs[FZ_N_ADDRS] = {"198.18.0.1", "2001:db8:1::1", "198.18.0.2"};
	unsigned i;

	rcu_register_thread();
	cp_log_max = CP_LOG_ERROR;
	sn_config_defaults(&cfg);
	cfg.dp.max_sessions = FZ_MAX_SESSIONS;
	cfg.relay.port_min = FZ_PORT_MIN;
	cfg.relay.port_max = FZ_PORT_MIN + FZ_NPORTS - 1;
	cfg.relay.stun_port = 3478;
	cfg.cp.idle_timeout_s = 0;
	cfg.n_ports = 1;
	snprintf(cfg.ports[0].name, sizeof(cfg.ports[0].name), "p0");
	snprintf(cfg.ports[0].device, sizeof(cfg.ports[0].device), "net_null0");
	cfg.n_addrs = FZ_N_ADDRS;
	for (i = 0; i < FZ_N_ADDRS; i++) {
		memset(&cfg.addrs[i], 0, sizeof(cfg.addrs[i]));
		CHECK(sn_addr_parse(addrs[i], &cfg.addrs[i].addr) == 0);
		cfg.addrs[i].prefix_len = cfg.addrs[i].addr.family == SN_FAM_IPV4 ? 24 : 64;
		cfg.addrs[i].used = 1;
	}
	cfg.ports[0].first_addr = 0;
	cfg.ports[0].n_addrs = FZ_N_ADDRS;
	/* Never mapped (the mailbox is not polled); a name nobody else uses anyway. */
	snprintf(cfg.dp.shm_path, sizeof(cfg.dp.shm_path), "/dev/shm/sn-fuzz-cp-admin-%d",
		(int)getpid());
	CHECK(cp_core_init(&core, &cfg, fz_clock, fz_sink, NULL) == 0);
	ready = true;
}

/* Back to the seed sessions, ids 0.. in order, relay ports from the start of the range. */
static void
fz_reset(void)
{
	struct cp_session_spec spec;
	struct cp_session **v, *s;
	char line[CP_CSV_LINE_MAX], err[CP_ERR_LEN];
	size_t n, i;

	CHECK(core.waiters == NULL);
	v = cp_sessions_snapshot(&core.sess, &n, false);
	for (i = 0; i < n; i++)
		cp_sessions_remove(&core.sess, v[i]);
	free(v);
	CHECK(core.sess.count == 0);
	cp_sessions_rebuild_free(&core.sess);
	for (i = 0; i < FZ_N_ADDRS; i++)
		core.sess.pools[i].cursor = 0;
	for (i = 0; i < sizeof(fz_seed_sessions) / sizeof(fz_seed_sessions[0]); i++) {
		snprintf(line, sizeof(line), "%s", fz_seed_sessions[i]);
		CHECK(cp_csv_parse_line(line, 1, &spec, err, sizeof(err)) == 1);
		if (spec.latch)
			spec.rate_bytes_per_s = FZ_SEED_RATE;
		CHECK(cp_sessions_create(&core.sess, &spec, FZ_NOW_NS, &s, err, sizeof(err)) == 0);
		CHECK(s->id == i);
		cp_sessions_set_state(&core.sess, s, CP_SESS_ACTIVE);
	}
}

/*
 * A sessions.add the handler accepted but could not send (no dataplane):
 * its spec must parse, and the session table then does what cp_core_add()
 * would do with it.  A session made is marked ACTIVE (as if confirmed before
 * the dataplane went away), so later lines of the input can show, list and
 * delete it.
 */
static void
fz_add_anyway(json_t *req)
{
	struct cp_session_spec spec;
	struct cp_session *s;
	char err[CP_ERR_LEN];
	unsigned i;

	CHECK(cp_admin_parse_add(req, &spec, err, sizeof(err)) == 0);
	if (cp_sessions_create(&core.sess, &spec, FZ_NOW_NS, &s, err, sizeof(err)) != 0) {
		CHECK(err[0] != '\0');
		return;
	}
	CHECK(s->family == SN_FAM_IPV4 || s->family == SN_FAM_IPV6);
	CHECK(spec.family == 0 || s->family == spec.family);
	CHECK((s->token != 0) == spec.latch);
	CHECK(s->rate_bytes_per_s == spec.rate_bytes_per_s);
	CHECK(s->rate_bytes_per_s == 0 || s->burst_bytes != 0);
	for (i = 0; i < 2; i++) {
		CHECK(s->leg[i].local_addr_idx < FZ_N_ADDRS && s->leg[i].local_port != 0);
		CHECK(core.sess.addrs[s->leg[i].local_addr_idx].family == s->family);
		CHECK(s->leg[i].remote.family == SN_FAM_NONE ||
			s->leg[i].remote.family == s->family);
	}
	cp_sessions_set_state(&core.sess, s, CP_SESS_ACTIVE);
}

/* One request line: exactly one reply, well formed, tag echoed. */
static void
fz_request(const char *line, size_t len)
{
	json_t *req, *tag, *ok;
	const char *e = NULL;

	n_replies = 0;
	cp_admin_handle(&core, line, len, FZ_CONN_ID);
	CHECK(n_replies == 1);
	CHECK(core.waiters == NULL);
	ok = json_object_get(reply, "ok");
	CHECK(json_is_boolean(ok));
	if (json_is_false(ok)) {
		e = json_string_value(json_object_get(reply, "error"));
		CHECK(e != NULL && e[0] != '\0');
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	tag = json_is_object(req) ? json_object_get(req, "tag") : NULL;
	if (tag != NULL)
		CHECK(json_equal(tag, json_object_get(reply, "tag")));
	if (json_is_false(ok) && strcmp(e, fz_no_dp) == 0 &&
		strcmp(json_string_value(json_object_get(req, "cmd")), "sessions.add") == 0)
		fz_add_anyway(req);
	json_decref(req);
	CHECK(core.sess.count <= FZ_MAX_SESSIONS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	unsigned lines = 0;
	size_t len;

	if (!ready)
		fz_init();
	fz_reset();
	while (p < end && lines < FZ_MAX_LINES) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (len != 0 && p[len - 1] == '\r')
			len--;
		if (len != 0) {
			/* An exact-size copy, so a read past the line is an ASan error. */
			char *copy = malloc(len);

			CHECK(copy != NULL);
			memcpy(copy, p, len);
			fz_request(copy, len);
			free(copy);
			lines++;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	json_decref(reply);
	reply = NULL;
	return 0;
}
