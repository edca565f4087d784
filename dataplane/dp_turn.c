/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN on the fast path: client -> peer (ChannelData, Send indications)
 * and peer -> client (ChannelData, Data indications), contracts in
 * dp_turn.h.
 *
 * A relayed datagram is rebuilt in the same mbuf around its application
 * data, which never moves: the new headers (Ethernet, IP of the output
 * family, UDP, TURN framing) are written just in front of it (the mbuf
 * start moves by the difference, into the headroom when the new headers
 * are longer), after everything the output needs from the input headers
 * has been read.  The UDP checksum is derived from the input's (RFC 1624
 * style): the sum of the application data is the input checksum minus
 * what surrounded the data (pseudo-header, UDP header, TURN framing,
 * padding); the output checksum adds its own pseudo-header, UDP header
 * and framing.  So no payload byte is read, and a datagram damaged on the
 * way in still fails its checksum on the way out.  Only an IPv4 input
 * without checksum has its data summed.
 *
 * The common case, ChannelData between IPv4 ends on a hot channel, takes
 * a fast path first (c2p_fast(), dp_turn_p2c(): see "IPv4 ChannelData
 * fast path" below) that reads only the allocation's hot line 7 and
 * writes its counter line; whatever it does not take goes to the general
 * path (c2p_one(), p2c_general(), out of line) with nothing changed.
 *
 * Reads of the allocation slot follow the publication protocol in
 * dp_turn.h (acquire loads of state, perm_family and chan_num pair with
 * the main lcore's release stores).  The counter lines dir[] are written
 * by the worker that receives the direction.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "dp_addr.h"
#include "dp_csum.h"
#include "dp_ctab.h"
#include "dp_flow.h"
#include "dp_punt.h"
#include "dp_turn.h"
#include "dp_types.h"
#include "dp_worker.h"
#include "sn_bytes.h"
#include "sn_stun.h"
#include "sn_turn.h"

#define DP_V4_WORDS	      2 /* 16-bit words in an IPv4 address */
#define DP_V6_WORDS	      8
#define DP_UDP_CSUM_NONE      0	     /* IPv4 UDP without checksum, RFC 768 */
#define DP_UDP_CSUM_ZERO      0xffff /* a computed 0 is sent as all ones, RFC 768 */
#define DP_IPV4_VIHL	      0x45   /* version 4, 5 words: RFC 791 section 3.1 */
#define DP_IPV4_DF	      0x4000 /* don't fragment, RFC 791 section 3.1 */
#define DP_IPV4_TOS_OFF	      1
#define DP_IPV6_VERSION_SHIFT 28 /* RFC 8200 section 3 */
#define DP_IPV6_TC_SHIFT      20
#define DP_IPV6_TC_HI_MASK    0x0f /* traffic class: low nibble of byte 0 ... */
#define DP_IPV6_TC_LO_SHIFT   4	   /* ... and high nibble of byte 1 */
#define DP_STUN_PAD_MASK      3	   /* attribute values padded to 4 (RFC 8489 section 14) */
/* Data indication framing: header, XOR-PEER-ADDRESS (IPv6 at most), DATA header */
#define DP_TURN_FRAMING_MAX \
	(SN_STUN_HLEN + SN_STUN_ATTR_HLEN + SN_STUN_XADDR6_LEN + SN_STUN_ATTR_HLEN)
#define DP_TXID_MUL 0x2545f4914f6cdd1dull /* xorshift64* (Vigna) */
#define DP_TXID_SH1 12
#define DP_TXID_SH2 25
#define DP_TXID_SH3 27
#define DP_TXID_LO  8 /* bytes of the transaction id from the first draw */

/* What the output needs from the input's headers (read before they are overwritten). */
struct turn_in {
	uint16_t vlan_tci; /* host order */
	uint8_t has_vlan;
	uint8_t tos; /* DSCP and ECN, RFC 8656 section 14 (preferred behaviour: copied) */
};

/* One datagram to build around the application data. */
struct turn_out {
	uint8_t family;
	uint8_t df;
	uint8_t eg; /* egress dp port */
	const uint8_t *src, *dst;
	uint16_t sport, dport; /* network order */
	uint64_t macw;	       /* next hop: DP_NH_VALID | MAC (little-endian bytes) */
	const uint8_t *framing;
	unsigned flen; /* TURN framing before the data (even) */
	unsigned pad;  /* zero bytes after the data */
};

/* A peer (or, in a hairpin, a relayed address) as a TURN source or destination. */
struct turn_peer {
	uint8_t family;
	const uint8_t *addr;
	uint16_t port; /* network order */
};

enum p2c_result {
	P2C_DONE,   /* sent or dropped (counted) */
	P2C_STREAM, /* allocation of a TCP/TLS client: the caller punts */
};

static inline void
drop_dir(struct dp_worker *w, struct rte_mbuf *m, struct sn_alloc_dir *d, enum sn_drop reason)
{
	d->drops++;
	dp_worker_drop(w, m, reason);
}

/* ------------------------------------------------------ allocation state */

static inline bool
alloc_live(const struct sn_alloc *a, uint32_t now_s)
{
	return __atomic_load_n(&a->state, __ATOMIC_ACQUIRE) == SN_SESS_ACTIVE &&
	       __atomic_load_n(&a->expiry_s, __ATOMIC_RELAXED) >= now_s;
}

static inline bool
perm_live(const struct sn_alloc *a, unsigned p, uint32_t now_s, uint8_t *family)
{
	*family = __atomic_load_n(&a->perm_family[p], __ATOMIC_ACQUIRE);
	return *family != SN_FAM_NONE &&
	       __atomic_load_n(&a->perm_expiry_s[p], __ATOMIC_RELAXED) >= now_s;
}

/* Live permission of a for (family, addr), or -1 (RFC 8656 section 9). */
static inline int
perm_find(const struct sn_alloc *a, uint8_t family, const uint8_t *addr, uint32_t now_s)
{
	unsigned p;

	for (p = 0; p < SN_TURN_MAX_PERMS; p++) {
		if (__atomic_load_n(&a->perm_family[p], __ATOMIC_ACQUIRE) != family)
			continue;
		if (__atomic_load_n(&a->perm_expiry_s[p], __ATOMIC_RELAXED) >= now_s &&
			dp_addr_eq(family, a->perm_addr[p], addr))
			return (int)p;
	}
	return -1;
}

/* Live channel slot of a with number num (host order), or -1. */
static inline int
chan_by_num(const struct sn_alloc *a, uint16_t num, uint32_t now_s)
{
	unsigned c;

	for (c = 0; c < SN_TURN_MAX_CHANNELS; c++)
		if (__atomic_load_n(&a->chan_num[c], __ATOMIC_ACQUIRE) == num)
			return __atomic_load_n(&a->chan_expiry_s[c], __ATOMIC_RELAXED) >= now_s
				       ? (int)c
				       : -1;
	return -1;
}

/* Live channel slot of a bound to (permission p's address, port), or -1. */
static inline int
chan_by_peer(const struct sn_alloc *a, unsigned p, uint16_t port_be, uint32_t now_s)
{
	unsigned c;

	for (c = 0; c < SN_TURN_MAX_CHANNELS; c++) {
		if (__atomic_load_n(&a->chan_num[c], __ATOMIC_ACQUIRE) == 0)
			continue;
		if (a->chan_perm[c] == p && a->chan_port[c] == port_be &&
			__atomic_load_n(&a->chan_expiry_s[c], __ATOMIC_RELAXED) >= now_s)
			return (int)c;
	}
	return -1;
}

/*
 * The live hot entry (dp_turn.h) of a for channel number num: channel,
 * permission and allocation live.  NULL: the slot's own lines decide.
 */
static inline const struct dp_turn_hot_chan *
hot_by_num(struct sn_alloc *a, uint16_t num, uint32_t now_s)
{
	const struct dp_turn_hot *h = dp_turn_hot(a);
	unsigned k;

	for (k = 0; k < DP_TURN_HOT_CHANNELS; k++) {
		const struct dp_turn_hot_chan *e = &h->e[k];

		if (__atomic_load_n(&e->num, __ATOMIC_ACQUIRE) != num)
			continue;
		return __atomic_load_n(&e->expiry_s, __ATOMIC_RELAXED) >= now_s ? e : NULL;
	}
	return NULL;
}

/* The same for an IPv4 peer's (address, port) bound to a channel. */
static inline const struct dp_turn_hot_chan *
hot_by_peer4(struct sn_alloc *a, const uint8_t *addr, uint16_t port_be, uint32_t now_s)
{
	const struct dp_turn_hot *h = dp_turn_hot(a);
	unsigned k;

	for (k = 0; k < DP_TURN_HOT_CHANNELS; k++) {
		const struct dp_turn_hot_chan *e = &h->e[k];

		if (__atomic_load_n(&e->num, __ATOMIC_ACQUIRE) == 0 || e->port != port_be ||
			!dp_addr_eq(SN_FAM_IPV4, e->addr4, addr))
			continue;
		return __atomic_load_n(&e->expiry_s, __ATOMIC_RELAXED) >= now_s ? e : NULL;
	}
	return NULL;
}

/*
 * Token bucket on application bytes of one direction: refill
 * rate_bytes_per_s, depth burst_bytes (dp_relay.c's rule: tb_last_tsc
 * moves only when whole bytes were added).
 */
static inline bool
rate_ok(struct sn_alloc *a, struct sn_alloc_dir *d, uint32_t bytes, uint64_t now)
{
	uint32_t rate, burst;
	uint64_t elapsed, tokens;

	/* the hot line's copy first: no rate limit, no read of line 2 */
	if (likely(!(__atomic_load_n(&dp_turn_hot(a)->flags, __ATOMIC_RELAXED) & DP_HOT_RATE)))
		return true;
	rate = __atomic_load_n(&a->rate_bytes_per_s, __ATOMIC_RELAXED);
	if (rate == 0)
		return true;
	burst = __atomic_load_n(&a->burst_bytes, __ATOMIC_RELAXED);
	elapsed = now - d->tb_last_tsc;
	tokens = d->tb_tokens;
	if (elapsed >= dp.tsc_hz) {
		tokens = burst;
		d->tb_last_tsc = now;
	} else {
		uint64_t add = elapsed * rate / dp.tsc_hz;

		if (add > 0) {
			tokens = RTE_MIN(tokens + add, (uint64_t)burst);
			d->tb_last_tsc = now;
		}
	}
	if (tokens < bytes) {
		d->tb_tokens = (uint32_t)tokens;
		return false;
	}
	d->tb_tokens = (uint32_t)(tokens - bytes);
	return true;
}

/* ------------------------------------------------------------ checksums */

/* Sum of payload bytes [from, end) where from may be odd (relative to an even start). */
static inline uint32_t
sum_from(const uint8_t *p, unsigned from, unsigned end)
{
	uint32_t s = 0;

	if (from >= end)
		return 0;
	if (from & 1) {
		uint8_t w[2] = {0, p[from]};
		uint16_t v;

		memcpy(&v, w, sizeof(v));
		s += v;
		from++;
	}
	if (end > from)
		s += rte_raw_cksum(p + from, end - from);
	return s;
}

/*
 * Ones-complement sum of UDP payload bytes [from, to) of the input (from
 * even), as it would be summed at an even offset: from the input's
 * checksum minus its pseudo-header, UDP header and the payload outside
 * [from, to); summed from the bytes only when the input has no checksum.
 */
static inline uint32_t
input_sum(const uint8_t *d, const struct sn_pkt_info *pi, unsigned from, unsigned to)
{
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(d + pi->l4_off);
	const uint8_t *p = d + pi->payload_off;
	uint32_t excl;

	if (uh->dgram_cksum == DP_UDP_CSUM_NONE)
		return rte_raw_cksum(p + from, to - from);
	if (pi->family == SN_FAM_IPV4)
		excl = dp_sum16(pi->src, DP_V4_WORDS) + dp_sum16(pi->dst, DP_V4_WORDS);
	else
		excl = dp_sum16(pi->src, DP_V6_WORDS) + dp_sum16(pi->dst, DP_V6_WORDS);
	excl += rte_cpu_to_be_16(SN_IPPROTO_UDP) + 2u * uh->dgram_len + uh->src_port + uh->dst_port;
	if (from == SN_TURN_CHANNEL_HLEN) /* ChannelData: two words */
		excl += dp_sum16(p, SN_TURN_CHANNEL_HLEN / 2);
	else if (from > 0)
		excl += rte_raw_cksum(p, from);
	excl += sum_from(p, to, pi->payload_len);
	return dp_fold((uint32_t)(uint16_t)~uh->dgram_cksum + (uint16_t)~dp_fold(excl));
}

/* -------------------------------------------------------------- building */

static inline void
capture_in(const uint8_t *d, const struct sn_pkt_info *pi, struct turn_in *in)
{
	const uint8_t *l3 = d + pi->l3_off;

	in->has_vlan = pi->has_vlan;
	in->vlan_tci = pi->vlan_tci;
	if (pi->family == SN_FAM_IPV4)
		in->tos = l3[DP_IPV4_TOS_OFF];
	else
		in->tos = (uint8_t)((l3[0] & DP_IPV6_TC_HI_MASK) << DP_IPV6_TC_LO_SHIFT |
				    l3[1] >> DP_IPV6_TC_LO_SHIFT);
}

static inline unsigned
l2_len(const struct turn_in *in)
{
	return RTE_ETHER_HDR_LEN + (in->has_vlan ? RTE_VLAN_HLEN : 0);
}

static inline unsigned
l3_len(uint8_t family)
{
	return family == SN_FAM_IPV4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
}

/* Does the output IP packet fit the egress MTU? */
static inline bool
out_fits(const struct turn_out *o, unsigned data_len)
{
	return l3_len(o->family) + sizeof(struct rte_udp_hdr) + o->flen + data_len + o->pad <=
	       dp.ports[o->eg].mtu;
}

/*
 * Rebuild m as the datagram o carrying the application data at
 * [data_off, data_off + data_len) of the frame (data_sum: its
 * ones-complement sum at an even offset): Ethernet (with the input's VLAN
 * tag), IPv4 (TTL 64, DF per o) or IPv6 (hop limit 64), UDP, o's framing,
 * the data, o->pad zero bytes.  False when the mbuf has no room
 * (headroom/tailroom): the caller drops too_big.
 */
static __rte_always_inline bool
turn_build(struct dp_worker *w, struct rte_mbuf *m, const struct turn_in *in,
	const struct turn_out *o, unsigned data_off, unsigned data_len, uint32_t data_sum)
{
	unsigned l2 = l2_len(in), l3 = l3_len(o->family);
	unsigned hdr = l2 + l3 + sizeof(struct rte_udp_hdr) + o->flen;
	unsigned udp_len = sizeof(struct rte_udp_hdr) + o->flen + data_len + o->pad;
	int new_off = (int)m->data_off + (int)data_off - (int)hdr;
	uint16_t et = o->family == SN_FAM_IPV4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6;
	uint16_t ulen_be = rte_cpu_to_be_16((uint16_t)udp_len), c;
	struct rte_ether_hdr *eh;
	struct rte_udp_hdr *uh;
	uint8_t *b;
	uint32_t sum;

	if (unlikely(new_off < 0 || (unsigned)new_off + l2 + l3 + udp_len > m->buf_len))
		return false;
	b = (uint8_t *)m->buf_addr + new_off;
	uh = (struct rte_udp_hdr *)(b + l2 + l3);
	if (o->flen > 0)
		memcpy(uh + 1, o->framing, o->flen);
	if (o->pad > 0)
		memset(b + hdr + data_len, 0, o->pad);

	eh = (struct rte_ether_hdr *)b;
	memcpy(&eh->dst_addr, &o->macw,
		RTE_ETHER_ADDR_LEN); /* little-endian word: bytes in order */
	rte_ether_addr_copy(&dp.ports[o->eg].mac, &eh->src_addr);
	if (in->has_vlan) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eh + 1);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(in->vlan_tci);
		vh->eth_proto = rte_cpu_to_be_16(et);
	} else {
		eh->ether_type = rte_cpu_to_be_16(et);
	}

	if (o->family == SN_FAM_IPV4) {
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(b + l2);
		uint16_t w0 = rte_cpu_to_be_16((uint16_t)(DP_IPV4_VIHL << 8 | in->tos));
		uint16_t tl = rte_cpu_to_be_16((uint16_t)(l3 + udp_len));
		uint16_t id = rte_cpu_to_be_16(w->ip_id++);
		uint16_t fr = o->df ? rte_cpu_to_be_16(DP_IPV4_DF) : 0;
		uint16_t tp = rte_cpu_to_be_16(DP_ORIGIN_TTL << 8 | SN_IPPROTO_UDP);

		/* RFC 791 header checksum from the values, not re-read from the
		 * header just stored (a wide load of narrow stores stalls) */
		sum = dp_sum16(o->src, DP_V4_WORDS) + dp_sum16(o->dst, DP_V4_WORDS);
		memcpy(&ih->version_ihl, &w0, sizeof(w0));
		ih->total_length = tl;
		ih->packet_id = id;
		ih->fragment_offset = fr;
		memcpy(&ih->time_to_live, &tp, sizeof(tp));
		ih->hdr_checksum = (uint16_t)~dp_fold(sum + w0 + tl + id + fr + tp);
		memcpy(&ih->src_addr, o->src, 4);
		memcpy(&ih->dst_addr, o->dst, 4);
	} else {
		struct rte_ipv6_hdr *ih = (struct rte_ipv6_hdr *)(b + l2);

		ih->vtc_flow = rte_cpu_to_be_32((uint32_t)SN_IPV6_VERSION << DP_IPV6_VERSION_SHIFT |
						(uint32_t)in->tos << DP_IPV6_TC_SHIFT);
		ih->payload_len = ulen_be;
		ih->proto = SN_IPPROTO_UDP;
		ih->hop_limits = DP_ORIGIN_TTL;
		memcpy(ih->src_addr, o->src, 16);
		memcpy(ih->dst_addr, o->dst, 16);
		sum = dp_sum16(o->src, DP_V6_WORDS) + dp_sum16(o->dst, DP_V6_WORDS);
	}
	uh->src_port = o->sport;
	uh->dst_port = o->dport;
	uh->dgram_len = ulen_be;
	sum += rte_cpu_to_be_16(SN_IPPROTO_UDP) + 2u * ulen_be + o->sport + o->dport + data_sum;
	if (o->flen == SN_TURN_CHANNEL_HLEN) /* ChannelData header: two words */
		sum += dp_sum16(o->framing, SN_TURN_CHANNEL_HLEN / 2);
	else if (o->flen > 0)
		sum += rte_raw_cksum(o->framing, o->flen);
	c = (uint16_t)~dp_fold(sum);
	uh->dgram_cksum = c == 0 ? DP_UDP_CSUM_ZERO : c;

	m->data_off = (uint16_t)new_off;
	m->data_len = (uint16_t)(l2 + l3 + udp_len);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	return true;
}

