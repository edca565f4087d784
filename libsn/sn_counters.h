/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of fast-path counters, punt reasons and drop reasons.
 *
 * Every name the dataplane counts, snctl prints and metrics export comes from
 * the X-macro lists below, so code, CLI and metrics never disagree.  Parsers
 * return enum sn_drop: the reason a packet is refused is also the name of the
 * counter it lands in.
 *
 * X(ENUM_SUFFIX, "name", "one-line description")
 */
#ifndef SN_COUNTERS_H
#define SN_COUNTERS_H

/* Events counted per lcore (not drops, not punts). */
#define SN_EVENT_COUNTERS(X) \
	X(RX_PKTS, "rx_pkts", "packets received from ports") \
	X(RX_BYTES, "rx_bytes", "bytes received from ports") \
	X(TX_PKTS, "tx_pkts", "packets sent to ports") \
	X(TX_BYTES, "tx_bytes", "bytes sent to ports") \
	X(STUN_BINDING, "stun_binding_answered", "STUN Binding requests answered in the fast path") \
	X(RELAY_PKTS, "relay_pkts", "packets forwarded on relay sessions") \
	X(RELAY_BYTES, "relay_bytes", "UDP payload bytes forwarded on relay sessions") \
	X(LATCH, "latch_events", "relay legs latched from a token probe") \
	X(TURN_C2P_PKTS, "turn_c2p_pkts", "TURN packets relayed client to peer (ChannelData, Send)") \
	X(TURN_C2P_BYTES, "turn_c2p_bytes", "application bytes relayed client to peer") \
	X(TURN_P2C_PKTS, "turn_p2c_pkts", "TURN packets relayed peer to client (ChannelData, Data)") \
	X(TURN_P2C_BYTES, "turn_p2c_bytes", "application bytes relayed peer to client") \
	X(TURN_DATA_IND, "turn_data_indications", "peer packets sent to the client as Data indications") \
	X(TURN_SEND_IND, "turn_send_indications", "Send indications relayed") \
	X(TURN_HAIRPIN, "turn_hairpin", "relayed packets whose peer is another relayed address here") \
	X(PUNT_PKTS, "punt_pkts", "packets handed to the exception port") \
	X(EXC_TX_PKTS, "exception_tx_pkts", "packets from the exception port sent to ports") \
	X(LOOPS, "loops", "worker loop iterations") \
	X(BUSY_LOOPS, "busy_loops", "worker loop iterations that received packets") \
	X(IDLE_NAPS, "idle_naps", "worker naps while idle (dataplane idle_sleep_us)")

/* Why a packet went to the kernel through the exception port. */
#define SN_PUNT_REASONS(X) \
	X(ARP, "arp", "ARP") \
	X(ND, "nd", "IPv6 neighbour discovery and other ICMPv6") \
	X(ICMP, "icmp", "ICMP for an appliance address") \
	X(STUN_OTHER, "stun_other", "STUN/TURN request the fast path does not answer") \
	X(UDP_LOCAL, "udp_local", "other UDP for an appliance address (signalling)") \
	X(TCP_LOCAL, "tcp_local", "TCP for an appliance address (admin, TURN over TCP/TLS)") \
	X(TURN_STREAM, "turn_stream", "peer data for an allocation whose client is on TCP/TLS") \
	X(OTHER_LOCAL, "other_local", "other IP protocol for an appliance address")

