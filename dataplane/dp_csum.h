/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental Internet checksum update (RFC 1624) for rewritten headers.
 *
 * All sums are taken over 16-bit words loaded in host order straight from
 * packet memory; the ones-complement sum is byte-order independent
 * (RFC 1071 section 2(B)), so a checksum field loaded and stored the same
 * way stays correct without byte swaps.
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/* Sum of n 16-bit words at p (unaligned ok), not folded. */
static inline uint32_t
dp_sum16(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	uint16_t w;
	unsigned i;

	for (i = 0; i < n; i++) {
		memcpy(&w, b + 2 * i, sizeof(w));
		s += w;
	}
	return s;
}

/* Fold a 32-bit accumulator to 16 bits (RFC 1071 section 4.1). */
static inline uint16_t
dp_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * RFC 1624 equation 3: HC' = ~(~HC + ~m + m'), where m is the sum of the
 * replaced words and m' the sum of their replacements.  csum and the
 * result are as loaded/stored from/to the packet.
 */
static inline uint16_t
dp_csum_update(uint16_t csum, uint32_t old_sum, uint32_t new_sum)
{
	uint32_t s = (uint16_t)~csum;

	s += (uint16_t)~dp_fold(old_sum);
	s += dp_fold(new_sum);
	return (uint16_t)~dp_fold(s);
}

/*
 * TURN ChannelData (RFC 8656 section 12.4) relayed over UDP without
 * padding: the UDP checksum of the datagram that carries the same
 * application data, derived from the received one (RFC 1624).  delta is
 * the folded sum of the words that differ in the addressing (the peer
 * side: relayed address and port, peer address and port) minus those of
 * the client side (client address and port, server address and port);
 * chan_hdr the 4-byte channel header (number and length) as loaded.  The
 * UDP length field (in the header and in the pseudo-header) differs by
 * the channel header's 4 bytes.  csum and the results are as stored; a
 * result of 0 is returned as 0xffff (RFC 768), the caller never passes a
 * datagram without checksum (csum 0).
 */
#define DP_CSUM_CHAN_LEN_WORDS rte_cpu_to_be_16(2 * 4) /* both length fields, as loaded */

/*
 * delta from the two sides' unfolded sums (dp_sum16() of the addresses
 * plus the ports as loaded).
 */
static inline uint16_t
dp_csum_chan_delta(uint32_t peer_side, uint32_t client_side)
{
	return dp_fold((uint32_t)dp_fold(peer_side) + (uint16_t)~dp_fold(client_side));
}

/* Client -> peer: the channel header is removed. */
static inline uint16_t
dp_csum_chan_strip(uint16_t csum, uint16_t delta, uint32_t chan_hdr)
{
	uint32_t s = (uint16_t)~csum + (uint32_t)delta + (uint16_t)~DP_CSUM_CHAN_LEN_WORDS +
		     (uint16_t)~(uint16_t)chan_hdr + (uint16_t)~(uint16_t)(chan_hdr >> 16);
	uint16_t c = (uint16_t)~dp_fold(s);

	return c == 0 ? 0xffff : c;
}

/* Peer -> client: the channel header is added. */
static inline uint16_t
dp_csum_chan_add(uint16_t csum, uint16_t delta, uint32_t chan_hdr)
{
	uint32_t s = (uint16_t)~csum + (uint32_t)(uint16_t)~delta + DP_CSUM_CHAN_LEN_WORDS +
		     (uint16_t)chan_hdr + (uint16_t)(chan_hdr >> 16);
	uint16_t c = (uint16_t)~dp_fold(s);

	return c == 0 ? 0xffff : c;
}

#endif /* DP_CSUM_H */
