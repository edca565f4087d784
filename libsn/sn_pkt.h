/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet (one 802.1Q tag), ARP, IPv4, IPv6, UDP: wire constants and the
 * fast-path header parser.  Pure C, no DPDK: the dataplane calls it on mbuf
 * data, the unit tests and fuzz targets on byte arrays.
 *
 * References: IEEE 802.3/802.1Q; RFC 791 (IPv4), RFC 8200 (IPv6),
 * RFC 768 (UDP), RFC 826 (ARP), RFC 7983 (demultiplexing on the first
 * payload byte).
 */
#ifndef SN_PKT_H
#define SN_PKT_H

#include <stdint.h>

#include "sn_abi.h"
#include "sn_bytes.h"
#include "sn_counters.h"

/* Ethernet, IEEE 802.3 */
#define SN_ETH_ALEN 6
#define SN_ETH_HLEN 14
#define SN_ETH_TYPE_OFF 12
#define SN_VLAN_HLEN 4
#define SN_ETHERTYPE_IPV4 0x0800
#define SN_ETHERTYPE_ARP 0x0806
#define SN_ETHERTYPE_VLAN 0x8100  /* IEEE 802.1Q */
#define SN_ETHERTYPE_QINQ 0x88a8  /* IEEE 802.1ad */
#define SN_ETHERTYPE_IPV6 0x86dd
#define SN_VLAN_VID_MASK 0x0fff

/* ARP for IPv4 over Ethernet, RFC 826 */
#define SN_ARP_LEN 28

/* IPv4, RFC 791 section 3.1 */
#define SN_IPV4_MIN_HLEN 20
#define SN_IPV4_VERSION 4
#define SN_IPV4_VER_IHL_PLAIN 0x45 /* version 4, IHL 5: no options */
#define SN_IPV4_FLAG_MF 0x2000
#define SN_IPV4_FRAG_OFF_MASK 0x1fff
/* IPv4 header field offsets */
#define SN_IPV4_VER_IHL_OFF 0
#define SN_IPV4_TOTLEN_OFF 2
#define SN_IPV4_FRAG_OFF 6
#define SN_IPV4_TTL_OFF 8
#define SN_IPV4_PROTO_OFF 9
#define SN_IPV4_CSUM_OFF 10
#define SN_IPV4_CSUM_LEN 2
#define SN_IPV4_SRC_OFF 12
#define SN_IPV4_DST_OFF 16
#define SN_IPV4_IHL_MASK 0x0f
#define SN_IPV4_IHL_UNIT 4

/* IPv6, RFC 8200 section 3 */
#define SN_IPV6_HLEN 40
#define SN_IPV6_VERSION 6
#define SN_IPV6_EXT_MIN_LEN 8 /* RFC 8200 section 4: ext headers are 8-octet units */
#define SN_IPV6_MAX_EXT 8     /* more extension headers than this: SN_DROP_BAD_IP_HEADER */

/* IP protocol numbers (IANA) */
#define SN_IPPROTO_HOPOPTS 0 /* IPv6 hop-by-hop options, RFC 8200 section 4.3 */
#define SN_IPPROTO_ICMP 1
#define SN_IPPROTO_TCP 6
#define SN_IPPROTO_UDP 17
#define SN_IPPROTO_ROUTING 43 /* RFC 8200 section 4.4 */
#define SN_IPPROTO_IPV6_FRAG 44
#define SN_IPPROTO_ICMPV6 58
#define SN_IPPROTO_NONE 59    /* no next header, RFC 8200 section 4.7 */
#define SN_IPPROTO_DSTOPTS 60 /* RFC 8200 section 4.6 */

/* UDP, RFC 768 */
#define SN_UDP_HLEN 8
/* UDP field offsets */
#define SN_UDP_SPORT_OFF 0
#define SN_UDP_DPORT_OFF 2
#define SN_UDP_LEN_OFF 4
#define SN_UDP_CSUM_OFF 6

/* TCP, RFC 9293 section 3.1 */
#define SN_TCP_MIN_HLEN 20

/* RFC 7983 section 7: first byte of the UDP payload */
#define SN_DEMUX_STUN_MAX 3          /* 0..3 STUN */
#define SN_DEMUX_DTLS_MIN 20         /* 20..63 DTLS */
#define SN_DEMUX_DTLS_MAX 63
#define SN_DEMUX_CHANNEL_MIN 64      /* 64..79 TURN ChannelData */
#define SN_DEMUX_CHANNEL_MAX 79
#define SN_DEMUX_RTP_MIN 128         /* 128..191 RTP/RTCP */
#define SN_DEMUX_RTP_MAX 191

enum sn_pkt_kind {
	SN_PKT_ARP = 1,
	SN_PKT_IP = 2, /* IPv4 or IPv6; see family and proto */
};

/*
 * What sn_pkt_parse() found.  Offsets are from the start of the frame.
 * Address pointers point into the frame (4 or 16 bytes).
 */
struct sn_pkt_info {
	uint8_t kind;      /* enum sn_pkt_kind */
	uint8_t family;    /* SN_FAM_IPV4 / SN_FAM_IPV6 (sn_abi.h codes: 4/6) */
	uint8_t proto;     /* IP protocol of the L4 header (after IPv6 ext hdrs: see has_ext) */
	uint8_t has_vlan;
	uint8_t has_ext;   /* IPv4 options or IPv6 extension headers present */
	uint8_t ttl;       /* TTL / hop limit */
	uint16_t vlan_tci; /* host order */
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t payload_off; /* UDP payload (UDP only) */
	uint16_t payload_len; /* UDP payload length from the UDP header */
	uint16_t sport, dport; /* host order (UDP/TCP only) */
	uint16_t frame_len;    /* bytes of the frame that belong to the packet */
	const uint8_t *src, *dst; /* IP addresses inside the frame */
};

