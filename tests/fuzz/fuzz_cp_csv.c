/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the sessions.load CSV parser (control/cp_csv.c) on
 * arbitrary file contents, split into lines as cp_core_load() reads them
 * (getline: each line keeps its newline; a NUL ends the text the parser
 * sees).  Every line is parsed; a parsed spec must be well formed and
 * survive a format/parse round trip unchanged, and then goes through
 * cp_sessions_create() against an in-memory session table (three appliance
 * addresses, a small relay range) as the loader does.  The sessions made by
 * one input are removed before the next, so every input starts from the
 * same empty table.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "cp_core.h"
#include "cp_csv.h"
#include "cp_sessions.h"
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
#define FZ_ERR_FILL	0x5a
#define FZ_LINE_CAP	4096 /* > -max_len: one line is the whole input at most */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cp_sessions sess;
static bool ready;

/* The unit tests' configuration: 198.18.0.1/24, 2001:db8:1::1/64, 198.18.0.2/24. */
static void
fz_init(void)
{
	static const char *const addrs[FZ_N_ADDRS] = {"198.18.0.1", "2001:db8:1::1", "198.18.0.2"};
	static struct sn_config cfg;
	unsigned i;

	rcu_register_thread();
	sn_config_defaults(&cfg);
	cfg.dp.max_sessions = FZ_MAX_SESSIONS;
	cfg.relay.port_min = FZ_PORT_MIN;
	cfg.relay.port_max = FZ_PORT_MIN + FZ_NPORTS - 1;
	cfg.n_addrs = FZ_N_ADDRS;
	for (i = 0; i < FZ_N_ADDRS; i++) {
		memset(&cfg.addrs[i], 0, sizeof(cfg.addrs[i]));
		CHECK(sn_addr_parse(addrs[i], &cfg.addrs[i].addr) == 0);
		cfg.addrs[i].used = 1;
	}
	CHECK(cp_sessions_init(&sess, &cfg) == 0);
	ready = true;
}

/* Back to the empty table fz_init() made (ids from 0, next-fit cursors at the start). */
static void
fz_reset(void)
{
	struct cp_session **v;
	size_t n, i;

	v = cp_sessions_snapshot(&sess, &n, false);
	for (i = 0; i < n; i++)
		cp_sessions_remove(&sess, v[i]);
	free(v);
	CHECK(sess.count == 0);
	cp_sessions_rebuild_free(&sess);
	for (i = 0; i < FZ_N_ADDRS; i++) {
		CHECK(sess.pools[i].used == 0);
		sess.pools[i].cursor = 0;
	}
}

static bool
fam_ok(uint8_t f)
{
	return f == SN_FAM_NONE || f == SN_FAM_IPV4 || f == SN_FAM_IPV6;
}

/* Text form of a parsed local (address, or endpoint when a port was given). */
static void
fmt_local(const struct cp_leg_spec *l, char *buf, size_t len)
{
	if (l->local.family == SN_FAM_NONE)
		buf[0] = '\0';
	else if (l->local_port == 0)
		sn_addr_fmt(&l->local, buf, len);
	else
		sn_endpoint_fmt(&l->local, l->local_port, buf, len);
}

static void
fmt_remote(const struct cp_leg_spec *l, char *buf, size_t len)
{
	if (l->remote.family == SN_FAM_NONE)
		buf[0] = '\0';
	else
		sn_endpoint_fmt(&l->remote, l->remote_port, buf, len);
}

static bool
leg_eq(const struct cp_leg_spec *x, const struct cp_leg_spec *y)
{
	return sn_addr_eq(&x->local, &y->local) && x->local_port == y->local_port &&
	       sn_addr_eq(&x->remote, &y->remote) && x->remote_port == y->remote_port;
}

