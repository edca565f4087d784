/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The long-term credential decision for one STUN/TURN request (RFC 8489
 * section 9.2.4, RFC 8656 section 7.2), the error attributes that go with
 * a rejection, and the signature of an answer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "sn_bytes.h"
#include "cp_auth.h"

/* RFC 8489 section 14.12: PASSWORD-ALGORITHM value = algorithm, parameter length, parameters */
#define ALG_HLEN       4
#define ALG_PLEN_OFF   2
#define BITS_PER_BYTE  8
#define MAX_CANDIDATES (1 + CP_AUTH_MAX_SECRETS)
#define REST_PW_BUF    64
#define DEFAULT_REALM  "supernode"

/* RFC 8489 section 14.11: what we offer, in our order of preference (SHA-256, then MD5) */
static const uint8_t algorithms_offer[CP_AUTH_ALGORITHMS_ATTR_LEN] = {
	(uint8_t)(CP_AUTH_ALG_SHA256 >> BITS_PER_BYTE), (uint8_t)CP_AUTH_ALG_SHA256, 0, 0,
	(uint8_t)(CP_AUTH_ALG_MD5 >> BITS_PER_BYTE), (uint8_t)CP_AUTH_ALG_MD5, 0, 0};

#define CP_AUTH_REASON_CODE(name, code, text) [CP_AUTH_R_##name] = code,
static const int reason_code[CP_AUTH_R_COUNT] = {CP_AUTH_REASONS(CP_AUTH_REASON_CODE)};
#undef CP_AUTH_REASON_CODE

void
cp_auth_cfg_defaults(struct cp_auth_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->realm, sizeof(cfg->realm), "%s", DEFAULT_REALM);
	cfg->nonce_lifetime_s = CP_AUTH_DEFAULT_NONCE_LIFETIME_S;
	cfg->offer_password_algorithms = true;
	cfg->username_anonymity = false;
	cfg->nonce_bind_port = true;
}

int
cp_auth_init(struct cp_auth *a, const struct cp_auth_cfg *cfg)
{
	size_t rlen = strnlen(cfg->realm, sizeof(cfg->realm));

	memset(a, 0, sizeof(*a));
	if (rlen == 0 || rlen > CP_AUTH_REALM_MAX || cfg->nonce_lifetime_s == 0)
		return -EINVAL;
	a->cfg = *cfg;
	a->realm_len = rlen;
	if (cfg->offer_password_algorithms)
		a->features |= CP_AUTH_FEATURE_PASSWORD_ALGORITHMS;
	if (cfg->username_anonymity)
		a->features |= CP_AUTH_FEATURE_USERNAME_ANONYMITY;
	if (RAND_bytes(a->nonce_key[0], CP_AUTH_NONCE_KEY_LEN) != 1)
		return -EIO;
	a->nonce_kid = 0;
	a->nonce_prev_valid = false;
	return 0;
}

void
cp_auth_fini(struct cp_auth *a)
{
	size_t i;

	for (i = 0; i < a->n_users; i++) {
		free(a->users[i].name);
		OPENSSL_cleanse(&a->users[i], sizeof(a->users[i]));
	}
	free(a->users);
	a->users = NULL;
	a->n_users = 0;
	OPENSSL_cleanse(a, sizeof(*a));
}

int
cp_auth_add_secret(struct cp_auth *a, const char *secret)
{
	size_t len;

	if (secret == NULL)
		return -EINVAL;
	len = strlen(secret);
	if (len == 0 || len > CP_AUTH_SECRET_MAX)
		return -EINVAL;
	if (a->n_secrets == CP_AUTH_MAX_SECRETS)
		return -ENOSPC;
	memcpy(a->secrets[a->n_secrets].s, secret, len + 1);
	a->secrets[a->n_secrets].len = len;
	a->n_secrets++;
	return 0;
}

