/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for sn_pkt.h: the L2-L4 parser and the checksum helpers.
 *
 * Frames are built by a small builder from a table of specs; every valid
 * frame is also cut at every length short of its end and re-parsed from an
 * exact-size heap copy (so ASan catches any read past the end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sn_abi.h"
#include "sn_pkt.h"

#define FRAME_MAX     2048
#define ETH_MIN_FRAME 60 /* without FCS */

/* ------------------------------------------------------------- builder */

enum l3 { L3_ARP, L3_V4, L3_V6 };

/* How to build one frame. */
struct spec {
	enum l3 l3;
	uint8_t proto;	       /* L4 protocol (after extension headers) */
	int vlan;	       /* 0 none, 1 one 802.1Q tag */
	uint8_t v4_opt_words;  /* IPv4 options in 4-byte words */
	const uint8_t *v6_ext; /* IPv6 extension next-header chain, 0-terminated... */
	unsigned n_v6_ext;
	uint16_t payload;  /* L4 payload bytes */
	uint16_t tcp_hlen; /* for TCP: header bytes actually present */
	uint16_t pad;	   /* trailing bytes after the IP packet */
};

struct built {
	uint8_t b[FRAME_MAX];
	size_t len;	  /* bytes in b, padding included */
	size_t frame_len; /* expected frame_len */
	size_t l3, l4, ip_len_off, udp_len_off;
};

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint8_t v4_src[4] = {198, 18, 0, 11};
static const uint8_t v4_dst[4] = {198, 18, 0, 1};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x11};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01};

#define SPORT 5000
#define DPORT 3478
#define TTL   64

/* Build the frame described by s into o. */
static void
build(const struct spec *s, struct built *o)
{
	uint8_t *p = o->b;
	size_t off = 12, l4_len, ip_start, i;

	memset(o, 0, sizeof(*o));
	memset(p, 0xaa, 6);
	memset(p + 6, 0xbb, 6);
	if (s->vlan) {
		w16(p + off, SN_ETHERTYPE_VLAN);
		w16(p + off + 2, 0x2064); /* PCP 1, VID 100 */
		off += 4;
	}
	w16(p + off, s->l3 == L3_ARP  ? SN_ETHERTYPE_ARP
		     : s->l3 == L3_V4 ? SN_ETHERTYPE_IPV4
				      : SN_ETHERTYPE_IPV6);
	off += 2;
	o->l3 = ip_start = off;

	if (s->l3 == L3_ARP) {
		w16(p + off, 1); /* htype Ethernet */
		w16(p + off + 2, SN_ETHERTYPE_IPV4);
		p[off + 4] = 6;
		p[off + 5] = 4;
		w16(p + off + 6, 1); /* request */
		memcpy(p + off + 14, v4_src, 4);
		memcpy(p + off + 24, v4_dst, 4);
		off += SN_ARP_LEN;
		o->frame_len = off;
		memset(p + off, 0, s->pad);
		o->len = off + s->pad;
		return;
	}

	if (s->proto == SN_IPPROTO_UDP)
		l4_len = SN_UDP_HLEN + s->payload;
	else if (s->proto == SN_IPPROTO_TCP)
		l4_len = s->tcp_hlen + s->payload;
	else
		l4_len = 8 + s->payload; /* ICMP echo header or whatever */

	if (s->l3 == L3_V4) {
		size_t hlen = SN_IPV4_MIN_HLEN + 4u * s->v4_opt_words;

		p[off] = 0x40 | (uint8_t)(hlen / 4);
		w16(p + off + 2, (uint16_t)(hlen + l4_len));
		o->ip_len_off = off + 2;
		w16(p + off + 4, 0x1234);
		w16(p + off + 6, 0x4000); /* DF: not a fragment */
		p[off + 8] = TTL;
		p[off + 9] = s->proto;
		memcpy(p + off + 12, v4_src, 4);
		memcpy(p + off + 16, v4_dst, 4);
		for (i = SN_IPV4_MIN_HLEN; i < hlen; i++)
			p[off + i] = 1; /* NOP options */
		w16(p + off + 10, sn_ipv4_hdr_csum(p + off, (uint16_t)hlen));
		off += hlen;
	} else {
		size_t ext_len = 8u * s->n_v6_ext;

		p[off] = 0x60;
		w16(p + off + 4, (uint16_t)(ext_len + l4_len));
		o->ip_len_off = off + 4;
		p[off + 6] = s->n_v6_ext ? s->v6_ext[0] : s->proto;
		p[off + 7] = TTL;
		memcpy(p + off + 8, v6_src, 16);
		memcpy(p + off + 24, v6_dst, 16);
		off += SN_IPV6_HLEN;
		for (i = 0; i < s->n_v6_ext; i++) {
			p[off] = i + 1 < s->n_v6_ext ? s->v6_ext[i + 1] : s->proto;
			p[off + 1] = 0; /* 8 bytes */
			p[off + 2] = 1; /* PadN option */
			p[off + 3] = 4;
			off += 8;
		}
	}
	o->l4 = off;
	if (s->proto == SN_IPPROTO_UDP) {
		w16(p + off, SPORT);
		w16(p + off + 2, DPORT);
		w16(p + off + 4, (uint16_t)l4_len);
		o->udp_len_off = off + 4;
		for (i = 0; i < s->payload; i++)
			p[off + SN_UDP_HLEN + i] = (uint8_t)i;
	} else if (s->proto == SN_IPPROTO_TCP) {
		if (s->tcp_hlen >= 4) {
			w16(p + off, SPORT);
			w16(p + off + 2, DPORT);
		}
		if (s->tcp_hlen >= 13)
			p[off + 12] = (uint8_t)((s->tcp_hlen / 4) << 4);
	} else {
		p[off] = 8; /* echo request */
	}
	off += l4_len;
	o->frame_len = off;
	memset(p + off, 0, s->pad);
	o->len = off + s->pad;
	if (s->proto == SN_IPPROTO_UDP) {
		const uint8_t *src = s->l3 == L3_V4 ? v4_src : v6_src;
		const uint8_t *dst = s->l3 == L3_V4 ? v4_dst : v6_dst;
		uint16_t c = sn_udp_csum(s->l3 == L3_V4 ? SN_FAM_IPV4 : SN_FAM_IPV6, src, dst,
			p + o->l4, (uint16_t)l4_len);

		w16(p + o->l4 + 6, c);
	}
}

