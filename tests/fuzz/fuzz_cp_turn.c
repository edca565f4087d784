/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TURN server's input (control/turn/cp_turn*.c,
 * cp_turn_input()) on arbitrary bytes.
 *
 * The first input byte picks how the rest is delivered:
 *   bit 7 clear: the bytes as one message from a UDP client (bit 2 set: from
 *                a TCP client, where ChannelData and Send indications are
 *                relayed by control);
 *   bit 7 set:   the bytes as the attributes of a request (bits 0-1: Allocate,
 *                Refresh, CreatePermission, ChannelBind) that the harness then
 *                signs with valid long-term credentials (USERNAME, REALM, a
 *                live NONCE, MESSAGE-INTEGRITY), so the request handlers run
 *                past authentication.
 * Invariants: every answer the server sends parses as STUN (or is well-formed
 * ChannelData on a stream); nothing crashes or leaks (ASan/UBSan); the
 * allocation count never exceeds the table.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cp_sessions.h"
#include "cp_turn.h"
#include "sn_addr.h"
#include "sn_bytes.h"
#include "sn_config.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define FZ_NOW_S   UINT64_C(1800000000)
#define FZ_NOW_NS  UINT64_C(1000000000000)
#define FZ_MAX	   64
#define FZ_MSG_MAX 4096
#define FZ_USER	   "alice"
#define FZ_PASS	   "secret"
#define FZ_REALM   "supernode"
#define FZ_SIGNED  0x80
#define FZ_STREAM  0x04
#define FZ_METHOD  0x03

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sn_config cfg;
static struct cp_sessions pools;
static struct cp_turn turn;
static bool ready;
static char nonce[256];
static uint8_t key[16];

static void
fz_send(void *arg, const struct cp_turn_src *src, const uint8_t *msg, size_t len)
{
	struct sn_stun_msg m;
	const struct sn_stun_attr *n;

	(void)arg;
	if (src->transport != CP_TURN_UDP && len >= 4 && msg[0] >= 0x40 && msg[0] <= 0x7f) {
		CHECK(len % 4 == 0 && (size_t)sn_rd16(msg + 2) + 4 <= len);
		return;
	}
	CHECK(sn_stun_parse(msg, msg + len, &m) == SN_DROP_NONE);
	if (m.cls == SN_STUN_CLASS_ERROR && nonce[0] == '\0') {
		n = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
		if (n != NULL && n->len < sizeof(nonce)) {
			memcpy(nonce, msg + n->off, n->len);
			nonce[n->len] = '\0';
		}
	}
}

static int
fz_relay_open(void *arg, struct cp_turn_alloc *a, unsigned r)
{
	(void)arg;
	(void)a;
	(void)r;
	return 1000;
}

static void
fz_relay_close(void *arg, int fd)
{
	(void)arg;
	(void)fd;
}

static int
fz_relay_send(void *arg, int fd, const struct sn_abi_addr *peer, uint16_t port,
	const uint8_t *p, size_t len)
{
	(void)arg;
	(void)fd;
	(void)peer;
	(void)port;
	(void)p;
	(void)len;
	return 0;
}

static const struct cp_turn_ops fz_ops = {
	.send = fz_send,
	.relay_open = fz_relay_open,
	.relay_close = fz_relay_close,
	.relay_send = fz_relay_send,
};

static struct cp_turn_src
fz_src(bool stream)
{
	struct cp_turn_src s;

	memset(&s, 0, sizeof(s));
	s.transport = stream ? CP_TURN_TCP : CP_TURN_UDP;
	sn_addr_parse("203.0.113.7", &s.client);
	s.client_port = 40000;
	s.server_port = 3478;
	s.conn_id = stream ? 1 : 0;
	return s;
}

