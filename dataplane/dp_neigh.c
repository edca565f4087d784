/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next-hop MAC table (contract in dp_neigh.h).  Main lcore only; workers
 * read dp.nh_mac.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_neigh.h"
#include "dp_punt.h"
#include "dp_types.h"
#include "sn_addr.h"

/* ARP, RFC 826, for IPv4 over Ethernet */
#define DP_ARP_HRD_ETHER  1
#define DP_ARP_OP_REQUEST 1
#define DP_ARP_OP_REPLY	  2
#define DP_ARP_HLN	  6
#define DP_ARP_PLN	  4
#define DP_ARP_OFF_HRD	  0
#define DP_ARP_OFF_PRO	  2
#define DP_ARP_OFF_HLN	  4
#define DP_ARP_OFF_PLN	  5
#define DP_ARP_OFF_OP	  6
#define DP_ARP_OFF_SHA	  8
#define DP_ARP_OFF_SPA	  14
#define DP_ARP_OFF_THA	  18
#define DP_ARP_OFF_TPA	  24
#define DP_ETH_MIN_FRAME  60 /* without FCS */

/* ICMPv6 neighbour discovery, RFC 4861 sections 4.3, 4.4, 4.6.1 */
#define DP_ND_NS	  135
#define DP_ND_NA	  136
#define DP_ND_HLEN	  24 /* type, code, checksum, reserved/flags, target */
#define DP_ND_TARGET_OFF  8
#define DP_ND_OPT_SLLA	  1
#define DP_ND_OPT_TLLA	  2
#define DP_ND_OPT_UNIT	  8
#define DP_ND_OPT_LLA_LEN 8 /* type, length, 6-byte MAC */
/* RFC 4291 section 2.7.1: solicited-node multicast ff02::1:ffXX:XXXX */
#define DP_SNMC_PREFIX_LEN 13
#define DP_SNMC_SUFFIX_OFF 13
#define DP_SNMC_SUFFIX_LEN 3
/* RFC 2464 section 7: IPv6 multicast MAC 33:33 + last 32 bits */
#define DP_V6_MCAST_MAC0	 0x33
#define DP_V6_MCAST_MAC_TAIL_OFF 12

/* Probing: first at once, then every interval while unresolved; resolved
 * entries are re-probed every refresh interval (their MAC stays in use). */
#define DP_NEIGH_PROBE_INTERVAL_MS 1000
#define DP_NEIGH_REFRESH_S	   60
#define DP_NEIGH_PROBE_PPS	   1000 /* all ports together */
#define DP_NEIGH_PROBE_BURST	   64
#define DP_NEIGH_SCAN_PER_POLL	   256
#define DP_NEIGH_HASH_NAME	   "dp_neigh"
#define MS_PER_S		   1000

struct nh_key {
	uint8_t port;
	uint8_t family;
	uint8_t pad_[2];
	uint8_t ip[16];
};

struct nh_entry {
	struct nh_key key;
	uint32_t refcnt;
	uint8_t used;
	uint8_t is_static;
	uint64_t next_probe;
};

static struct {
	struct nh_entry *ent;
	struct rte_hash *idx;
	uint16_t *free;
	unsigned n_free;
	unsigned high; /* entries ever used: scan bound */
	unsigned cursor;
	uint64_t resolved;
	uint64_t tokens, tb_last; /* probe rate limit */
	uint64_t probe_interval, refresh_interval;
} nh;

static inline bool
nh_valid(uint16_t i)
{
	return (__atomic_load_n(&dp.nh_mac[i], __ATOMIC_RELAXED) & DP_NH_VALID) != 0;
}

static uint64_t
mac_word(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;
	unsigned i;

	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		w |= (uint64_t)mac->addr_bytes[i] << (8 * i);
	return w | DP_NH_VALID;
}

/* Publish mac for entry i (one 8-byte store: workers never see it torn). */
static void
nh_set_mac(uint16_t i, const struct rte_ether_addr *mac)
{
	if (!nh_valid(i))
		nh.resolved++;
	__atomic_store_n(&dp.nh_mac[i], mac_word(mac), __ATOMIC_RELEASE);
}

