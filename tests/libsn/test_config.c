/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_config.h: the shipped conf/supernode.conf, defaults,
 * the address table, and a table of bad files whose messages must name
 * file:line, the section and the key.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "sn_addr.h"
#include "sn_config.h"

#ifndef SN_SOURCE_ROOT
#define SN_SOURCE_ROOT "."
#endif
#define SHIPPED_CONF SN_SOURCE_ROOT "/" SN_DEFAULT_CONFIG
#define ERR_LEN	     512

static char tmpdir[64];
static char tmpfile_path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sn-test-config-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/x.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tmpfile_path);
	rmdir(tmpdir);
	return 0;
}

/* Write text to the scratch file and load it. */
static int
load_text(const char *text, struct sn_config *c, char *err)
{
	FILE *f = fopen(tmpfile_path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	return sn_config_load(tmpfile_path, c, err, ERR_LEN);
}

static void
addr_of(const char *s, struct sn_abi_addr *a)
{
	assert_int_equal(sn_addr_parse(s, a), 0);
}

#define PORT_OK "[port p0]\ndevice = net_null0\n"
/* a port with an IPv4 and an IPv6 address, then [turn] (line 5 is the first key) */
#define PORT_OK_TURN PORT_OK "address = 198.18.0.1/24\naddress = 2001:db8:1::1/64\n[turn]\n"

/* ------------------------------------------------------------- good files */

static void
test_shipped_config(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	struct sn_config *d = calloc(1, sizeof(*d));
	struct sn_abi_addr a;
	char err[ERR_LEN];
	int rc;

	(void)state;
	rc = sn_config_load(SHIPPED_CONF, c, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: %s", SHIPPED_CONF, err);
	sn_config_defaults(d);
	assert_string_equal(c->path, SHIPPED_CONF);
	/* the embedded default wiring (brief: virtual wiring) */
	assert_int_equal(c->dp.main_lcore, 0);
	assert_int_equal(c->dp.n_workers, 1);
	assert_int_equal(c->dp.workers[0], 1);
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].name, "p0");
	assert_string_equal(c->ports[0].device, "net_af_packet0,iface=dp0,qpairs=2");
	assert_string_equal(c->ports[0].tap, "sntap0");
	assert_int_equal(c->n_addrs, 4);
	assert_int_equal(c->ports[0].first_addr, 0);
	assert_int_equal(c->ports[0].n_addrs, 4);
	addr_of("198.18.0.1", &a);
	assert_int_equal(sn_config_addr_index(c, &a), 0);
	assert_int_equal(c->addrs[0].prefix_len, 24);
	addr_of("2001:db8:1::1", &a);
	assert_int_equal(sn_config_addr_index(c, &a), 1);
	assert_int_equal(c->addrs[1].prefix_len, 64);
	addr_of("198.18.0.3", &a);
	assert_int_equal(sn_config_addr_index(c, &a), 3);
	assert_int_equal(c->addrs[1].port_idx, 0);
	assert_int_equal(c->addrs[1].used, 1);
	/* the rest are the documented defaults */
	assert_int_equal(c->dp.huge, d->dp.huge);
	assert_int_equal(c->dp.mem_mb, d->dp.mem_mb);
	assert_int_equal(c->dp.mbufs, d->dp.mbufs);
	assert_int_equal(c->dp.max_sessions, d->dp.max_sessions);
	assert_int_equal(c->dp.burst, d->dp.burst);
	assert_int_equal(c->dp.punt_rate_pps, d->dp.punt_rate_pps);
	assert_int_equal(c->dp.punt_rate_stream_pps, d->dp.punt_rate_stream_pps);
	assert_int_equal(c->dp.cmds_per_loop, d->dp.cmds_per_loop);
	assert_int_equal(c->dp.idle_sleep_us, d->dp.idle_sleep_us);
	assert_int_equal(c->dp.idle_after_us, d->dp.idle_after_us);
	assert_int_equal(c->dp.cmd_slots, d->dp.cmd_slots);
	assert_int_equal(c->dp.cpl_slots, d->dp.cpl_slots);
	assert_string_equal(c->dp.shm_path, d->dp.shm_path);
	assert_string_equal(c->dp.file_prefix, d->dp.file_prefix);
	assert_string_equal(c->dp.eal_args, d->dp.eal_args);
	assert_int_equal(c->ports[0].rx_desc, 1024);
	assert_int_equal(c->ports[0].tx_desc, 1024);
	assert_int_equal(c->ports[0].mtu, 1500);
	assert_int_equal(c->ports[0].gateway4.family, SN_FAM_NONE);
	assert_int_equal(c->ports[0].gateway6.family, SN_FAM_NONE);
	assert_false(c->ports[0].has_gateway_mac);
	assert_int_equal(c->relay.stun_port, d->relay.stun_port);
	assert_int_equal(c->relay.port_min, 16384); /* widened for 147k TURN allocations */
	assert_int_equal(c->relay.port_max, d->relay.port_max);
	assert_string_equal(c->cp.admin_socket, d->cp.admin_socket);
	assert_int_equal(c->cp.idle_timeout_s, d->cp.idle_timeout_s);
	assert_int_equal(c->cp.replay_timeout_ms, d->cp.replay_timeout_ms);
	assert_string_equal(c->cp.log_level, d->cp.log_level);
	/* [turn]: every key documented, all at their defaults */
	assert_true(c->turn.enabled);
	assert_string_equal(c->turn.realm, d->turn.realm);
	assert_string_equal(c->turn.software, d->turn.software);
	assert_int_equal(c->turn.tcp_port, d->turn.tcp_port);
	assert_int_equal(c->turn.n_tls_ports, d->turn.n_tls_ports);
	assert_memory_equal(c->turn.tls_ports, d->turn.tls_ports, sizeof(c->turn.tls_ports));
	assert_string_equal(c->turn.tls_cert, "");
	assert_string_equal(c->turn.tls_key, "");
	assert_string_equal(c->turn.users_file, d->turn.users_file);
	assert_string_equal(c->turn.secrets_file, d->turn.secrets_file);
	assert_int_equal(c->turn.nonce_lifetime_s, d->turn.nonce_lifetime_s);
	assert_int_equal(c->turn.default_lifetime_s, d->turn.default_lifetime_s);
	assert_int_equal(c->turn.max_lifetime_s, d->turn.max_lifetime_s);
	/* relay addresses default to every appliance address */
	assert_int_equal(c->turn.n_relay_addrs, 4);
	assert_int_equal(c->turn.relay_addr_idx[0], 0);
	assert_int_equal(c->turn.relay_addr_idx[1], 1);
	assert_int_equal(c->turn.relay_addr_idx[3], 3);
	assert_int_equal(c->turn.n_allowed_peers, 0);
	assert_int_equal(c->turn.n_denied_peers, 0);
	assert_int_equal(c->turn.user_quota, 0);
	assert_int_equal(c->turn.total_quota, 0);
	assert_int_equal(c->turn.max_alloc_kbps, 0);
	assert_int_equal(c->turn.user_kbps_quota, 0);
	assert_int_equal(c->turn.kbps_capacity, 0);
	assert_int_equal(c->turn.error_rate_pps, d->turn.error_rate_pps);
	free(c);
	free(d);
}

