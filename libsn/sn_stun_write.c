/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message writer and integrity verifiers (RFC 8489 sections 5, 14).
 * Control-plane speed: a cached HMAC context per digest, no allocation
 * besides libcrypto's own context.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sn_bytes.h"
#include "sn_abi.h"
#include "sn_stun.h"
#include "sn_stun_write.h"

/* RFC 8489 section 5: header layout */
#define STUN_TYPE_OFF	   0
#define STUN_LEN_OFF	   2
#define STUN_COOKIE_OFF	   4
#define STUN_TXID_OFF	   8
#define STUN_TOP_BITS_MASK 0xc000 /* the two most significant type bits are zero */
#define STUN_ALIGN	   4	  /* attributes are padded to 4 bytes (section 14) */
#define STUN_ATTR_LEN_OFF  2 /* section 14: type, length, value */

/* RFC 8489 section 14.8: ERROR-CODE value: class at byte 2 (3 bits), number at 3 */
#define ERROR_CLASS_OFF	 2
#define ERROR_NUMBER_OFF 3

/* RFC 8489 section 14.9: UNKNOWN-ATTRIBUTES entries are 16 bits */
#define UNKNOWN_ENTRY_LEN 2
#define UNKNOWN_MAX	  (SN_STUN_ATTR_MAX_LEN / UNKNOWN_ENTRY_LEN)

#define HMAC_SHA1_LEN	20
#define HMAC_SHA256_LEN 32
#define HMAC_MAX_LEN	HMAC_SHA256_LEN
#define HMAC_KEY_CACHE_MAX 64 /* one SHA-1/SHA-256 block: longer keys are hashed first */

/* Number of byte ranges an integrity computation feeds the MAC */
#define MAC_PARTS 2

static inline size_t
pad4(size_t len)
{
	return (len + STUN_ALIGN - 1) & ~(size_t)(STUN_ALIGN - 1);
}

/* One byte range fed to the MAC. */
struct mac_part {
	const uint8_t *p;
	size_t len;
};

/*
 * One keyable HMAC context per digest and thread, made on first use:
 * EVP_MAC_fetch() and a fresh context per message cost more than the MAC
 * itself (provider lookup under a lock), which capped the TURN server's
 * Allocate rate.  The context remembers its last key: a message under the
 * same key (the common case: a request's check and its answer's MAC, the
 * nonce key for every nonce) reuses the keyed inner/outer digest states
 * (EVP_MAC_init with a NULL key, RFC 2104 section 4's precomputation)
 * instead of hashing the key pads again.  Kept for the thread's life (a
 * fixed, tiny amount of memory, the key wiped at exit by nobody: it is no
 * more exposed than in libcrypto's own context).
 */
struct hmac_slot {
	EVP_MAC_CTX *ctx;
	size_t keylen;	    /* of key[]; HMAC_KEY_CACHE_MAX + 1: nothing cached */
	uint8_t key[HMAC_KEY_CACHE_MAX];
};

static struct hmac_slot *
hmac_slot(const char *digest)
{
	static _Thread_local struct hmac_slot sha1, sha256;
	struct hmac_slot *slot = strcmp(digest, "SHA1") == 0 ? &sha1 : &sha256;
	OSSL_PARAM params[2];
	EVP_MAC *mac;

	if (slot->ctx != NULL)
		return slot;
	mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (mac == NULL)
		return NULL;
	slot->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (slot->ctx == NULL)
		return NULL;
	slot->keylen = HMAC_KEY_CACHE_MAX + 1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(slot->ctx, params) != 1) {
		EVP_MAC_CTX_free(slot->ctx);
		slot->ctx = NULL;
		return NULL;
	}
	return slot;
}

/*
 * Key slot's context with key: the cached keyed state when key is the
 * last one used (constant-time comparison), else a fresh keying that is
 * then remembered (keys longer than HMAC_KEY_CACHE_MAX are not).
 */
static int
hmac_key(struct hmac_slot *slot, const uint8_t *key, size_t keylen)
{
	if (slot->keylen == keylen && CRYPTO_memcmp(slot->key, key, keylen) == 0)
		return EVP_MAC_init(slot->ctx, NULL, 0, NULL) == 1 ? 0 : -EIO;
	slot->keylen = HMAC_KEY_CACHE_MAX + 1;
	if (EVP_MAC_init(slot->ctx, key, keylen, NULL) != 1)
		return -EIO;
	if (keylen <= HMAC_KEY_CACHE_MAX) {
		memcpy(slot->key, key, keylen);
		slot->keylen = keylen;
	}
	return 0;
}

/*
 * HMAC(digest, key) over the concatenation of parts (RFC 2104), out gets
 * the full digest (outlen bytes).  0 or -EIO.
 */