/* Parse [p, p+len) from an exact-size heap copy. */
static enum sn_drop
parse_copy(const uint8_t *p, size_t len, struct sn_pkt_info *pi)
{
	uint8_t *c = malloc(len ? len : 1);
	struct sn_pkt_info fast;
	enum sn_drop d;
	int took;

	assert_non_null(c);
	memcpy(c, p, len);
	memset(pi, 0, sizeof(*pi));
	memset(&fast, 0, sizeof(fast));
	took = sn_pkt_parse_ip4udp(c, (uint32_t)len, &fast);
	d = sn_pkt_parse(c, c + len, pi);
	/* the inline parser takes a frame only as sn_pkt_parse() would */
	if (took) {
		assert_int_equal(d, SN_DROP_NONE);
		assert_memory_equal(pi, &fast, sizeof(fast));
	}
	/* pointers into c are not used after this */
	free(c);
	return d;
}

/* ------------------------------------------------------------- valid frames */

static const uint8_t ext_hbh[] = {SN_IPPROTO_HOPOPTS};
static const uint8_t ext_dst_rt[] = {SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING};
static const uint8_t ext_hbh_dst_rt_dst[] = {
	SN_IPPROTO_HOPOPTS, SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING, SN_IPPROTO_DSTOPTS};

struct valid_case {
	const char *name;
	struct spec s;
	uint8_t kind, family, has_ext;
};