/* -------------------------------------------------- IPv4 ChannelData fast path */

/*
 * The common case on both directions, ChannelData between IPv4 ends, is
 * rewritten in place when the input is untagged IPv4 without options
 * (sn_pkt_parse_ip4udp()'s frame offsets, SN_IP4UDP_*) with a UDP
 * checksum and no bytes after the datagram (nor padding after a
 * ChannelData message), the allocation has
 * no rate limit, the next hop is resolved and the output fits the
 * smallest port MTU (dp.min_mtu: no egress-port lookup on the way to the
 * decision).  The output headers are then as long as the input's, and
 * the 4-byte channel header is dropped (client -> peer) or added (peer ->
 * client) by writing them 4 bytes further in or out; both checksums come
 * from constants of the hot entry (dp_turn.h) and a few words of the
 * input (dp_csum_chan_strip/add()).  Anything else takes the general path
 * (turn_build()), which decides drops.
 */
#define DP_F4_IPUDP (SN_IP4UDP_PAYLOAD - SN_IP4UDP_L3) /* IPv4 + UDP header bytes */
_Static_assert(SN_EV_TURN_C2P_BYTES == SN_EV_TURN_C2P_PKTS + 1 &&
		       SN_EV_TURN_P2C_BYTES == SN_EV_TURN_P2C_PKTS + 1,
	"a direction's bytes event follows its packets event");