static int
stun_hmac(const char *digest, const uint8_t *key, size_t keylen, const struct mac_part *parts,
	unsigned n, uint8_t *out, size_t outlen)
{
	static const uint8_t empty_key[1];
	struct hmac_slot *slot = hmac_slot(digest);
	size_t got = 0;
	unsigned i;

	if (slot == NULL)
		return -EIO;
	if (hmac_key(slot, key != NULL ? key : empty_key, keylen) != 0)
		return -EIO;
	for (i = 0; i < n; i++)
		if (parts[i].len > 0 && EVP_MAC_update(slot->ctx, parts[i].p, parts[i].len) != 1)
			return -EIO;
	if (EVP_MAC_final(slot->ctx, out, &got, outlen) != 1 || got != outlen)
		return -EIO;
	return 0;
}

int
sn_hmac(const char *digest, const void *key, size_t keylen, const void *data, size_t len,
	uint8_t *out, size_t outlen)
{
	struct mac_part part = {data, len};

	if (strcmp(digest, "SHA1") != 0 && strcmp(digest, "SHA256") != 0)
		return -EINVAL;
	return stun_hmac(digest, key, keylen, &part, 1, out, outlen);
}

static inline int
writer_fail(struct sn_stun_writer *w, int err)
{
	if (w->err == 0)
		w->err = err;
	return w->err;
}

/*
 * Reserve an attribute of value length len at w->pos: checks room for the
 * padded value and the 16-bit message length, writes the attribute header,
 * zeroes the padding, updates the header length.  Returns the value pointer
 * or NULL with w->err set.
 */
static uint8_t *
writer_reserve(struct sn_stun_writer *w, uint16_t type, size_t len)
{
	size_t padded = pad4(len), body;
	uint8_t *v;

	if (w->err != 0)
		return NULL;
	if (len > SN_STUN_ATTR_MAX_LEN) {
		writer_fail(w, -EINVAL);
		return NULL;
	}
	if ((size_t)(w->end - w->pos) < SN_STUN_ATTR_HLEN + padded) {
		writer_fail(w, -ENOSPC);
		return NULL;
	}
	body = (size_t)(w->pos - w->start) - SN_STUN_HLEN + SN_STUN_ATTR_HLEN + padded;
	if (body > SN_STUN_MAX_BODY_LEN) {
		writer_fail(w, -ENOSPC);
		return NULL;
	}
	sn_wr16(w->pos, type);
	sn_wr16(w->pos + STUN_ATTR_LEN_OFF, (uint16_t)len);
	v = w->pos + SN_STUN_ATTR_HLEN;
	if (padded > len)
		memset(v + len, 0, padded - len);
	w->pos = v + padded;
	sn_wr16(w->start + STUN_LEN_OFF, (uint16_t)body);
	return v;
}

/* Ordinary attributes may not follow an integrity attribute or FINGERPRINT (section 14.5). */
static uint8_t *
writer_reserve_plain(struct sn_stun_writer *w, uint16_t type, size_t len)
{
	if (w->err == 0 && w->sealed != 0) {
		writer_fail(w, -EINVAL);
		return NULL;
	}
	return writer_reserve(w, type, len);
}

/* RFC 8489 section 5: header with length 0 (contract in sn_stun_write.h). */
void
sn_stun_writer_begin(
	struct sn_stun_writer *w, uint8_t *start, uint8_t *end, uint16_t type, const uint8_t *txid)
{
	w->start = start;
	w->pos = start;
	w->end = end;
	w->err = 0;
	w->sealed = 0;
	if (start == NULL || end < start || (size_t)(end - start) < SN_STUN_HLEN) {
		w->err = -ENOSPC;
		return;
	}
	if ((type & STUN_TOP_BITS_MASK) != 0 || txid == NULL) {
		w->err = -EINVAL;
		return;
	}
	sn_wr16(start + STUN_TYPE_OFF, type);
	sn_wr16(start + STUN_LEN_OFF, 0);
	sn_wr32(start + STUN_COOKIE_OFF, SN_STUN_MAGIC_COOKIE);
	memcpy(start + STUN_TXID_OFF, txid, SN_STUN_TXID_LEN);
	w->pos = start + SN_STUN_HLEN;
}

/* RFC 8489 section 14: type, length, value, zero padding to 4. */
int
sn_stun_add_raw(struct sn_stun_writer *w, uint16_t type, const void *value, size_t len)
{
	uint8_t *v;

	if (len > 0 && value == NULL)
		return writer_fail(w, -EINVAL);
	v = writer_reserve_plain(w, type, len);
	if (v == NULL)
		return w->err;
	if (len > 0)
		memcpy(v, value, len);
	return 0;
}