static const struct valid_case valid_cases[] = {
	{"v4 udp", {L3_V4, SN_IPPROTO_UDP, .payload = 100}, SN_PKT_IP, SN_FAM_IPV4, 0},
	{"v4 udp empty payload", {L3_V4, SN_IPPROTO_UDP, .payload = 0}, SN_PKT_IP, SN_FAM_IPV4, 0},
	{"v4 udp vlan", {L3_V4, SN_IPPROTO_UDP, .vlan = 1, .payload = 160}, SN_PKT_IP, SN_FAM_IPV4,
		0},
	{"v4 udp options", {L3_V4, SN_IPPROTO_UDP, .v4_opt_words = 10, .payload = 20}, SN_PKT_IP,
		SN_FAM_IPV4, 1},
	{"v4 udp padded", {L3_V4, SN_IPPROTO_UDP, .payload = 4, .pad = 14}, SN_PKT_IP, SN_FAM_IPV4,
		0},
	{"v4 tcp", {L3_V4, SN_IPPROTO_TCP, .tcp_hlen = 20, .payload = 10}, SN_PKT_IP, SN_FAM_IPV4,
		0},
	{"v4 tcp short header", {L3_V4, SN_IPPROTO_TCP, .tcp_hlen = 8}, SN_PKT_IP, SN_FAM_IPV4, 0},
	{"v4 icmp", {L3_V4, SN_IPPROTO_ICMP, .payload = 56}, SN_PKT_IP, SN_FAM_IPV4, 0},
	{"v6 udp", {L3_V6, SN_IPPROTO_UDP, .payload = 100}, SN_PKT_IP, SN_FAM_IPV6, 0},
	{"v6 udp vlan", {L3_V6, SN_IPPROTO_UDP, .vlan = 1, .payload = 33}, SN_PKT_IP, SN_FAM_IPV6,
		0},
	{"v6 udp hop-by-hop",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_hbh, .n_v6_ext = 1, .payload = 20}, SN_PKT_IP,
		SN_FAM_IPV6, 1},
	{"v6 udp dstopts+routing",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_dst_rt, .n_v6_ext = 2, .payload = 20},
		SN_PKT_IP, SN_FAM_IPV6, 1},
	{"v6 udp four ext",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_hbh_dst_rt_dst, .n_v6_ext = 4, .payload = 1},
		SN_PKT_IP, SN_FAM_IPV6, 1},
	{"v6 tcp", {L3_V6, SN_IPPROTO_TCP, .tcp_hlen = 32, .payload = 0}, SN_PKT_IP, SN_FAM_IPV6,
		0},
	{"v6 icmpv6", {L3_V6, SN_IPPROTO_ICMPV6, .payload = 24}, SN_PKT_IP, SN_FAM_IPV6, 0},
	{"v6 icmpv6 hop-by-hop (MLD)",
		{L3_V6, SN_IPPROTO_ICMPV6, .v6_ext = ext_hbh, .n_v6_ext = 1, .payload = 16},
		SN_PKT_IP, SN_FAM_IPV6, 1},
	{"v6 udp padded", {L3_V6, SN_IPPROTO_UDP, .payload = 0, .pad = 6}, SN_PKT_IP, SN_FAM_IPV6,
		0},
	{"arp", {L3_ARP}, SN_PKT_ARP, SN_FAM_NONE, 0},
	{"arp padded", {L3_ARP, .pad = 18}, SN_PKT_ARP, SN_FAM_NONE, 0},
	{"arp vlan", {L3_ARP, .vlan = 1}, SN_PKT_ARP, SN_FAM_NONE, 0},
};