void
cp_auth_clear_secrets(struct cp_auth *a)
{
	OPENSSL_cleanse(a->secrets, sizeof(a->secrets));
	a->n_secrets = 0;
}

/* Record a rejection; 401 and 438 carry a fresh nonce (section 9.2.4). */
static void
reject(const struct cp_auth *a, struct cp_auth_result *r, enum cp_auth_reason why,
	const struct sn_abi_addr *addr, uint16_t port, uint64_t now_s)
{
	int n;

	r->reason = why;
	r->code = reason_code[why];
	OPENSSL_cleanse(r->key, sizeof(r->key));
	r->key_len = 0;
	r->nonce_len = 0;
	r->nonce[0] = '\0';
	if (r->code == SN_STUN_ERR_UNAUTHENTICATED || r->code == SN_STUN_ERR_STALE_NONCE) {
		n = cp_auth_nonce_make(a, addr, port, now_s, r->nonce, sizeof(r->nonce));
		if (n < 0) {
			r->reason = CP_AUTH_R_INTERNAL;
			r->code = reason_code[CP_AUTH_R_INTERNAL];
			return;
		}
		r->nonce_len = (size_t)n;
	}
}

/*
 * Section 9.2.4, password algorithm step: 0 and *alg, or -EINVAL (400).
 * Applies only when the nonce cookie has the password-algorithms bit.
 */
static int
pick_algorithm(const struct sn_stun_msg *m, const struct sn_stun_attr *nonce, uint16_t *alg)
{
	const struct sn_stun_attr *pa, *pas;
	const uint8_t *v;
	uint32_t features;
	uint16_t want;
	size_t i;

	*alg = CP_AUTH_ALG_MD5;
	if (cp_auth_nonce_features(m->start + nonce->off, nonce->len, &features) < 0 ||
		(features & CP_AUTH_FEATURE_PASSWORD_ALGORITHMS) == 0)
		return 0;
	pa = sn_stun_find(m, SN_STUN_ATTR_PASSWORD_ALGORITHM);
	pas = sn_stun_find(m, SN_STUN_ATTR_PASSWORD_ALGORITHMS);
	if (pa == NULL && pas == NULL)
		return 0;
	if (pa == NULL || pas == NULL || pas->len != sizeof(algorithms_offer) ||
		memcmp(m->start + pas->off, algorithms_offer, sizeof(algorithms_offer)) != 0 ||
		pa->len < ALG_HLEN)
		return -EINVAL;
	v = m->start + pa->off;
	if ((size_t)sn_rd16(v + ALG_PLEN_OFF) + ALG_HLEN != pa->len)
		return -EINVAL;
	want = sn_rd16(v);
	for (i = 0; i < sizeof(algorithms_offer); i += ALG_HLEN)
		if (sn_rd16(algorithms_offer + i) == want) {
			*alg = want;
			return 0;
		}
	return -EINVAL;
}

