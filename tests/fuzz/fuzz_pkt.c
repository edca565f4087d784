/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: sn_pkt_parse() on arbitrary frames.  On success the
 * offsets it reports must lie inside the frame, and the checksum helpers
 * run over the slices it found (so ASan checks those bounds too).  The
 * inline parser sn_pkt_parse_ip4udp() must agree with it: whenever it
 * takes a frame, sn_pkt_parse() accepts that frame with the same result.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sn_abi.h"
#include "sn_pkt.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sn_pkt_info pi, fast;
	enum sn_drop drop;
	size_t alen;
	int took;

	memset(&pi, 0, sizeof(pi));
	memset(&fast, 0, sizeof(fast));
	took = sn_pkt_parse_ip4udp(data, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size, &fast);
	drop = sn_pkt_parse(data, data + size, &pi);
	if (took)
		CHECK(drop == SN_DROP_NONE && memcmp(&pi, &fast, sizeof(pi)) == 0);
	if (drop != SN_DROP_NONE)
		return 0;
	CHECK(pi.frame_len <= size);
	CHECK(pi.l3_off >= SN_ETH_HLEN && pi.l3_off < pi.frame_len);
	CHECK(pi.has_vlan == (pi.l3_off == SN_ETH_HLEN + SN_VLAN_HLEN));
	if (pi.kind == SN_PKT_ARP) {
		CHECK(pi.frame_len == pi.l3_off + SN_ARP_LEN);
		return 0;
	}
	CHECK(pi.kind == SN_PKT_IP);
	CHECK(pi.family == SN_FAM_IPV4 || pi.family == SN_FAM_IPV6);
	alen = pi.family == SN_FAM_IPV4 ? 4 : 16;
	CHECK(pi.src >= data && pi.src + alen <= data + pi.l4_off);
	CHECK(pi.dst >= data && pi.dst + alen <= data + pi.l4_off);
	CHECK(pi.l4_off > pi.l3_off && pi.l4_off <= pi.frame_len);
	if (pi.family == SN_FAM_IPV4)
		(void)sn_ipv4_hdr_csum(data + pi.l3_off, (uint16_t)(pi.l4_off - pi.l3_off));
	if (pi.proto == SN_IPPROTO_UDP) {
		CHECK(pi.payload_off == pi.l4_off + SN_UDP_HLEN);
		CHECK((size_t)pi.payload_off + pi.payload_len <= pi.frame_len);
		(void)sn_udp_csum(pi.family, pi.src, pi.dst, data + pi.l4_off,
			(uint16_t)(pi.payload_len + SN_UDP_HLEN));
	} else {
		CHECK(pi.payload_off == 0 && pi.payload_len == 0);
	}
	return 0;
}