static void
test_valid_frames(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *vc = &valid_cases[i];
		const struct spec *s = &vc->s;
		struct sn_pkt_info pi, fast;
		struct built f;
		enum sn_drop d;

		build(s, &f);
		memset(&pi, 0x5a, sizeof(pi));
		d = sn_pkt_parse(f.b, f.b + f.len, &pi);
		if (d != SN_DROP_NONE)
			fail_msg("%s: got drop %s", vc->name, sn_drop_names[d]);
		/* the inline parser takes exactly the untagged IPv4/UDP frames without options */
		assert_int_equal(sn_pkt_parse_ip4udp(f.b, (uint32_t)f.len, &fast),
			s->l3 == L3_V4 && s->proto == SN_IPPROTO_UDP && !s->vlan &&
				s->v4_opt_words == 0);
		assert_int_equal(parse_copy(f.b, f.len, &fast), SN_DROP_NONE);
		assert_int_equal(pi.kind, vc->kind);
		assert_int_equal(pi.family, vc->family);
		assert_int_equal(pi.has_vlan, s->vlan);
		assert_int_equal(pi.l3_off, f.l3);
		assert_int_equal(pi.frame_len, f.frame_len);
		if (s->vlan)
			assert_int_equal(pi.vlan_tci, 0x2064);
		if (vc->kind == SN_PKT_ARP)
			continue;
		assert_int_equal(pi.proto, s->proto);
		assert_int_equal(pi.has_ext, vc->has_ext);
		assert_int_equal(pi.ttl, TTL);
		assert_int_equal(pi.l4_off, f.l4);
		if (s->l3 == L3_V4) {
			assert_memory_equal(pi.src, v4_src, 4);
			assert_memory_equal(pi.dst, v4_dst, 4);
		} else {
			assert_memory_equal(pi.src, v6_src, 16);
			assert_memory_equal(pi.dst, v6_dst, 16);
		}
		if (s->proto == SN_IPPROTO_UDP) {
			assert_int_equal(pi.payload_off, f.l4 + SN_UDP_HLEN);
			assert_int_equal(pi.payload_len, s->payload);
			assert_int_equal(pi.sport, SPORT);
			assert_int_equal(pi.dport, DPORT);
		} else {
			assert_int_equal(pi.payload_off, 0);
			assert_int_equal(pi.payload_len, 0);
		}
		if (s->proto == SN_IPPROTO_TCP) {
			assert_int_equal(pi.sport, s->tcp_hlen >= SN_TCP_MIN_HLEN ? SPORT : 0);
			assert_int_equal(pi.dport, s->tcp_hlen >= SN_TCP_MIN_HLEN ? DPORT : 0);
		}
		if (s->proto == SN_IPPROTO_ICMP || s->proto == SN_IPPROTO_ICMPV6) {
			assert_int_equal(pi.sport, 0);
			assert_int_equal(pi.dport, 0);
		}
	}
}

/* Every cut short of frame_len fails; cuts inside the padding still parse. */
static void
test_truncations(void **state)
{
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		struct sn_pkt_info pi;
		struct built f;

		build(&valid_cases[i].s, &f);
		for (len = 0; len < f.len; len++) {
			enum sn_drop d = parse_copy(f.b, len, &pi);

			if (len < f.frame_len && d == SN_DROP_NONE)
				fail_msg("%s: cut at %zu of %zu parsed", valid_cases[i].name, len,
					f.frame_len);
			if (len >= f.frame_len && d != SN_DROP_NONE)
				fail_msg("%s: cut at %zu inside padding: %s", valid_cases[i].name,
					len, sn_drop_names[d]);
		}
	}
}

static void
test_empty_and_reversed(void **state)
{
	struct sn_pkt_info pi;
	uint8_t b[64] = {0};

	(void)state;
	assert_int_equal(sn_pkt_parse(b, b, &pi), SN_DROP_RUNT);
	assert_int_equal(sn_pkt_parse(b + 10, b, &pi), SN_DROP_RUNT);
}

/* ------------------------------------------------------------- bad frames */

/* A mutation applied to a built frame. */
typedef void (*mutate_fn)(struct built *f);

static void
m_ethertype_lldp(struct built *f)
{
	w16(f->b + f->l3 - 2, 0x88cc);
}

static void
m_inner_vlan(struct built *f)
{
	w16(f->b + f->l3 - 2, SN_ETHERTYPE_VLAN); /* 802.1Q inside 802.1Q */
}

static void
m_inner_qinq(struct built *f)
{
	w16(f->b + f->l3 - 2, SN_ETHERTYPE_QINQ);
}

static void
m_outer_qinq(struct built *f)
{
	w16(f->b + 12, SN_ETHERTYPE_QINQ); /* 802.1ad S-tag first */
}

static void
m_version_5(struct built *f)
{
	f->b[f->l3] = (uint8_t)((f->b[f->l3] & 0x0f) | 0x50);
}

static void
m_version_4_in_v6(struct built *f)
{
	f->b[f->l3] = 0x40;
}

static void
m_ihl_4(struct built *f)
{
	f->b[f->l3] = 0x44;
}

static void
m_ihl_15(struct built *f)
{
	f->b[f->l3] = 0x4f; /* 60 bytes of header, more than total length */
}

static void
m_totlen_plus1(struct built *f)
{
	uint8_t *p = f->b + f->ip_len_off;

	w16(p, (uint16_t)((p[0] << 8 | p[1]) + 1));
}

static void
m_totlen_19(struct built *f)
{
	w16(f->b + f->ip_len_off, 19);
}

static void
m_totlen_ffff(struct built *f)
{
	w16(f->b + f->ip_len_off, 0xffff);
}