/* A 16-bit field as loaded (network order), widened: spills stay 32-bit. */
static __rte_always_inline uint32_t
raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Untagged Ethernet, IPv4 (no options, TTL 64, DF clear, vt: the input's
 * version/IHL and TOS word as loaded, tot: total length) and UDP headers
 * at b.  ip_const: the constant part of the IPv4 header checksum
 * (TTL/protocol, source and destination as loaded); addresses, ports
 * (*sport, *dport) and ucsum as stored.  The UDP checksum, computed
 * last by the caller, is stored first; the other fields are copied in
 * header order as they are stored, so that few values are live at once
 * (a spilled 16-bit value reloaded as part of a wider word stalls store
 * forwarding: GCC spilled ucsum as 16 bits and reloaded it as 32 when it
 * was stored last).  Assembling the headers in registers and writing
 * them as six 8-byte stores instead of fifteen narrow ones spilled more
 * and measured no faster.
 */
static __rte_always_inline void
fast4_headers(struct dp_worker *w, uint8_t *b, uint64_t macw, unsigned eg, uint32_t vt,
	unsigned tot, uint32_t ip_const, const uint8_t *src, const uint8_t *dst,
	const uint16_t *sport, const uint16_t *dport, uint32_t ucsum)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)b;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ih + 1);
	uint32_t tot_be = rte_cpu_to_be_16((uint16_t)tot);
	uint32_t id = rte_cpu_to_be_16(w->ip_id++);
	uint16_t tp = rte_cpu_to_be_16(DP_ORIGIN_TTL << 8 | SN_IPPROTO_UDP);

	uh->dgram_cksum = (uint16_t)ucsum;
	memcpy(b, &macw, sizeof(macw)); /* destination MAC; bytes 6-7 rewritten next */
	memcpy(&eh->src_addr, &dp.ports[eg].eth_src_ip4, sizeof(uint64_t)); /* + EtherType */
	ih->version_ihl = (uint8_t)vt; /* vt as loaded: version/IHL, then TOS */
	ih->type_of_service = (uint8_t)(vt >> 8);
	ih->total_length = (uint16_t)tot_be;
	ih->packet_id = (uint16_t)id;
	ih->fragment_offset = 0;
	memcpy(&ih->time_to_live, &tp, sizeof(tp));
	ih->hdr_checksum = (uint16_t)~dp_fold(ip_const + vt + tot_be + id);
	memcpy(&ih->src_addr, src, sizeof(ih->src_addr));
	memcpy(&ih->dst_addr, dst, sizeof(ih->dst_addr));
	memcpy(&uh->src_port, sport, sizeof(uh->src_port));
	memcpy(&uh->dst_port, dport, sizeof(uh->dst_port));
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(tot - sizeof(*ih)));
}