/*
 * Parse an Ethernet frame [start, end).
 *
 * Accepts: Ethernet II with at most one 802.1Q tag carrying ARP, IPv4 or
 * IPv6.  For IP it checks version, header length, total/payload length
 * against the frame (trailing padding allowed), and for UDP the UDP length
 * against the IP payload.  IPv4 fragments return SN_DROP_IP_FRAGMENT; IPv6
 * extension headers are walked for hop-by-hop, routing, destination options
 * and fragment (a fragment returns SN_DROP_IP_FRAGMENT).  Checksums are not
 * verified (offload or the end hosts do).
 *
 * Returns SN_DROP_NONE with *pi filled, or the drop reason.
 */
enum sn_drop sn_pkt_parse(const uint8_t *start, const uint8_t *end, struct sn_pkt_info *pi);

/* Frame offsets of the untagged IPv4/UDP shape sn_pkt_parse_ip4udp() takes. */
#define SN_IP4UDP_L3	  SN_ETH_HLEN
#define SN_IP4UDP_L4	  (SN_IP4UDP_L3 + SN_IPV4_MIN_HLEN)
#define SN_IP4UDP_PAYLOAD (SN_IP4UDP_L4 + SN_UDP_HLEN)
#define SN_IP4UDP_MAX_LEN 65535 /* sn_pkt_parse() parses longer frames as their first 65535 bytes */

/*
 * The common case of sn_pkt_parse(), inline: an untagged Ethernet II frame
 * [start, start + len) carrying an IPv4 header without options, not a
 * fragment, with a UDP datagram (RFC 791 section 3.1, RFC 768), every
 * length valid as sn_pkt_parse() checks it.  Returns 1 with *pi exactly
 * as sn_pkt_parse() fills it for that frame; 0, with *pi untouched, for
 * every other frame (tagged, ARP, IPv6, options, fragments, other
 * protocols, bad lengths): the caller then runs sn_pkt_parse(), which
 * decides.  tests/libsn/test_pkt.c and fuzz_pkt check the equivalence.
 */
static inline int
sn_pkt_parse_ip4udp(const uint8_t *start, uint32_t len, struct sn_pkt_info *pi)
{
	const uint8_t *ip = start + SN_IP4UDP_L3, *uh = start + SN_IP4UDP_L4;
	uint32_t tot, ulen;

	if (len < SN_IP4UDP_PAYLOAD || len > SN_IP4UDP_MAX_LEN ||
		sn_rd16(start + SN_ETH_TYPE_OFF) != SN_ETHERTYPE_IPV4 ||
		ip[SN_IPV4_VER_IHL_OFF] != SN_IPV4_VER_IHL_PLAIN ||
		(sn_rd16(ip + SN_IPV4_FRAG_OFF) & (SN_IPV4_FLAG_MF | SN_IPV4_FRAG_OFF_MASK)) != 0 ||
		ip[SN_IPV4_PROTO_OFF] != SN_IPPROTO_UDP)
		return 0;
	tot = sn_rd16(ip + SN_IPV4_TOTLEN_OFF);
	ulen = sn_rd16(uh + SN_UDP_LEN_OFF);
	if (tot > len - SN_IP4UDP_L3 || tot < SN_IPV4_MIN_HLEN + SN_UDP_HLEN ||
		ulen < SN_UDP_HLEN || ulen > tot - SN_IPV4_MIN_HLEN)
		return 0;
	pi->kind = SN_PKT_IP;
	pi->family = SN_FAM_IPV4;
	pi->proto = SN_IPPROTO_UDP;
	pi->has_vlan = 0;
	pi->has_ext = 0;
	pi->ttl = ip[SN_IPV4_TTL_OFF];
	pi->vlan_tci = 0;
	pi->l3_off = SN_IP4UDP_L3;
	pi->l4_off = SN_IP4UDP_L4;
	pi->payload_off = SN_IP4UDP_PAYLOAD;
	pi->payload_len = (uint16_t)(ulen - SN_UDP_HLEN);
	pi->sport = sn_rd16(uh + SN_UDP_SPORT_OFF);
	pi->dport = sn_rd16(uh + SN_UDP_DPORT_OFF);
	pi->frame_len = (uint16_t)(SN_IP4UDP_L3 + tot);
	pi->src = ip + SN_IPV4_SRC_OFF;
	pi->dst = ip + SN_IPV4_DST_OFF;
	return 1;
}

/*
 * RFC 1071 ones-complement sum of [p, p+len), folded to 16 bits, not
 * complemented.  Helpers for building and patching UDP checksums.
 */
uint32_t sn_csum_partial(const void *p, uint32_t len, uint32_t sum);
uint16_t sn_csum_fold(uint32_t sum);

/*
 * Full UDP checksum (RFC 768 / RFC 8200 section 8.1) of a UDP datagram
 * [udp, udp+udp_len) with the pseudo-header for family/src/dst.  Returns
 * the value to store in the header (0xffff instead of 0 for UDP).
 */
uint16_t sn_udp_csum(uint8_t family, const uint8_t *src, const uint8_t *dst, const uint8_t *udp,
	uint16_t udp_len);

/* IPv4 header checksum of a header of hlen bytes (checksum field treated as 0). */
uint16_t sn_ipv4_hdr_csum(const uint8_t *iph, uint16_t hlen);

#endif /* SN_PKT_H */