int
dp_neigh_init(void)
{
	struct rte_hash_parameters hp = {
		.name = DP_NEIGH_HASH_NAME,
		.entries = DP_NH_MAX,
		.key_len = sizeof(struct nh_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	unsigned i;

	/* one extra slot: DP_NH_NONE indexes a permanently invalid entry */
	dp.nh_mac =
		rte_zmalloc("dp_nh_mac", sizeof(uint64_t) * (DP_NH_MAX + 1), RTE_CACHE_LINE_SIZE);
	nh.ent = rte_zmalloc("dp_nh_ent", sizeof(struct nh_entry) * DP_NH_MAX, 0);
	nh.free = rte_malloc("dp_nh_free", sizeof(uint16_t) * DP_NH_MAX, 0);
	nh.idx = rte_hash_create(&hp);
	if (dp.nh_mac == NULL || nh.ent == NULL || nh.free == NULL || nh.idx == NULL)
		return -ENOMEM;
	for (i = 0; i < DP_NH_MAX; i++)
		nh.free[i] = (uint16_t)(DP_NH_MAX - 1 - i);
	nh.n_free = DP_NH_MAX;
	nh.probe_interval = dp.tsc_hz * DP_NEIGH_PROBE_INTERVAL_MS / MS_PER_S;
	nh.refresh_interval = dp.tsc_hz * DP_NEIGH_REFRESH_S;
	nh.tokens = DP_NEIGH_PROBE_BURST;
	nh.tb_last = rte_rdtsc();

	for (i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = &dp.ports[i];
		uint16_t k;

		p->static_nh = DP_NH_NONE;
		if (!p->has_gw_mac)
			continue;
		k = nh.free[--nh.n_free];
		nh.ent[k].used = 1;
		nh.ent[k].is_static = 1;
		nh.ent[k].key.port = (uint8_t)i;
		if (k + 1u > nh.high)
			nh.high = k + 1u;
		nh_set_mac(k, &p->gw_mac);
		p->static_nh = k;
	}
	return 0;
}

/* Probe budget: DP_NEIGH_PROBE_PPS over all ports. */
static bool
probe_token(uint64_t now)
{
	uint64_t add = (now - nh.tb_last) * DP_NEIGH_PROBE_PPS / dp.tsc_hz;

	if (add > 0) {
		nh.tokens = RTE_MIN(nh.tokens + add, (uint64_t)DP_NEIGH_PROBE_BURST);
		nh.tb_last = now;
	}
	if (nh.tokens == 0)
		return false;
	nh.tokens--;
	return true;
}

static struct rte_mbuf *
probe_alloc(unsigned port_idx, unsigned len, const struct rte_ether_addr *dst, uint16_t etype)
{
	const struct dp_port *p = &dp.ports[port_idx];
	struct rte_ether_hdr *eh;
	struct rte_mbuf *m;
	unsigned frame = RTE_MAX(len + (unsigned)sizeof(*eh), (unsigned)DP_ETH_MIN_FRAME);

	m = rte_pktmbuf_alloc(dp.pool);
	if (m == NULL) {
		DP_CNT_DROP(&dp.main_c, SN_DROP_NO_MBUF)++;
		return NULL;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)frame);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eh, 0, frame);
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(etype);
	return m;
}

/* ARP request (RFC 826) for ip from the port's first IPv4 address. */
static void
send_arp_request(unsigned port_idx, const uint8_t *ip)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	const struct dp_port *p = &dp.ports[port_idx];
	struct rte_mbuf *m;
	uint8_t *a;

	if (p->src4 < 0)
		return;
	m = probe_alloc(port_idx, SN_ARP_LEN, &bcast, RTE_ETHER_TYPE_ARP);
	if (m == NULL)
		return;
	a = rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(struct rte_ether_hdr));
	*(unaligned_uint16_t *)(a + DP_ARP_OFF_HRD) = rte_cpu_to_be_16(DP_ARP_HRD_ETHER);
	*(unaligned_uint16_t *)(a + DP_ARP_OFF_PRO) = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a[DP_ARP_OFF_HLN] = DP_ARP_HLN;
	a[DP_ARP_OFF_PLN] = DP_ARP_PLN;
	*(unaligned_uint16_t *)(a + DP_ARP_OFF_OP) = rte_cpu_to_be_16(DP_ARP_OP_REQUEST);
	memcpy(a + DP_ARP_OFF_SHA, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(a + DP_ARP_OFF_SPA, dp.addr_bytes[p->src4], DP_ARP_PLN);
	memcpy(a + DP_ARP_OFF_TPA, ip, DP_ARP_PLN);
	dp_main_tx(port_idx, m);
}

/*
 * Neighbour solicitation (RFC 4861 section 4.3, 7.2.2) for ip to its
 * solicited-node multicast address, with a source link-layer option.
 */