/*
 * Every key of the loader appears in the shipped file, documented (as a
 * "key = " or ";key = " line): the file is the reference for operators.
 */
static void
test_shipped_documents_every_key(void **state)
{
	static const char *const turn_keys[] = {"enabled", "realm", "software", "tcp_port",
		"tls_ports", "tls_cert", "tls_key", "users_file", "secrets_file",
		"nonce_lifetime_s", "default_lifetime_s", "max_lifetime_s", "relay_address",
		"allowed_peer", "denied_peer", "user_quota", "total_quota", "max_alloc_kbps",
		"user_kbps_quota", "kbps_capacity", "error_rate_pps"};
	FILE *f = fopen(SHIPPED_CONF, "r");
	char *text = calloc(1, 1 << 20), *turn, want[64];
	size_t n, i;

	(void)state;
	assert_non_null(f);
	n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[n] = '\0';
	turn = strstr(text, "\n[turn]\n");
	assert_non_null(turn);
	for (i = 0; i < sizeof(turn_keys) / sizeof(turn_keys[0]); i++) {
		snprintf(want, sizeof(want), "\n;%s = ", turn_keys[i]);
		if (strstr(turn, want) == NULL)
			fail_msg("[turn] %s is not documented in %s", turn_keys[i], SHIPPED_CONF);
	}
	free(text);
}

static void
test_defaults(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));

	(void)state;
	sn_config_defaults(c);
	assert_int_equal(c->dp.main_lcore, 0);
	assert_int_equal(c->dp.n_workers, 1);
	assert_int_equal(c->dp.workers[0], 1);
	assert_int_equal(c->dp.huge, SN_HUGE_AUTO);
	assert_int_equal(c->dp.mem_mb, 512);
	assert_int_equal(c->dp.mbufs, 16383);
	assert_int_equal(c->dp.max_sessions, 1048576);
	assert_int_equal(c->dp.burst, 32);
	assert_int_equal(c->dp.punt_rate_pps, 10000);
	assert_int_equal(c->dp.punt_rate_stream_pps, 50000);
	assert_int_equal(c->dp.cmds_per_loop, 256);
	assert_int_equal(c->dp.idle_sleep_us, 500);
	assert_int_equal(c->dp.idle_after_us, 1000);
	assert_int_equal(c->dp.cmd_slots, 65536);
	assert_int_equal(c->dp.cpl_slots, 65536);
	assert_string_equal(c->dp.shm_path, SN_SHM_DEFAULT_PATH);
	assert_string_equal(c->dp.file_prefix, "supernode");
	assert_string_equal(c->dp.eal_args, "");
	assert_int_equal(c->n_ports, 0);
	assert_int_equal(c->n_addrs, 0);
	assert_int_equal(c->relay.stun_port, 3478);
	assert_int_equal(c->relay.port_min, 49152);
	assert_int_equal(c->relay.port_max, 65535);
	assert_string_equal(c->cp.admin_socket, "/run/supernode/admin.sock");
	assert_int_equal(c->cp.idle_timeout_s, 120);
	assert_int_equal(c->cp.replay_timeout_ms, 1000);
	assert_string_equal(c->cp.log_level, "info");
	assert_true(c->turn.enabled);
	assert_string_equal(c->turn.realm, "supernode");
	assert_string_equal(c->turn.software, "supernode");
	assert_int_equal(c->turn.tcp_port, 3478);
	assert_int_equal(c->turn.n_tls_ports, 2);
	assert_int_equal(c->turn.tls_ports[0], 5349);
	assert_int_equal(c->turn.tls_ports[1], 443);
	assert_string_equal(c->turn.tls_cert, "");
	assert_string_equal(c->turn.users_file, "/var/lib/supernode/turn-users");
	assert_string_equal(c->turn.secrets_file, "/var/lib/supernode/turn-secrets");
	assert_int_equal(c->turn.nonce_lifetime_s, 600);
	assert_int_equal(c->turn.default_lifetime_s, 600);
	assert_int_equal(c->turn.max_lifetime_s, 3600);
	assert_int_equal(c->turn.error_rate_pps, 20);
	assert_int_equal(c->turn.user_quota, 0);
	assert_int_equal(c->turn.total_quota, 0);
	free(c);
}