/* Contract in cp_auth.h (RFC 8489 section 9.2.4 order). */
void
cp_auth_request(const struct cp_auth *a, const struct sn_stun_msg *m,
	const struct sn_abi_addr *addr, uint16_t port, uint64_t now_s, struct cp_auth_result *r)
{
	static const uint8_t dummy_key[CP_AUTH_KEY_MAX];
	uint8_t keys[MAX_CANDIDATES][CP_AUTH_KEY_MAX];
	const struct sn_stun_attr *un, *uh, *realm, *nonce;
	const struct cp_auth_user *user = NULL;
	char rest_pw[REST_PW_BUF];
	const uint8_t *name;
	size_t name_len, key_len, i;
	unsigned n_keys = 0, k;
	enum cp_auth_reason why;
	bool rest_expired = false, no_key = false;
	uint64_t expiry;
	uint16_t alg;
	int ret, pwlen;

	memset(r, 0, offsetof(struct cp_auth_result, username));
	r->username[0] = '\0';
	r->username_len = 0;
	r->nonce[0] = '\0';
	r->nonce_len = 0;

	/* 1. no integrity at all: challenge */
	if (!m->has_integrity && !m->has_integrity_sha256) {
		reject(a, r, CP_AUTH_R_NO_INTEGRITY, addr, port, now_s);
		return;
	}
	r->sha256_integrity = m->has_integrity_sha256 != 0;

	/* 2. the attributes integrity needs */
	un = sn_stun_find(m, SN_STUN_ATTR_USERNAME);
	uh = a->cfg.username_anonymity ? sn_stun_find(m, SN_STUN_ATTR_USERHASH) : NULL;
	realm = sn_stun_find(m, SN_STUN_ATTR_REALM);
	nonce = sn_stun_find(m, SN_STUN_ATTR_NONCE);
	if ((un == NULL && uh == NULL) || realm == NULL || nonce == NULL) {
		reject(a, r, CP_AUTH_R_MISSING_ATTR, addr, port, now_s);
		return;
	}
	if ((un != NULL && (un->len == 0 || un->len > CP_AUTH_USERNAME_MAX)) ||
		(un == NULL && uh->len != CP_AUTH_USERHASH_LEN) || realm->len > CP_AUTH_REALM_MAX ||
		nonce->len > CP_AUTH_NONCE_ATTR_MAX) {
		reject(a, r, CP_AUTH_R_BAD_ATTR, addr, port, now_s);
		return;
	}

	/* 3. password algorithm (bid-down protection through the nonce cookie) */
	if (pick_algorithm(m, nonce, &alg) < 0) {
		reject(a, r, CP_AUTH_R_BAD_ALGORITHM, addr, port, now_s);
		return;
	}
	r->algorithm = alg;
	key_len = alg == CP_AUTH_ALG_SHA256 ? CP_AUTH_SHA256_KEY_LEN : CP_AUTH_MD5_KEY_LEN;

	/* 4. realm, user, keys, integrity: every failure is the same 401 on the wire */
	why = CP_AUTH_R_UNKNOWN_USER;
	if (realm->len != a->realm_len ||
		memcmp(m->start + realm->off, a->cfg.realm, a->realm_len) != 0) {
		why = CP_AUTH_R_REALM;
		goto check_dummy;
	}
	if (un != NULL) {
		name = m->start + un->off;
		name_len = un->len;
		user = cp_auth_user_find(a, name, name_len);
	} else {
		/* USERHASH (section 14.4): compare with every user, in constant time each */
		for (i = 0; i < a->n_users; i++)
			if (CRYPTO_memcmp(a->users[i].userhash, m->start + uh->off,
				    CP_AUTH_USERHASH_LEN) == 0 &&
				user == NULL)
				user = &a->users[i];
		name = user != NULL ? (const uint8_t *)user->name : NULL;
		name_len = user != NULL ? user->name_len : 0;
	}
	if (user != NULL) {
		if (alg == CP_AUTH_ALG_SHA256 && !user->has_sha256) {
			no_key = true;
		} else {
			memcpy(keys[n_keys++],
				alg == CP_AUTH_ALG_SHA256 ? user->key_sha256 : user->key_md5,
				key_len);
		}
	}
	/* TURN REST API (coturn use-auth-secret): only for a USERNAME */
	if (un != NULL && a->n_secrets > 0 &&
		cp_auth_rest_expiry((const char *)name, name_len, &expiry) == 0) {
		if (expiry < now_s) {
			rest_expired = true;
		} else {
			for (k = 0; k < a->n_secrets; k++) {
				pwlen = cp_auth_rest_password(a->secrets[k].s, a->secrets[k].len,
					name, name_len, rest_pw, sizeof(rest_pw));
				if (pwlen < 0 ||
					cp_auth_key_derive(alg, name, name_len, a->cfg.realm,
						a->realm_len, rest_pw, (size_t)pwlen, keys[n_keys],
						CP_AUTH_KEY_MAX) < 0) {
					OPENSSL_cleanse(rest_pw, sizeof(rest_pw));
					OPENSSL_cleanse(keys, sizeof(keys));
					reject(a, r, CP_AUTH_R_INTERNAL, addr, port, now_s);
					return;
				}
				n_keys++;
			}
			OPENSSL_cleanse(rest_pw, sizeof(rest_pw));
		}
	}
	if (n_keys == 0) {
		why = rest_expired ? CP_AUTH_R_REST_EXPIRED
		      : no_key	   ? CP_AUTH_R_NO_KEY
				   : CP_AUTH_R_UNKNOWN_USER;
		goto check_dummy;
	}
	for (k = 0; k < n_keys; k++) {
		ret = r->sha256_integrity ? sn_stun_check_integrity_sha256(m, keys[k], key_len)
					  : sn_stun_check_integrity(m, keys[k], key_len);
		if (ret == 0)
			break;
		if (ret != -EBADMSG) {
			OPENSSL_cleanse(keys, sizeof(keys));
			reject(a, r, CP_AUTH_R_INTERNAL, addr, port, now_s);
			return;
		}
	}
	if (k == n_keys) {
		OPENSSL_cleanse(keys, sizeof(keys));
		reject(a, r, CP_AUTH_R_BAD_INTEGRITY, addr, port, now_s);
		return;
	}
	memcpy(r->key, keys[k], key_len);
	r->key_len = key_len;
	OPENSSL_cleanse(keys, sizeof(keys));

	/* 5. the nonce: ours, this client's, alive */
	why = cp_auth_nonce_check(a, m->start + nonce->off, nonce->len, addr, port, now_s, NULL);
	if (why != CP_AUTH_R_OK) {
		reject(a, r, why, addr, port, now_s);
		return;
	}
	memcpy(r->username, name, name_len);
	r->username[name_len] = '\0';
	r->username_len = name_len;
	r->code = 0;
	r->reason = CP_AUTH_R_OK;
	return;

check_dummy:
	/* as much HMAC work as a wrong password, so timing does not tell users apart */
	(void)(r->sha256_integrity ? sn_stun_check_integrity_sha256(m, dummy_key, key_len)
				   : sn_stun_check_integrity(m, dummy_key, key_len));
	reject(a, r, why, addr, port, now_s);
}