static void
send_neigh_solicit(unsigned port_idx, const uint8_t *ip)
{
	static const uint8_t snmc_prefix[DP_SNMC_PREFIX_LEN] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	const struct dp_port *p = &dp.ports[port_idx];
	unsigned icmp_len = DP_ND_HLEN + DP_ND_OPT_LLA_LEN;
	struct rte_ether_addr dmac;
	struct rte_ipv6_hdr *ip6;
	struct rte_mbuf *m;
	uint8_t *icmp;
	uint16_t ck;

	if (p->src6 < 0)
		return;
	dmac.addr_bytes[0] = DP_V6_MCAST_MAC0;
	dmac.addr_bytes[1] = DP_V6_MCAST_MAC0;
	dmac.addr_bytes[2] = snmc_prefix[DP_SNMC_PREFIX_LEN - 1];
	memcpy(&dmac.addr_bytes[3], ip + DP_SNMC_SUFFIX_OFF, DP_SNMC_SUFFIX_LEN);
	m = probe_alloc(port_idx, sizeof(*ip6) + icmp_len, &dmac, RTE_ETHER_TYPE_IPV6);
	if (m == NULL)
		return;
	/* the frame is padded to the Ethernet minimum: trim back to the packet */
	if (m->pkt_len > sizeof(struct rte_ether_hdr) + sizeof(*ip6) + icmp_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - (sizeof(struct rte_ether_hdr) +
								    sizeof(*ip6) + icmp_len)));
	ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	ip6->vtc_flow = rte_cpu_to_be_32((uint32_t)SN_IPV6_VERSION << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)icmp_len);
	ip6->proto = SN_IPPROTO_ICMPV6;
	ip6->hop_limits = DP_ND_HOP_LIMIT;
	memcpy(ip6->src_addr, dp.addr_bytes[p->src6], sizeof(ip6->src_addr));
	memcpy(ip6->dst_addr, snmc_prefix, DP_SNMC_PREFIX_LEN);
	memcpy(ip6->dst_addr + DP_SNMC_SUFFIX_OFF, ip + DP_SNMC_SUFFIX_OFF, DP_SNMC_SUFFIX_LEN);
	icmp = (uint8_t *)(ip6 + 1);
	icmp[0] = DP_ND_NS;
	memcpy(icmp + DP_ND_TARGET_OFF, ip, 16);
	icmp[DP_ND_HLEN] = DP_ND_OPT_SLLA;
	icmp[DP_ND_HLEN + 1] = DP_ND_OPT_LLA_LEN / DP_ND_OPT_UNIT;
	memcpy(icmp + DP_ND_HLEN + 2, p->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	ck = rte_ipv6_udptcp_cksum(ip6, icmp); /* pseudo-header uses ip6->proto */
	memcpy(icmp + 2, &ck, sizeof(ck));
	dp_main_tx(port_idx, m);
}

static void
send_probe(uint16_t i)
{
	const struct nh_entry *e = &nh.ent[i];

	if (e->key.family == SN_FAM_IPV4)
		send_arp_request(e->key.port, e->key.ip);
	else
		send_neigh_solicit(e->key.port, e->key.ip);
}

/* Next hop of remote through port p: the gateway of its family or itself. */
static const uint8_t *
next_hop(const struct dp_port *p, uint8_t family, const uint8_t *remote)
{
	const struct sn_abi_addr *gw = family == SN_FAM_IPV4 ? &p->gw4 : &p->gw6;

	return gw->family == family ? gw->bytes : remote;
}

int
dp_neigh_get(unsigned port_idx, uint8_t family, const uint8_t *remote, uint16_t *nh_idx)
{
	const struct dp_port *p = &dp.ports[port_idx];
	struct nh_key k;
	struct nh_entry *e;
	uint64_t now;
	void *data;
	uint16_t i;

	if (p->static_nh != DP_NH_NONE) {
		*nh_idx = p->static_nh;
		return 0;
	}
	memset(&k, 0, sizeof(k));
	k.port = (uint8_t)port_idx;
	k.family = family;
	memcpy(k.ip, next_hop(p, family, remote), sn_fam_len(family));
	if (rte_hash_lookup_data(nh.idx, &k, &data) >= 0) {
		i = (uint16_t)(uintptr_t)data;
		nh.ent[i].refcnt++;
		*nh_idx = i;
		return 0;
	}
	if (nh.n_free == 0)
		return -ENOSPC;
	i = nh.free[nh.n_free - 1];
	if (rte_hash_add_key_data(nh.idx, &k, (void *)(uintptr_t)i) != 0)
		return -ENOSPC;
	nh.n_free--;
	e = &nh.ent[i];
	memset(e, 0, sizeof(*e));
	e->key = k;
	e->used = 1;
	e->refcnt = 1;
	if (i + 1u > nh.high)
		nh.high = i + 1u;
	now = rte_rdtsc();
	e->next_probe = now;
	if (probe_token(now)) {
		send_probe(i);
		e->next_probe = now + nh.probe_interval;
	}
	*nh_idx = i;
	return 0;
}

void
dp_neigh_put(uint16_t i)
{
	struct nh_entry *e;

	if (i >= DP_NH_MAX)
		return;
	e = &nh.ent[i];
	if (!e->used || e->is_static || --e->refcnt > 0)
		return;
	rte_hash_del_key(nh.idx, &e->key);
	if (nh_valid(i))
		nh.resolved--;
	__atomic_store_n(&dp.nh_mac[i], 0, __ATOMIC_RELAXED);
	e->used = 0;
	nh.free[nh.n_free++] = i;
}

