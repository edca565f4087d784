/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the control-plane unit tests: a configuration with three
 * appliance addresses and a small relay range, a fake clock, a reply sink
 * that keeps the replies, temporary shm paths.
 */
#ifndef CP_TEST_H
#define CP_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cp_core.h"
#include "cp_log.h"
#include "sn_addr.h"
#include "sn_config.h"

#define T_ADDR4	      "198.18.0.1"
#define T_ADDR6	      "2001:db8:1::1"
#define T_ADDR4B      "198.18.0.2"
#define T_PORT_MIN    50000
#define T_MAX_REPLIES 64
#define NS_PER_S_T    1000000000ull

static uint64_t t_now_ns = 1000 * NS_PER_S_T;

static inline uint64_t
t_clock(void)
{
	return t_now_ns;
}

/* A config: addresses 0 = 198.18.0.1/24, 1 = 2001:db8:1::1/64, 2 = 198.18.0.2/24. */
static inline void
t_config(struct sn_config *c, uint32_t max_sessions, uint16_t nports, const char *shm)
{
	static const char *const addrs[] = {T_ADDR4, T_ADDR6, T_ADDR4B};
	unsigned i;

	sn_config_defaults(c);
	c->dp.max_sessions = max_sessions;
	c->relay.port_min = T_PORT_MIN;
	c->relay.port_max = (uint16_t)(T_PORT_MIN + nports - 1);
	c->relay.stun_port = 3478;
	c->cp.idle_timeout_s = 0;
	c->n_ports = 1;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "p0");
	snprintf(c->ports[0].device, sizeof(c->ports[0].device), "net_null0");
	c->n_addrs = 3;
	for (i = 0; i < 3; i++) {
		memset(&c->addrs[i], 0, sizeof(c->addrs[i]));
		assert_int_equal(sn_addr_parse(addrs[i], &c->addrs[i].addr), 0);
		c->addrs[i].prefix_len = c->addrs[i].addr.family == SN_FAM_IPV4 ? 24 : 64;
		c->addrs[i].used = 1;
	}
	c->ports[0].first_addr = 0;
	c->ports[0].n_addrs = 3;
	if (shm != NULL)
		snprintf(c->dp.shm_path, sizeof(c->dp.shm_path), "%s", shm);
}

/* A unique shm path under /dev/shm for this process and tag. */
static inline void
t_shm_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/dev/shm/cp-test-%d-%s", (int)getpid(), tag);
	unlink(buf);
}

/* Replies captured by t_sink (parsed), newest last. */
struct t_replies {
	json_t *r[T_MAX_REPLIES];
	uint64_t conn[T_MAX_REPLIES];
	unsigned n;
};

static inline void
t_sink(void *arg, uint64_t conn_id, char *text, size_t len)
{
	struct t_replies *tr = arg;
	json_error_t e;
	json_t *j = json_loadb(text, len, 0, &e);

	if (j == NULL)
		fail_msg("reply is not JSON: %s: %.*s", e.text, (int)len, text);
	free(text);
	if (tr->n == T_MAX_REPLIES) {
		json_decref(tr->r[0]);
		memmove(tr->r, tr->r + 1, sizeof(tr->r[0]) * (T_MAX_REPLIES - 1));
		memmove(tr->conn, tr->conn + 1, sizeof(tr->conn[0]) * (T_MAX_REPLIES - 1));
		tr->n--;
	}
	tr->r[tr->n] = j;
	tr->conn[tr->n++] = conn_id;
}

static inline void
t_replies_clear(struct t_replies *tr)
{
	unsigned i;

	for (i = 0; i < tr->n; i++)
		json_decref(tr->r[i]);
	tr->n = 0;
}

static inline json_t *
t_last(struct t_replies *tr)
{
	assert_true(tr->n > 0);
	return tr->r[tr->n - 1];
}

static inline bool
t_ok(json_t *r)
{
	return json_is_true(json_object_get(r, "ok"));
}

static inline const char *
t_err(json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "error"));

	return s != NULL ? s : "";
}

#endif /* CP_TEST_H */