/* A 32-bit value in network order (e.g. RFC 8656 section 18.2 LIFETIME). */
int
sn_stun_add_u32(struct sn_stun_writer *w, uint16_t type, uint32_t v)
{
	uint8_t *p = writer_reserve_plain(w, type, sizeof(uint32_t));

	if (p == NULL)
		return w->err;
	sn_wr32(p, v);
	return 0;
}

/* RFC 8489 section 14.2: X-Port, X-Address (contract in sn_stun_write.h). */
int
sn_stun_add_xaddr(
	struct sn_stun_writer *w, uint16_t type, uint8_t family, const uint8_t *addr, uint16_t port)
{
	size_t vlen;
	uint8_t *v;

	if (family == SN_FAM_IPV4)
		vlen = SN_STUN_XADDR4_LEN;
	else if (family == SN_FAM_IPV6)
		vlen = SN_STUN_XADDR6_LEN;
	else
		return writer_fail(w, -EINVAL);
	if (addr == NULL)
		return writer_fail(w, -EINVAL);
	v = writer_reserve_plain(w, type, vlen);
	if (v == NULL)
		return w->err;
	sn_stun_xaddr_encode(v, family, addr, port, w->start + STUN_TXID_OFF);
	return 0;
}

/* RFC 8489 section 14.8: 21 reserved bits, class, number, reason phrase. */
int
sn_stun_add_error(struct sn_stun_writer *w, uint16_t code, const char *reason)
{
	size_t rlen = reason != NULL ? strlen(reason) : 0;
	uint8_t *v;

	if (code < SN_STUN_ERROR_CODE_MIN || code > SN_STUN_ERROR_CODE_MAX ||
		rlen > SN_STUN_ERROR_REASON_MAX)
		return writer_fail(w, -EINVAL);
	v = writer_reserve_plain(w, SN_STUN_ATTR_ERROR_CODE, SN_STUN_ERROR_HLEN + rlen);
	if (v == NULL)
		return w->err;
	v[0] = 0;
	v[1] = 0;
	v[ERROR_CLASS_OFF] = (uint8_t)(code / SN_STUN_ERROR_CLASS_DIVISOR);
	v[ERROR_NUMBER_OFF] = (uint8_t)(code % SN_STUN_ERROR_CLASS_DIVISOR);
	if (rlen > 0)
		memcpy(v + SN_STUN_ERROR_HLEN, reason, rlen);
	return 0;
}

/* RFC 8489 section 14.9: a list of 16-bit attribute types. */
int
sn_stun_add_unknown(struct sn_stun_writer *w, const uint16_t *types, size_t n)
{
	uint8_t *v;
	size_t i;

	if (n > UNKNOWN_MAX || (n > 0 && types == NULL))
		return writer_fail(w, -EINVAL);
	v = writer_reserve_plain(w, SN_STUN_ATTR_UNKNOWN_ATTRIBUTES, n * UNKNOWN_ENTRY_LEN);
	if (v == NULL)
		return w->err;
	for (i = 0; i < n; i++)
		sn_wr16(v + i * UNKNOWN_ENTRY_LEN, types[i]);
	return 0;
}

/*
 * Common part of the two integrity attributes (sections 14.5, 14.6): the
 * attribute is reserved first, so the header length already counts it;
 * the MAC covers everything before the attribute.
 */
static int
writer_add_mac(struct sn_stun_writer *w, uint16_t type, const char *digest, size_t maclen,
	const uint8_t *key, size_t keylen, uint8_t forbidden, uint8_t seal)
{
	struct mac_part part;
	uint8_t *v;
	int ret;

	if (w->err == 0 && (w->sealed & forbidden) != 0)
		return writer_fail(w, -EINVAL);
	if (keylen > 0 && key == NULL)
		return writer_fail(w, -EINVAL);
	v = writer_reserve(w, type, maclen);
	if (v == NULL)
		return w->err;
	part.p = w->start;
	part.len = (size_t)(v - SN_STUN_ATTR_HLEN - w->start);
	ret = stun_hmac(digest, key, keylen, &part, 1, v, maclen);
	if (ret < 0)
		return writer_fail(w, ret);
	w->sealed |= seal;
	return 0;
}

/* RFC 8489 section 14.5 (contract in sn_stun_write.h). */
int
sn_stun_add_integrity(struct sn_stun_writer *w, const uint8_t *key, size_t keylen)
{
	return writer_add_mac(w, SN_STUN_ATTR_MESSAGE_INTEGRITY, "SHA1", SN_STUN_INTEGRITY_LEN, key,
		keylen,
		SN_STUN_SEAL_INTEGRITY | SN_STUN_SEAL_INTEGRITY_SHA256 | SN_STUN_SEAL_FINGERPRINT,
		SN_STUN_SEAL_INTEGRITY);
}

