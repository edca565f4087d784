/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces (RFC 8489 sections 9.2, 9.2.3; RFC 8656 section 7.2):
 * the server keeps no per-client state.  A nonce carries the RFC 8489
 * nonce cookie with our security feature bits, its expiry, and a
 * truncated HMAC-SHA256 under a rotating server key that also covers the
 * client's transport address, so it only verifies for the client it was
 * given to, until it expires, while its key is current or previous.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "cp_auth.h"
#include "sn_stun_write.h"

/* Layout of the binary part (CP_AUTH_NONCE_BLOB_LEN bytes) */
#define BLOB_VERSION_OFF  0
#define BLOB_KID_OFF	  1
#define BLOB_RESERVED_OFF 2
#define BLOB_EXPIRY_OFF	  3
#define BLOB_EXPIRY_LEN	  8
#define BLOB_MAC_OFF	  (BLOB_EXPIRY_OFF + BLOB_EXPIRY_LEN)
#define BLOB_SIGNED_LEN	  BLOB_MAC_OFF /* bytes of the blob before the MAC */
_Static_assert(BLOB_MAC_OFF + CP_AUTH_NONCE_MAC_LEN == CP_AUTH_NONCE_BLOB_LEN, "nonce blob");
_Static_assert(CP_AUTH_NONCE_BLOB_LEN % 3 == 0, "nonce blob encodes without '=' padding");

#define PREFIX_LEN   (CP_AUTH_NONCE_COOKIE_LEN + CP_AUTH_FEATURES_B64_LEN)
#define BLOB_B64_LEN (CP_AUTH_NONCE_BLOB_LEN / 3 * 4)
#define ADDR_BYTES   16
#define PORT_BYTES   2
/* MAC input: prefix, signed blob part, family, address, port */
#define MAC_INPUT_LEN	(PREFIX_LEN + BLOB_SIGNED_LEN + 1 + ADDR_BYTES + PORT_BYTES)
#define HMAC_SHA256_LEN 32
#define BITS_PER_BYTE	8
#define KID_SLOTS	2

static bool
is_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* n base64 characters (no padding) into n / 4 * 3 bytes; -EINVAL on a bad character. */
static int
b64_decode_exact(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_b64_char(in[i]))
			return -EINVAL;
	return EVP_DecodeBlock(out, in, (int)n) == (int)(n / 4 * 3) ? 0 : -EINVAL;
}

/* RFC 8489 section 9.2: "obMatJos2" + base64(24-bit feature set). */
int
cp_auth_nonce_features(const uint8_t *nonce, size_t len, uint32_t *features)
{
	uint8_t f[CP_AUTH_FEATURES_LEN];

	if (nonce == NULL || len < PREFIX_LEN ||
		memcmp(nonce, CP_AUTH_NONCE_COOKIE, CP_AUTH_NONCE_COOKIE_LEN) != 0 ||
		b64_decode_exact(nonce + CP_AUTH_NONCE_COOKIE_LEN, CP_AUTH_FEATURES_B64_LEN, f) < 0)
		return -ENOENT;
	*features = (uint32_t)f[0] << (2 * BITS_PER_BYTE) | (uint32_t)f[1] << BITS_PER_BYTE | f[2];
	return 0;
}