/* Why a packet was dropped.  SN_DROP_NONE (0) is not a drop. */
#define SN_DROP_REASONS(X) \
	X(RUNT, "runt", "frame shorter than its headers") \
	X(BAD_ETHERTYPE, "bad_ethertype", "neither ARP, IPv4 nor IPv6") \
	X(VLAN_STACKED, "vlan_stacked", "more than one VLAN tag") \
	X(BAD_IP_HEADER, "bad_ip_header", "IP version, header length or total length inconsistent") \
	X(IP_FRAGMENT, "ip_fragment", "IP fragment") \
	X(IP_OPTIONS, "ip_options", "IPv4 options or IPv6 extension headers on transit UDP") \
	X(TTL_EXPIRED, "ttl_expired", "TTL/hop limit would reach zero") \
	X(BAD_UDP_HEADER, "bad_udp_header", "UDP length inconsistent with the IP payload") \
	X(BAD_SRC_ADDR, "bad_src_addr", "source address is multicast, broadcast, loopback or unspecified") \
	X(NOT_LOCAL, "not_local", "destination is not an appliance address") \
	X(STUN_MALFORMED, "stun_malformed", "STUN message fails RFC 8489 section 5/14 checks") \
	X(STUN_FINGERPRINT, "stun_bad_fingerprint", "STUN FINGERPRINT does not match") \
	X(STUN_NOT_REQUEST, "stun_not_request", "STUN response/indication for the fast path STUN port") \
	X(NO_SESSION, "no_session", "UDP to a relay port with no session") \
	X(WRONG_SOURCE, "wrong_source", "relay packet from an address that is not the leg's remote") \
	X(PEER_NOT_LATCHED, "peer_not_latched", "the other leg has no remote yet") \
	X(BAD_TOKEN, "bad_token", "latch probe with a wrong token") \
	X(RATE_LIMIT, "rate_limit", "session rate limit exceeded") \
	X(NO_NEIGHBOR, "no_neighbor", "next-hop MAC not resolved") \
	X(PUNT_RATE, "punt_rate", "exception path rate limit exceeded") \
	X(PUNT_FULL, "punt_ring_full", "exception ring full") \
	X(TX_FULL, "tx_full", "port transmit queue full") \
	X(NO_MBUF, "no_mbuf", "mbuf allocation failed") \
	X(TOO_BIG, "too_big", "rewritten packet exceeds the port MTU") \
	X(TURN_NO_ALLOCATION, "turn_no_allocation", "ChannelData/Send from a 5-tuple with no live allocation") \
	X(TURN_NO_PERMISSION, "turn_no_permission", "TURN data to or from a peer without a live permission") \
	X(TURN_UNKNOWN_CHANNEL, "turn_unknown_channel", "ChannelData on a channel not bound (or expired) for this 5-tuple") \
	X(TURN_RATE_LIMIT, "turn_rate_limit", "TURN allocation rate limit exceeded") \
	X(TURN_MALFORMED, "turn_malformed", "ChannelData or Send indication fails RFC 8656 length/attribute checks") \
	X(TURN_EXPIRED, "turn_expired", "packet to a relayed address whose allocation has expired") \
	X(TURN_SELF_PEER, "turn_self_peer", "relayed packet to an appliance address that is not a relayed address")

#define SN_ENUM_(name, str, desc) SN_EV_##name,
enum sn_event { SN_EVENT_COUNTERS(SN_ENUM_) SN_EV_MAX };
#undef SN_ENUM_

#define SN_ENUM_(name, str, desc) SN_PUNT_##name,
enum sn_punt { SN_PUNT_REASONS(SN_ENUM_) SN_PUNT_MAX };
#undef SN_ENUM_

#define SN_ENUM_(name, str, desc) SN_DROP_##name,
enum sn_drop { SN_DROP_NONE = 0, SN_DROP_REASONS(SN_ENUM_) SN_DROP_MAX };
#undef SN_ENUM_

/*
 * Layout of one lcore's counter array in the stats page:
 * [events][punts][drops], drops indexed by enum sn_drop (slot 0 unused).
 */
#define SN_CNT_EVENT(e) ((unsigned)(e))
#define SN_CNT_PUNT(p) ((unsigned)SN_EV_MAX + (unsigned)(p))
#define SN_CNT_DROP(d) ((unsigned)SN_EV_MAX + (unsigned)SN_PUNT_MAX + (unsigned)(d))
#define SN_CNT_MAX ((unsigned)SN_EV_MAX + (unsigned)SN_PUNT_MAX + (unsigned)SN_DROP_MAX)

/* Names for printing; defined in sn_counters.c. */
extern const char *const sn_event_names[SN_EV_MAX];
extern const char *const sn_punt_names[SN_PUNT_MAX];
extern const char *const sn_drop_names[SN_DROP_MAX];
extern const char *const sn_drop_descs[SN_DROP_MAX];

#endif /* SN_COUNTERS_H */
