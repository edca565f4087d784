/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fast-path STUN Binding answers (contract in dp_stun.h).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp_addr.h"
#include "dp_stun.h"
#include "dp_types.h"
#include "sn_stun.h"

/* Large enough for any answer we build: header + two IPv6 address attributes. */
#define DP_STUN_RESP_MAX 96

/*
 * RFC 3489 ("classic STUN") requests carry a 16-byte transaction id where
 * RFC 8489 has the magic cookie.  RFC 8489 section 11 (backwards
 * compatibility): such a client gets MAPPED-ADDRESS, not the XOR form.
 */
#define DP_STUN3489_TXID_OFF	       4
#define DP_STUN3489_TXID_LEN	       16
#define DP_STUN3489_RESPONSE_ADDRESS   0x0002 /* RFC 3489 section 11.2.2 */
#define DP_STUN3489_CHANGE_REQUEST     0x0003 /* section 11.2.4 */
#define DP_STUN3489_SOURCE_ADDRESS     0x0004 /* section 11.2.5 */
#define DP_STUN3489_CHANGE_REQUEST_LEN 4
#define DP_STUN3489_CHANGE_FLAGS       0x06 /* change IP (0x04) | change port (0x02) */
#define DP_STUN_ADDR_HLEN	       4    /* reserved, family, port */
#define DP_STUN_ALIGN		       4
#define DP_STUN_TYPE_OFF	       0
#define DP_STUN_LEN_OFF		       2

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Swap n bytes between a and b. */
static inline void
swap_bytes(uint8_t *a, uint8_t *b, unsigned n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Append a (non-XOR) address attribute (RFC 8489 section 14.1) at out. */
static unsigned
put_addr_attr(uint8_t *out, uint16_t type, uint8_t family, const uint8_t *addr, uint16_t port)
{
	unsigned alen = family == SN_FAM_IPV4 ? 4 : 16;

	wr16(out, type);
	wr16(out + 2, (uint16_t)(DP_STUN_ADDR_HLEN + alen));
	out[4] = 0;
	out[5] = family == SN_FAM_IPV4 ? SN_STUN_FAMILY_IPV4 : SN_STUN_FAMILY_IPV6;
	wr16(out + 6, port);
	memcpy(out + 8, addr, alen);
	return SN_STUN_ATTR_HLEN + DP_STUN_ADDR_HLEN + alen;
}

/*
 * RFC 3489 Binding request [p, p+len) (no magic cookie).  Answerable when
 * every comprehension-required attribute is a CHANGE-REQUEST asking for no
 * change; RESPONSE-ADDRESS (a reflection vector), change requests (we have
 * no alternate address: RFC 5780 is sn-control's) and authentication go to
 * sn-control.  Builds MAPPED-ADDRESS and SOURCE-ADDRESS (RFC 3489 section
 * 11.2) into resp; returns its length, 0 to punt, -1 if malformed.
 */
static int
classic_binding(const uint8_t *p, uint16_t len, const struct sn_pkt_info *pi, uint8_t *resp)
{
	unsigned off = SN_STUN_HLEN, rlen;

	if (rd16(p + DP_STUN_TYPE_OFF) != SN_STUN_BINDING_REQUEST ||
		rd16(p + DP_STUN_LEN_OFF) != len - SN_STUN_HLEN || (len % DP_STUN_ALIGN) != 0)
		return -1;
	while (off < len) {
		uint16_t type, alen;

		if (len - off < SN_STUN_ATTR_HLEN)
			return -1;
		type = rd16(p + off);
		alen = rd16(p + off + 2);
		off += SN_STUN_ATTR_HLEN;
		if (RTE_ALIGN_CEIL((unsigned)alen, DP_STUN_ALIGN) > (unsigned)len - off)
			return -1;
		if (type == DP_STUN3489_CHANGE_REQUEST) {
			if (alen != DP_STUN3489_CHANGE_REQUEST_LEN ||
				(p[off + 3] & DP_STUN3489_CHANGE_FLAGS) != 0)
				return 0;
		} else if (type < SN_STUN_ATTR_COMPREHENSION_OPTIONAL) {
			return 0;
		}
		off += RTE_ALIGN_CEIL((unsigned)alen, DP_STUN_ALIGN);
	}
	wr16(resp + DP_STUN_TYPE_OFF, SN_STUN_BINDING_SUCCESS);
	memcpy(resp + DP_STUN3489_TXID_OFF, p + DP_STUN3489_TXID_OFF, DP_STUN3489_TXID_LEN);
	rlen = SN_STUN_HLEN;
	rlen += put_addr_attr(
		resp + rlen, SN_STUN_ATTR_MAPPED_ADDRESS, pi->family, pi->src, pi->sport);
	rlen += put_addr_attr(
		resp + rlen, DP_STUN3489_SOURCE_ADDRESS, pi->family, pi->dst, pi->dport);
	wr16(resp + DP_STUN_LEN_OFF, (uint16_t)(rlen - SN_STUN_HLEN));
	return (int)rlen;
}

/*
 * Turn m into the answer resp[0..rlen) back to its sender: payload
 * replaced, MACs, addresses and ports swapped, lengths, TTL and checksums
 * rewritten.
 */
static enum dp_verdict
answer(struct rte_mbuf *m, const struct sn_pkt_info *pi, unsigned port_idx, const uint8_t *resp,
	unsigned rlen, enum sn_drop *drop)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *uh;
	uint16_t udp_len, new_len, sport = pi->sport;
	unsigned alen;

	new_len = (uint16_t)(pi->payload_off + rlen);
	if (new_len > m->buf_len - m->data_off) {
		*drop = SN_DROP_TOO_BIG;
		return DP_V_DROP;
	}
	m->data_len = new_len;
	m->pkt_len = new_len;
	memcpy(d + pi->payload_off, resp, rlen);
	/* L2: back to the sender, from this port */
	eh = (struct rte_ether_hdr *)d;
	rte_ether_addr_copy(&eh->src_addr, &eh->dst_addr);
	rte_ether_addr_copy(&dp.ports[port_idx].mac, &eh->src_addr);

	/* L4 */
	udp_len = (uint16_t)(SN_UDP_HLEN + rlen);
	uh = (struct rte_udp_hdr *)(d + pi->l4_off);
	uh->src_port = rte_cpu_to_be_16(pi->dport);
	uh->dst_port = rte_cpu_to_be_16(sport);
	uh->dgram_len = rte_cpu_to_be_16(udp_len);
	uh->dgram_cksum = 0;

	/* L3: swap addresses, fresh TTL, lengths, checksums */
	alen = pi->family == SN_FAM_IPV4 ? 4 : 16;
	swap_bytes(d + (pi->src - d), d + (pi->dst - d), alen);
	if (pi->family == SN_FAM_IPV4) {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(d + pi->l3_off);

		ih->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ih) + udp_len));
		ih->time_to_live = DP_ORIGIN_TTL;
		ih->fragment_offset = 0;
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	} else {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(d + pi->l3_off);

		ih->payload_len = rte_cpu_to_be_16(udp_len);
		ih->hop_limits = DP_ORIGIN_TTL;
	}
	uh->dgram_cksum = rte_cpu_to_be_16(
		sn_udp_csum(pi->family, pi->src, pi->dst, (const uint8_t *)uh, udp_len));
	m->ol_flags = 0;
	return DP_V_TX;
}