static void
fz_init(void)
{
	struct cp_turn_src src = fz_src(false);
	char err[256], text[64];
	unsigned klen = sizeof(key);
	struct sn_stun_writer w;
	uint8_t buf[64], txid[SN_STUN_TXID_LEN] = {1};
	FILE *f;
	int len;

	sn_config_defaults(&cfg);
	cfg.dp.max_allocs = FZ_MAX;
	cfg.dp.max_sessions = 16;
	cfg.relay.port_min = 50000;
	cfg.relay.port_max = 50255;
	cfg.n_addrs = 2;
	sn_addr_parse("198.18.0.1", &cfg.addrs[0].addr);
	cfg.addrs[0].prefix_len = 24;
	sn_addr_parse("2001:db8:1::1", &cfg.addrs[1].addr);
	cfg.addrs[1].prefix_len = 64;
	cfg.turn.n_relay_addrs = 2;
	cfg.turn.relay_addr_idx[1] = 1;
	snprintf(cfg.turn.users_file, sizeof(cfg.turn.users_file), "/tmp/fuzz_cp_turn_users");
	cfg.turn.secrets_file[0] = '\0';
	f = fopen(cfg.turn.users_file, "w");
	CHECK(f != NULL);
	fprintf(f, "%s:%s\n", FZ_USER, FZ_PASS);
	fclose(f);
	CHECK(cp_sessions_init(&pools, &cfg) == 0);
	CHECK(cp_turn_init(&turn, &cfg, &pools, NULL, &fz_ops, NULL, err, sizeof(err)) == 0);
	snprintf(text, sizeof(text), "%s:%s:%s", FZ_USER, FZ_REALM, FZ_PASS);
	CHECK(EVP_Digest(text, strlen(text), key, &klen, EVP_md5(), NULL) == 1);
	/* a challenge for the nonce */
	sn_stun_writer_begin(&w, buf, buf + sizeof(buf), SN_TURN_ALLOCATE, txid);
	len = sn_stun_writer_finish(&w);
	cp_turn_input(&turn, &src, buf, (size_t)len, FZ_NOW_NS, FZ_NOW_S);
	CHECK(nonce[0] != '\0');
	ready = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t methods[] = {SN_TURN_ALLOCATE, SN_TURN_REFRESH,
		SN_TURN_CREATE_PERMISSION, SN_TURN_CHANNEL_BIND};
	static uint8_t msg[FZ_MSG_MAX];
	struct cp_turn_src src;
	struct sn_stun_writer w;
	uint8_t txid[SN_STUN_TXID_LEN];
	size_t n;
	int len;

	if (!ready)
		fz_init();
	if (size == 0)
		return 0;
	src = fz_src((data[0] & FZ_STREAM) != 0);
	if (!(data[0] & FZ_SIGNED)) {
		cp_turn_input(&turn, &src, data + 1, size - 1, FZ_NOW_NS, FZ_NOW_S);
		CHECK(turn.count <= FZ_MAX);
		return 0;
	}
	/* signed request: the input is the attribute section */
	n = size - 1;
	if (n > FZ_MSG_MAX - 256)
		return 0;
	memset(txid, 0, sizeof(txid));
	memcpy(txid, data + 1, n < sizeof(txid) ? n : sizeof(txid));
	sn_stun_writer_begin(&w, msg, msg + sizeof(msg), methods[data[0] & FZ_METHOD], txid);
	memcpy(msg + SN_STUN_HLEN, data + 1, n);
	while (n % 4 != 0)
		msg[SN_STUN_HLEN + n++] = 0;
	w.pos = msg + SN_STUN_HLEN + n;
	sn_wr16(msg + 2, (uint16_t)n);
	sn_stun_add_raw(&w, SN_STUN_ATTR_USERNAME, FZ_USER, strlen(FZ_USER));
	sn_stun_add_raw(&w, SN_STUN_ATTR_REALM, FZ_REALM, strlen(FZ_REALM));
	sn_stun_add_raw(&w, SN_STUN_ATTR_NONCE, nonce, strlen(nonce));
	sn_stun_add_integrity(&w, key, sizeof(key));
	len = sn_stun_writer_finish(&w);
	if (len > 0)
		cp_turn_input(&turn, &src, msg, (size_t)len, FZ_NOW_NS, FZ_NOW_S);
	CHECK(turn.count <= FZ_MAX);
	return 0;
}