/*
 * The fast paths' common tail: m's frame now starts shift bytes further
 * in (IPv4 total length tot); counted for direction dir of a and the
 * worker (events ev_pkts, ev_pkts + 1 = bytes), sent on port eg.
 */
static __rte_always_inline void
fast4_send(struct dp_worker *w, struct rte_mbuf *m, int shift, unsigned tot, struct sn_alloc *a,
	unsigned dir, enum sn_event ev_pkts, unsigned len, unsigned eg, uint64_t now)
{
	struct sn_alloc_dir *d = &a->dir[dir];

	m->data_off = (uint16_t)(m->data_off + shift);
	m->data_len = (uint16_t)(SN_IP4UDP_L3 + tot);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	d->pkts++;
	d->bytes += len;
	d->last_seen_tsc = now;
	w->c.cnt[SN_CNT_EVENT(ev_pkts)]++;
	w->c.cnt[SN_CNT_EVENT(ev_pkts + 1)] += len;
	dp_worker_tx(w, eg, m);
}

/*
 * Client -> peer on live hot entry e of a: ChannelData with len bytes of
 * application data (length already checked against the datagram).  True
 * when sent; false, with nothing written, when the fast path's conditions
 * do not hold.
 */
static __rte_always_inline bool
c2p_fast4(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	struct sn_alloc *a, const struct dp_turn_hot_chan *e, unsigned len, uint64_t now)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned eg = dp.addr_port[e->relay_addr_idx], tot = DP_F4_IPUDP + len;
	uint32_t vt, ucs, ch;
	uint64_t macw;

	if (pi->l4_off != SN_IP4UDP_L4 ||
		pi->frame_len != SN_IP4UDP_PAYLOAD + SN_TURN_CHANNEL_HLEN + len ||
		e->nh == DP_NH_NONE || tot > dp.min_mtu ||
		(__atomic_load_n(&dp_turn_hot(a)->flags, __ATOMIC_RELAXED) & DP_HOT_RATE))
		return false;
	macw = __atomic_load_n(&dp.nh_mac[e->nh], __ATOMIC_RELAXED);
	ucs = raw16(d + SN_IP4UDP_L4 + offsetof(struct rte_udp_hdr, dgram_cksum));
	if (!(macw & DP_NH_VALID) || ucs == DP_UDP_CSUM_NONE)
		return false;
	vt = raw16(d + SN_IP4UDP_L3);
	memcpy(&ch, d + SN_IP4UDP_PAYLOAD, sizeof(ch));
	fast4_headers(w, d + SN_TURN_CHANNEL_HLEN, macw, eg, vt, tot, e->ip4_sum,
		dp.addr_bytes[e->relay_addr_idx], e->addr4, &e->relay_port, &e->port,
		dp_csum_chan_strip(ucs, e->csum_delta, ch));
	fast4_send(w, m, SN_TURN_CHANNEL_HLEN, tot, a, SN_DIR_C2P, SN_EV_TURN_C2P_PKTS, len, eg,
		now);
	return true;
}