static void
m_v4_mf(struct built *f)
{
	w16(f->b + f->l3 + 6, SN_IPV4_FLAG_MF);
}

static void
m_v4_offset(struct built *f)
{
	w16(f->b + f->l3 + 6, 0x00b9); /* last fragment at offset 185*8 */
}

static void
m_udp_len_7(struct built *f)
{
	w16(f->b + f->udp_len_off, 7);
}

static void
m_udp_len_plus1(struct built *f)
{
	uint8_t *p = f->b + f->udp_len_off;

	w16(p, (uint16_t)((p[0] << 8 | p[1]) + 1));
}

/* IPv4 total length leaves 4 bytes for the 8-byte UDP header */
static void
m_v4_udp_hdr_cut(struct built *f)
{
	w16(f->b + f->ip_len_off, SN_IPV4_MIN_HLEN + 4);
}

/* IPv6: first extension header becomes a fragment header */
static void
m_v6_frag(struct built *f)
{
	f->b[f->l3 + 6] = SN_IPPROTO_IPV6_FRAG;
}

/* IPv6: second extension header becomes a fragment header */
static void
m_v6_frag_second(struct built *f)
{
	f->b[f->l3 + SN_IPV6_HLEN] = SN_IPPROTO_IPV6_FRAG;
}

/* IPv6: hop-by-hop as the second header (RFC 8200 section 4.1) */
static void
m_v6_hbh_second(struct built *f)
{
	f->b[f->l3 + SN_IPV6_HLEN] = SN_IPPROTO_HOPOPTS;
}

/* IPv6: extension header length runs past the payload */
static void
m_v6_ext_overrun(struct built *f)
{
	f->b[f->l3 + SN_IPV6_HLEN + 1] = 200;
}

/* IPv6: payload length 0 with a next header that is an extension header */
static void
m_v6_plen_0_ext(struct built *f)
{
	w16(f->b + f->ip_len_off, 0);
}

/* ARP cut to 27 bytes of body */
static void
m_arp_short(struct built *f)
{
	f->len = f->l3 + SN_ARP_LEN - 1;
}

static const uint8_t ext_nine[] = {SN_IPPROTO_HOPOPTS, SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING,
	SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING, SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING,
	SN_IPPROTO_DSTOPTS, SN_IPPROTO_ROUTING};
static const uint8_t ext_dst[] = {SN_IPPROTO_DSTOPTS};

struct bad_case {
	const char *name;
	struct spec s;
	mutate_fn m;
	enum sn_drop want;
};

