/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the TURN ChannelData checksum derivation
 * (dataplane/dp_csum.h: dp_csum_chan_delta(), dp_csum_chan_strip(),
 * dp_csum_chan_add()) that the fast path uses instead of summing the
 * data: for random datagrams of every length parity, IPv4 and IPv6 on
 * either side, the derived UDP checksum of the relayed datagram must equal
 * the one computed from scratch over its bytes (sn_udp_csum(), RFC 768 /
 * RFC 8200 section 8.1), in both directions, including the computed-zero
 * case (sent as 0xffff).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dp_csum.h"
#include "sn_abi.h"
#include "sn_bytes.h"
#include "sn_pkt.h"

#define ROUNDS	  20000
#define MAX_DATA  1400
#define CHAN_HLEN 4 /* RFC 8656 section 12.4 */
#define UDP_HLEN  8

struct side {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port; /* host order */
};

struct dgram {
	uint8_t b[UDP_HLEN + CHAN_HLEN + MAX_DATA];
	unsigned len;
};

static uint32_t rng = 12345;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
rand_side(struct side *s, uint8_t family)
{
	unsigned i;

	s->family = family;
	memset(s->addr, 0, sizeof(s->addr));
	for (i = 0; i < (family == SN_FAM_IPV4 ? 4u : 16u); i++)
		s->addr[i] = (uint8_t)next();
	s->port = (uint16_t)(next() | 1);
}

static unsigned
alen(const struct side *s)
{
	return s->family == SN_FAM_IPV4 ? 4 : 16;
}

/* Unfolded sum of a side's address and port as loaded (dp_turn_cmd.c's way). */
static uint32_t
side_sum(const struct side *s)
{
	uint16_t port_be = htons(s->port);

	return dp_sum16(s->addr, alen(s) / 2) + port_be;
}

/* UDP datagram from src to dst carrying [data, data+n), optionally behind a channel header. */
static void
build(struct dgram *g, const struct side *src, const struct side *dst, uint16_t chan,
	const uint8_t *data, unsigned n)
{
	unsigned off = UDP_HLEN;
	uint16_t c;

	if (chan != 0) {
		sn_wr16(g->b + off, chan);
		sn_wr16(g->b + off + 2, (uint16_t)n);
		off += CHAN_HLEN;
	}
	memcpy(g->b + off, data, n);
	g->len = off + n;
	sn_wr16(g->b, src->port);
	sn_wr16(g->b + 2, dst->port);
	sn_wr16(g->b + 4, (uint16_t)g->len);
	sn_wr16(g->b + 6, 0);
	c = sn_udp_csum(src->family, src->addr, dst->addr, g->b, (uint16_t)g->len);
	sn_wr16(g->b + 6, c);
}

static uint16_t
csum_as_loaded(const struct dgram *g)
{
	uint16_t v;

	memcpy(&v, g->b + 6, sizeof(v));
	return v;
}

static uint32_t
chan_hdr_as_loaded(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * client -> server (ChannelData) becomes relay -> peer (plain UDP), and
 * peer -> relay (plain UDP) becomes server -> client (ChannelData).
 */
static void
one_case(uint8_t cfam, uint8_t pfam, unsigned n)
{
	static uint8_t data[MAX_DATA];
	struct side client, server, relay, peer;
	struct dgram in, out;
	uint16_t chan = (uint16_t)(SN_TURN_CHAN_MIN + next() % (SN_TURN_CHAN_MAX - SN_TURN_CHAN_MIN));
	uint16_t delta, got;
	unsigned i;

	rand_side(&client, cfam);
	rand_side(&server, cfam);
	rand_side(&relay, pfam);
	rand_side(&peer, pfam);
	for (i = 0; i < n; i++)
		data[i] = (uint8_t)next();
	delta = dp_csum_chan_delta(side_sum(&relay) + side_sum(&peer),
		side_sum(&client) + side_sum(&server));

	/* client -> peer */
	build(&in, &client, &server, chan, data, n);
	build(&out, &relay, &peer, 0, data, n);
	got = dp_csum_chan_strip(csum_as_loaded(&in), delta, chan_hdr_as_loaded(in.b + UDP_HLEN));
	assert_int_equal(got, csum_as_loaded(&out));

	/* peer -> client */
	build(&in, &peer, &relay, 0, data, n);
	build(&out, &server, &client, chan, data, n);
	got = dp_csum_chan_add(csum_as_loaded(&in), delta, chan_hdr_as_loaded(out.b + UDP_HLEN));
	assert_int_equal(got, csum_as_loaded(&out));
}

static void
test_random_v4(void **state)
{
	unsigned r;

	(void)state;
	for (r = 0; r < ROUNDS; r++)
		one_case(SN_FAM_IPV4, SN_FAM_IPV4, next() % MAX_DATA);
}

static void
test_random_families(void **state)
{
	static const uint8_t fams[2] = {SN_FAM_IPV4, SN_FAM_IPV6};
	unsigned r;

	(void)state;
	for (r = 0; r < ROUNDS; r++)
		one_case(fams[next() & 1], fams[next() & 1], next() % MAX_DATA);
}

/* Every short length, both parities, and empty data. */
static void
test_short_lengths(void **state)
{
	unsigned n, r;

	(void)state;
	for (n = 0; n < 64; n++)
		for (r = 0; r < 50; r++)
			one_case(SN_FAM_IPV4, SN_FAM_IPV4, n);
}

/*
 * Data chosen so that the relayed datagram's sum is all ones: its
 * checksum computes to 0 and must be sent as 0xffff (RFC 768), and an
 * input carrying 0xffff for a computed 0 is read right.
 */
static void
test_zero_checksum(void **state)
{
	struct side client, server, relay, peer;
	struct dgram in, out;
	uint8_t data[8] = {0};
	uint16_t chan = SN_TURN_CHAN_MIN, delta, c;
	unsigned hit = 0, r;

	(void)state;
	for (r = 0; r < 2000 && hit < 20; r++) {
		rand_side(&client, SN_FAM_IPV4);
		rand_side(&server, SN_FAM_IPV4);
		rand_side(&relay, SN_FAM_IPV4);
		rand_side(&peer, SN_FAM_IPV4);
		delta = dp_csum_chan_delta(side_sum(&relay) + side_sum(&peer),
			side_sum(&client) + side_sum(&server));
		/* make the relay -> peer datagram sum to 0xffff: pick the last data word */
		memset(data, 0, sizeof(data));
		build(&out, &relay, &peer, 0, data, sizeof(data));
		c = ntohs(csum_as_loaded(&out)); /* ~sum with the last word 0 */
		sn_wr16(data + 6, (uint16_t)(c == 0xffff ? 0 : c));
		build(&out, &relay, &peer, 0, data, sizeof(data));
		if (csum_as_loaded(&out) != 0xffff)
			continue;
		hit++;
		build(&in, &client, &server, chan, data, sizeof(data));
		assert_int_equal(dp_csum_chan_strip(csum_as_loaded(&in), delta,
					 chan_hdr_as_loaded(in.b + UDP_HLEN)),
			0xffff);
	}
	assert_true(hit > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_families),
		cmocka_unit_test(test_short_lengths),
		cmocka_unit_test(test_zero_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