/*
 * Peer -> client on live hot entry e of a (the peer's channel): the
 * datagram's payload becomes ChannelData.  Same contract as c2p_fast4().
 */
static __rte_always_inline bool
p2c_fast4(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	struct sn_alloc *a, const struct dp_turn_hot_chan *e, uint64_t now)
{
	const struct dp_turn_hot *h = dp_turn_hot(a);
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	unsigned len = pi->payload_len, eg = dp.addr_port[h->server_addr_idx];
	unsigned tot = DP_F4_IPUDP + SN_TURN_CHANNEL_HLEN + len;
	const uint8_t *src = dp.addr_bytes[h->server_addr_idx];
	uint32_t ch, vt, ucs;
	uint64_t macw;
	uint8_t *b;

	if (h->client_family != SN_FAM_IPV4 || pi->l4_off != SN_IP4UDP_L4 ||
		pi->frame_len != SN_IP4UDP_PAYLOAD + len || e->nh == DP_NH_NONE ||
		m->data_off < SN_TURN_CHANNEL_HLEN || tot > dp.min_mtu ||
		(__atomic_load_n(&h->flags, __ATOMIC_RELAXED) & (DP_HOT_RATE | DP_HOT_STREAM)))
		return false;
	macw = __atomic_load_n(&dp.nh_mac[h->client_nh], __ATOMIC_RELAXED);
	ucs = raw16(d + SN_IP4UDP_L4 + offsetof(struct rte_udp_hdr, dgram_cksum));
	if (!(macw & DP_NH_VALID) || ucs == DP_UDP_CSUM_NONE)
		return false;
	vt = raw16(d + SN_IP4UDP_L3);
	ch = rte_cpu_to_be_16(e->num) | (uint32_t)rte_cpu_to_be_16((uint16_t)len) << 16;
	b = d - SN_TURN_CHANNEL_HLEN;
	fast4_headers(w, b, macw, eg, vt, tot, h->ip4_sum, src, h->client_addr4, &h->server_port,
		&h->client_port, dp_csum_chan_add(ucs, e->csum_delta, ch));
	memcpy(b + SN_IP4UDP_PAYLOAD, &ch, sizeof(ch));
	fast4_send(w, m, -SN_TURN_CHANNEL_HLEN, tot, a, SN_DIR_P2C, SN_EV_TURN_P2C_PKTS, len, eg,
		now);
	return true;
}

/* xorshift64*: a cheap per-worker source for Data indication transaction ids. */
static inline uint64_t
txid_next(struct dp_worker *w)
{
	uint64_t x = w->txid_state;

	x ^= x >> DP_TXID_SH1;
	x ^= x << DP_TXID_SH2;
	x ^= x >> DP_TXID_SH3;
	w->txid_state = x;
	return x * DP_TXID_MUL;
}

/*
 * Data indication framing (RFC 8656 section 11.4): header with a fresh
 * transaction id, XOR-PEER-ADDRESS of the peer, DATA header for data_len
 * bytes (the value is padded to 4).  Returns the framing length.
 */
static inline unsigned
data_ind_framing(struct dp_worker *w, uint8_t *f, const struct turn_peer *peer, unsigned data_len)
{
	unsigned xlen = peer->family == SN_FAM_IPV4 ? SN_STUN_XADDR4_LEN : SN_STUN_XADDR6_LEN;
	unsigned pad = (0u - data_len) & DP_STUN_PAD_MASK;
	uint8_t *txid = f + SN_STUN_TXID_OFF, *x;
	uint64_t r0 = txid_next(w), r1 = txid_next(w);

	sn_wr16(f + SN_STUN_TYPE_OFF, SN_TURN_DATA_INDICATION);
	sn_wr16(f + SN_STUN_LEN_OFF,
		(uint16_t)(SN_STUN_ATTR_HLEN + xlen + SN_STUN_ATTR_HLEN + data_len + pad));
	sn_wr32(f + SN_STUN_COOKIE_OFF, SN_STUN_MAGIC_COOKIE);
	memcpy(txid, &r0, DP_TXID_LO);
	memcpy(txid + DP_TXID_LO, &r1, SN_STUN_TXID_LEN - DP_TXID_LO);
	x = f + SN_STUN_HLEN;
	sn_wr16(x, SN_TURN_ATTR_XOR_PEER_ADDRESS);
	sn_wr16(x + 2, (uint16_t)xlen);
	sn_stun_xaddr_encode(x + SN_STUN_ATTR_HLEN, peer->family, peer->addr,
		rte_be_to_cpu_16(peer->port), txid);
	x += SN_STUN_ATTR_HLEN + xlen;
	sn_wr16(x, SN_TURN_ATTR_DATA);
	sn_wr16(x + 2, (uint16_t)data_len);
	return SN_STUN_HLEN + SN_STUN_ATTR_HLEN + xlen + SN_STUN_ATTR_HLEN;
}

/* ------------------------------------------------------- peer -> client */

/*
 * Deliver application data [data_off, data_off + data_len) of m (sum
 * data_sum) from peer to the client of allocation id (see dp_turn_p2c()).
 * Nothing in m is modified unless it is sent.  P2C_STREAM: a live,
 * permitted datagram for a TCP/TLS client, left to the caller.
 */