static const struct bad_case bad_cases[] = {
	{"lldp ethertype", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_ethertype_lldp,
		SN_DROP_BAD_ETHERTYPE},
	{"vlan in vlan", {L3_V4, SN_IPPROTO_UDP, .vlan = 1, .payload = 8}, m_inner_vlan,
		SN_DROP_VLAN_STACKED},
	{"802.1ad inside 802.1Q", {L3_V4, SN_IPPROTO_UDP, .vlan = 1, .payload = 8}, m_inner_qinq,
		SN_DROP_VLAN_STACKED},
	{"802.1ad outer tag", {L3_V4, SN_IPPROTO_UDP, .vlan = 1, .payload = 8}, m_outer_qinq,
		SN_DROP_VLAN_STACKED},
	{"v4 version 5", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_version_5, SN_DROP_BAD_IP_HEADER},
	{"v4 ihl 4", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_ihl_4, SN_DROP_BAD_IP_HEADER},
	{"v4 ihl 15 > total", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_ihl_15,
		SN_DROP_BAD_IP_HEADER},
	{"v4 total length past frame", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_totlen_plus1,
		SN_DROP_BAD_IP_HEADER},
	{"v4 total length < header", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_totlen_19,
		SN_DROP_BAD_IP_HEADER},
	{"v4 total length 65535", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_totlen_ffff,
		SN_DROP_BAD_IP_HEADER},
	{"v4 MF", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_v4_mf, SN_DROP_IP_FRAGMENT},
	{"v4 last fragment", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_v4_offset,
		SN_DROP_IP_FRAGMENT},
	{"v4 udp length 7", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_udp_len_7,
		SN_DROP_BAD_UDP_HEADER},
	{"v4 udp length past ip", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_udp_len_plus1,
		SN_DROP_BAD_UDP_HEADER},
	{"v4 udp header cut by ip length", {L3_V4, SN_IPPROTO_UDP, .payload = 8}, m_v4_udp_hdr_cut,
		SN_DROP_BAD_UDP_HEADER},
	{"v6 version 4", {L3_V6, SN_IPPROTO_UDP, .payload = 8}, m_version_4_in_v6,
		SN_DROP_BAD_IP_HEADER},
	{"v6 payload length past frame", {L3_V6, SN_IPPROTO_UDP, .payload = 8}, m_totlen_plus1,
		SN_DROP_BAD_IP_HEADER},
	{"v6 udp length 7", {L3_V6, SN_IPPROTO_UDP, .payload = 8}, m_udp_len_7,
		SN_DROP_BAD_UDP_HEADER},
	{"v6 udp length past ip", {L3_V6, SN_IPPROTO_UDP, .payload = 8}, m_udp_len_plus1,
		SN_DROP_BAD_UDP_HEADER},
	{"v6 fragment header first", {L3_V6, SN_IPPROTO_UDP, .payload = 8}, m_v6_frag,
		SN_DROP_IP_FRAGMENT},
	{"v6 fragment after dstopts",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_dst, .n_v6_ext = 1, .payload = 8},
		m_v6_frag_second, SN_DROP_IP_FRAGMENT},
	{"v6 hop-by-hop not first",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_dst, .n_v6_ext = 1, .payload = 8},
		m_v6_hbh_second, SN_DROP_BAD_IP_HEADER},
	{"v6 ext header overrun",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_dst, .n_v6_ext = 1, .payload = 8},
		m_v6_ext_overrun, SN_DROP_BAD_IP_HEADER},
	{"v6 ext header, payload length 0",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_dst, .n_v6_ext = 1, .payload = 8},
		m_v6_plen_0_ext, SN_DROP_BAD_IP_HEADER},
	{"v6 nine ext headers",
		{L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_nine, .n_v6_ext = 9, .payload = 8}, NULL,
		SN_DROP_BAD_IP_HEADER},
	{"arp short", {L3_ARP}, m_arp_short, SN_DROP_RUNT},
};

static void
test_bad_frames(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct sn_pkt_info pi;
		struct built f;
		enum sn_drop d;

		build(&bc->s, &f);
		if (bc->m != NULL)
			bc->m(&f);
		d = parse_copy(f.b, f.len, &pi);
		if (d != bc->want)
			fail_msg("%s: want %s, got %s", bc->name, sn_drop_names[bc->want],
				sn_drop_names[d]);
	}
}

/* Eight extension headers are accepted, the ninth is refused (SN_IPV6_MAX_EXT). */
static void
test_v6_ext_limit(void **state)
{
	struct spec s = {L3_V6, SN_IPPROTO_UDP, .v6_ext = ext_nine, .n_v6_ext = SN_IPV6_MAX_EXT,
		.payload = 4};
	struct sn_pkt_info pi;
	struct built f;

	(void)state;
	build(&s, &f);
	assert_int_equal(parse_copy(f.b, f.len, &pi), SN_DROP_NONE);
	assert_int_equal(pi.l4_off, f.l3 + SN_IPV6_HLEN + 8 * SN_IPV6_MAX_EXT);
	s.n_v6_ext = SN_IPV6_MAX_EXT + 1;
	build(&s, &f);
	assert_int_equal(parse_copy(f.b, f.len, &pi), SN_DROP_BAD_IP_HEADER);
}

/* UDP length shorter than the IP payload: the datagram is what UDP says. */
static void
test_udp_shorter_than_ip(void **state)
{
	struct spec s = {L3_V4, SN_IPPROTO_UDP, .payload = 20};
	struct sn_pkt_info pi;
	struct built f;

	(void)state;
	build(&s, &f);
	w16(f.b + f.udp_len_off, SN_UDP_HLEN + 12);
	assert_int_equal(parse_copy(f.b, f.len, &pi), SN_DROP_NONE);
	assert_int_equal(pi.payload_len, 12);
	assert_int_equal(pi.frame_len, f.frame_len);
}