void
dp_neigh_learn_idx(uint16_t i, const uint8_t *remote, const struct rte_ether_addr *mac)
{
	const struct nh_entry *e;

	if (i >= DP_NH_MAX || !nh.ent[i].used || nh.ent[i].is_static)
		return;
	e = &nh.ent[i];
	if (!nh_valid(i) || memcmp(e->key.ip, remote, sn_fam_len(e->key.family)) == 0)
		nh_set_mac(i, mac);
}

/* Update the entry (port, family, ip) if it exists. */
static void
learn(unsigned port_idx, uint8_t family, const uint8_t *ip, const uint8_t *mac)
{
	struct rte_ether_addr ea;
	struct nh_key k;
	void *data;

	if (rte_is_zero_ether_addr((const struct rte_ether_addr *)mac) ||
		rte_is_multicast_ether_addr((const struct rte_ether_addr *)mac))
		return;
	memset(&k, 0, sizeof(k));
	k.port = (uint8_t)port_idx;
	k.family = family;
	memcpy(k.ip, ip, sn_fam_len(family));
	if (rte_hash_lookup_data(nh.idx, &k, &data) < 0)
		return;
	memcpy(ea.addr_bytes, mac, RTE_ETHER_ADDR_LEN);
	nh_set_mac((uint16_t)(uintptr_t)data, &ea);
}

/* ND options (RFC 4861 section 4.6): the first option of type want. */
static const uint8_t *
nd_find_lla(const uint8_t *opt, const uint8_t *end, uint8_t want)
{
	while (end - opt >= DP_ND_OPT_LLA_LEN) {
		unsigned len = (unsigned)opt[1] * DP_ND_OPT_UNIT;

		if (len == 0 || len > (unsigned)(end - opt))
			return NULL;
		if (opt[0] == want && len == DP_ND_OPT_LLA_LEN)
			return opt + 2;
		opt += len;
	}
	return NULL;
}

void
dp_neigh_snoop(unsigned port_idx, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct sn_pkt_info pi;
	const uint8_t *a, *icmp, *end, *lla;

	if (sn_pkt_parse(d, d + m->data_len, &pi) != SN_DROP_NONE)
		return;
	if (pi.kind == SN_PKT_ARP) {
		a = d + pi.l3_off;
		if (rte_be_to_cpu_16(*(const unaligned_uint16_t *)(a + DP_ARP_OFF_HRD)) !=
				DP_ARP_HRD_ETHER ||
			rte_be_to_cpu_16(*(const unaligned_uint16_t *)(a + DP_ARP_OFF_PRO)) !=
				RTE_ETHER_TYPE_IPV4 ||
			a[DP_ARP_OFF_HLN] != DP_ARP_HLN || a[DP_ARP_OFF_PLN] != DP_ARP_PLN)
			return;
		learn(port_idx, SN_FAM_IPV4, a + DP_ARP_OFF_SPA, a + DP_ARP_OFF_SHA);
		return;
	}
	if (pi.family != SN_FAM_IPV6 || pi.proto != SN_IPPROTO_ICMPV6 ||
		pi.frame_len - pi.l4_off < DP_ND_HLEN)
		return;
	icmp = d + pi.l4_off;
	end = d + pi.frame_len;
	if (icmp[0] == DP_ND_NS) {
		lla = nd_find_lla(icmp + DP_ND_HLEN, end, DP_ND_OPT_SLLA);
		if (lla != NULL)
			learn(port_idx, SN_FAM_IPV6, pi.src, lla);
	} else if (icmp[0] == DP_ND_NA) {
		lla = nd_find_lla(icmp + DP_ND_HLEN, end, DP_ND_OPT_TLLA);
		if (lla != NULL)
			learn(port_idx, SN_FAM_IPV6, icmp + DP_ND_TARGET_OFF, lla);
	}
}

void
dp_neigh_poll(uint64_t now)
{
	unsigned n, i;

	if (nh.high == 0)
		return;
	for (n = 0; n < DP_NEIGH_SCAN_PER_POLL && n < nh.high; n++) {
		struct nh_entry *e;

		i = nh.cursor++;
		if (nh.cursor >= nh.high)
			nh.cursor = 0;
		e = &nh.ent[i];
		if (!e->used || e->is_static || e->refcnt == 0 || now < e->next_probe)
			continue;
		if (!probe_token(now))
			return;
		send_probe((uint16_t)i);
		e->next_probe =
			now + (nh_valid((uint16_t)i) ? nh.refresh_interval : nh.probe_interval);
	}
}

uint64_t
dp_neigh_resolved(void)
{
	return nh.resolved;
}