/* Smallest valid file: one port with a device; per-port defaults. */
static void
test_minimal(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load_text("[port wan]\ndevice = 0000:3b:00.0\n", c, err), 0);
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].tap, "sntap0");
	assert_int_equal(c->ports[0].rx_desc, 1024);
	assert_int_equal(c->ports[0].mtu, 1500);
	assert_int_equal(c->ports[0].n_addrs, 0);
	assert_int_equal(c->dp.n_workers, 1);
	free(c);
}

/* Every key set; several ports; address table in config order. */
static void
test_full(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf; a BOM, comments, blank lines, indentation and CRLF\r\n"
		"# hash comment\n"
		"\n"
		"[dataplane]\n"
		"  main_lcore = 3 ; inline comment\n"
		"  workers = 1, 2 ,4\n"
		"  huge = off\n"
		"  mem_mb = 1024\n"
		"  mbufs = 32767\n"
		"  max_sessions = 4096\n"
		"  burst = 64\n"
		"  punt_rate_pps = 100\n"
		"  punt_rate_stream_pps = 7000\n"
		"  cmds_per_loop = 64\n"
		"  idle_sleep_us = 0\n"
		"  idle_after_us = 250\n"
		"  cmd_slots = 1024\n"
		"  cpl_slots = 2048\n"
		"  shm_path = /dev/shm/sn-test\n"
		"  file_prefix = sn-test_1\n"
		"  eal_args = --log-level=lib.eal:debug --no-pci\n"
		"[port lan]\r\n"
		"device = net_af_packet0,iface=dp0,qpairs=2\n"
		"tap = sntapA\n"
		"rx_desc = 512\n"
		"tx_desc = 2048\n"
		"mtu = 9000\n"
		"address = 198.18.0.1/24\n"
		"address = 2001:db8:1::1/64\n"
		"address = 198.18.0.2/24\n"
		"gateway4 = 198.18.0.254\n"
		"gateway6 = fe80::1\n"
		"gateway_mac = 02:00:00:AA:bb:01\n"
		"[relay]\n"
		"stun_port = 3479\n"
		"port_min = 20000\n"
		"port_max = 20999\n"
		"[control]\n"
		"admin_socket = /tmp/sn-test.sock\n"
		"idle_timeout_s = 0\n"
		"replay_timeout_ms = 250\n"
		"log_level = debug\n"
		"[ port  wan ]\n"
		"device = net_null0\n"
		"address = 203.0.113.5/32\n";
	static const uint8_t mac[6] = {0x02, 0, 0, 0xaa, 0xbb, 0x01};
	struct sn_config *c = calloc(1, sizeof(*c));
	struct sn_abi_addr a;
	char err[ERR_LEN];
	int rc;

	(void)state;
	rc = load_text(text, c, err);
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(c->dp.main_lcore, 3);
	assert_int_equal(c->dp.n_workers, 3);
	assert_int_equal(c->dp.workers[0], 1);
	assert_int_equal(c->dp.workers[1], 2);
	assert_int_equal(c->dp.workers[2], 4);
	assert_int_equal(c->dp.huge, SN_HUGE_OFF);
	assert_int_equal(c->dp.mem_mb, 1024);
	assert_int_equal(c->dp.mbufs, 32767);
	assert_int_equal(c->dp.max_sessions, 4096);
	assert_int_equal(c->dp.burst, 64);
	assert_int_equal(c->dp.punt_rate_pps, 100);
	assert_int_equal(c->dp.punt_rate_stream_pps, 7000);
	assert_int_equal(c->dp.cmds_per_loop, 64);
	assert_int_equal(c->dp.idle_sleep_us, 0);
	assert_int_equal(c->dp.idle_after_us, 250);
	assert_int_equal(c->dp.cmd_slots, 1024);
	assert_int_equal(c->dp.cpl_slots, 2048);
	assert_string_equal(c->dp.shm_path, "/dev/shm/sn-test");
	assert_string_equal(c->dp.file_prefix, "sn-test_1");
	assert_string_equal(c->dp.eal_args, "--log-level=lib.eal:debug --no-pci");
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "lan");
	assert_string_equal(c->ports[0].tap, "sntapA");
	assert_int_equal(c->ports[0].rx_desc, 512);
	assert_int_equal(c->ports[0].tx_desc, 2048);
	assert_int_equal(c->ports[0].mtu, 9000);
	assert_int_equal(c->ports[0].first_addr, 0);
	assert_int_equal(c->ports[0].n_addrs, 3);
	addr_of("198.18.0.254", &a);
	assert_true(sn_addr_eq(&c->ports[0].gateway4, &a));
	addr_of("fe80::1", &a);
	assert_true(sn_addr_eq(&c->ports[0].gateway6, &a));
	assert_true(c->ports[0].has_gateway_mac);
	assert_memory_equal(c->ports[0].gateway_mac, mac, 6);
	assert_string_equal(c->ports[1].name, "wan");
	assert_string_equal(c->ports[1].device, "net_null0");
	assert_string_equal(c->ports[1].tap, "sntap1");
	assert_int_equal(c->ports[1].first_addr, 3);
	assert_int_equal(c->ports[1].n_addrs, 1);
	assert_false(c->ports[1].has_gateway_mac);
	assert_int_equal(c->n_addrs, 4);
	addr_of("198.18.0.2", &a);
	assert_int_equal(sn_config_addr_index(c, &a), 2);
	addr_of("203.0.113.5", &a);
	assert_int_equal(sn_config_addr_index(c, &a), 3);
	assert_int_equal(c->addrs[3].port_idx, 1);
	assert_int_equal(c->addrs[3].prefix_len, 32);
	addr_of("203.0.113.6", &a);
	assert_int_equal(sn_config_addr_index(c, &a), -1);
	/* same bytes, other family: not the same address */
	memset(&a, 0, sizeof(a));
	a.family = SN_FAM_IPV6;
	memcpy(a.bytes, c->addrs[0].addr.bytes, 4);
	assert_int_equal(sn_config_addr_index(c, &a), -1);
	assert_int_equal(c->relay.stun_port, 3479);
	assert_int_equal(c->relay.port_min, 20000);
	assert_int_equal(c->relay.port_max, 20999);
	assert_string_equal(c->cp.admin_socket, "/tmp/sn-test.sock");
	assert_int_equal(c->cp.idle_timeout_s, 0);
	assert_int_equal(c->cp.replay_timeout_ms, 250);
	assert_string_equal(c->cp.log_level, "debug");
	free(c);
}

