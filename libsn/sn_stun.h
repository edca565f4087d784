/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN (RFC 8489) and TURN (RFC 8656) message format: constants, the
 * validating parser and the Binding success response builder.
 * Pure C: used by the fast path, the control plane, tests and fuzzers.
 */
#ifndef SN_STUN_H
#define SN_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_counters.h"

/* RFC 8489 section 5: header */
#define SN_STUN_HLEN 20
#define SN_STUN_MAGIC_COOKIE 0x2112A442u
#define SN_STUN_TXID_LEN 12
#define SN_STUN_ATTR_HLEN 4
#define SN_STUN_DEFAULT_PORT 3478 /* RFC 8489 section 18.6 */

/* RFC 8489 section 5: message type = method bits M0..M11 and class C0/C1 */
#define SN_STUN_CLASS_MASK 0x0110
#define SN_STUN_CLASS_REQUEST 0x0000
#define SN_STUN_CLASS_INDICATION 0x0010
#define SN_STUN_CLASS_SUCCESS 0x0100
#define SN_STUN_CLASS_ERROR 0x0110
#define SN_STUN_METHOD_MASK 0x3eef

/* Methods: RFC 8489 section 18.2, RFC 8656 section 17 */
#define SN_STUN_BINDING 0x001
#define SN_TURN_ALLOCATE 0x003
#define SN_TURN_REFRESH 0x004
#define SN_TURN_SEND 0x006
#define SN_TURN_DATA 0x007
#define SN_TURN_CREATE_PERMISSION 0x008
#define SN_TURN_CHANNEL_BIND 0x009

/* Message types used directly */
#define SN_STUN_BINDING_REQUEST 0x0001
#define SN_STUN_BINDING_SUCCESS 0x0101
#define SN_STUN_BINDING_ERROR 0x0111

/* Attributes: RFC 8489 section 18.3, RFC 8656 section 18 */
#define SN_STUN_ATTR_MAPPED_ADDRESS 0x0001
#define SN_STUN_ATTR_USERNAME 0x0006
#define SN_STUN_ATTR_MESSAGE_INTEGRITY 0x0008
#define SN_STUN_ATTR_ERROR_CODE 0x0009
#define SN_STUN_ATTR_UNKNOWN_ATTRIBUTES 0x000A
#define SN_TURN_ATTR_CHANNEL_NUMBER 0x000C
#define SN_TURN_ATTR_LIFETIME 0x000D
#define SN_TURN_ATTR_XOR_PEER_ADDRESS 0x0012
#define SN_TURN_ATTR_DATA 0x0013
#define SN_STUN_ATTR_REALM 0x0014
#define SN_STUN_ATTR_NONCE 0x0015
#define SN_TURN_ATTR_XOR_RELAYED_ADDRESS 0x0016
#define SN_TURN_ATTR_REQUESTED_ADDRESS_FAMILY 0x0017
#define SN_TURN_ATTR_EVEN_PORT 0x0018
#define SN_TURN_ATTR_REQUESTED_TRANSPORT 0x0019
#define SN_TURN_ATTR_DONT_FRAGMENT 0x001A
#define SN_STUN_ATTR_MESSAGE_INTEGRITY_SHA256 0x001C
#define SN_STUN_ATTR_PASSWORD_ALGORITHM 0x001D
#define SN_STUN_ATTR_USERHASH 0x001E
#define SN_STUN_ATTR_XOR_MAPPED_ADDRESS 0x0020
#define SN_TURN_ATTR_RESERVATION_TOKEN 0x0022
#define SN_STUN_ATTR_PRIORITY 0x0024     /* RFC 8445 */
#define SN_STUN_ATTR_USE_CANDIDATE 0x0025 /* RFC 8445 */
#define SN_STUN_ATTR_PASSWORD_ALGORITHMS 0x8002
#define SN_STUN_ATTR_ALTERNATE_DOMAIN 0x8003
#define SN_STUN_ATTR_SOFTWARE 0x8022
#define SN_STUN_ATTR_ALTERNATE_SERVER 0x8023
#define SN_TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY 0x8000     /* RFC 8656 section 18.11 */
#define SN_TURN_ATTR_ADDITIONAL_ADDRESS_FAMILY_OLD 0x8032 /* draft-ietf-tram-turnbis, coturn */
#define SN_TURN_ATTR_ADDRESS_ERROR_CODE 0x8001          /* RFC 8656 section 18.12 */
#define SN_STUN_ATTR_FINGERPRINT 0x8028
#define SN_STUN_ATTR_ICE_CONTROLLED 0x8029  /* RFC 8445 */
#define SN_STUN_ATTR_ICE_CONTROLLING 0x802A /* RFC 8445 */
#define SN_STUN_ATTR_COMPREHENSION_OPTIONAL 0x8000 /* types >= are optional */

/* RFC 8489 section 14.1: (XOR-)MAPPED-ADDRESS family codes */
#define SN_STUN_FAMILY_IPV4 0x01
#define SN_STUN_FAMILY_IPV6 0x02
#define SN_STUN_XADDR4_LEN 8  /* value length */
#define SN_STUN_XADDR6_LEN 20

