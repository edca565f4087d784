/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server's sockets in sn-control (the protocol is control/turn/):
 * - a UDP socket per appliance address on [relay] stun_port: requests the
 *   fast path punts (Allocate, Refresh, CreatePermission, ChannelBind,
 *   authenticated Binding) arrive through the exception tap, answers leave
 *   the same way;
 * - TCP listeners on [turn] tcp_port and TLS listeners (OpenSSL, TLS 1.2
 *   and 1.3) on [turn] tls_ports, per appliance address: RFC 8656 section
 *   3.1 stream transports, framed per section 12.5;
 * - per stream allocation, a kernel UDP socket on each relayed address
 *   (the fast path punts the peers' packets for it to the tap).
 * Sockets bind with IP_FREEBIND so control may start before the dataplane
 * has put the addresses on the tap.  Driven by the control event loop's
 * epoll set; non-blocking throughout.
 */
#ifndef CP_TURN_NET_H
#define CP_TURN_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_core.h"
#include "cp_turn.h"

#define CP_TURN_NET_MAX_CONNS 16384 /* TCP/TLS clients at once */
#define CP_TURN_STREAM_MAX    (65535 + 20) /* largest framed message */

struct cp_turn_net;

/*
 * Open every listener from c->cfg.turn, create the TURN server into
 * c->turn and register with epfd.  0, or -errno with err naming the
 * config key (bad TLS certificate, port in use, ...).
 */
int cp_turn_net_open(struct cp_turn_net **out, struct cp_core *c, int epfd, char *err,
	size_t errlen);
void cp_turn_net_close(struct cp_turn_net *n);

/* An epoll event whose tag kind is CP_EP_TURN. */
void cp_turn_net_event(struct cp_turn_net *n, void *tag, uint32_t events);

/* Once a second: close stream clients idle for a minute without an allocation. */
void cp_turn_net_tick(struct cp_turn_net *n);

#endif /* CP_TURN_NET_H */
