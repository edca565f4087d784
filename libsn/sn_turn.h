/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN (RFC 8656) data-plane framing: ChannelData messages and the Send
 * and Data indications, as the fast path sees them.  Pure C: the
 * dataplane, tests and tools include it.  STUN attribute and method
 * numbers are in sn_stun.h.
 */
#ifndef SN_TURN_H
#define SN_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sn_abi.h"
#include "sn_bytes.h"
#include "sn_counters.h"
#include "sn_stun.h"

/* RFC 8656 section 12.4: ChannelData = channel number, length, data */
#define SN_TURN_CHANNEL_HLEN	4
#define SN_TURN_CHANNEL_NUM_OFF 0
#define SN_TURN_CHANNEL_LEN_OFF 2
#define SN_TURN_CHANNEL_PAD	4 /* over TCP/TLS only: padded to a multiple of 4 */

/* RFC 8656 section 17 / RFC 8489 section 5: indication message types */
#define SN_TURN_SEND_INDICATION 0x0016 /* method Send (0x006), class indication */
#define SN_TURN_DATA_INDICATION 0x0017 /* method Data (0x007), class indication */

/* RFC 8489 section 5: offsets in the STUN header */
#define SN_STUN_TYPE_OFF   0
#define SN_STUN_LEN_OFF	   2
#define SN_STUN_COOKIE_OFF 4
#define SN_STUN_TXID_OFF   8
#define SN_STUN_ALIGN	   4 /* attribute values are padded to 4 bytes (section 14) */

/*
 * RFC 7983 section 7 / RFC 8656 section 12.4: a UDP payload whose first
 * byte is 64..79 is a ChannelData message (channel numbers 0x4000-0x4FFF);
 * sn_abi.h widens that to RFC 5766's 0x4000-0x7FFF (first bytes 64..127)
 * for the clients that still use it.
 */
static inline bool
sn_turn_is_channel_data(const uint8_t *p, size_t len)
{
	return len >= SN_TURN_CHANNEL_HLEN && p[0] >= (SN_TURN_CHAN_MIN >> 8) &&
	       p[0] <= (SN_TURN_CHAN_MAX >> 8);
}

/* Could [p, p+len) be a Send indication (type and magic cookie only)? */
static inline bool
sn_turn_is_send_indication(const uint8_t *p, size_t len)
{
	return len >= SN_STUN_HLEN && sn_rd16(p + SN_STUN_TYPE_OFF) == SN_TURN_SEND_INDICATION &&
	       sn_rd32(p + SN_STUN_COOKIE_OFF) == SN_STUN_MAGIC_COOKIE;
}

/*
 * ChannelData message received over UDP in [start, end) (RFC 8656 section
 * 12.5): *number gets the channel number, *len the length field; the
 * length must fit in what is there (the rest, up to the end of the UDP
 * datagram, is padding and ignored).  SN_DROP_NONE or
 * SN_DROP_TURN_MALFORMED.  The number's range is the caller's (the first
 * byte demultiplexed it).
 */
static inline enum sn_drop
sn_turn_channel_parse(const uint8_t *start, const uint8_t *end, uint16_t *number, uint16_t *len)
{
	if (end < start || (size_t)(end - start) < SN_TURN_CHANNEL_HLEN)
		return SN_DROP_TURN_MALFORMED;
	*number = sn_rd16(start + SN_TURN_CHANNEL_NUM_OFF);
	*len = sn_rd16(start + SN_TURN_CHANNEL_LEN_OFF);
	if ((size_t)*len > (size_t)(end - start) - SN_TURN_CHANNEL_HLEN)
		return SN_DROP_TURN_MALFORMED;
	return SN_DROP_NONE;
}

#endif /* SN_TURN_H */