/* RFC 8489 section 14.6 (contract in sn_stun_write.h). */
int
sn_stun_add_integrity_sha256(struct sn_stun_writer *w, const uint8_t *key, size_t keylen)
{
	return writer_add_mac(w, SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256, "SHA256",
		SN_STUN_INTEGRITY_SHA256_LEN, key, keylen,
		SN_STUN_SEAL_INTEGRITY_SHA256 | SN_STUN_SEAL_FINGERPRINT,
		SN_STUN_SEAL_INTEGRITY_SHA256);
}

/* RFC 8489 section 14.7: CRC-32 xor 0x5354554e, the last attribute. */
int
sn_stun_add_fingerprint(struct sn_stun_writer *w)
{
	uint8_t *v;

	if (w->err == 0 && (w->sealed & SN_STUN_SEAL_FINGERPRINT) != 0)
		return writer_fail(w, -EINVAL);
	v = writer_reserve(w, SN_STUN_ATTR_FINGERPRINT, SN_STUN_FINGERPRINT_LEN);
	if (v == NULL)
		return w->err;
	sn_wr32(v, sn_stun_crc32(w->start, (size_t)(v - SN_STUN_ATTR_HLEN - w->start)) ^
			SN_STUN_FINGERPRINT_XOR);
	w->sealed |= SN_STUN_SEAL_FINGERPRINT;
	return 0;
}

/* Total length or the sticky error. */
int
sn_stun_writer_finish(const struct sn_stun_writer *w)
{
	if (w->err != 0)
		return w->err;
	return (int)(w->pos - w->start);
}

/*
 * Recompute an integrity attribute found at attr_off (offset of its
 * header) with value length vlen (sections 14.5, 14.6): the MAC input is
 * the header with its length field set to attr_off - 20 + 4 + vlen, then
 * the bytes from the end of the header up to attr_off.  Compares the first
 * vlen bytes in constant time.
 */
static int
check_mac(const struct sn_stun_msg *m, uint16_t attr_off, uint16_t vlen, const char *digest,
	size_t maclen, const uint8_t *key, size_t keylen)
{
	uint8_t hdr[SN_STUN_HLEN], mac[HMAC_MAX_LEN];
	struct mac_part parts[MAC_PARTS];
	uint32_t covered;
	int ret;

	if (attr_off < SN_STUN_HLEN || vlen > maclen ||
		(uint32_t)attr_off + SN_STUN_ATTR_HLEN + vlen >
			(uint32_t)SN_STUN_HLEN + m->length ||
		sn_rd16(m->start + attr_off + STUN_ATTR_LEN_OFF) != vlen)
		return -EINVAL;
	if (keylen > 0 && key == NULL)
		return -EINVAL;
	covered = (uint32_t)attr_off - SN_STUN_HLEN + SN_STUN_ATTR_HLEN + vlen;
	memcpy(hdr, m->start, SN_STUN_HLEN);
	sn_wr16(hdr + STUN_LEN_OFF, (uint16_t)covered);
	parts[0].p = hdr;
	parts[0].len = SN_STUN_HLEN;
	parts[1].p = m->start + SN_STUN_HLEN;
	parts[1].len = (size_t)attr_off - SN_STUN_HLEN;
	ret = stun_hmac(digest, key, keylen, parts, MAC_PARTS, mac, maclen);
	if (ret < 0)
		return ret;
	ret = CRYPTO_memcmp(mac, m->start + attr_off + SN_STUN_ATTR_HLEN, vlen) == 0 ? 0 : -EBADMSG;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

/* RFC 8489 section 14.5 (contract in sn_stun_write.h). */
int
sn_stun_check_integrity(const struct sn_stun_msg *m, const uint8_t *key, size_t keylen)
{
	if (m == NULL || !m->has_integrity)
		return -ENOENT;
	return check_mac(
		m, m->integrity_off, SN_STUN_INTEGRITY_LEN, "SHA1", HMAC_SHA1_LEN, key, keylen);
}

/* RFC 8489 section 14.6 (contract in sn_stun_write.h). */
int
sn_stun_check_integrity_sha256(const struct sn_stun_msg *m, const uint8_t *key, size_t keylen)
{
	uint16_t vlen;

	if (m == NULL || !m->has_integrity_sha256)
		return -ENOENT;
	vlen = sn_rd16(m->start + m->integrity_sha256_off + STUN_ATTR_LEN_OFF);
	return check_mac(m, m->integrity_sha256_off, vlen, "SHA256", HMAC_SHA256_LEN, key, keylen);
}