/* IPv6 "no next header" (RFC 8200 section 4.7) is a valid packet without L4. */
static void
test_v6_no_next_header(void **state)
{
	struct spec s = {L3_V6, SN_IPPROTO_NONE, .payload = 0};
	struct sn_pkt_info pi;
	struct built f;

	(void)state;
	build(&s, &f);
	assert_int_equal(parse_copy(f.b, f.len, &pi), SN_DROP_NONE);
	assert_int_equal(pi.proto, SN_IPPROTO_NONE);
	assert_int_equal(pi.payload_len, 0);
}

/* ------------------------------------------------------------- checksums */

static uint8_t *
hex(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2, i;
	uint8_t *b = malloc(n);

	assert_non_null(b);
	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		b[i] = (uint8_t)v;
	}
	*len = n;
	return b;
}

/* RFC 1071 section 3 worked example: 0001 f203 f4f5 f6f7 sums to ddf2. */
static void
test_csum_rfc1071(void **state)
{
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint32_t s;

	(void)state;
	assert_int_equal(sn_csum_fold(sn_csum_partial(b, sizeof(b), 0)), 0xddf2);
	/* chained even-length chunks give the same sum */
	s = sn_csum_partial(b, 2, 0);
	s = sn_csum_partial(b + 2, 4, s);
	s = sn_csum_partial(b + 6, 2, s);
	assert_int_equal(sn_csum_fold(s), 0xddf2);
	/* odd tail is the high byte of a zero-padded word */
	assert_int_equal(sn_csum_fold(sn_csum_partial(b, 7, 0)), 0xdcfb);
	assert_int_equal(sn_csum_fold(0x1ffff), 0x0001);
	assert_int_equal(sn_csum_fold(0xffffffffu), 0xffff);
}

/* Packets from scapy 2.5 (checksums computed by scapy). */
static void
test_csum_known_packets(void **state)
{
	size_t n;
	uint8_t *v4 = hex("45000021123400004011dc67c612000bc612000113880d96000d0eb368656c6c6f", &n);
	uint8_t *v6;

	(void)state;
	assert_int_equal(n, 33);
	assert_int_equal(sn_ipv4_hdr_csum(v4, 20), 0xdc67);
	assert_int_equal(sn_udp_csum(SN_FAM_IPV4, v4 + 12, v4 + 16, v4 + 20, 13), 0x0eb3);
	/* the checksum field's content does not matter */
	v4[26] = 0x12;
	v4[27] = 0x34;
	assert_int_equal(sn_udp_csum(SN_FAM_IPV4, v4 + 12, v4 + 16, v4 + 20, 13), 0x0eb3);
	v4[10] = 0xff;
	assert_int_equal(sn_ipv4_hdr_csum(v4, 20), 0xdc67);
	free(v4);

	v6 = hex("60000000000e114020010db800010000000000000000001120010db800010000000000000000"
		 "000113880d96000e3f3b68656c6c6f21",
		&n);
	assert_int_equal(n, 54);
	assert_int_equal(sn_udp_csum(SN_FAM_IPV6, v6 + 8, v6 + 24, v6 + 40, 14), 0x3f3b);
	assert_int_equal(sn_udp_csum(0, v6 + 8, v6 + 24, v6 + 40, 14), 0);
	free(v6);
}

/* A stored checksum verifies: the whole sum folds to 0xffff (RFC 1071 section 1). */
static void
test_csum_verifies(void **state)
{
	struct spec s = {L3_V6, SN_IPPROTO_UDP, .payload = 77};
	struct built f;
	uint32_t sum;
	uint16_t ulen = SN_UDP_HLEN + 77;

	(void)state;
	build(&s, &f);
	sum = sn_csum_partial(v6_src, 16, 0);
	sum = sn_csum_partial(v6_dst, 16, sum);
	sum += SN_IPPROTO_UDP + ulen;
	sum = sn_csum_partial(f.b + f.l4, ulen, sum);
	assert_int_equal(sn_csum_fold(sum), 0xffff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_frames),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_empty_and_reversed),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_v6_ext_limit),
		cmocka_unit_test(test_udp_shorter_than_ip),
		cmocka_unit_test(test_v6_no_next_header),
		cmocka_unit_test(test_csum_rfc1071),
		cmocka_unit_test(test_csum_known_packets),
		cmocka_unit_test(test_csum_verifies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