enum dp_verdict
dp_stun_binding(struct rte_mbuf *m, const struct sn_pkt_info *pi, unsigned port_idx,
	enum sn_drop *drop, enum sn_punt *punt)
{
	const uint8_t *payload = rte_pktmbuf_mtod(m, const uint8_t *) + pi->payload_off;
	uint8_t resp[DP_STUN_RESP_MAX], txid[SN_STUN_TXID_LEN];
	struct sn_stun_msg msg;
	enum sn_drop r;
	int rlen;

	if (pi->payload_len < SN_STUN_HLEN || payload[0] > SN_DEMUX_STUN_MAX) {
		*punt = SN_PUNT_UDP_LOCAL; /* RFC 7983: not STUN (e.g. TURN ChannelData) */
		return DP_V_PUNT;
	}
	if (pi->has_ext || m->nb_segs != 1) {
		*punt = SN_PUNT_STUN_OTHER;
		return DP_V_PUNT;
	}
	if (!sn_stun_is_candidate(payload, pi->payload_len)) {
		if ((rd16(payload) & SN_STUN_CLASS_MASK) != SN_STUN_CLASS_REQUEST) {
			*drop = SN_DROP_STUN_NOT_REQUEST;
			return DP_V_DROP;
		}
		rlen = classic_binding(payload, pi->payload_len, pi, resp);
		if (rlen < 0) {
			*drop = SN_DROP_STUN_MALFORMED;
			return DP_V_DROP;
		}
		if (rlen == 0) {
			*punt = SN_PUNT_STUN_OTHER;
			return DP_V_PUNT;
		}
		goto answer;
	}
	r = sn_stun_parse(payload, payload + pi->payload_len, &msg);
	if (r != SN_DROP_NONE) {
		*drop = r;
		return DP_V_DROP;
	}
	if (msg.cls != SN_STUN_CLASS_REQUEST) {
		*drop = SN_DROP_STUN_NOT_REQUEST;
		return DP_V_DROP;
	}
	/* authenticated, other methods, unknown comprehension-required
	 * attributes (a 420 answer): sn-control's business */
	if (msg.method != SN_STUN_BINDING || msg.has_integrity || msg.has_integrity_sha256 ||
		msg.unknown_required != 0) {
		*punt = SN_PUNT_STUN_OTHER;
		return DP_V_PUNT;
	}
	memcpy(txid, msg.txid, sizeof(txid));
	rlen = sn_stun_build_binding_success(
		resp, sizeof(resp), txid, pi->family, pi->src, pi->sport, msg.has_fingerprint != 0);
	if (rlen < 0) {
		*drop = SN_DROP_STUN_MALFORMED;
		return DP_V_DROP;
	}
answer:
	if (dp_addr_forbidden(pi->family, pi->src)) {
		*drop = SN_DROP_BAD_SRC_ADDR;
		return DP_V_DROP;
	}
	return answer(m, pi, port_idx, resp, (unsigned)rlen, drop);
}