/* [turn] with every key set. */
static void
test_turn_full(void **state)
{
	static const char text[] = "[port p0]\n"
				   "device = net_null0\n"
				   "address = 198.18.0.1/24\n"
				   "address = 2001:db8:1::1/64\n"
				   "address = 198.18.0.2/24\n"
				   "[turn]\n"
				   "enabled = Off\n"
				   "realm = example.org\n"
				   "software =\n"
				   "tcp_port = 0\n"
				   "tls_ports = 443 , 5349,8443\n"
				   "tls_cert = /etc/sn/chain.pem\n"
				   "tls_key = /etc/sn/key.pem\n"
				   "users_file = /srv/users\n"
				   "secrets_file = /srv/secrets\n"
				   "nonce_lifetime_s = 10\n"
				   "default_lifetime_s = 900\n"
				   "max_lifetime_s = 86400\n"
				   "relay_address = 198.18.0.2\n"
				   "relay_address = 2001:DB8:1:0::1\n"
				   "allowed_peer = 198.18.0.0/15\n"
				   "allowed_peer = 10.1.2.3\n"
				   "allowed_peer = fd00::/8\n"
				   "denied_peer = 198.18.7.0/24\n"
				   "denied_peer = ::/0\n"
				   "user_quota = 10\n"
				   "total_quota = 16777216\n"
				   "max_alloc_kbps = 4294967295\n"
				   "user_kbps_quota = 100000\n"
				   "kbps_capacity = 1000000\n"
				   "error_rate_pps = 1000000\n";
	struct sn_config *c = calloc(1, sizeof(*c));
	struct sn_abi_addr a;
	char err[ERR_LEN];
	int rc;

	(void)state;
	rc = load_text(text, c, err);
	if (rc != 0)
		fail_msg("%s", err);
	assert_false(c->turn.enabled);
	assert_string_equal(c->turn.realm, "example.org");
	assert_string_equal(c->turn.software, "");
	assert_int_equal(c->turn.tcp_port, 0);
	assert_int_equal(c->turn.n_tls_ports, 3);
	assert_int_equal(c->turn.tls_ports[0], 443);
	assert_int_equal(c->turn.tls_ports[1], 5349);
	assert_int_equal(c->turn.tls_ports[2], 8443);
	assert_string_equal(c->turn.tls_cert, "/etc/sn/chain.pem");
	assert_string_equal(c->turn.tls_key, "/etc/sn/key.pem");
	assert_string_equal(c->turn.users_file, "/srv/users");
	assert_string_equal(c->turn.secrets_file, "/srv/secrets");
	assert_int_equal(c->turn.nonce_lifetime_s, 10);
	assert_int_equal(c->turn.default_lifetime_s, 900);
	assert_int_equal(c->turn.max_lifetime_s, 86400);
	assert_int_equal(c->turn.n_relay_addrs, 2);
	assert_int_equal(c->turn.relay_addr_idx[0], 2);
	assert_int_equal(c->turn.relay_addr_idx[1], 1);
	assert_int_equal(c->turn.n_allowed_peers, 3);
	addr_of("198.18.0.0", &a);
	assert_true(sn_addr_eq(&c->turn.allowed_peers[0].addr, &a));
	assert_int_equal(c->turn.allowed_peers[0].prefix_len, 15);
	assert_int_equal(c->turn.allowed_peers[1].prefix_len, 32); /* a single address */
	assert_int_equal(c->turn.allowed_peers[2].addr.family, SN_FAM_IPV6);
	assert_int_equal(c->turn.allowed_peers[2].prefix_len, 8);
	assert_int_equal(c->turn.n_denied_peers, 2);
	assert_int_equal(c->turn.denied_peers[1].prefix_len, 0);
	assert_int_equal(c->turn.user_quota, 10);
	assert_int_equal(c->turn.total_quota, 16777216);
	assert_int_equal(c->turn.max_alloc_kbps, 4294967295u);
	assert_int_equal(c->turn.user_kbps_quota, 100000);
	assert_int_equal(c->turn.kbps_capacity, 1000000);
	assert_int_equal(c->turn.error_rate_pps, 1000000);

	/* tls_key defaults to tls_cert; an empty tls_ports turns TLS off */
	rc = load_text(PORT_OK_TURN "tls_cert = /etc/sn/both.pem\ntls_ports =\n", c, err);
	if (rc != 0)
		fail_msg("%s", err);
	assert_string_equal(c->turn.tls_key, "/etc/sn/both.pem");
	assert_int_equal(c->turn.n_tls_ports, 0);
	free(c);
}