static __rte_always_inline enum p2c_result
p2c_deliver(struct dp_worker *w, struct rte_mbuf *m, const struct turn_in *in, uint32_t id,
	const struct turn_peer *peer, unsigned data_off, unsigned data_len, uint32_t data_sum,
	bool hairpin, uint64_t now, uint32_t now_s)
{
	struct sn_alloc *a = &dp.allocs[id];
	struct sn_alloc_dir *dd = &a->dir[SN_DIR_P2C];
	uint8_t framing[DP_TURN_FRAMING_MAX];
	struct turn_out o;
	uint16_t num = 0, perm_nh;
	int p, c;

	if (unlikely(!alloc_live(a, now_s))) {
		drop_dir(w, m, dd, SN_DROP_TURN_EXPIRED);
		return P2C_DONE;
	}
	p = perm_find(a, peer->family, peer->addr, now_s);
	if (unlikely(p < 0)) {
		drop_dir(w, m, dd, SN_DROP_TURN_NO_PERMISSION);
		return P2C_DONE;
	}
	perm_nh = a->perm_nh[p];
	c = chan_by_peer(a, (unsigned)p, peer->port, now_s);
	if (c >= 0)
		num = a->chan_num[c];
	/* a permission for one of our addresses is for hairpinned data only:
	 * from the wire, that source is spoofed */
	if (unlikely(!hairpin && perm_nh == DP_NH_NONE)) {
		drop_dir(w, m, dd, SN_DROP_BAD_SRC_ADDR);
		return P2C_DONE;
	}
	if (unlikely(__atomic_load_n(&a->flags, __ATOMIC_RELAXED) & SN_ALLOC_STREAM))
		return P2C_STREAM;
	o.macw = __atomic_load_n(&dp.nh_mac[a->client_nh], __ATOMIC_RELAXED);
	if (unlikely(!(o.macw & DP_NH_VALID))) {
		drop_dir(w, m, dd, SN_DROP_NO_NEIGHBOR);
		return P2C_DONE;
	}
	if (likely(num != 0)) { /* RFC 8656 section 12.6: ChannelData, no padding over UDP */
		sn_wr16(framing + SN_TURN_CHANNEL_NUM_OFF, num);
		sn_wr16(framing + SN_TURN_CHANNEL_LEN_OFF, (uint16_t)data_len);
		o.flen = SN_TURN_CHANNEL_HLEN;
		o.pad = 0;
	} else { /* section 11.4: Data indication */
		o.flen = data_ind_framing(w, framing, peer, data_len);
		o.pad = (0u - data_len) & DP_STUN_PAD_MASK;
	}
	o.framing = framing;
	o.family = a->client_family;
	o.df = 0;
	o.eg = dp.addr_port[a->server_addr_idx];
	o.src = dp.addr_bytes[a->server_addr_idx];
	o.dst = a->client_addr;
	o.sport = a->server_port;
	o.dport = a->client_port;
	if (unlikely(!out_fits(&o, data_len))) {
		drop_dir(w, m, dd, SN_DROP_TOO_BIG);
		return P2C_DONE;
	}
	if (unlikely(!rate_ok(a, dd, data_len, now))) {
		dd->rl_drops++;
		drop_dir(w, m, dd, SN_DROP_TURN_RATE_LIMIT);
		return P2C_DONE;
	}
	if (unlikely(!turn_build(w, m, in, &o, data_off, data_len, data_sum))) {
		drop_dir(w, m, dd, SN_DROP_TOO_BIG);
		return P2C_DONE;
	}
	dd->pkts++;
	dd->bytes += data_len;
	dd->last_seen_tsc = now;
	DP_CNT_EV(&w->c, TURN_P2C_PKTS)++;
	DP_CNT_EV(&w->c, TURN_P2C_BYTES) += data_len;
	if (num == 0)
		DP_CNT_EV(&w->c, TURN_DATA_IND)++;
	dp_worker_tx(w, o.eg, m);
	return P2C_DONE;
}

/* dp_turn_p2c() for every datagram the fast path does not take, out of line. */
static __rte_noinline void
p2c_general(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi, uint32_t data,
	uint64_t now, uint32_t now_s)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(d + pi->l4_off);
	uint32_t id = dp_flow_data_id(data);
	struct sn_alloc *a = &dp.allocs[id];
	struct turn_peer peer;
	struct turn_in in;
	uint32_t sum;

	/* RFC 8200 section 8.1: an IPv6 UDP datagram without checksum is discarded */
	if (unlikely((pi->family == SN_FAM_IPV6 && uh->dgram_cksum == DP_UDP_CSUM_NONE) ||
		     m->nb_segs != 1)) {
		dp_worker_drop(w, m, SN_DROP_BAD_UDP_HEADER);
		return;
	}
	peer.family = pi->family;
	peer.addr = pi->src; /* read before the headers are rebuilt */
	peer.port = rte_cpu_to_be_16(pi->sport);
	capture_in(d, pi, &in);
	sum = input_sum(d, pi, 0, pi->payload_len);
	if (p2c_deliver(w, m, &in, id, &peer, pi->payload_off, pi->payload_len, sum, false, now,
		    now_s) == P2C_STREAM) {
		/* sn-control holds a socket on the relayed address: the kernel's */
		a->dir[SN_DIR_P2C].pkts++;
		a->dir[SN_DIR_P2C].bytes += pi->payload_len;
		a->dir[SN_DIR_P2C].last_seen_tsc = now;
		dp_punt(w, m, SN_PUNT_TURN_STREAM);
	}
}

void
dp_turn_p2c(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi, uint32_t data,
	uint64_t now, uint32_t now_s)
{
	struct sn_alloc *a = &dp.allocs[dp_flow_data_id(data)];
	const struct dp_turn_hot_chan *e;

	if (likely(pi->family == SN_FAM_IPV4) && likely(m->nb_segs == 1)) {
		e = hot_by_peer4(a, pi->src, rte_cpu_to_be_16(pi->sport), now_s);
		if (likely(e != NULL) && likely(p2c_fast4(w, m, pi, a, e, now)))
			return;
	}
	p2c_general(w, m, pi, data, now, now_s);
}

/* p2c_deliver() for the hairpin path (source: one of our relayed addresses), out of line. */
static __rte_noinline enum p2c_result
p2c_deliver_slow(struct dp_worker *w, struct rte_mbuf *m, const struct turn_in *in, uint32_t id,
	const struct turn_peer *peer, unsigned data_off, unsigned data_len, uint32_t data_sum,
	uint64_t now, uint32_t now_s)
{
	return p2c_deliver(w, m, in, id, peer, data_off, data_len, data_sum, true, now, now_s);
}

/* ------------------------------------------------------- client -> peer */

/*
 * Client -> a peer that is one of our addresses (RFC 8656 permits it;
 * two clients of this appliance relaying to each other): deliver to the
 * allocation whose relayed address it is, from a's relayed address r.
 */