/* A spec cp_csv_parse_line() returned: well formed, and its text parses back to it. */
static void
check_spec(const struct cp_session_spec *spec, unsigned lineno)
{
	char ep[CP_CSV_FIELDS][SN_ENDPOINT_STRLEN], line[CP_CSV_LINE_MAX], err[CP_ERR_LEN];
	struct cp_session_spec again;
	bool latch = false;
	unsigned i;

	for (i = 0; i < 2; i++) {
		const struct cp_leg_spec *l = &spec->leg[i];

		CHECK(fam_ok(l->local.family) && fam_ok(l->remote.family));
		CHECK(l->local.family != SN_FAM_NONE || l->local_port == 0);
		if (l->remote.family == SN_FAM_NONE)
			latch = true;
		else
			CHECK(l->remote_port != 0);
		fmt_local(l, ep[2 * i], sizeof(ep[0]));
		fmt_remote(l, ep[2 * i + 1], sizeof(ep[0]));
	}
	CHECK(spec->latch == latch);
	CHECK(spec->family == 0 && spec->rate_bytes_per_s == 0 && spec->burst_bytes == 0);
	snprintf(line, sizeof(line), "%s,%s,%s,%s\n", ep[0], ep[1], ep[2], ep[3]);
	CHECK(cp_csv_parse_line(line, lineno, &again, err, sizeof(err)) == 1);
	CHECK(leg_eq(&spec->leg[0], &again.leg[0]) && leg_eq(&spec->leg[1], &again.leg[1]));
	CHECK(again.latch == spec->latch);
}

/* The loader's next step: the session table validates the spec. */
static void
check_create(const struct cp_session_spec *spec)
{
	char err[CP_ERR_LEN];
	struct cp_session *s = NULL;
	uint32_t count = sess.count;
	unsigned i;
	int ret;

	memset(err, FZ_ERR_FILL, sizeof(err));
	ret = cp_sessions_create(&sess, spec, FZ_NOW_NS, &s, err, sizeof(err));
	if (ret != 0) {
		CHECK(ret == -EINVAL || ret == -EADDRINUSE || ret == -ENOSPC);
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
		CHECK(sess.count == count);
		return;
	}
	CHECK(s != NULL && sess.count == count + 1);
	CHECK(s->id < FZ_MAX_SESSIONS && cp_sessions_find(&sess, s->id) == s);
	CHECK(s->state == CP_SESS_PENDING);
	CHECK(s->family == SN_FAM_IPV4 || s->family == SN_FAM_IPV6);
	CHECK((s->token != 0) == spec->latch);
	for (i = 0; i < 2; i++) {
		const struct cp_leg *l = &s->leg[i];
		unsigned leg;

		CHECK(l->local_addr_idx < FZ_N_ADDRS);
		CHECK(sess.addrs[l->local_addr_idx].family == s->family);
		CHECK(l->remote.family == SN_FAM_NONE || l->remote.family == s->family);
		CHECK(l->local_port != 0);
		CHECK(spec->leg[i].local_port == 0 || l->local_port == spec->leg[i].local_port);
		CHECK(spec->leg[i].local_port != 0 ||
			(l->local_port >= FZ_PORT_MIN && l->local_port < FZ_PORT_MIN + FZ_NPORTS));
		CHECK(cp_sessions_find_ep(&sess, l->local_addr_idx, l->local_port, &leg) == s);
		CHECK(leg == i);
	}
	CHECK(s->leg[0].local_addr_idx != s->leg[1].local_addr_idx ||
		s->leg[0].local_port != s->leg[1].local_port);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[FZ_LINE_CAP];
	struct cp_session_spec spec;
	char err[CP_ERR_LEN], prefix[32];
	const uint8_t *p = data, *end = data + size, *nl;
	unsigned lineno = 0;
	size_t n;
	int ret;

	if (!ready)
		fz_init();
	if (size >= FZ_LINE_CAP)
		return 0;
	fz_reset();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		lineno++;

		memset(err, FZ_ERR_FILL, sizeof(err));
		ret = cp_csv_parse_line(line, lineno, &spec, err, sizeof(err));
		CHECK(ret == 1 || ret == 0 || ret == -EINVAL);
		if (ret == 0)
			continue;
		if (ret < 0) {
			snprintf(prefix, sizeof(prefix), "line %u: ", lineno);
			CHECK(memchr(err, '\0', sizeof(err)) != NULL);
			CHECK(strncmp(err, prefix, strlen(prefix)) == 0);
			continue;
		}
		check_spec(&spec, lineno);
		check_create(&spec);
	}
	return 0;
}