/* The MAC over prefix, signed blob and client address (layout in cp_auth.h). */
static int
nonce_mac(const struct cp_auth *a, const uint8_t *prefix, const uint8_t *blob,
	const struct sn_abi_addr *addr, uint16_t port, uint8_t *mac)
{
	uint8_t in[MAC_INPUT_LEN], full[HMAC_SHA256_LEN];
	uint8_t *p = in;
	const uint8_t *key = a->nonce_key[blob[BLOB_KID_OFF] % KID_SLOTS];

	memcpy(p, prefix, PREFIX_LEN);
	p += PREFIX_LEN;
	memcpy(p, blob, BLOB_SIGNED_LEN);
	p += BLOB_SIGNED_LEN;
	*p++ = addr->family;
	memset(p, 0, ADDR_BYTES);
	memcpy(p, addr->bytes, addr->family == SN_FAM_IPV4 ? 4 : ADDR_BYTES);
	p += ADDR_BYTES;
	if (!a->cfg.nonce_bind_port)
		port = 0;
	*p++ = (uint8_t)(port >> BITS_PER_BYTE);
	*p++ = (uint8_t)port;
	if (sn_hmac("SHA256", key, CP_AUTH_NONCE_KEY_LEN, in, sizeof(in), full, sizeof(full)) != 0)
		return -EIO;
	memcpy(mac, full, CP_AUTH_NONCE_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

/* Our feature bits, big endian, in base64 after the cookie. */
static void
nonce_prefix(const struct cp_auth *a, uint8_t *prefix)
{
	uint8_t f[CP_AUTH_FEATURES_LEN + 1];

	f[0] = (uint8_t)(a->features >> (2 * BITS_PER_BYTE));
	f[1] = (uint8_t)(a->features >> BITS_PER_BYTE);
	f[2] = (uint8_t)a->features;
	memcpy(prefix, CP_AUTH_NONCE_COOKIE, CP_AUTH_NONCE_COOKIE_LEN);
	/* EVP_EncodeBlock NUL-terminates: encode into a temporary */
	{
		uint8_t tmp[CP_AUTH_FEATURES_B64_LEN + 1];

		EVP_EncodeBlock(tmp, f, CP_AUTH_FEATURES_LEN);
		memcpy(prefix + CP_AUTH_NONCE_COOKIE_LEN, tmp, CP_AUTH_FEATURES_B64_LEN);
	}
}

/* RFC 8489 section 9.2.3: a fresh nonce for this client (contract in cp_auth.h). */
int
cp_auth_nonce_make(const struct cp_auth *a, const struct sn_abi_addr *addr, uint16_t port,
	uint64_t now_s, char *out, size_t cap)
{
	uint8_t blob[CP_AUTH_NONCE_BLOB_LEN];
	uint64_t expiry = now_s + a->cfg.nonce_lifetime_s;
	unsigned i;

	if (cap < CP_AUTH_NONCE_LEN + 1)
		return -ENOSPC;
	if (addr == NULL || (addr->family != SN_FAM_IPV4 && addr->family != SN_FAM_IPV6))
		return -EINVAL;
	nonce_prefix(a, (uint8_t *)out);
	blob[BLOB_VERSION_OFF] = CP_AUTH_NONCE_VERSION;
	blob[BLOB_KID_OFF] = a->nonce_kid;
	blob[BLOB_RESERVED_OFF] = 0;
	for (i = 0; i < BLOB_EXPIRY_LEN; i++)
		blob[BLOB_EXPIRY_OFF + i] =
			(uint8_t)(expiry >> (BITS_PER_BYTE * (BLOB_EXPIRY_LEN - 1 - i)));
	if (nonce_mac(a, (const uint8_t *)out, blob, addr, port, blob + BLOB_MAC_OFF) < 0)
		return -EIO;
	EVP_EncodeBlock((uint8_t *)out + PREFIX_LEN, blob, CP_AUTH_NONCE_BLOB_LEN);
	return CP_AUTH_NONCE_LEN;
}

/* Contract in cp_auth.h: authentic, live key, this client, not expired. */
enum cp_auth_reason
cp_auth_nonce_check(const struct cp_auth *a, const uint8_t *nonce, size_t len,
	const struct sn_abi_addr *addr, uint16_t port, uint64_t now_s, uint32_t *features)
{
	uint8_t blob[CP_AUTH_NONCE_BLOB_LEN], mac[CP_AUTH_NONCE_MAC_LEN];
	uint64_t expiry = 0;
	uint32_t f;
	uint8_t kid;
	unsigned i;

	if (nonce == NULL || len != CP_AUTH_NONCE_LEN || addr == NULL ||
		cp_auth_nonce_features(nonce, len, &f) < 0 ||
		b64_decode_exact(nonce + PREFIX_LEN, BLOB_B64_LEN, blob) < 0 ||
		blob[BLOB_VERSION_OFF] != CP_AUTH_NONCE_VERSION || blob[BLOB_RESERVED_OFF] != 0)
		return CP_AUTH_R_NONCE_INVALID;
	kid = blob[BLOB_KID_OFF];
	if (kid != a->nonce_kid && !(a->nonce_prev_valid && kid == (uint8_t)(a->nonce_kid - 1)))
		return CP_AUTH_R_NONCE_INVALID;
	if (nonce_mac(a, nonce, blob, addr, port, mac) < 0 ||
		CRYPTO_memcmp(mac, blob + BLOB_MAC_OFF, CP_AUTH_NONCE_MAC_LEN) != 0)
		return CP_AUTH_R_NONCE_INVALID;
	for (i = 0; i < BLOB_EXPIRY_LEN; i++)
		expiry = expiry << BITS_PER_BYTE | blob[BLOB_EXPIRY_OFF + i];
	if (features != NULL)
		*features = f;
	return expiry >= now_s ? CP_AUTH_R_OK : CP_AUTH_R_NONCE_EXPIRED;
}

/* Contract in cp_auth.h: the current key becomes the previous one. */
int
cp_auth_rotate_nonce_key(struct cp_auth *a, const uint8_t *key)
{
	uint8_t next = (uint8_t)(a->nonce_kid + 1);
	uint8_t *slot = a->nonce_key[next % KID_SLOTS];

	if (key != NULL)
		memcpy(slot, key, CP_AUTH_NONCE_KEY_LEN);
	else if (RAND_bytes(slot, CP_AUTH_NONCE_KEY_LEN) != 1)
		return -EIO;
	a->nonce_kid = next;
	a->nonce_prev_valid = true;
	return 0;
}