/* Contract in cp_auth.h (RFC 8489 sections 9.2.4, 14.8, 14.11). */
int
cp_auth_write_error(
	const struct cp_auth *a, const struct cp_auth_result *r, struct sn_stun_writer *w)
{
	if (r->code == 0)
		return -EINVAL;
	sn_stun_add_error(w, (uint16_t)r->code, cp_auth_code_phrase(r->code));
	if (r->code == SN_STUN_ERR_UNAUTHENTICATED || r->code == SN_STUN_ERR_STALE_NONCE) {
		sn_stun_add_raw(w, SN_STUN_ATTR_REALM, a->cfg.realm, a->realm_len);
		sn_stun_add_raw(w, SN_STUN_ATTR_NONCE, r->nonce, r->nonce_len);
		if (a->features & CP_AUTH_FEATURE_PASSWORD_ALGORITHMS)
			sn_stun_add_raw(w, SN_STUN_ATTR_PASSWORD_ALGORITHMS, algorithms_offer,
				sizeof(algorithms_offer));
	}
	return w->err;
}

/* Contract in cp_auth.h (RFC 8489 section 9.2.4: same integrity kind as the request). */
int
cp_auth_sign(const struct cp_auth_result *r, struct sn_stun_writer *w)
{
	if (r->code != 0 || r->key_len == 0)
		return -EINVAL;
	return r->sha256_integrity ? sn_stun_add_integrity_sha256(w, r->key, r->key_len)
				   : sn_stun_add_integrity(w, r->key, r->key_len);
}
