#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The TURN fast path of sn-dataplane, driven without sn-control.

Allocations, permissions and channels are programmed with sn-turnprog;
clients and peers are UDP sockets in the lab namespaces (h1, h2, r3); a
packet socket on h2 (parsed with scapy) checks the IP header fields.
Every check prints one line on stderr; the first failure exits 1.

usage: turn_fastpath.py --turnprog BIN --shm PATH --prefix P
"""
import argparse
import ipaddress
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time
import zlib

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

COOKIE = 0x2112A442
COOKIE_B = struct.pack("!I", COOKIE)
SEND_IND, DATA_IND = 0x0016, 0x0017
XOR_PEER_ADDRESS, DATA, DONT_FRAGMENT, FINGERPRINT = 0x0012, 0x0013, 0x001A, 0x8028
ETH_P_ALL = 0x0003
SO_NO_CHECK = 11  # Linux: send IPv4 UDP without checksum

APP4, APP6 = "198.18.0.1", "2001:db8:1::1"  # address index 0 and 1
H1_4, H2_4, R3_4 = "198.18.0.11", "198.18.0.12", "198.18.0.13"
H1_6, H2_6 = "2001:db8:1::11", "2001:db8:1::12"
TURN_PORT = 3478
TIMEOUT = 2.0

ARGS = None
RNG = random.Random(8656)


def log(msg):
    print("[turn_fastpath.py] " + msg, file=sys.stderr, flush=True)


def fail(msg):
    log("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    log("ok: " + msg)


# ------------------------------------------------------------ sn-turnprog
def turnprog(*args, stdin=None):
    r = subprocess.run([ARGS.turnprog, "-s", ARGS.shm] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("sn-turnprog %s: exit %d: %s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
    return r.stdout


def program(lines):
    out = turnprog("bulk", stdin="\n".join(lines) + "\n")
    log("programmed: " + out.strip())


def stats():
    return json.loads(turnprog("stats"))


def counter(name, j=None):
    return snlab.counter(j if j is not None else stats(), name)


def show(aid):
    return json.loads(turnprog("show", str(aid)))


def wait_counter(name, before, delta=1, secs=5.0):
    """Wait until counter name reaches before + delta (workers publish per burst)."""
    end = time.time() + secs
    while True:
        v = counter(name)
        if v >= before + delta:
            return v
        if time.time() > end:
            fail("counter %s: %d, want >= %d" % (name, v, before + delta))
        time.sleep(0.05)


# ----------------------------------------------------------------- wires
def ns(name):
    return ARGS.prefix + name


def sock(nsname, addr, port):
    return snlab.udp_socket(ns(nsname), snlab.fmt_ep(addr, port))


def dest(addr, port):
    return (addr, port) if ":" not in addr else (addr, port, 0, 0)


def recv(s, secs=TIMEOUT):
    r, _, _ = select.select([s], [], [], secs)
    if not r:
        return None, None
    data, src = s.recvfrom(65535)
    return data, (src[0], src[1])


def drain(s):
    while recv(s, 0.05)[0] is not None:
        pass


def expect_nothing(s, what, secs=0.5):
    data, src = recv(s, secs)
    if data is not None:
        fail("%s: got %d bytes from %s, expected nothing" % (what, len(data), src))


def payload(n):
    return bytes(RNG.getrandbits(8) for _ in range(n))


# ------------------------------------------------------------- TURN wire
def chandata(num, data, pad=0):
    return struct.pack("!HH", num, len(data)) + data + b"\xee" * pad


def xaddr(ip, port, txid):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        x = bytes(p ^ c for p, c in zip(a.packed, COOKIE_B))
        return struct.pack("!BBH", 0, 1, port ^ (COOKIE >> 16)) + x
    key = COOKIE_B + txid
    x = bytes(p ^ c for p, c in zip(a.packed, key))
    return struct.pack("!BBH", 0, 2, port ^ (COOKIE >> 16)) + x


def stun(mtype, attrs, txid=None, fingerprint=False):
    txid = txid or os.urandom(12)
    body = b""
    for t, v in attrs:
        body += struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)
    if fingerprint:
        hdr = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + txid
        crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += struct.pack("!HHI", FINGERPRINT, 4, crc)
    return struct.pack("!HHI", mtype, len(body), COOKIE) + txid + body


def send_ind(peer_ip, peer_port, data, df=False, fingerprint=False, drop_data=False):
    txid = os.urandom(12)
    attrs = [(XOR_PEER_ADDRESS, xaddr(peer_ip, peer_port, txid))]
    if not drop_data:
        attrs.append((DATA, data))
    if df:
        attrs.append((DONT_FRAGMENT, b""))
    return stun(SEND_IND, attrs, txid, fingerprint)


def parse_data_ind(msg):
    """-> (peer ip, peer port, data); fails on any framing error."""
    if len(msg) < 20:
        fail("Data indication too short: %d" % len(msg))
    t, ln, ck = struct.unpack("!HHI", msg[:8])
    txid = msg[8:20]
    if t != DATA_IND or ck != COOKIE or ln != len(msg) - 20 or ln % 4:
        fail("bad Data indication header: type %#x len %d (datagram %d) cookie %#x"
             % (t, ln, len(msg), ck))
    off, peer, data = 20, None, None
    while off < len(msg):
        at, al = struct.unpack("!HH", msg[off:off + 4])
        v = msg[off + 4:off + 4 + al]
        padded = al + (-al % 4)
        if off + 4 + padded > len(msg):
            fail("Data indication attribute %#x overruns" % at)
        if any(msg[off + 4 + al:off + 4 + padded]):
            fail("non-zero padding after attribute %#x" % at)
        if at == XOR_PEER_ADDRESS:
            fam, xp = v[1], struct.unpack("!H", v[2:4])[0] ^ (COOKIE >> 16)
            if fam == 1 and al == 8:
                ip = str(ipaddress.IPv4Address(bytes(a ^ b for a, b in zip(v[4:8], COOKIE_B))))
            elif fam == 2 and al == 20:
                ip = str(ipaddress.IPv6Address(bytes(a ^ b for a, b in zip(v[4:20], COOKIE_B + txid))))
            else:
                fail("bad XOR-PEER-ADDRESS %s" % v.hex())
            peer = (ip, xp)
        elif at == DATA:
            data = v
        off += 4 + padded
    if peer is None or data is None:
        fail("Data indication without XOR-PEER-ADDRESS or DATA")
    return peer[0], peer[1], data


# ---------------------------------------------------------------- checks
def c2p(client, server, peer, msg, want, want_src, what):
    drain(peer)
    client.sendto(msg, dest(*server))
    data, src = recv(peer)
    if data is None:
        fail("%s: nothing received by the peer" % what)
    if data != want:
        fail("%s: payload differs (%d vs %d bytes)" % (what, len(data), len(want)))
    if src != want_src:
        fail("%s: from %s, want %s" % (what, src, want_src))


def p2c(peer, relay, client, data, what):
    drain(client)
    peer.sendto(data, dest(*relay))
    msg, src = recv(client)
    if msg is None:
        fail("%s: nothing received by the client" % what)
    return msg, src


def check_chandata(msg, num, data, what):
    if len(msg) != 4 + len(data):
        fail("%s: ChannelData of %d bytes for %d of data (no padding over UDP)"
             % (what, len(msg), len(data)))
    n, ln = struct.unpack("!HH", msg[:4])
    if n != num or ln != len(data) or msg[4:] != data:
        fail("%s: ChannelData %#x len %d, want %#x len %d (data equal: %s)"
             % (what, n, ln, num, len(data), msg[4:] == data))


def sizes():
    return [1, 2, 3, 4, 5, 7, 100, 333, 1000, 1200]


class Capture:
    """A packet socket on a namespace's eth0 (frames parsed with scapy)."""

    def __init__(self, nsname):
        with snlab.netns(ns(nsname)):
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.s.bind(("eth0", 0))
        self.s.setblocking(False)

    def drain(self):
        while select.select([self.s], [], [], 0)[0]:
            self.s.recv(65535)

    def udp_to(self, port, secs=TIMEOUT):
        end = time.time() + secs
        while time.time() < end:
            if not select.select([self.s], [], [], 0.1)[0]:
                continue
            raw, addr = self.s.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            f = Ether(raw)
            if IP in f and UDP in f and f[UDP].dport == port:
                return f
        fail("no IPv4 UDP frame to port %d captured" % port)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--turnprog", required=True)
    ap.add_argument("--shm", required=True)
    ap.add_argument("--prefix", required=True)
    ARGS = ap.parse_args()

    # ------------------------------------------------------- programming
    # A1: IPv4 client h1:40001, relayed 198.18.0.1:50001 and [::1]:50001.
    # A2: IPv6 client [h1]:40002 on the IPv6 server address, relayed both.
    # A3: IPv4 client h2:40003, relayed 198.18.0.1:50003 (hairpin with A1).
    # A4: rate limited; A5: short permission; A6: short allocation.
    program([
        "alloc 1 client=%s:40001 server=0:%d relay=0:50001,1:50001 lifetime=600" % (H1_4, TURN_PORT),
        "perm 1 0 %s lifetime=600" % H2_4,
        "perm 1 1 %s lifetime=600" % H2_6,
        "perm 1 2 %s lifetime=600" % APP4,
        "chan 1 0 0x4000 0 6000 lifetime=600",
        "chan 1 1 0x4001 1 6000 lifetime=600",
        "chan 1 2 0x4002 2 50003 lifetime=600",
        "chan 1 3 0x4003 2 50999 lifetime=600",
        "alloc 2 client=[%s]:40002 server=1:%d relay=1:50002,0:50002 lifetime=600" % (H1_6, TURN_PORT),
        "perm 2 0 %s lifetime=600" % H2_6,
        "perm 2 1 %s lifetime=600" % H2_4,
        "chan 2 0 0x4000 0 6000 lifetime=600",
        "chan 2 1 0x4001 1 6010 lifetime=600",
        "alloc 3 client=%s:40003 server=0:%d relay=0:50003 lifetime=600" % (H2_4, TURN_PORT),
        "perm 3 0 %s lifetime=600" % APP4,
        "chan 3 0 0x4000 0 50001 lifetime=600",
        "alloc 4 client=%s:40004 server=0:%d relay=0:50004 lifetime=600 rate=1000 burst=2000"
        % (H1_4, TURN_PORT),
        "perm 4 0 %s lifetime=600" % H2_4,
        "chan 4 0 0x4000 0 6004 lifetime=600",
        "alloc 5 client=%s:40005 server=0:%d relay=0:50005 lifetime=600" % (H1_4, TURN_PORT),
        "perm 5 0 %s lifetime=600" % H2_4,
        "chan 5 0 0x4000 0 6005 lifetime=600",
        "alloc 6 client=%s:40006 server=0:%d relay=0:50006 lifetime=600" % (H1_4, TURN_PORT),
        "perm 6 0 %s lifetime=600" % H2_4,
    ])
    j = stats()
    check(j["allocs_active"] == 6, "6 allocations active")

    # idempotent: the same commands again change nothing; conflicts are refused
    program(["alloc 1 client=%s:40001 server=0:%d relay=0:50001,1:50001 lifetime=600"
             % (H1_4, TURN_PORT), "perm 1 0 %s lifetime=600" % H2_4,
             "chan 1 0 0x4000 0 6000 lifetime=600"])
    r = subprocess.run([ARGS.turnprog, "-s", ARGS.shm, "alloc", "7",
                        "client=%s:40007" % H1_4, "server=0:%d" % TURN_PORT,
                        "relay=0:50001", "lifetime=600"], capture_output=True, text=True)
    check(r.returncode == 1 and "EEXIST" in r.stderr, "a relayed address owned by another allocation: EEXIST")
    r = subprocess.run([ARGS.turnprog, "-s", ARGS.shm, "alloc", "7",
                        "client=%s:40001" % H1_4, "server=0:%d" % TURN_PORT,
                        "relay=0:50007", "lifetime=600"], capture_output=True, text=True)
    check(r.returncode == 1 and "EEXIST" in r.stderr, "a client 5-tuple owned by another allocation: EEXIST")
    r = subprocess.run([ARGS.turnprog, "-s", ARGS.shm, "chan", "1", "4", "0x4000", "0", "6100",
                        "lifetime=600"], capture_output=True, text=True)
    check(r.returncode == 1 and "EEXIST" in r.stderr, "a channel number bound twice: EEXIST")

    # neighbours (h1, h2 over IPv4 and IPv6) resolved before traffic
    end = time.time() + 10
    while stats()["neigh_resolved"] < 4:
        if time.time() > end:
            fail("neighbours not resolved: %s" % stats()["neigh_resolved"])
        time.sleep(0.1)

    c1 = sock("h1", H1_4, 40001)
    c2 = sock("h1", H1_6, 40002)
    c3 = sock("h2", H2_4, 40003)
    c4 = sock("h1", H1_4, 40004)
    c5 = sock("h1", H1_4, 40005)
    c6 = sock("h1", H1_4, 40006)
    cx = sock("h1", H1_4, 40009)
    p6000 = sock("h2", H2_4, 6000)
    p6001 = sock("h2", H2_4, 6001)
    p6002 = sock("h2", H2_4, 6002)
    p6004 = sock("h2", H2_4, 6004)
    p6005 = sock("h2", H2_4, 6005)
    p6010 = sock("h2", H2_4, 6010)
    q6000 = sock("h2", H2_6, 6000)
    q6003 = sock("h2", H2_6, 6003)
    r3 = sock("r3", R3_4, 7000)
    srv4, srv6 = (APP4, TURN_PORT), (APP6, TURN_PORT)

    # ------------------------------------------------ IPv4 client, IPv4 peer
    before = counter("turn_c2p_pkts")
    for n in sizes():
        d = payload(n)
        c2p(c1, srv4, p6000, chandata(0x4000, d), d, (APP4, 50001), "v4 ChannelData %d B" % n)
        d = payload(n)
        c2p(c1, srv4, p6000, chandata(0x4000, d, pad=-n % 4), d, (APP4, 50001),
            "v4 ChannelData %d B padded to 4" % n)
    log("ok: IPv4 ChannelData client -> peer, %d sizes, byte-exact, from the relayed address"
        % len(sizes()))
    wait_counter("turn_c2p_pkts", before, 2 * len(sizes()))

    cap = Capture("h2")
    before = counter("turn_send_indications")
    for n in sizes():
        d = payload(n)
        c2p(c1, srv4, p6001, send_ind(H2_4, 6001, d, fingerprint=(n % 2 == 0)), d,
            (APP4, 50001), "v4 Send indication %d B" % n)
    log("ok: IPv4 Send indications client -> peer (with and without FINGERPRINT)")
    wait_counter("turn_send_indications", before, len(sizes()))
    for df in (False, True):
        cap.drain()
        d = payload(99)
        c2p(c1, srv4, p6001, send_ind(H2_4, 6001, d, df=df), d, (APP4, 50001),
            "Send indication DONT-FRAGMENT=%s" % df)
        f = cap.udp_to(6001)
        ip = f[IP]
        want = 0x2 if df else 0x0
        check(int(ip.flags) & 0x2 == want and ip.ttl == 64,
              "Send indication DONT-FRAGMENT=%s: IPv4 DF=%d, TTL %d" % (df, int(ip.flags) & 2 and 1, ip.ttl))
        chk = ip.chksum
        del ip.chksum
        check(IP(bytes(ip)).chksum == chk, "IPv4 header checksum of a relayed datagram")
    cap.drain()
    d = payload(64)
    c2p(c1, srv4, p6000, chandata(0x4000, d), d, (APP4, 50001), "ChannelData for DF check")
    f = cap.udp_to(6000)
    check(int(f[IP].flags) & 0x2 == 0 and f[IP].ttl == 64, "ChannelData: IPv4 DF clear, TTL 64")

    before = counter("turn_p2c_pkts")
    for n in sizes():
        d = payload(n)
        msg, src = p2c(p6000, (APP4, 50001), c1, d, "v4 peer -> client %d B" % n)
        check_chandata(msg, 0x4000, d, "v4 peer -> client ChannelData %d B" % n)
        if src != srv4:
            fail("ChannelData from %s, want %s" % (src, srv4))
    log("ok: IPv4 peer -> client ChannelData (channel bound to the source), byte-exact, from %s:%d"
        % srv4)
    wait_counter("turn_p2c_pkts", before, len(sizes()))
    before = counter("turn_data_indications")
    for n in sizes():
        d = payload(n)
        msg, src = p2c(p6002, (APP4, 50001), c1, d, "v4 peer -> client (no channel) %d B" % n)
        ip, port, data = parse_data_ind(msg)
        if (ip, port) != (H2_4, 6002) or data != d or src != srv4:
            fail("Data indication: peer %s:%d data equal %s src %s" % (ip, port, data == d, src))
    log("ok: IPv4 peer -> client Data indications (XOR-PEER-ADDRESS, DATA, padding)")
    wait_counter("turn_data_indications", before, len(sizes()))

    # IPv4 senders without a UDP checksum (SO_NO_CHECK): the data is summed
    # instead of derived from the checksum; the receiver's kernel checks ours
    for sk in (c1, p6000):
        sk.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1)
    for n in (1, 2, 3, 999):
        d = payload(n)
        c2p(c1, srv4, p6000, chandata(0x4000, d, pad=1), d, (APP4, 50001),
            "v4 ChannelData %d B without UDP checksum" % n)
        d = payload(n)
        c2p(c1, srv4, q6000, chandata(0x4001, d), d, (APP6, 50001),
            "v4 ChannelData %d B without UDP checksum to an IPv6 peer" % n)
        d = payload(n)
        msg, src = p2c(p6000, (APP4, 50001), c1, d, "v4 peer without UDP checksum %d B" % n)
        check_chandata(msg, 0x4000, d, "v4 peer without UDP checksum %d B" % n)
    for sk in (c1, p6000):
        sk.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 0)
    log("ok: IPv4 datagrams without UDP checksum relayed both ways (and to IPv6)")

    # ------------------------------------------------- IPv6, family changes
    for n in (1, 3, 500, 1200):
        d = payload(n)
        c2p(c2, srv6, q6000, chandata(0x4000, d), d, (APP6, 50002), "v6 client -> v6 peer %d B" % n)
        d = payload(n)
        c2p(c2, srv6, p6010, chandata(0x4001, d), d, (APP4, 50002), "v6 client -> v4 peer %d B" % n)
        d = payload(n)
        c2p(c1, srv4, q6000, chandata(0x4001, d), d, (APP6, 50001), "v4 client -> v6 peer %d B" % n)
        d = payload(n)
        c2p(c2, srv6, q6003, send_ind(H2_6, 6003, d), d, (APP6, 50002), "v6 Send indication %d B" % n)
        d = payload(n)
        msg, src = p2c(q6000, (APP6, 50002), c2, d, "v6 peer -> v6 client %d B" % n)
        check_chandata(msg, 0x4000, d, "v6 peer -> v6 client")
        d = payload(n)
        msg, src = p2c(p6010, (APP4, 50002), c2, d, "v4 peer -> v6 client %d B" % n)
        check_chandata(msg, 0x4001, d, "v4 peer -> v6 client")
        check(src == srv6, "v4 peer -> v6 client ChannelData %d B from the IPv6 server address" % n)
        d = payload(n)
        msg, src = p2c(q6003, (APP6, 50001), c1, d, "v6 peer -> v4 client %d B" % n)
        ip, port, data = parse_data_ind(msg)
        check((ip, port, data, src) == (H2_6, 6003, d, srv4),
              "v6 peer -> v4 client Data indication %d B (IPv6 XOR-PEER-ADDRESS)" % n)

    # --------------------------------------------------------------- hairpin
    before = counter("turn_hairpin")
    d = payload(300)
    c1.sendto(chandata(0x4002, d), dest(*srv4))
    msg, src = recv(c3)
    if msg is None:
        fail("hairpin A1 -> A3: nothing received by A3's client")
    check_chandata(msg, 0x4000, d, "hairpin A1 -> A3")
    check(src == srv4, "hairpin A1 -> A3: ChannelData on A3's channel to (A1 relayed address)")
    d = payload(301)
    c3.sendto(chandata(0x4000, d), dest(*srv4))
    msg, src = recv(c1)
    if msg is None:
        fail("hairpin A3 -> A1: nothing received by A1's client")
    check_chandata(msg, 0x4002, d, "hairpin A3 -> A1")
    wait_counter("turn_hairpin", before, 2)
    log("ok: hairpin between two allocations, both ways")

    # ------------------------------------------------------ negative cases
    def neg(name, fn, what):
        b = counter(name)
        fn()
        wait_counter(name, b)
        log("ok: %s -> %s" % (what, name))

    neg("turn_no_allocation", lambda: cx.sendto(chandata(0x4000, payload(10)), dest(*srv4)),
        "ChannelData from a 5-tuple without allocation (wrong 5-tuple)")
    neg("turn_unknown_channel", lambda: c1.sendto(chandata(0x4444, payload(10)), dest(*srv4)),
        "ChannelData on an unbound channel")
    neg("turn_malformed", lambda: c1.sendto(chandata(0x4000, payload(10))[:-1], dest(*srv4)),
        "ChannelData shorter than its length field")
    neg("turn_malformed", lambda: c1.sendto(send_ind(H2_4, 6001, b"x", drop_data=True), dest(*srv4)),
        "Send indication without DATA")
    neg("turn_no_permission", lambda: c1.sendto(send_ind(R3_4, 7000, payload(10)), dest(*srv4)),
        "Send indication to a peer without permission")
    neg("turn_no_permission", lambda: r3.sendto(payload(10), dest(APP4, 50001)),
        "peer without permission -> relayed address")
    expect_nothing(c1, "peer without permission")
    neg("turn_self_peer", lambda: c1.sendto(chandata(0x4003, payload(10)), dest(*srv4)),
        "ChannelData to an appliance address that is not a relayed address")
    neg("no_session", lambda: r3.sendto(payload(10), dest(APP4, 50999)),
        "UDP to a relay port without allocation")
    # A3 permits 198.18.0.1 (for the hairpin): the same source from the wire is spoofed
    neigh = subprocess.run(["ip", "-n", ns("h2"), "neigh", "show", APP4], capture_output=True,
                           text=True).stdout.split()
    if "lladdr" not in neigh:
        fail("h2 has no neighbour entry for %s: %s" % (APP4, neigh))
    frame = (Ether(dst=neigh[neigh.index("lladdr") + 1], src="02:00:00:00:00:99") /
             IP(src=APP4, dst=APP4) / UDP(sport=50001, dport=50003) / payload(10))
    neg("bad_src_addr", lambda: cap.s.send(bytes(frame)),
        "a datagram from the wire claiming a relayed address as its source")
    expect_nothing(c3, "spoofed hairpin source")

    b = counter("turn_rate_limit")
    for _ in range(10):
        c4.sendto(chandata(0x4000, payload(1000)), dest(*srv4))
    wait_counter("turn_rate_limit", b, 5)
    got = 0
    while recv(p6004, 0.3)[0] is not None:
        got += 1
    a4 = show(4)
    check(got <= 4 and a4["dir"][0]["rl_drops"] >= 5 and a4["dir"][0]["pkts"] == got,
          "rate limit 1000 B/s, burst 2000: %d of 10 x 1000 B passed, rl_drops %d"
          % (got, a4["dir"][0]["rl_drops"]))

    # ------------------------------------------------------------- expiry
    # lifetime 2 s: expiry_s = now_s + 2, live while now_s <= expiry_s, so
    # it stops between 2 and 3 s after it was programmed
    def expiry(what, line, send, rx, name):
        b = counter(name)
        program([line])
        t0 = time.time()
        first_fail = last_ok = None
        while time.time() < t0 + 6:
            drain(rx)
            t = time.time()
            send()
            if recv(rx, 0.15)[0] is not None:
                if first_fail is not None:
                    fail("%s: works again %.2f s after it stopped" % (what, t - first_fail))
                last_ok = t - t0
            else:
                first_fail = first_fail if first_fail is not None else t
                if t - first_fail > 0.8:
                    break
            time.sleep(0.1)
        check(last_ok is not None and first_fail is not None and 1.8 <= first_fail - t0 <= 3.6,
              "%s: relayed until %.2f s, stopped at %.2f s after programming lifetime=2"
              % (what, last_ok or -1, (first_fail or t0 - 1) - t0))
        wait_counter(name, b)
        log("ok: ... then counted as %s" % name)

    expiry("permission lifetime 2 s", "perm 5 0 %s lifetime=2" % H2_4,
           lambda: c5.sendto(chandata(0x4000, payload(50)), dest(*srv4)), p6005,
           "turn_no_permission")
    expiry("allocation lifetime 2 s",
           "alloc 6 client=%s:40006 server=0:%d relay=0:50006 lifetime=2" % (H1_4, TURN_PORT),
           lambda: p6005.sendto(payload(50), dest(APP4, 50006)), c6, "turn_expired")

    # ------------------------------------------- counters, refresh, delete
    # A1 relayed 2 x 10 ChannelData + 10 + 2 Send indications + 1 + 2 x 4
    # without checksum + 4 to IPv6 peers + 1 hairpin; received 10 + 10 + 4
    # without checksum + 4 + 1 hairpin; dropped unknown channel, 2
    # malformed, no permission, self peer / one no permission
    a1 = show(1)
    d0, d1 = a1["dir"]
    check((d0["pkts"], d1["pkts"], d0["drops"], d1["drops"]) == (46, 29, 5, 1),
          "A1 per-direction counters: c2p %d pkts %d B %d drops, p2c %d pkts %d B %d drops"
          % (d0["pkts"], d0["bytes"], d0["drops"], d1["pkts"], d1["bytes"], d1["drops"]))
    program(["perm 5 0 %s lifetime=600" % H2_4])  # refresh in place
    d = payload(20)
    c2p(c5, srv4, p6005, chandata(0x4000, d), d, (APP4, 50005), "A5 after CreatePermission again")
    expiry("channel lifetime 2 s", "chan 5 0 0x4000 0 6005 lifetime=2",
           lambda: c5.sendto(chandata(0x4000, payload(30)), dest(*srv4)), p6005,
           "turn_unknown_channel")

    # rebinding channel slot 0 of A1 to another number and peer port: the old
    # number is unknown at once, the peer's old port gets Data indications
    program(["chan 1 0 0x4005 0 6007 lifetime=600"])
    p6007 = sock("h2", H2_4, 6007)
    d = payload(40)
    c2p(c1, srv4, p6007, chandata(0x4005, d), d, (APP4, 50001), "A1 rebound channel 0x4005")
    neg("turn_unknown_channel", lambda: c1.sendto(chandata(0x4000, payload(10)), dest(*srv4)),
        "ChannelData on a channel number just rebound")
    d = payload(41)
    msg, _ = p2c(p6000, (APP4, 50001), c1, d, "A1 old channel peer after the rebind")
    check(parse_data_ind(msg)[1:] == (6000, d), "the old channel's peer gets a Data indication")
    msg, _ = p2c(p6007, (APP4, 50001), c1, d, "A1 new channel peer")
    check_chandata(msg, 0x4005, d, "the new channel's peer gets ChannelData 0x4005")
    # freeing the permission of a bound channel (A2's channel 0x4001, IPv4 peer)
    program(["perm 2 1 %s lifetime=0" % H2_4])
    neg("turn_no_permission", lambda: c2.sendto(chandata(0x4001, payload(10)), dest(*srv6)),
        "ChannelData on a channel whose permission was freed")
    neg("turn_no_permission", lambda: p6010.sendto(payload(10), dest(APP4, 50002)),
        "peer data after its permission was freed")

    program(["del 1", "del 1"])
    check(stats()["allocs_active"] == 5, "del: 5 allocations active, deleting twice is harmless")
    b = counter("turn_no_allocation")
    c1.sendto(chandata(0x4000, payload(10)), dest(*srv4))
    wait_counter("turn_no_allocation", b)
    b = counter("no_session")
    p6000.sendto(payload(10), dest(APP4, 50001))
    wait_counter("no_session", b)
    log("ok: a deleted allocation's 5-tuple and relayed address are gone")
    # the slot can be reused at once (after the dataplane's grace period)
    program(["alloc 1 client=%s:40001 server=0:%d relay=0:50001 lifetime=600" % (H1_4, TURN_PORT),
             "perm 1 0 %s lifetime=600" % H2_4, "chan 1 0 0x4000 0 6000 lifetime=600"])
    d = payload(77)
    c2p(c1, srv4, p6000, chandata(0x4000, d), d, (APP4, 50001), "A1 reinstalled")

    # the fast path reads only the hot line, whose expiry folds in the
    # allocation's lifetime: a Refresh that shortens it must stop
    # ChannelData on a bound IPv4 channel as well
    program(["alloc 8 client=%s:40008 server=0:%d relay=0:50008 lifetime=600" % (H1_4, TURN_PORT),
             "perm 8 0 %s lifetime=600" % H2_4, "chan 8 0 0x4000 0 6008 lifetime=600"])
    c8 = sock("h1", H1_4, 40008)
    p6008 = sock("h2", H2_4, 6008)
    d = payload(60)
    c2p(c8, srv4, p6008, chandata(0x4000, d), d, (APP4, 50008), "A8 ChannelData")
    expiry("allocation lifetime 2 s on a bound channel",
           "alloc 8 client=%s:40008 server=0:%d relay=0:50008 lifetime=2" % (H1_4, TURN_PORT),
           lambda: c8.sendto(chandata(0x4000, payload(50)), dest(*srv4)), p6008,
           "turn_no_allocation")
    log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
