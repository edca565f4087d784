#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Continuous sequence-numbered traffic on N relay sessions, both ways, and
an exact account of it: per flow and direction, packets sent, received,
lost, reordered, duplicated.

--flows FILE: JSON list of {"a_bind": EP, "a_to": EP, "b_bind": EP,
"b_to": EP}: side A (namespace --a-ns) binds a_bind and sends to a_to (its
relay endpoint), side B likewise.  One process owns every socket.

Phases:
  1. handshake per flow (HELLO/ACK both ways, as in exchange.py) until every
     direction of every flow is proven; then --ready-file is written with
     the handshake time (seconds since --t0 if given, else since start):
     with --t0 = the moment a dataplane was restarted, that is the restore
     time;
  2. counted traffic at --pps packets/s in total (spread evenly over the
     2N directions, never bursting to catch up) until --stop-file exists
     (or --duration elapses);
  3. drain: wait until every direction received what was sent, at most
     --drain seconds (a bound, not a criterion: a packet still missing when
     it expires is reported as lost).
Writes a JSON result to --out (and stdout); exit 0 iff nothing was lost,
reordered or duplicated.
"""
import argparse
import json
import os
import select
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

HELLO = 0xF0
ACK = 0xF1
DATA = 0x80  # first byte in the RTP range (RFC 7983)
HDR = struct.Struct("!BHBQ")  # first byte, flow, direction, sequence
HELLO_INTERVAL = 0.05
PAYLOAD = 160  # bytes: a 20 ms G.711 frame


class Dir:
    """One direction of one flow: tx socket -> relay -> rx socket."""

    def __init__(self, flow, d, tx, to, rx, rx_from):
        self.flow, self.d = flow, d
        self.tx, self.to, self.rx_from = tx, to, rx_from
        self.rx = rx
        self.acked = False
        self.last_hello = 0.0
        self.sent = 0
        self.next_due = 0.0
        self.rcvd = 0
        self.expect = 0
        self.gaps = 0
        self.late = 0  # seq below the expected one: reordered or duplicate
        self.pad = bytes(PAYLOAD - HDR.size)

    def packet(self, seq):
        return HDR.pack(DATA, self.flow, self.d, seq) + self.pad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a-ns", required=True)
    ap.add_argument("--b-ns", required=True)
    ap.add_argument("--flows", required=True)
    ap.add_argument("--pps", type=float, default=2000)
    ap.add_argument("--stop-file", default="")
    ap.add_argument("--duration", type=float, default=0)
    ap.add_argument("--ready-file", default="")
    ap.add_argument("--t0", type=float, default=0)
    ap.add_argument("--handshake-timeout", type=float, default=60)
    ap.add_argument("--max-time", type=float, default=3600)
    ap.add_argument("--drain", type=float, default=20)
    ap.add_argument("--out", default="")
    o = ap.parse_args()

    t_start = time.time()
    t0 = o.t0 or t_start
    flows = json.load(open(o.flows))
    dirs = []
    by_sock = {}  # rx socket fileno -> (socket, side letter, flow index)
    socks_a, socks_b = [], []
    for i, f in enumerate(flows):
        sa = snlab.udp_socket(o.a_ns, f["a_bind"])
        sb = snlab.udp_socket(o.b_ns, f["b_bind"])
        socks_a.append(sa)
        socks_b.append(sb)
        ab = Dir(i, 0, sa, snlab.sockaddr(f["a_to"]), sb, snlab.sockaddr(f["b_to"]))
        ba = Dir(i, 1, sb, snlab.sockaddr(f["b_to"]), sa, snlab.sockaddr(f["a_to"]))
        dirs += [ab, ba]
        by_sock[sa.fileno()] = (sa, i, ba, ab)  # sa receives b->a data, acks of a->b
        by_sock[sb.fileno()] = (sb, i, ab, ba)
    all_socks = socks_a + socks_b
    foreign = 0
    unexpected = 0

    def drain(sock):
        nonlocal foreign, unexpected
        _, flow, rx_dir, tx_dir = by_sock[sock.fileno()]
        while True:
            try:
                data, src = sock.recvfrom(2048)
            except BlockingIOError:
                return
            if src[:2] != rx_dir.rx_from[:2]:
                foreign += 1
                continue
            if not data:
                unexpected += 1
            elif data[0] == HELLO:
                # The peer proves its direction (rx_dir) with our ACK.
                sock.sendto(bytes([ACK]), rx_dir.rx_from)
            elif data[0] == ACK:
                tx_dir.acked = True
            elif data[0] == DATA and len(data) >= HDR.size:
                _, fl, d, seq = HDR.unpack_from(data)
                if fl != flow or d != rx_dir.d:
                    unexpected += 1
                    continue
                rx_dir.rcvd += 1
                if seq == rx_dir.expect:
                    rx_dir.expect += 1
                elif seq > rx_dir.expect:
                    rx_dir.gaps += seq - rx_dir.expect
                    rx_dir.expect = seq + 1
                else:
                    rx_dir.late += 1
            else:
                unexpected += 1

    def poll(timeout):
        r, _, _ = select.select(all_socks, [], [], timeout)
        for s in r:
            drain(s)

    # Phase 1: handshake.
    hs_deadline = time.monotonic() + o.handshake_timeout
    while not all(d.acked for d in dirs):
        if time.monotonic() > hs_deadline:
            missing = ["%d%s" % (d.flow, "ab"[d.d] + "ba"[d.d]) for d in dirs if not d.acked]
            res = {"ok": False, "error": "handshake timeout", "missing": missing}
            print(json.dumps(res))
            if o.out:
                json.dump(res, open(o.out, "w"))
            return 1
        now = time.monotonic()
        for d in dirs:
            if not d.acked and now - d.last_hello >= HELLO_INTERVAL:
                d.tx.sendto(bytes([HELLO]), d.to)
                d.last_hello = now
        poll(0.01)
    handshake_s = time.time() - t0
    if o.ready_file:
        with open(o.ready_file + ".tmp", "w") as f:
            f.write("%.3f\n" % handshake_s)
        os.rename(o.ready_file + ".tmp", o.ready_file)

    # Phase 2: counted traffic.
    interval = len(dirs) / o.pps
    start = time.monotonic()
    for k, d in enumerate(dirs):  # stagger the streams over one interval
        d.next_due = start + interval * k / len(dirs)
    stop_at = start + o.duration if o.duration else start + o.max_time
    checks = 0
    while True:
        now = time.monotonic()
        if now >= stop_at:
            break
        checks += 1
        if o.stop_file and checks % 16 == 0 and os.path.exists(o.stop_file):
            break
        soonest = now + 0.01
        for d in dirs:
            if now >= d.next_due:
                d.tx.sendto(d.packet(d.sent), d.to)
                d.sent += 1
                d.next_due += interval
                if d.next_due < now:  # behind schedule: skip, never burst
                    d.next_due = now + interval
            soonest = min(soonest, d.next_due)
        poll(max(0.0, soonest - time.monotonic()))
    traffic_s = time.monotonic() - start

    # Phase 3: drain.
    drain_deadline = time.monotonic() + o.drain
    while time.monotonic() < drain_deadline:
        if all(d.rcvd >= d.sent for d in dirs):
            break
        poll(0.05)
    poll(0.2)  # late duplicates would land now

    per = []
    ok = foreign == 0 and unexpected == 0
    for d in dirs:
        lost = d.sent - d.rcvd if d.rcvd <= d.sent else 0
        bad = lost or d.late or d.gaps or d.rcvd != d.sent
        ok = ok and not bad
        per.append({"flow": d.flow, "dir": "ab" if d.d == 0 else "ba", "sent": d.sent,
                    "rcvd": d.rcvd, "lost": lost, "gaps": d.gaps, "late": d.late})
    res = {
        "ok": ok,
        "flows": len(flows),
        "handshake_s": round(handshake_s, 3),
        "traffic_s": round(traffic_s, 3),
        "sent": sum(d.sent for d in dirs),
        "rcvd": sum(d.rcvd for d in dirs),
        "lost": sum(p["lost"] for p in per),
        "late": sum(d.late for d in dirs),
        "gaps": sum(d.gaps for d in dirs),
        "foreign": foreign,
        "unexpected": unexpected,
        "bad_dirs": [p for p in per if p["lost"] or p["gaps"] or p["late"] or p["sent"] != p["rcvd"]],
    }
    print(json.dumps(res))
    if o.out:
        json.dump(res, open(o.out, "w"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