/* RFC 8489 section 14.7/14.6/14.5 */
#define SN_STUN_FINGERPRINT_XOR 0x5354554eu
#define SN_STUN_FINGERPRINT_LEN 4
#define SN_STUN_INTEGRITY_LEN 20
#define SN_STUN_INTEGRITY_SHA256_LEN 32

/* Upper bound on attributes recorded by the parser */
#define SN_STUN_MAX_ATTRS 32

/* One attribute as found by the parser: value is [msg+off, msg+off+len). */
struct sn_stun_attr {
	uint16_t type;
	uint16_t len;
	uint16_t off; /* offset of the value from the start of the message */
};

/* A parsed STUN message.  All pointers point into the parsed buffer. */
struct sn_stun_msg {
	const uint8_t *start;
	uint16_t type;        /* message type */
	uint16_t method;      /* SN_STUN_* / SN_TURN_* method */
	uint16_t cls;         /* SN_STUN_CLASS_* */
	uint16_t length;      /* message length field (excludes the 20-byte header) */
	const uint8_t *txid;  /* 12 bytes */
	uint8_t has_fingerprint;
	uint8_t has_integrity;        /* MESSAGE-INTEGRITY present */
	uint8_t has_integrity_sha256; /* MESSAGE-INTEGRITY-SHA256 present */
	uint8_t n_attrs;
	uint16_t integrity_off;        /* offset of the MESSAGE-INTEGRITY attribute header */
	uint16_t integrity_sha256_off; /* offset of the MESSAGE-INTEGRITY-SHA256 attr header */
	uint16_t unknown_required;     /* first unknown comprehension-required type, or 0 */
	struct sn_stun_attr attrs[SN_STUN_MAX_ATTRS];
};

/* Cheap first check (RFC 7983 + RFC 8489 section 5): could [p, p+len) be STUN? */
static inline bool
sn_stun_is_candidate(const uint8_t *p, size_t len)
{
	return len >= SN_STUN_HLEN && p[0] <= 3 && p[4] == 0x21 && p[5] == 0x12 &&
		p[6] == 0xA4 && p[7] == 0x42;
}

/*
 * Validate and index a STUN message occupying exactly [start, end)
 * (RFC 8489 sections 5, 6.3, 14):
 * - the two top bits are zero, the cookie is right, the length field is a
 *   multiple of 4 and equals end - start - 20;
 * - every attribute header and padded value fits;
 * - FINGERPRINT, when present, is the last attribute and its CRC-32 ^
 *   0x5354554e matches (else SN_DROP_STUN_FINGERPRINT);
 * - after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT may
 *   follow; after MESSAGE-INTEGRITY-SHA256 only FINGERPRINT; integrity
 *   attributes have their lengths (MESSAGE-INTEGRITY 20 bytes,
 *   MESSAGE-INTEGRITY-SHA256 16..32 in steps of 4: section 14.6 allows
 *   truncation);
 * - at most SN_STUN_MAX_ATTRS attributes (more: SN_DROP_STUN_MALFORMED).
 * Returns SN_DROP_NONE with *m filled, else SN_DROP_STUN_MALFORMED or
 * SN_DROP_STUN_FINGERPRINT.  Integrity values are not verified here.
 */
enum sn_drop sn_stun_parse(const uint8_t *start, const uint8_t *end, struct sn_stun_msg *m);

/* First attribute of the given type, or NULL. */
const struct sn_stun_attr *sn_stun_find(const struct sn_stun_msg *m, uint16_t type);

/* CRC-32 (IEEE 802.3) of [p, p+len): the FINGERPRINT base (RFC 8489 14.7). */
uint32_t sn_stun_crc32(const uint8_t *p, size_t len);

/*
 * Decode an XOR-MAPPED-ADDRESS / XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS
 * value (RFC 8489 section 14.2).  family out: SN_FAM_IPV4/6; addr 4 or 16
 * bytes; port in host order.  Returns 0 or -EINVAL.
 */
int sn_stun_xaddr_decode(const struct sn_stun_msg *m, const struct sn_stun_attr *a,
	uint8_t *family, uint8_t addr[16], uint16_t *port);

/*
 * Encode an XOR-MAPPED-ADDRESS / XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS
 * value (RFC 8489 section 14.2) into v: SN_STUN_XADDR4_LEN bytes for
 * SN_FAM_IPV4, SN_STUN_XADDR6_LEN for SN_FAM_IPV6 (the caller checked the
 * family and the room).  addr is 4 or 16 bytes, port host order, txid the
 * message's 12-byte transaction id (IPv6 only).
 */
void sn_stun_xaddr_encode(uint8_t *v, uint8_t family, const uint8_t *addr, uint16_t port,
	const uint8_t *txid);

/*
 * Write a Binding success response (RFC 8489 section 6.3.1.1) into out:
 * header with txid, XOR-MAPPED-ADDRESS for (family, addr, port host order),
 * then FINGERPRINT when with_fingerprint.  Returns bytes written, -EINVAL
 * for a family other than SN_FAM_IPV4/6, or -ENOSPC when cap is too small
 * (cap >= 52 always suffices).
 */
int sn_stun_build_binding_success(uint8_t *out, size_t cap, const uint8_t *txid, uint8_t family,
	const uint8_t *addr, uint16_t port, bool with_fingerprint);

#endif /* SN_STUN_H */
