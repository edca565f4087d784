#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Exchange a fixed sequence of UDP messages both ways across a relay
session and check that each side received exactly the other side's
sequence: same count, same bytes, same order.

Side A (socket bound to --a-bind in namespace --a-ns) sends to --a-to (its
relay endpoint); side B likewise.  One process owns both sockets.

Phases:
  1. optional latch probes (--a-probe/--b-probe TOKEN, hex), resent every
     0.2 s until --go-file exists (the caller checks the latch with snctl);
  2. handshake: each side sends HELLO every 50 ms until it gets an ACK, and
     ACKs every HELLO; a side starts its data after its first ACK, which
     proves its direction works (ARP/ND, neighbour resolution done);
  3. data: --count messages per side, sizes random in 1..--max-size, bytes
     random except a first byte in the RTP range 128..191 (RFC 7983) that
     never collides with STUN, DTLS, ChannelData or a latch probe.
Control messages start with 0xF0/0xF1 (outside the RTP range) and are
not data.  Exits 0 if both sequences arrived exactly; prints a JSON summary
(packets sent/received per side, for counter checks) on stdout.
"""
import argparse
import json
import os
import random
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

HELLO = 0xF0
ACK = 0xF1
RTP_FIRST_MIN = 0x80
RTP_FIRST_SPAN = 0x40
HELLO_INTERVAL = 0.05
PROBE_INTERVAL = 0.2
DATA_PER_ROUND = 4  # data messages per side per loop round: gentle pacing


def messages(seed, count, max_size):
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        size = rnd.randint(1, max_size)
        body = bytes([RTP_FIRST_MIN + rnd.randrange(RTP_FIRST_SPAN)])
        body += rnd.randbytes(size - 1)
        out.append(body)
    return out


class Side:
    def __init__(self, name, ns, bind, to, probe, msgs):
        self.name = name
        self.sock = snlab.udp_socket(ns, bind)
        self.to = snlab.sockaddr(to)
        self.probe = snlab.latch_probe(int(probe, 16)) if probe else None
        self.msgs = msgs
        self.next = 0
        self.acked = False
        self.last_hello = 0.0
        self.sent = {"probe": 0, "hello": 0, "ack": 0, "data": 0, "data_bytes": 0}
        self.rcvd = {"hello": 0, "ack": 0, "data": 0, "data_bytes": 0, "other": 0}
        self.got = []
        self.bad_src = 0
        self.sent_bytes = 0
        self.rcvd_bytes = 0

    def send(self, kind, payload):
        self.sock.sendto(payload, self.to)
        self.sent_bytes += len(payload)
        self.sent[kind] += 1
        if kind == "data":
            self.sent["data_bytes"] += len(payload)

    def drain(self):
        while True:
            try:
                data, src = self.sock.recvfrom(65536)
            except BlockingIOError:
                return
            self.rcvd_bytes += len(data)
            if src[:2] != self.to[:2]:
                self.bad_src += 1  # must come from our relay endpoint
            if not data:
                self.rcvd["other"] += 1
            elif data[0] == HELLO:
                self.rcvd["hello"] += 1
                self.send("ack", bytes([ACK]))
            elif data[0] == ACK:
                self.rcvd["ack"] += 1
                self.acked = True
            elif RTP_FIRST_MIN <= data[0] < RTP_FIRST_MIN + RTP_FIRST_SPAN:
                self.rcvd["data"] += 1
                self.rcvd["data_bytes"] += len(data)
                self.got.append(data)
            else:
                self.rcvd["other"] += 1


def main():
    ap = argparse.ArgumentParser()
    for s in ("a", "b"):
        ap.add_argument("--%s-ns" % s, required=True)
        ap.add_argument("--%s-bind" % s, required=True)
        ap.add_argument("--%s-to" % s, required=True)
        ap.add_argument("--%s-probe" % s, default="")
    ap.add_argument("--go-file", default="")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--max-size", type=int, default=1400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60.0)
    o = ap.parse_args()

    a = Side("a", o.a_ns, o.a_bind, o.a_to, o.a_probe, messages(o.seed * 2, o.count, o.max_size))
    b = Side("b", o.b_ns, o.b_bind, o.b_to, o.b_probe, messages(o.seed * 2 + 1, o.count, o.max_size))
    sides = (a, b)
    deadline = time.monotonic() + o.timeout
    status = "timeout"

    # Phase 1: latch probes until the caller says go.
    if o.go_file:
        last = 0.0
        while not os.path.exists(o.go_file) and time.monotonic() < deadline:
            now = time.monotonic()
            if now - last >= PROBE_INTERVAL:
                for s in sides:
                    if s.probe:
                        s.send("probe", s.probe)
                last = now
            for s in sides:
                s.drain()
            time.sleep(0.02)

    # Phases 2 and 3.
    while time.monotonic() < deadline:
        now = time.monotonic()
        for s in sides:
            if not s.acked and now - s.last_hello >= HELLO_INTERVAL:
                s.send("hello", bytes([HELLO]))
                s.last_hello = now
            if s.acked:
                for _ in range(DATA_PER_ROUND):
                    if s.next >= len(s.msgs):
                        break
                    s.send("data", s.msgs[s.next])
                    s.next += 1
        select.select([s.sock for s in sides], [], [], 0.005)
        for s in sides:
            s.drain()
        if a.rcvd["data"] >= o.count and b.rcvd["data"] >= o.count and a.next >= o.count and b.next >= o.count:
            status = "done"
            break
    # Late extras (duplicates) would show up now.
    time.sleep(0.2)
    for s in sides:
        s.drain()

    ok = status == "done"
    problems = []
    for rx, tx in ((a, b), (b, a)):
        if rx.got != tx.msgs:
            ok = False
            first = next((i for i, (x, y) in enumerate(zip(rx.got, tx.msgs)) if x != y), None)
            problems.append("%s received %d/%d data messages from %s, first mismatch at %s"
                            % (rx.name, len(rx.got), len(tx.msgs), tx.name, first))
        if rx.bad_src:
            ok = False
            problems.append("%s: %d packets not from its relay endpoint" % (rx.name, rx.bad_src))
    summary = {
        "ok": ok, "status": status, "problems": problems,
        "a": {"sent": a.sent, "rcvd": a.rcvd}, "b": {"sent": b.sent, "rcvd": b.rcvd},
        # Packets that reached each side's relay endpoint at most / at least.
        "a_sent_total": sum(v for k, v in a.sent.items() if k not in ("data_bytes",)),
        "b_sent_total": sum(v for k, v in b.sent.items() if k not in ("data_bytes",)),
        "a_rcvd_total": sum(v for k, v in a.rcvd.items() if k not in ("data_bytes",)),
        "b_rcvd_total": sum(v for k, v in b.rcvd.items() if k not in ("data_bytes",)),
        "a_sent_bytes": a.sent_bytes, "b_sent_bytes": b.sent_bytes,
        "a_rcvd_bytes": a.rcvd_bytes, "b_rcvd_bytes": b.rcvd_bytes,
    }
    print(json.dumps(summary))
    for p in problems:
        print("exchange: " + p, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
