/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay-session latch probe: the packet a client behind NAT sends to its
 * leg's relay port so the appliance learns ("latches") the leg's remote.
 *
 * Wire format (UDP payload, exactly SN_LATCH_LEN bytes, network order):
 *   0  4  magic "SNLT"  (first byte 0x53 = 83: unassigned in RFC 7983's
 *                        first-byte map, so it cannot be STUN, DTLS, TURN
 *                        ChannelData or RTP)
 *   4  1  version (SN_LATCH_VERSION)
 *   5  3  reserved, zero
 *   8  8  session token, as returned by control on session add
 * The probe is consumed by the appliance, not forwarded.  A leg with
 * SN_LEG_LATCH re-latches on a later probe with the right token (NAT
 * rebinding), like rtpengine's strict-source latching.
 */
#ifndef SN_RELAY_H
#define SN_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define SN_LATCH_MAGIC0 0x53 /* 'S' */
#define SN_LATCH_MAGIC "SNLT"
#define SN_LATCH_VERSION 1
#define SN_LATCH_LEN 16
#define SN_LATCH_TOKEN_OFF 8

/*
 * Is [p, p+len) a latch probe?  On true, *token is the probe's token (host
 * order).  Pure function of the bytes.
 */
static inline bool
sn_latch_parse(const uint8_t *p, uint16_t len, uint64_t *token)
{
	uint64_t t = 0;
	int i;

	if (len != SN_LATCH_LEN || memcmp(p, SN_LATCH_MAGIC, 4) != 0 || p[4] != SN_LATCH_VERSION)
		return false;
	for (i = 0; i < 8; i++)
		t = (t << 8) | p[SN_LATCH_TOKEN_OFF + i];
	*token = t;
	return true;
}

/* Write a probe for token (host order) into out[SN_LATCH_LEN]. */
static inline void
sn_latch_build(uint8_t *out, uint64_t token)
{
	int i;

	memcpy(out, SN_LATCH_MAGIC, 4);
	out[4] = SN_LATCH_VERSION;
	out[5] = out[6] = out[7] = 0;
	for (i = 7; i >= 0; i--) {
		out[SN_LATCH_TOKEN_OFF + i] = (uint8_t)token;
		token >>= 8;
	}
}

#endif /* SN_RELAY_H */