static __rte_noinline void
c2p_hairpin(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	const struct turn_in *in, struct sn_alloc *a, unsigned r, const struct turn_peer *to,
	unsigned from, unsigned len, uint64_t now, uint32_t now_s)
{
	struct sn_alloc_dir *dc = &a->dir[SN_DIR_C2P];
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	int idx = dp_local_index(&dp.local, to->family, to->addr);
	struct turn_peer src;
	uint32_t data = DP_FLOW_MISS, sum;
	struct turn_out o;

	if (idx >= 0)
		data = dp_flow_lookup(
			dp.flows, dp_flow_key((unsigned)idx, rte_be_to_cpu_16(to->port)));
	if (data == DP_FLOW_MISS || !dp_flow_data_is_turn(data)) {
		drop_dir(w, m, dc, SN_DROP_TURN_SELF_PEER);
		return;
	}
	if (unlikely(!rate_ok(a, dc, len, now))) {
		dc->rl_drops++;
		drop_dir(w, m, dc, SN_DROP_TURN_RATE_LIMIT);
		return;
	}
	sum = input_sum(d, pi, from, from + len);
	src.family = to->family;
	src.addr = dp.addr_bytes[a->relay[r].addr_idx];
	src.port = a->relay[r].port;
	dc->pkts++;
	dc->bytes += len;
	dc->last_seen_tsc = now;
	DP_CNT_EV(&w->c, TURN_HAIRPIN)++;
	DP_CNT_EV(&w->c, TURN_C2P_PKTS)++;
	DP_CNT_EV(&w->c, TURN_C2P_BYTES) += len;
	if (p2c_deliver_slow(w, m, in, dp_flow_data_id(data), &src, pi->payload_off + from, len,
		    sum, now, now_s) == P2C_DONE)
		return;
	/* to a TCP/TLS client's allocation: the datagram as it would arrive, to the kernel */
	o.family = to->family;
	o.df = 0;
	o.eg = dp.addr_port[idx];
	o.src = src.addr;
	o.dst = to->addr;
	o.sport = src.port;
	o.dport = to->port;
	o.macw = 0;
	memcpy(&o.macw, &dp.ports[o.eg].mac, RTE_ETHER_ADDR_LEN);
	o.framing = NULL;
	o.flen = 0;
	o.pad = 0;
	if (!out_fits(&o, len) || !turn_build(w, m, in, &o, pi->payload_off + from, len, sum)) {
		dp_worker_drop(w, m, SN_DROP_TOO_BIG);
		return;
	}
	m->port = dp.ports[o.eg].port_id; /* the tap of the relayed address's port */
	dp_punt(w, m, SN_PUNT_TURN_STREAM);
}

/*
 * Relay application data [from, from + len) of the UDP payload of m from
 * allocation a's client to peer `to` (its permission's next hop nh): the common tail of
 * ChannelData and Send indications (see dp_turn_run() in dp_turn.h).
 */
static __rte_always_inline void
c2p_out(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi, struct sn_alloc *a,
	uint16_t nh, const struct turn_peer *to, unsigned from, unsigned len, uint8_t df,
	uint64_t now, uint32_t now_s)
{
	struct sn_alloc_dir *dc = &a->dir[SN_DIR_C2P];
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct turn_out o;
	struct turn_in in;
	int r = dp_turn_relay_of_family(a, to->family);

	if (unlikely(r < 0)) { /* control programmed a permission of another family */
		drop_dir(w, m, dc, SN_DROP_TURN_NO_PERMISSION);
		return;
	}
	capture_in(d, pi, &in);
	if (unlikely(nh == DP_NH_NONE)) { /* the peer is one of our addresses */
		c2p_hairpin(w, m, pi, &in, a, (unsigned)r, to, from, len, now, now_s);
		return;
	}
	o.macw = __atomic_load_n(&dp.nh_mac[nh], __ATOMIC_RELAXED);
	if (unlikely(!(o.macw & DP_NH_VALID))) {
		drop_dir(w, m, dc, SN_DROP_NO_NEIGHBOR);
		return;
	}
	o.family = to->family;
	o.df = df;
	o.eg = dp.addr_port[a->relay[r].addr_idx];
	o.src = dp.addr_bytes[a->relay[r].addr_idx];
	o.dst = to->addr;
	o.sport = a->relay[r].port;
	o.dport = to->port;
	o.framing = NULL;
	o.flen = 0;
	o.pad = 0;
	if (unlikely(!out_fits(&o, len))) {
		drop_dir(w, m, dc, SN_DROP_TOO_BIG);
		return;
	}
	if (unlikely(!rate_ok(a, dc, len, now))) {
		dc->rl_drops++;
		drop_dir(w, m, dc, SN_DROP_TURN_RATE_LIMIT);
		return;
	}
	if (unlikely(!turn_build(w, m, &in, &o, pi->payload_off + from, len,
		    input_sum(d, pi, from, from + len)))) {
		drop_dir(w, m, dc, SN_DROP_TOO_BIG);
		return;
	}
	dc->pkts++;
	dc->bytes += len;
	dc->last_seen_tsc = now;
	DP_CNT_EV(&w->c, TURN_C2P_PKTS)++;
	DP_CNT_EV(&w->c, TURN_C2P_BYTES) += len;
	dp_worker_tx(w, o.eg, m);
}

/* A Send indication from a's client (RFC 8656 section 11.2): out of line, rarer. */
static __rte_noinline void
c2p_send_ind(struct dp_worker *w, struct rte_mbuf *m, const struct sn_pkt_info *pi,
	struct sn_alloc *a, uint64_t now, uint32_t now_s)
{
	const uint8_t *pl = rte_pktmbuf_mtod(m, const uint8_t *) + pi->payload_off;
	struct sn_alloc_dir *dc = &a->dir[SN_DIR_C2P];
	const struct sn_stun_attr *xa, *da;
	uint8_t peer_addr[16], fam;
	struct sn_stun_msg msg;
	struct turn_peer to;
	uint16_t port;
	int p;

	if (sn_stun_parse(pl, pl + pi->payload_len, &msg) != SN_DROP_NONE ||
		msg.unknown_required != 0 ||
		(xa = sn_stun_find(&msg, SN_TURN_ATTR_XOR_PEER_ADDRESS)) == NULL ||
		(da = sn_stun_find(&msg, SN_TURN_ATTR_DATA)) == NULL ||
		sn_stun_xaddr_decode(&msg, xa, &fam, peer_addr, &port) != 0 || port == 0) {
		drop_dir(w, m, dc, SN_DROP_TURN_MALFORMED);
		return;
	}
	p = perm_find(a, fam, peer_addr, now_s);
	if (p < 0) {
		drop_dir(w, m, dc, SN_DROP_TURN_NO_PERMISSION);
		return;
	}
	to.family = fam;
	to.addr = peer_addr;
	to.port = rte_cpu_to_be_16(port);
	DP_CNT_EV(&w->c, TURN_SEND_IND)++;
	c2p_out(w, m, pi, a, a->perm_nh[p], &to, da->off, da->len,
		sn_stun_find(&msg, SN_TURN_ATTR_DONT_FRAGMENT) != NULL, now, now_s);
}

