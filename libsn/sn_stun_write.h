/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message writer (RFC 8489 sections 5 and 14, RFC 8656 section 18) and
 * the MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 verifiers for messages
 * parsed by sn_stun_parse().  Control-plane code (TURN signalling): uses
 * OpenSSL libcrypto for HMAC-SHA1 / HMAC-SHA256.
 *
 * Usage: sn_stun_writer_begin(), any number of sn_stun_add_*() in wire
 * order, then sn_stun_writer_finish().  The header's length field is kept
 * up to date after every attribute, so the integrity attributes and
 * FINGERPRINT cover exactly what RFC 8489 sections 14.5-14.7 say.  The
 * first error (no room, bad argument, attribute after an integrity
 * attribute) is sticky: later calls do nothing and finish() reports it.
 */
#ifndef SN_STUN_WRITE_H
#define SN_STUN_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "sn_stun.h"

/* RFC 8489 section 14.8: ERROR-CODE value layout and limits */
#define SN_STUN_ERROR_HLEN	    4	/* reserved (21 bits), class (3), number (8) */
#define SN_STUN_ERROR_CODE_MIN	    300 /* classes 3..6 */
#define SN_STUN_ERROR_CODE_MAX	    699
#define SN_STUN_ERROR_REASON_MAX    763 /* bytes (128 characters) */
#define SN_STUN_ERROR_CLASS_DIVISOR 100

/* Error codes: RFC 8489 section 14.8, RFC 8656 section 18 */
#define SN_STUN_ERR_TRY_ALTERNATE	  300
#define SN_STUN_ERR_BAD_REQUEST		  400
#define SN_STUN_ERR_UNAUTHENTICATED	  401
#define SN_STUN_ERR_FORBIDDEN		  403 /* RFC 8656 */
#define SN_STUN_ERR_UNKNOWN_ATTRIBUTE	  420
#define SN_STUN_ERR_ALLOCATION_MISMATCH	  437 /* RFC 8656 */
#define SN_STUN_ERR_STALE_NONCE		  438
#define SN_STUN_ERR_ADDRESS_FAMILY	  440 /* RFC 8656 */
#define SN_STUN_ERR_WRONG_CREDENTIALS	  441 /* RFC 8656 */
#define SN_STUN_ERR_UNSUPPORTED_TRANSPORT 442 /* RFC 8656 */
#define SN_STUN_ERR_PEER_ADDRESS_FAMILY	  443 /* RFC 8656 */
#define SN_STUN_ERR_ALLOCATION_QUOTA	  486 /* RFC 8656 */
#define SN_STUN_ERR_ROLE_CONFLICT	  487 /* RFC 8445 */
#define SN_STUN_ERR_SERVER_ERROR	  500
#define SN_STUN_ERR_INSUFFICIENT_CAPACITY 508 /* RFC 8656 */

/* RFC 8489 section 14: an attribute value is at most 65535 bytes */
#define SN_STUN_ATTR_MAX_LEN UINT16_MAX
/* RFC 8489 section 5: the message length field is 16 bits */
#define SN_STUN_MAX_BODY_LEN UINT16_MAX

/* Writer state over the caller's buffer [start, end).  Plain data. */
struct sn_stun_writer {
	uint8_t *start;
	uint8_t *pos; /* end of what is written so far */
	uint8_t *end;
	int err;	/* 0, or the first error (sticky): -ENOSPC, -EINVAL */
	uint8_t sealed; /* SN_STUN_SEAL_* bits: integrity/fingerprint written */
};

#define SN_STUN_SEAL_INTEGRITY	      0x01
#define SN_STUN_SEAL_INTEGRITY_SHA256 0x02
#define SN_STUN_SEAL_FINGERPRINT      0x04

/*
 * Start a message in [start, end) (RFC 8489 section 5): type (the two top
 * bits must be zero, else -EINVAL), length 0, magic cookie, the 12-byte
 * transaction id.  A buffer shorter than 20 bytes makes the writer fail
 * with -ENOSPC.  Never fails otherwise; errors surface from finish().
 */
void sn_stun_writer_begin(
	struct sn_stun_writer *w, uint8_t *start, uint8_t *end, uint16_t type, const uint8_t *txid);

