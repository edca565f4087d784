/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast-path STUN Binding answers (RFC 8489 section 6.3.1.1).
 */
#ifndef DP_STUN_H
#define DP_STUN_H

#include <rte_mbuf.h>

#include "dp_types.h"

/*
 * m is a UDP datagram to an appliance address and the fast-path STUN port,
 * parsed into pi, received on dp port port_idx.
 *
 * A Binding request (RFC 8489 section 6.3.1) without MESSAGE-INTEGRITY,
 * MESSAGE-INTEGRITY-SHA256 or an unknown comprehension-required attribute
 * is answered in place: the frame becomes a Binding success response
 * carrying XOR-MAPPED-ADDRESS = the request's source (section 14.2) and a
 * FINGERPRINT iff the request had one (section 7.3.1), sent back out of the
 * same port with MACs, addresses and ports swapped, lengths and checksums
 * rewritten (the UDP checksum is always computed, mandatory for IPv6,
 * RFC 8200 section 8.1).  An RFC 3489 request (no magic cookie) without
 * RESPONSE-ADDRESS, authentication or a change request is answered with
 * MAPPED-ADDRESS and SOURCE-ADDRESS (RFC 8489 section 11).  Returns
 * DP_V_TX.
 *
 * Other requests, and anything that is not STUN, return DP_V_PUNT with
 * *punt set (stun_other / udp_local); malformed STUN, responses and
 * indications return DP_V_DROP with *drop set.
 */
enum dp_verdict dp_stun_binding(struct rte_mbuf *m, const struct sn_pkt_info *pi, unsigned port_idx,
	enum sn_drop *drop, enum sn_punt *punt);

#endif /* DP_STUN_H */