/* Every spelling of a boolean. */
static void
test_turn_bools(void **state)
{
	static const struct {
		const char *v;
		bool want;
	} cases[] = {{"yes", true}, {"no", false}, {"true", true}, {"false", false}, {"on", true},
		{"off", false}, {"1", true}, {"0", false}, {"YES", true}, {"False", false}};
	struct sn_config *c = calloc(1, sizeof(*c));
	char text[256], err[ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), PORT_OK_TURN "enabled = %s\n", cases[i].v);
		if (load_text(text, c, err) != 0)
			fail_msg("enabled = %s: %s", cases[i].v, err);
		if (c->turn.enabled != cases[i].want)
			fail_msg("enabled = %s: got %d", cases[i].v, c->turn.enabled);
	}
	free(c);
}

static void
test_missing_file(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(sn_config_load("/nonexistent/sn.conf", c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/sn.conf"));
	/* a directory cannot be read */
	assert_true(sn_config_load(tmpdir, c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, tmpdir));
	/* a NULL or zero-length error buffer is fine */
	assert_int_equal(sn_config_load("/nonexistent/sn.conf", c, NULL, 0), -ENOENT);
	free(c);
}

/* The message format promised in sn_config.h, byte for byte. */
static void
test_message_format(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	char err[ERR_LEN], want[ERR_LEN];

	(void)state;
	assert_int_equal(
		load_text("[port p0]\ndevice = x\n\n[dataplane]\nmax_sessions = 12x\n", c, err),
		-EINVAL);
	snprintf(want, sizeof(want), "%s:5: [dataplane] max_sessions: not a number: '12x'",
		tmpfile_path);
	assert_string_equal(err, want);
	free(c);
}

/* ------------------------------------------------------------- bad files */

struct bad_case {
	const char *text;
	unsigned line; /* 0: no line in the message */
	const char *want1, *want2;
};

static const struct bad_case bad_cases[] = {
	/* numbers */
	{PORT_OK "[dataplane]\nmax_sessions = 12x\n", 4, "[dataplane] max_sessions",
		"not a number: '12x'"},
	{PORT_OK "[dataplane]\nmax_sessions = 0\n", 4, "max_sessions", "out of range"},
	{PORT_OK "[dataplane]\nmax_sessions = -1\n", 4, "max_sessions", "not a number"},
	{PORT_OK "[dataplane]\nmax_sessions = 0x10\n", 4, "max_sessions", "'0x10'"},
	{PORT_OK "[dataplane]\nmem_mb = 99999999999999999999999\n", 4, "mem_mb", "out of range"},
	{PORT_OK "[dataplane]\nburst = 65\n", 4, "burst", "out of range (1..64): '65'"},
	{PORT_OK "[dataplane]\nburst = 0\n", 4, "burst", "out of range"},
	{PORT_OK "[dataplane]\nburst =\n", 4, "burst", "not a number: ''"},
	{PORT_OK "[dataplane]\ncmd_slots = 1000\n", 4, "cmd_slots", "not a power of two"},
	{PORT_OK "[dataplane]\ncpl_slots = 32\n", 4, "cpl_slots", "out of range"},
	{PORT_OK "[dataplane]\ncpl_slots = 3000000\n", 4, "cpl_slots", "out of range"},
	{PORT_OK "[dataplane]\nmbufs = 100\n", 4, "mbufs", "out of range"},
	{PORT_OK "[dataplane]\npunt_rate_pps = 0\n", 4, "punt_rate_pps", "out of range"},
	{PORT_OK "[dataplane]\npunt_rate_stream_pps = 0\n", 4, "punt_rate_stream_pps",
		"out of range"},
	{PORT_OK "[dataplane]\ncmds_per_loop = 70000\n", 4, "cmds_per_loop", "out of range"},
	{PORT_OK "[dataplane]\nidle_sleep_us = 10001\n", 4, "idle_sleep_us", "out of range"},
	{PORT_OK "[dataplane]\nidle_after_us = 0\n", 4, "idle_after_us", "out of range"},
	{PORT_OK "[dataplane]\nmain_lcore = 128\n", 4, "main_lcore", "out of range"},
	/* workers */
	{PORT_OK "[dataplane]\nmain_lcore = 2\nworkers = 1,2\n", 5, "[dataplane] workers",
		"main_lcore"},
	{PORT_OK "[dataplane]\nworkers = 1,2\nmain_lcore = 1\n", 5, "[dataplane] main_lcore",
		"workers"},
	{PORT_OK "[dataplane]\nmain_lcore = 1\n", 4, "main_lcore", "workers"},
	{PORT_OK "[dataplane]\nworkers = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n", 4, "workers",
		"more than 15 workers"},
	{PORT_OK "[dataplane]\nworkers = 1,1\n", 4, "workers", "twice"},
	{PORT_OK "[dataplane]\nworkers = 1,,2\n", 4, "workers", "'1,,2'"},
	{PORT_OK "[dataplane]\nworkers =\n", 4, "workers", "lcore"},
	{PORT_OK "[dataplane]\nworkers = 1 2\n", 4, "workers", "'1 2'"},
	{PORT_OK "[dataplane]\nworkers = 1,200\n", 4, "workers", "out of range"},
	/* enums and strings */
	{PORT_OK "[dataplane]\nhuge = maybe\n", 4, "[dataplane] huge", "'maybe'"},
	{PORT_OK "[dataplane]\nshm_path = dev/shm/x\n", 4, "shm_path", "absolute"},
	{PORT_OK "[dataplane]\nfile_prefix = a/b\n", 4, "file_prefix", "'a/b'"},
	{PORT_OK "[dataplane]\nfile_prefix =\n", 4, "file_prefix", "''"},
	{PORT_OK "[control]\nadmin_socket = run/x.sock\n", 4, "[control] admin_socket", "absolute"},
	{PORT_OK "[control]\nadmin_socket = /"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		4, "admin_socket", "longer than 107"},
	{PORT_OK "[control]\nlog_level = verbose\n", 4, "log_level", "'verbose'"},
	{PORT_OK "[control]\nidle_timeout_s = 1e3\n", 4, "idle_timeout_s", "not a number"},
	{PORT_OK "[control]\nreplay_timeout_ms = 0\n", 4, "replay_timeout_ms", "out of range"},
	/* structure */
	{PORT_OK "[dataplane]\nfoo = 1\n", 4, "[dataplane] foo", "unknown key"},
	{PORT_OK "[dataplan]\nburst = 1\n", 3, "[dataplan]", "unknown section"},
	{PORT_OK "[dataplane]\nburst = 32\nburst = 16\n", 5, "[dataplane] burst",
		"duplicate key (first set on line 4): '16'"},
	{PORT_OK "[relay]\nstun_port = 3478\n[relay]\n", 5, "[relay]", "duplicate section"},
	{PORT_OK "[port p0]\n", 3, "[port p0]", "duplicate section"},
	{PORT_OK "[port P0]\n", 3, "[port P0]", "port name"},
	{PORT_OK "[port]\n", 3, "[port ]", "port name"},
	{PORT_OK "[port a23456789012345678901234567890123]\n", 3, "port a2345", "port name"},
	{PORT_OK "[portx]\n", 3, "[portx]", "unknown section"},
	{PORT_OK "[dataplane] junk\n", 3, "[dataplane]", "'junk'"},
	{"burst = 32\n" PORT_OK, 1, "burst", "outside any section"},
	{PORT_OK "[dataplane]\nthis is not a key\n", 4, "syntax error", ""},
	{PORT_OK "[dataplane\nburst = 1\n", 3, "syntax error", ""},
	{PORT_OK "[dataplane]\neal_args = "
		 "--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		 "\n",
		4, "line longer than", ""},
	/* an indented line is a key of its own, never a continuation */
	{PORT_OK "  mtu = 1500x\n", 3, "[port p0] mtu", "not a number"},
	/* ports */
	{"", 0, "[port NAME]", "no port"},
	{"[dataplane]\nburst = 8\n", 0, "[port NAME]", "no port"},
	{"[port p0]\ntap = x0\n", 1, "[port p0] device", "missing"},
	{PORT_OK "[port p1]\n", 3, "[port p1] device", "missing"},
	{"[port p0]\ndevice = a b\n", 2, "[port p0] device", "blanks"},
	{"[port p0]\ndevice =\n", 2, "[port p0] device", "empty"},
	{PORT_OK "[port p1]\ndevice = net_null0\n", 4, "[port p1] device", "same device"},
	{PORT_OK "tap = sntap1\n[port p1]\ndevice = net_null1\n", 4, "[port p1] tap", "same tap"},
	{PORT_OK "tap = sntap_far_too_long\n", 3, "[port p0] tap", "'sntap_far_too_long'"},
	{PORT_OK "tap = a/b\n", 3, "tap", "'a/b'"},
	{PORT_OK "rx_desc = 32\n", 3, "[port p0] rx_desc", "out of range"},
	{PORT_OK "tx_desc = 65536\n", 3, "tx_desc", "out of range"},
	{PORT_OK "mtu = 100\n", 3, "mtu", "out of range"},
	{PORT_OK "mtu = 1000\naddress = 2001:db8::1/64\n", 3, "[port p0] mtu", "IPv6"},
	{PORT_OK "device = other\n", 3, "[port p0] device", "duplicate key"},
	{"[port p0]\ndevice = a\n[port p1]\ndevice = b\n[port p2]\ndevice = c\n"
	 "[port p3]\ndevice = d\n[port p4]\ndevice = e\n[port p5]\ndevice = f\n"
	 "[port p6]\ndevice = g\n[port p7]\ndevice = h\n[port p8]\ndevice = i\n",
		17, "[port p8]", "more than 8 ports"},
	/* addresses */
	{PORT_OK "address = 198.18.0.1\n", 3, "[port p0] address", "'198.18.0.1'"},
	{PORT_OK "address = 198.18.0.300/24\n", 3, "address", "'198.18.0.300/24'"},
	{PORT_OK "address = 198.18.0.1/33\n", 3, "address", "ADDRESS/PREFIX"},
	{PORT_OK "address = 198.18.0.1/0\n", 3, "address", "prefix"},
	{PORT_OK "address = 198.18.0.0/24\n", 3, "address", "network or broadcast"},
	{PORT_OK "address = 198.18.0.255/24\n", 3, "address", "network or broadcast"},
	{PORT_OK "address = 224.0.0.1/24\n", 3, "address", "unicast"},
	{PORT_OK "address = 127.0.0.1/8\n", 3, "address", "unicast"},
	{PORT_OK "address = 0.0.0.1/8\n", 3, "address", "unicast"},
	{PORT_OK "address = ff02::1/64\n", 3, "address", "unicast"},
	{PORT_OK "address = ::1/128\n", 3, "address", "unicast"},
	{PORT_OK "address = ::/64\n", 3, "address", "unicast"},
	{PORT_OK "address = ::ffff:198.18.0.1/96\n", 3, "address", "IPv4-mapped"},
	{PORT_OK "address = 198.18.0.1/24\naddress = 198.18.0.1/16\n", 4, "address",
		"already configured on line 3"},
	{PORT_OK "address = 2001:db8::1/64\n[port p1]\ndevice = net_null1\n"
		 "address = 2001:DB8:0::1/48\n",
		6, "[port p1] address", "already configured on line 3 (port p0)"},
	/* more than SN_MAX_ADDRS: filled in by test_too_many_addresses */
	{PORT_OK "gateway4 = 2001:db8::1\n", 3, "[port p0] gateway4", "not an IPv4 address"},
	{PORT_OK "gateway4 = 255.255.255.255\n", 3, "gateway4", "unicast"},
	{PORT_OK "gateway6 = 198.18.0.254\n", 3, "[port p0] gateway6", "not an IPv6 address"},
	{PORT_OK "gateway_mac = 01:00:5e:00:00:01\n", 3, "[port p0] gateway_mac", "unicast"},
	{PORT_OK "gateway_mac = 00:00:00:00:00:00\n", 3, "gateway_mac", "unicast"},
	{PORT_OK "gateway_mac = 02:00:00:00:00\n", 3, "gateway_mac", "MAC"},
	{PORT_OK "gateway_mac = 02-00-00-00-00-01\n", 3, "gateway_mac", "MAC"},
	{PORT_OK "gateway_mac = 02:00:00:00:00:0g\n", 3, "gateway_mac", "MAC"},
	/* relay */
	{PORT_OK "[relay]\nport_min = 50000\nport_max = 40000\n", 5, "[relay] port_max",
		"port_min 50000 > port_max 40000"},
	{PORT_OK "[relay]\nport_max = 40000\n", 4, "[relay] port_max", "port_min 49152"},
	{PORT_OK "[relay]\nport_min = 1023\n", 4, "port_min", "out of range"},
	{PORT_OK "[relay]\nport_max = 65536\n", 4, "port_max", "out of range"},
	{PORT_OK "[relay]\nstun_port = 50000\n", 4, "[relay] stun_port", "inside"},
	{PORT_OK "[relay]\nport_min = 3000\nport_max = 4000\n", 5, "[relay] stun_port",
		"inside the relay port range 3000-4000: '3478'"},
	{PORT_OK "[relay]\nstun_port = 0\n", 4, "stun_port", "out of range"},
	/* [turn]: bad keys name the key */
	{PORT_OK_TURN "realm_name = x\n", 6, "[turn] realm_name", "unknown key"},
	{PORT_OK_TURN "realm = a\nrealm = b\n", 7, "[turn] realm",
		"duplicate key (first set on line 6)"},
	{PORT_OK_TURN "[turn]\n", 6, "[turn]", "duplicate section"},
	{PORT_OK_TURN
		"realm = "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		6, "[turn] realm", "longer than 127"},
	{PORT_OK_TURN "enabled = maybe\n", 6, "[turn] enabled", "want yes or no: 'maybe'"},
	{PORT_OK_TURN "enabled =\n", 6, "[turn] enabled", "want yes or no: ''"},
	{PORT_OK_TURN "enabled = y\n", 6, "[turn] enabled", "want yes or no"},
	{PORT_OK_TURN "tcp_port = 65536\n", 6, "[turn] tcp_port", "out of range (0..65535)"},
	{PORT_OK_TURN "tcp_port = 50000\n", 6, "[turn] tcp_port",
		"inside the relay port range 49152-65535: '50000'"},
	{PORT_OK_TURN "users_file = var/users\n", 6, "[turn] users_file", "absolute"},
	{PORT_OK_TURN "secrets_file = secrets\n", 6, "[turn] secrets_file", "absolute"},
	{PORT_OK_TURN "tls_cert = cert.pem\n", 6, "[turn] tls_cert", "absolute"},
	{PORT_OK_TURN "nonce_lifetime_s = 9\n", 6, "[turn] nonce_lifetime_s", "out of range"},
	{PORT_OK_TURN "default_lifetime_s = 599\n", 6, "[turn] default_lifetime_s",
		"out of range (600..86400)"},
	{PORT_OK_TURN "max_lifetime_s = 86401\n", 6, "[turn] max_lifetime_s", "out of range"},
	{PORT_OK_TURN "default_lifetime_s = 3601\n", 6, "[turn] default_lifetime_s",
		"above max_lifetime_s 3600: '3601'"},
	{PORT_OK_TURN "max_lifetime_s = 700\ndefault_lifetime_s = 800\n", 7,
		"[turn] default_lifetime_s", "above max_lifetime_s 700"},
	{PORT_OK_TURN "user_quota = 16777217\n", 6, "[turn] user_quota", "out of range"},
	{PORT_OK_TURN "total_quota = -1\n", 6, "[turn] total_quota", "not a number"},
	{PORT_OK_TURN "max_alloc_kbps = 4294967296\n", 6, "[turn] max_alloc_kbps", "out of range"},
	{PORT_OK_TURN "kbps_capacity = 1k\n", 6, "[turn] kbps_capacity", "not a number"},
	{PORT_OK_TURN "error_rate_pps = 0\n", 6, "[turn] error_rate_pps",
		"out of range (1..1000000)"},
	/* [turn] tls_ports: a list of distinct ports, at most 4, clear of the other ports */
	{PORT_OK_TURN "tls_ports = 5349,x\n", 6, "[turn] tls_ports",
		"not a comma-separated list of ports (1..65535): '5349,x'"},
	{PORT_OK_TURN "tls_ports = 5349 443\n", 6, "[turn] tls_ports", "not a comma-separated"},
	{PORT_OK_TURN "tls_ports = 5349,,443\n", 6, "[turn] tls_ports", "not a comma-separated"},
	{PORT_OK_TURN "tls_ports = 0\n", 6, "[turn] tls_ports", "not a comma-separated"},
	{PORT_OK_TURN "tls_ports = 65536\n", 6, "[turn] tls_ports", "not a comma-separated"},
	{PORT_OK_TURN "tls_ports = 443,5349,443\n", 6, "[turn] tls_ports", "port listed twice"},
	{PORT_OK_TURN "tls_ports = 1,2,3,4,5\n", 6, "[turn] tls_ports", "more than 4 ports"},
	{PORT_OK_TURN "tls_cert = /etc/c.pem\ntls_ports = 443, 50000\n", 7, "[turn] tls_ports",
		"50000 clashes with tcp_port or the relay range"},
	{PORT_OK_TURN "tls_cert = /etc/c.pem\ntcp_port = 443\n", 5, "[turn] tls_ports",
		"443 clashes with tcp_port"},
	/* without a certificate there are no TLS listeners: nothing to clash */
	/* [turn] realm must not be empty */
	{PORT_OK_TURN "realm =\n", 6, "[turn] realm", "must not be empty"},
	/* [turn] relay_address: one of the [port] addresses, each once */
	{PORT_OK_TURN "relay_address = 198.18.0.9\n", 6, "[turn] relay_address",
		"not one of the [port] addresses: '198.18.0.9'"},
	{PORT_OK_TURN "relay_address = 198.18.0.1\nrelay_address = 2001:db8:1::2\n", 7,
		"[turn] relay_address", "not one of the [port] addresses: '2001:db8:1::2'"},
	{PORT_OK_TURN "relay_address = 198.18.0.1/24\n", 6, "[turn] relay_address",
		"not an IPv4 or IPv6 address"},
	{PORT_OK_TURN "relay_address = 198.18.0.1\nrelay_address = 198.18.0.1\n", 7,
		"[turn] relay_address", "listed twice"},
	{PORT_OK "[turn]\nrelay_address = 198.18.0.1\n", 4, "[turn] relay_address",
		"not one of the [port] addresses"},
	/* [turn] allowed_peer / denied_peer: CIDRs without host bits */
	{PORT_OK_TURN "allowed_peer = 10.0.0.1/8\n", 6, "[turn] allowed_peer",
		"host bits set after the prefix: '10.0.0.1/8'"},
	{PORT_OK_TURN "denied_peer = 2001:db8::1/32\n", 6, "[turn] denied_peer",
		"host bits set after the prefix"},
	{PORT_OK_TURN "denied_peer = 192.168.1.128/24\n", 6, "[turn] denied_peer", "host bits"},
	{PORT_OK_TURN "allowed_peer = 10.0.0.0/33\n", 6, "[turn] allowed_peer",
		"not ADDRESS or ADDRESS/PREFIX"},
	{PORT_OK_TURN "allowed_peer = 10.0.0.0/\n", 6, "[turn] allowed_peer", "not ADDRESS"},
	{PORT_OK_TURN "allowed_peer = example.org\n", 6, "[turn] allowed_peer", "not ADDRESS"},
	{PORT_OK_TURN "denied_peer =\n", 6, "[turn] denied_peer", "not ADDRESS"},
};

static void
test_bad_configs(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct sn_config *c = calloc(1, sizeof(*c));
		char err[ERR_LEN], prefix[192];
		int rc;

		err[0] = '\0';
		rc = load_text(bc->text, c, err);
		if (rc != -EINVAL)
			fail_msg("case %zu: rc %d (%s) for:\n%s", i, rc, err, bc->text);
		if (bc->line != 0)
			snprintf(prefix, sizeof(prefix), "%s:%u: ", tmpfile_path, bc->line);
		else
			snprintf(prefix, sizeof(prefix), "%s: ", tmpfile_path);
		if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, bc->want1) == NULL ||
			strstr(err, bc->want2) == NULL)
			fail_msg("case %zu: message '%s', want prefix '%s' and '%s', '%s'", i, err,
				prefix, bc->want1, bc->want2);
		free(c);
	}
}