/*
 * Append an attribute (RFC 8489 section 14): type, length = len, value,
 * then zero bytes up to a multiple of 4.  -EINVAL when len > 65535 or the
 * message already carries an integrity attribute or FINGERPRINT (section
 * 14.5: only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may follow
 * MESSAGE-INTEGRITY), -ENOSPC when it does not fit.  Returns 0 or the
 * writer's (sticky) error.
 */
int sn_stun_add_raw(struct sn_stun_writer *w, uint16_t type, const void *value, size_t len);

/* Append a 4-byte attribute holding v in network order (e.g. LIFETIME). */
int sn_stun_add_u32(struct sn_stun_writer *w, uint16_t type, uint32_t v);

/*
 * Append XOR-MAPPED-ADDRESS / XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS
 * (RFC 8489 section 14.2, RFC 8656 sections 18.3, 18.5): family
 * SN_FAM_IPV4 (addr 4 bytes) or SN_FAM_IPV6 (16 bytes), port in host
 * order; X-Port and X-Address are xored with the cookie (and, for IPv6,
 * the transaction id already written by begin()).  -EINVAL for another
 * family.
 */
int sn_stun_add_xaddr(struct sn_stun_writer *w, uint16_t type, uint8_t family, const uint8_t *addr,
	uint16_t port);

/*
 * Append ERROR-CODE (RFC 8489 section 14.8): code 300..699 split into
 * class (hundreds) and number, then the UTF-8 reason phrase (NULL: empty),
 * at most 763 bytes.  -EINVAL outside these bounds.
 */
int sn_stun_add_error(struct sn_stun_writer *w, uint16_t code, const char *reason);

/*
 * Append UNKNOWN-ATTRIBUTES (RFC 8489 section 14.9): n 16-bit types,
 * padded with zeros to 4 bytes (the padding is not a type: the length
 * says 2 * n).  n == 0 is allowed.
 */
int sn_stun_add_unknown(struct sn_stun_writer *w, const uint16_t *types, size_t n);

/*
 * Append MESSAGE-INTEGRITY (RFC 8489 section 14.5): HMAC-SHA1 with key
 * over the message so far, the length field already counting this
 * 24-byte attribute.  Only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may
 * follow.  -EIO if libcrypto fails.
 */
int sn_stun_add_integrity(struct sn_stun_writer *w, const uint8_t *key, size_t keylen);

/*
 * Append MESSAGE-INTEGRITY-SHA256 (RFC 8489 section 14.6): HMAC-SHA256 with
 * key, 32 bytes (never truncated when we send), over the message so far
 * with the length field counting this attribute.  Only FINGERPRINT may
 * follow.
 */
int sn_stun_add_integrity_sha256(struct sn_stun_writer *w, const uint8_t *key, size_t keylen);

/*
 * Append FINGERPRINT (RFC 8489 section 14.7): CRC-32 of the message so far
 * (length counting this attribute) xor 0x5354554e.  Nothing may follow.
 */
int sn_stun_add_fingerprint(struct sn_stun_writer *w);

/* Total bytes written (header included) or the sticky error (< 0). */
int sn_stun_writer_finish(const struct sn_stun_writer *w);

/*
 * Verify MESSAGE-INTEGRITY of a message parsed by sn_stun_parse() (RFC 8489
 * section 14.5): HMAC-SHA1(key) over the bytes before the attribute with
 * the header length field replaced by (offset of the attribute - 20 + 24),
 * compared in constant time.  Returns 0 when it matches, -EBADMSG when it
 * does not, -ENOENT when the message has no MESSAGE-INTEGRITY, -EIO when
 * libcrypto fails.
 */
int sn_stun_check_integrity(const struct sn_stun_msg *m, const uint8_t *key, size_t keylen);

/*
 * Same for MESSAGE-INTEGRITY-SHA256 (RFC 8489 section 14.6): HMAC-SHA256,
 * length field patched to cover the attribute, and the value compared on
 * its (possibly truncated, 16..32 bytes) length.
 */
int sn_stun_check_integrity_sha256(const struct sn_stun_msg *m, const uint8_t *key, size_t keylen);

/*
 * HMAC (RFC 2104) with digest "SHA1" or "SHA256" of [data, data+len) under
 * key; out gets outlen bytes (20 or 32: the whole digest).  Uses the same
 * per-thread cached context as the integrity attributes.  0, -EINVAL for
 * another digest, -EIO.
 */
int sn_hmac(const char *digest, const void *key, size_t keylen, const void *data, size_t len,
	uint8_t *out, size_t outlen);

#endif /* SN_STUN_WRITE_H */
