/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: long-term credential authentication
 * (control/turn/cp_auth*) on arbitrary bytes taken as one STUN request:
 * sn_stun_parse(), then cp_auth_request() from a fixed client at a fixed
 * time, then the answer the TURN server would send (signed on success,
 * cp_auth_write_error() otherwise), which must itself parse.
 *
 * The server state is fixed for every input: realm "example.org", a
 * constant nonce key (so the seed corpus can carry nonces that verify),
 * PASSWORD-ALGORITHMS offered, USERHASH accepted, three users (the RFC
 * 5769 section 2.4 one, carol:pass, dave by MD5 key) and a REST secret.
 * Invariants: the decision is one of OK/400/401/438; OK only with a key
 * of the chosen algorithm's length and a nonce that verifies; 401 and 438
 * carry a nonce that verifies for this client.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_auth.h"
#include "sn_abi.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

#define FZ_NOW	    UINT64_C(1699999000)
#define FZ_PORT	    40000
#define FZ_KEY_BYTE 0x42
#define FZ_OUT_MAX  2048
#define FZ_MSG_MAX  65535

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fz_users[] =
	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9:TheMatrIX\n"
	"carol:pass\n"
	"dave:0x76276e8fd7a0ae893d25bcfed9fba49a\n";

static struct cp_auth auth;
static struct sn_abi_addr client;
static bool ready;

static void
fz_init(void)
{
	struct cp_auth_cfg cfg;
	uint8_t key[CP_AUTH_NONCE_KEY_LEN];
	char err[128];

	cp_auth_cfg_defaults(&cfg);
	memcpy(cfg.realm, "example.org", sizeof("example.org"));
	cfg.username_anonymity = true;
	CHECK(cp_auth_init(&auth, &cfg) == 0);
	/* key id 0 -> 1 with a constant key; the seeds' nonces use it */
	memset(key, FZ_KEY_BYTE, sizeof(key));
	CHECK(cp_auth_rotate_nonce_key(&auth, key) == 0);
	CHECK(cp_auth_users_load_buf(&auth, fz_users, strlen(fz_users), err, sizeof(err)) == 3);
	CHECK(cp_auth_add_secret(&auth, "north-secret") == 0);
	memset(&client, 0, sizeof(client));
	client.family = SN_FAM_IPV4;
	client.bytes[0] = 198;
	client.bytes[1] = 18;
	client.bytes[3] = 11;
	ready = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[FZ_OUT_MAX];
	struct cp_auth_result r;
	struct sn_stun_writer w;
	struct sn_stun_msg m, am;
	const struct sn_stun_attr *na;
	uint8_t *copy;
	int n;

	if (!ready)
		fz_init();
	if (size > FZ_MSG_MAX)
		return 0;
	/* an exact-size copy so ASan sees any read past the message */
	copy = malloc(size ? size : 1);
	CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	if (sn_stun_parse(copy, copy + size, &m) != SN_DROP_NONE) {
		free(copy);
		return 0;
	}
	cp_auth_request(&auth, &m, &client, FZ_PORT, FZ_NOW, &r);

	sn_stun_writer_begin(&w, out, out + sizeof(out),
		(uint16_t)((m.type & SN_STUN_METHOD_MASK) |
			   (r.code == 0 ? SN_STUN_CLASS_SUCCESS : SN_STUN_CLASS_ERROR)),
		m.txid);
	switch (r.code) {
	case 0:
		CHECK(r.reason == CP_AUTH_R_OK);
		CHECK(r.key_len == (r.algorithm == CP_AUTH_ALG_SHA256 ? CP_AUTH_SHA256_KEY_LEN
								      : CP_AUTH_MD5_KEY_LEN));
		na = sn_stun_find(&m, SN_STUN_ATTR_NONCE);
		CHECK(na != NULL);
		CHECK(cp_auth_nonce_check(&auth, m.start + na->off, na->len, &client, FZ_PORT,
			      FZ_NOW, NULL) == CP_AUTH_R_OK);
		CHECK(r.username_len > 0 && r.username_len <= CP_AUTH_USERNAME_MAX);
		CHECK(cp_auth_sign(&r, &w) == 0);
		break;
	case SN_STUN_ERR_UNAUTHENTICATED:
	case SN_STUN_ERR_STALE_NONCE:
		CHECK(r.nonce_len == CP_AUTH_NONCE_LEN);
		CHECK(cp_auth_nonce_check(&auth, (const uint8_t *)r.nonce, r.nonce_len, &client,
			      FZ_PORT, FZ_NOW, NULL) == CP_AUTH_R_OK);
		/* fall through */
	case SN_STUN_ERR_BAD_REQUEST:
		CHECK(cp_auth_write_error(&auth, &r, &w) == 0);
		break;
	default:
		abort();
	}
	CHECK(sn_stun_add_fingerprint(&w) == 0);
	n = sn_stun_writer_finish(&w);
	CHECK(n > 0);
	CHECK(sn_stun_parse(out, out + n, &am) == SN_DROP_NONE);
	if (r.code == 0)
		CHECK((r.sha256_integrity ? sn_stun_check_integrity_sha256(&am, r.key, r.key_len)
					  : sn_stun_check_integrity(&am, r.key, r.key_len)) == 0);
	free(copy);
	return 0;
}
