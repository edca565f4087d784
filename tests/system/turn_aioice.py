#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""TURN client check with aioice (a third-party TURN implementation:
aioice.turn.create_turn_endpoint, TurnClientUdpProtocol /
TurnClientTcpProtocol).  Run it inside the client's namespace
(ip netns exec NS turn_aioice.py ...); the peer is a plain UDP socket that
this process creates in --peer-ns (snlab.udp_socket).

  --server EP --transport udp|tcp|tls [--cafile PEM]
  --user U --password P --peer-ns NS
  [--peer-addr ADDR | --peer-turn udp|tcp|tls [--peer-server EP]]
  [--expect-relay ADDR,...] [--sizes 1,2,...] [--rounds N]

With --peer-turn the peer is not a plain socket but a second aioice TURN
allocation (client in --peer-ns): relay to relay on the same appliance,
over any mix of transports; both first send a warm-up packet so each has a
permission for the other.

Steps: allocate (aioice answers the 401 challenge itself); the relayed
address must be one of --expect-relay; then, one message at a time and
alternating, client -> peer (aioice binds a channel on the first send:
ChannelData from then on) and peer -> relayed address -> client, every size
of --sizes, --rounds times, random bytes: each message must arrive
byte-exact, from the relayed address at the peer and from the peer at the
client.  Last the allocation is deleted (Refresh with lifetime 0).
Prints one JSON line with what it did; exit 0 on success, 1 otherwise.
"""
import argparse
import asyncio
import ipaddress
import json
import logging
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

from aioice import turn  # noqa: E402

WAIT = 5.0  # seconds a message may take (lock-step: one in flight)
WARM_TRIES = 10  # warm-up datagrams before giving up
WARM_WAIT = 0.5  # seconds to wait for each


class Receiver(asyncio.DatagramProtocol):
    """The application protocol behind the TURN transport."""

    def __init__(self):
        self.queue = asyncio.Queue()
        self.closed = asyncio.get_running_loop().create_future()

    def datagram_received(self, data, addr):
        self.queue.put_nowait((bytes(data), addr))

    def connection_lost(self, exc):
        if not self.closed.done():
            self.closed.set_result(exc)


def norm(addr):
    """(host, port) with the host in canonical text form."""
    return (str(ipaddress.ip_address(addr[0])), int(addr[1]))


async def allocate(o, transport, server, ns=None):
    """An aioice TURN allocation from namespace ns (None: ours):
    (TurnTransport, Receiver, relayed (host, port))."""
    fam, host, port = snlab.parse_ep(server)
    ctx = None
    if transport == "tls":
        ctx = ssl.create_default_context(cafile=o.cafile)  # verifies cert and IP SAN
    # The client's socket is created in ns (it stays there); nothing else
    # creates sockets meanwhile.
    with snlab.netns(ns):
        tt, proto = await asyncio.wait_for(turn.create_turn_endpoint(
            Receiver, (host, port), o.user, o.password,
            transport="udp" if transport == "udp" else "tcp", ssl=ctx or False), 20)
    return tt, proto, norm(tt.get_extra_info("sockname"))


async def release(tt, proto):
    """TurnTransport.close(): Refresh with LIFETIME 0, then the socket is
    closed and the protocol told (connection_lost)."""
    tt.close()
    await asyncio.wait_for(proto.closed, 10)


class SocketPeer:
    """The peer: a plain UDP socket in the peer namespace."""

    def __init__(self, ns, bind):
        self.sock = snlab.udp_socket(ns, bind)
        self.addr = norm(self.sock.getsockname()[:2])

    async def send(self, data, to):
        loop = asyncio.get_running_loop()
        await loop.sock_sendto(self.sock, data, to if ":" not in to[0] else to + (0, 0))

    async def recv(self):
        data, src = await asyncio.get_running_loop().sock_recvfrom(self.sock, 65536)
        return data, src

    async def close(self):
        self.sock.close()


class TurnPeer:
    """The peer: another TURN allocation of this server (relay to relay),
    its client in the peer namespace."""

    async def open(self, o, ns):
        self.tt, self.proto, self.addr = await allocate(o, o.peer_turn, o.peer_server or o.server,
                                                        ns)
        return self

    async def send(self, data, to):
        self.tt.sendto(data, to)  # ChannelBind on the first one (permission too)

    async def recv(self):
        return await self.proto.queue.get()

    async def close(self):
        await release(self.tt, self.proto)


async def run(o):
    out = {"server": o.server, "transport": o.transport}
    if o.peer_turn:
        out["peer_transport"] = o.peer_turn
    tt, proto, relayed = await allocate(o, o.transport, o.server)
    errs = []
    peer = None
    try:
        out["relayed"] = snlab.fmt_ep(*relayed)
        want = [norm((a, 0))[0] for a in o.expect_relay.split(",") if a]
        if want and relayed[0] not in want:
            errs.append("relayed address %s is not one of %s" % (out["relayed"], o.expect_relay))
        if o.peer_turn:
            peer = await TurnPeer().open(o, o.peer_ns)
            # Permissions both ways first (RFC 8656 section 9: a relay only
            # lets in what its client has a permission for): the client's
            # first packet binds its channel but is dropped at the peer's
            # relay (no permission yet); the peer's first binds its channel
            # and arrives.
            tt.sendto(b"warm-up", peer.addr)
            await asyncio.sleep(0.3)
            await peer.send(b"warm-up", relayed)
            try:
                got = await asyncio.wait_for(proto.queue.get(), WAIT)
                out["warm_up"] = got[0].decode()
            except asyncio.TimeoutError:
                errs.append("warm-up from the peer's allocation did not arrive")
            while not peer.proto.queue.empty():
                peer.proto.queue.get_nowait()
        else:
            pfam = socket.AF_INET6 if ":" in relayed[0] else socket.AF_INET
            if o.peer_addr:
                peer_bind = snlab.fmt_ep(o.peer_addr, 0)
            else:
                peer_bind = "0.0.0.0:0" if pfam == socket.AF_INET else "[::]:0"
            peer = SocketPeer(o.peer_ns, peer_bind)
            # The relay's first datagram to a peer it has not talked to may
            # wait for ARP/ND (the fast path drops it as no_neighbor meanwhile,
            # as a router would): warm up until one arrives, then drain.
            warm = 0
            for _ in range(WARM_TRIES):
                tt.sendto(b"warm-up", peer.addr)
                try:
                    await asyncio.wait_for(peer.recv(), WARM_WAIT)
                    warm += 1
                    break
                except asyncio.TimeoutError:
                    continue
            await asyncio.sleep(WARM_WAIT)
            peer.sock.setblocking(False)
            while True:
                try:
                    peer.sock.recvfrom(65536)
                    warm += 1
                except BlockingIOError:
                    break
            out["warm_up_c2p"] = warm
        out["peer"] = snlab.fmt_ep(*peer.addr)
        sizes = [int(x) for x in o.sizes.split(",")]
        n = {"c2p": 0, "p2c": 0, "c2p_bytes": 0, "p2c_bytes": 0}
        for rnd in range(o.rounds):
            for size in sizes:
                if errs:
                    break
                # client -> peer (first one: ChannelBind, then ChannelData)
                data = os.urandom(size)
                tt.sendto(data, peer.addr)
                try:
                    got, src = await asyncio.wait_for(peer.recv(), WAIT)
                except asyncio.TimeoutError:
                    errs.append("c2p round %d size %d: nothing reached the peer" % (rnd, size))
                    break
                if got != data:
                    errs.append("c2p round %d size %d: peer got %d bytes, not the same"
                                % (rnd, size, len(got)))
                elif norm(src) != relayed:
                    errs.append("c2p: peer got it from %s, not the relayed address %s"
                                % (snlab.fmt_ep(*norm(src)), out["relayed"]))
                else:
                    n["c2p"] += 1
                    n["c2p_bytes"] += size
                # peer -> relayed address -> client (ChannelData to the client)
                data = os.urandom(size)
                await peer.send(data, relayed)
                try:
                    got, src = await asyncio.wait_for(proto.queue.get(), WAIT)
                except asyncio.TimeoutError:
                    errs.append("p2c round %d size %d: nothing reached the client" % (rnd, size))
                    break
                if got != data:
                    errs.append("p2c round %d size %d: client got %d bytes, not the same"
                                % (rnd, size, len(got)))
                elif norm(src) != peer.addr:
                    errs.append("p2c: client got it from %s, not the peer %s"
                                % (snlab.fmt_ep(*norm(src)), out["peer"]))
                else:
                    n["p2c"] += 1
                    n["p2c_bytes"] += size
        out.update(n)
    finally:
        if peer is not None:
            await peer.close()
        await release(tt, proto)
    out["errors"] = errs
    print(json.dumps(out))
    return 1 if errs else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--transport", choices=("udp", "tcp", "tls"), default="udp")
    ap.add_argument("--cafile", default=None)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--peer-ns", required=True)
    ap.add_argument("--peer-addr", default="", help="peer socket address (default: any)")
    ap.add_argument("--peer-turn", choices=("udp", "tcp", "tls"), default="",
                    help="the peer is a TURN allocation over this transport")
    ap.add_argument("--peer-server", default="", help="its server (default --server)")
    ap.add_argument("--expect-relay", default="", help="relayed address: one of these (a,b,..)")
    ap.add_argument("--sizes", default="1,2,3,4,5,7,64,100,255,256,500,1000,1200,1400")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--debug", action="store_true")
    o = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if o.debug else logging.WARNING, stream=sys.stderr)
    try:
        return asyncio.run(run(o))
    except Exception as e:  # report any failure of the client as a test failure
        print(json.dumps({"server": o.server, "transport": o.transport,
                          "errors": ["%s: %s" % (type(e).__name__, e)]}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