/* Allocation id of a candidate whose first entry did not verify (signature collision). */
static __rte_noinline uint32_t
c2p_find_slow(const struct dp_turn_cand *tc, uint16_t cport, uint16_t sport)
{
	return dp_ctab_find(dp.ctab, dp.allocs, dp.max_allocs, tc->key, tc->pi->family, tc->pi->src,
		cport, tc->server_idx, sport);
}

/* One TURN client candidate, the general path (see dp_turn_run() in dp_turn.h). */
static __rte_noinline void
c2p_one(struct dp_worker *w, const struct dp_turn_cand *tc, uint64_t now, uint32_t now_s)
{
	struct rte_mbuf *m = tc->m;
	const struct sn_pkt_info *pi = tc->pi;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *pl = d + pi->payload_off;
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(d + pi->l4_off);
	uint16_t cport = uh->src_port, sport = uh->dst_port, num, len, nh;
	uint32_t id = tc->data;
	struct sn_alloc_dir *dc;
	struct sn_alloc *a;
	struct turn_peer to;
	uint8_t pfam;
	int c, p;

	if (unlikely(pi->family == SN_FAM_IPV6 && uh->dgram_cksum == DP_UDP_CSUM_NONE)) {
		dp_worker_drop(w, m, SN_DROP_BAD_UDP_HEADER);
		return;
	}
	if (likely(id != DP_FLOW_MISS) &&
		unlikely(id >= dp.max_allocs || !dp_ctab_match(&dp.allocs[id], pi->family, pi->src,
							cport, tc->server_idx, sport)))
		id = c2p_find_slow(tc, cport, sport);
	if (unlikely(id == DP_FLOW_MISS || !alloc_live(&dp.allocs[id], now_s))) {
		dp_worker_drop(w, m, SN_DROP_TURN_NO_ALLOCATION);
		return;
	}
	a = &dp.allocs[id];
	if (unlikely(pl[0] < SN_DEMUX_CHANNEL_MIN)) {
		c2p_send_ind(w, m, pi, a, now, now_s);
		return;
	}
	/* ChannelData, RFC 8656 section 12.5 */
	dc = &a->dir[SN_DIR_C2P];
	num = sn_rd16(pl + SN_TURN_CHANNEL_NUM_OFF);
	c = chan_by_num(a, num, now_s);
	if (unlikely(c < 0)) {
		drop_dir(w, m, dc, SN_DROP_TURN_UNKNOWN_CHANNEL);
		return;
	}
	p = a->chan_perm[c];
	if (unlikely(p >= SN_TURN_MAX_PERMS || !perm_live(a, (unsigned)p, now_s, &pfam))) {
		drop_dir(w, m, dc, SN_DROP_TURN_NO_PERMISSION);
		return;
	}
	to.family = pfam;
	to.addr = a->perm_addr[p];
	to.port = a->chan_port[c];
	nh = a->perm_nh[p];
	len = sn_rd16(pl + SN_TURN_CHANNEL_LEN_OFF);
	if (unlikely(SN_TURN_CHANNEL_HLEN + len > pi->payload_len)) {
		drop_dir(w, m, dc, SN_DROP_TURN_MALFORMED);
		return;
	}
	c2p_out(w, m, pi, a, nh, &to, SN_TURN_CHANNEL_HLEN, len, 0, now, now_s);
}

/*
 * One TURN client candidate on the fast path: a ChannelData message from
 * the verified 5-tuple of a live allocation on a live hot channel, sent
 * by c2p_fast4().  False, with nothing counted or written, for anything
 * else: c2p_one() then decides.
 */
static __rte_always_inline bool
c2p_fast(struct dp_worker *w, const struct dp_turn_cand *tc, uint64_t now, uint32_t now_s)
{
	const struct sn_pkt_info *pi = tc->pi;
	const uint8_t *d = rte_pktmbuf_mtod(tc->m, const uint8_t *);
	const uint8_t *pl = d + pi->payload_off;
	const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(d + pi->l4_off);
	const struct dp_turn_hot_chan *e;
	const struct dp_turn_hot *h;
	struct sn_alloc *a;
	unsigned len;

	if (unlikely(tc->data >= dp.max_allocs) || unlikely(pl[0] < SN_DEMUX_CHANNEL_MIN) ||
		unlikely(pi->family != SN_FAM_IPV4))
		return false;
	a = &dp.allocs[tc->data];
	h = dp_turn_hot(a);
	/* the 5-tuple, against the hot line's copy of the client (dp_ctab_match()) */
	if (unlikely(h->client_family != SN_FAM_IPV4 || h->client_port != uh->src_port ||
		     h->server_port != uh->dst_port || h->server_addr_idx != tc->server_idx ||
		     !dp_addr_eq(SN_FAM_IPV4, h->client_addr4, pi->src) ||
		     (__atomic_load_n(&h->flags, __ATOMIC_RELAXED) & DP_HOT_STREAM)))
		return false;
	e = hot_by_num(a, sn_rd16(pl + SN_TURN_CHANNEL_NUM_OFF), now_s);
	len = sn_rd16(pl + SN_TURN_CHANNEL_LEN_OFF);
	if (unlikely(e == NULL) || unlikely(SN_TURN_CHANNEL_HLEN + len > pi->payload_len))
		return false;
	return c2p_fast4(w, tc->m, pi, a, e, len, now);
}

void
dp_turn_lookup(struct dp_stage *st)
{
	const struct dp_flow_table *t = dp.ctab;
	unsigned i;

	for (i = 0; i < st->nt; i++) {
		struct dp_turn_cand *c = &st->t[i];

		c->data = dp_flow_lookup_at(t, c->bucket, c->key);
		if (likely(c->data != DP_FLOW_MISS)) {
			const struct sn_alloc *a = &dp.allocs[c->data];

			rte_prefetch0(a->pad7_);		       /* struct dp_turn_hot */
			__builtin_prefetch(&a->dir[SN_DIR_C2P], 1, 3); /* rte_prefetch0_write() */
		}
	}
}

void
dp_turn_run(struct dp_worker *w, struct dp_stage *st, uint64_t now, uint32_t now_s)
{
	unsigned i;

	for (i = 0; i < st->nt; i++)
		if (!c2p_fast(w, &st->t[i], now, now_s))
			c2p_one(w, &st->t[i], now, now_s);
	st->nt = 0;
}