static void
test_too_many_addresses(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	char *text = malloc(8192), err[ERR_LEN];
	size_t n = 0;
	unsigned i;

	(void)state;
	n += (size_t)sprintf(text + n, "%s", PORT_OK);
	for (i = 0; i < SN_MAX_ADDRS; i++)
		n += (size_t)sprintf(text + n, "address = 10.0.%u.%u/16\n", i / 200, 1 + i % 200);
	assert_int_equal(load_text(text, c, err), 0);
	assert_int_equal(c->n_addrs, SN_MAX_ADDRS);
	assert_int_equal(c->ports[0].n_addrs, SN_MAX_ADDRS);
	sprintf(text + n, "address = 10.1.0.1/16\n");
	assert_int_equal(load_text(text, c, err), -EINVAL);
	assert_non_null(strstr(err, "address"));
	assert_non_null(strstr(err, "more than 64"));
	free(text);
	free(c);
}

static void
test_turn_too_many_cidrs(void **state)
{
	struct sn_config *c = calloc(1, sizeof(*c));
	char *text = malloc(8192), err[ERR_LEN];
	size_t n = 0;
	unsigned i;

	(void)state;
	n += (size_t)sprintf(text + n, "%s", PORT_OK_TURN);
	for (i = 0; i < SN_TURN_MAX_CIDRS; i++)
		n += (size_t)sprintf(text + n, "denied_peer = 10.%u.0.0/16\n", i);
	assert_int_equal(load_text(text, c, err), 0);
	assert_int_equal(c->turn.n_denied_peers, SN_TURN_MAX_CIDRS);
	sprintf(text + n, "denied_peer = 11.0.0.0/8\n");
	assert_int_equal(load_text(text, c, err), -EINVAL);
	assert_non_null(strstr(err, "[turn] denied_peer"));
	assert_non_null(strstr(err, "more than 64 entries"));
	free(text);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_shipped_documents_every_key),
		cmocka_unit_test(test_turn_full),
		cmocka_unit_test(test_turn_bools),
		cmocka_unit_test(test_turn_too_many_cidrs),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_message_format),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_too_many_addresses),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
