/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term credential keys (RFC 8489 section 9.2.2) and TURN REST API
 * ephemeral passwords (coturn use-auth-secret), plus the reason and
 * error-phrase tables.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cp_auth.h"
#include "sn_stun_write.h"

#define KEY_SEPARATOR	   ':' /* RFC 8489 section 9.2.2: user ":" realm ":" password */
#define REST_SEPARATOR	   ':' /* coturn's default rest-api-separator */
#define REST_EXPIRY_DIGITS 20  /* a 64-bit decimal */
#define DECIMAL_BASE	   10
#define HMAC_SHA1_LEN	   20
#define B64_LEN(n)	   (((n) + 2) / 3 * 4) /* base64 characters for n bytes */
#define REST_PASSWORD_LEN  B64_LEN(HMAC_SHA1_LEN)

#define CP_AUTH_REASON_TEXT(name, code, text) [CP_AUTH_R_##name] = text,
static const char *const reason_text[CP_AUTH_R_COUNT] = {CP_AUTH_REASONS(CP_AUTH_REASON_TEXT)};
#undef CP_AUTH_REASON_TEXT

const char *
cp_auth_reason_str(enum cp_auth_reason r)
{
	return (unsigned)r < CP_AUTH_R_COUNT ? reason_text[r] : "?";
}

/* RFC 8489 section 14.8 and RFC 8656 section 18: the phrases we send. */
const char *
cp_auth_code_phrase(int code)
{
	switch (code) {
	case SN_STUN_ERR_BAD_REQUEST:
		return "Bad Request";
	case SN_STUN_ERR_UNAUTHENTICATED:
		return "Unauthenticated";
	case SN_STUN_ERR_STALE_NONCE:
		return "Stale Nonce";
	case SN_STUN_ERR_SERVER_ERROR:
		return "Server Error";
	case 403:
		return "Forbidden";
	case 420:
		return "Unknown Attribute";
	case 437:
		return "Allocation Mismatch";
	case 440:
		return "Address Family not Supported";
	case 441:
		return "Wrong Credentials";
	case 442:
		return "Unsupported Transport Protocol";
	case 443:
		return "Peer Address Family Mismatch";
	case 486:
		return "Allocation Quota Reached";
	case 508:
		return "Insufficient Capacity";
	default:
		return "Error";
	}
}

/*
 * RFC 8489 section 9.2.2: key = H(username ":" realm ":" password) with H
 * MD5 (algorithm 0x0001) or SHA-256 (0x0002, section 18.5).  The inputs
 * are taken as already processed by OpaqueString (we do not normalise).
 */
int
cp_auth_key_derive(uint16_t alg, const void *user, size_t user_len, const void *realm,
	size_t realm_len, const void *password, size_t password_len, uint8_t *out, size_t cap)
{
	static const char sep = KEY_SEPARATOR;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	size_t need;
	int ret = -EIO;

	if (alg == CP_AUTH_ALG_MD5) {
		md = EVP_md5();
		need = CP_AUTH_MD5_KEY_LEN;
	} else if (alg == CP_AUTH_ALG_SHA256) {
		md = EVP_sha256();
		need = CP_AUTH_SHA256_KEY_LEN;
	} else {
		return -EINVAL;
	}
	if (cap < need || out == NULL)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -EIO;
	if (EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, user, user_len) == 1 &&
		EVP_DigestUpdate(ctx, &sep, 1) == 1 &&
		EVP_DigestUpdate(ctx, realm, realm_len) == 1 &&
		EVP_DigestUpdate(ctx, &sep, 1) == 1 &&
		EVP_DigestUpdate(ctx, password, password_len) == 1 &&
		EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == need)
		ret = (int)need;
	EVP_MD_CTX_free(ctx);
	return ret;
}

/*
 * draft-uberti-behave-turn-rest-00 section 2.2 as coturn implements
 * use-auth-secret: password = base64(HMAC-SHA1(secret, username)).
 */
int
cp_auth_rest_password(const void *secret, size_t secret_len, const void *username,
	size_t username_len, char *out, size_t cap)
{
	static const uint8_t empty[1];
	uint8_t mac[HMAC_SHA1_LEN];
	int n;

	if (cap < REST_PASSWORD_LEN + 1)
		return -ENOSPC;
	if (sn_hmac("SHA1", secret_len > 0 ? secret : empty, secret_len,
		    username_len > 0 ? username : empty, username_len, mac, sizeof(mac)) != 0)
		return -EIO;
	n = EVP_EncodeBlock((unsigned char *)out, mac, HMAC_SHA1_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return n == REST_PASSWORD_LEN ? n : -EIO;
}

/* coturn: the timestamp is the part before the first separator, or all of it. */
int
cp_auth_rest_expiry(const char *username, size_t len, uint64_t *expiry)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && username[i] != REST_SEPARATOR; i++) {
		if (username[i] < '0' || username[i] > '9' || i == REST_EXPIRY_DIGITS)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(username[i] - '0')) / DECIMAL_BASE)
			return -EINVAL;
		v = v * DECIMAL_BASE + (uint64_t)(username[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	*expiry = v;
	return 0;
}
