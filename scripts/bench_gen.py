#!/usr/bin/env python3
"""Generators for scripts/bench: relay-session CSV and a matching pcap.

Sessions are laid out deterministically so the CSV that control installs and
the pcap the generator replays agree without talking to each other:
session i has leg A local (in_addrs[i // P], PORT_MIN + i % P) and leg B local
(out_addrs[i // P], PORT_MIN + i % P), where P = PORT_MAX - PORT_MIN + 1;
leg A's remote is SRC_NET + (i % 65536), port 10000 + (i // 65536) % 50000,
leg B's remote is DST_BASE:20000.
Packets are A-remote -> A-local (relayed out of leg B).

TURN allocations (scenario turn-channeldata) use the same numbering:
allocation i's client is A-remote(i) talking to the TURN server at
(out_addrs[0], 3478); its relayed transport address is (out_addrs[i // P],
PORT_MIN + i % P); it has one permission (TURN_PEER) and channel 0x4000
bound to (TURN_PEER, 20000).  The appliance's addresses are the "in"
addresses (index 0..) then the "out" addresses, in config order, so out
address j has ABI index n_addrs + j.  Packets: client -> server ChannelData
(c2p) and/or peer -> relayed address plain UDP (p2c); both leave through
port "out" (the relayed and the server addresses are on it).
"""
import ipaddress
import struct
import sys

PORT_MIN = 4000
PORT_MAX = 65535
PER_ADDR = PORT_MAX - PORT_MIN + 1
SRC_NET = int(ipaddress.IPv4Address("198.19.0.0"))
DST = "198.18.200.1"
IN_BASE = int(ipaddress.IPv4Address("198.18.1.1"))
OUT_BASE = int(ipaddress.IPv4Address("198.18.2.1"))
TURN_PORT = 3478
TURN_PEER = "198.18.200.1"
TURN_PEER_PORT = 20000
TURN_CHANNEL = 0x4000
SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000002")


def n_addrs(n_sessions):
    return max(1, (n_sessions + PER_ADDR - 1) // PER_ADDR)


def a_remote(i):
    return str(ipaddress.IPv4Address(SRC_NET + (i % 65536))), 10000 + (i // 65536) % 50000


def local(base, i):
    return str(ipaddress.IPv4Address(base + i // PER_ADDR)), PORT_MIN + i % PER_ADDR


def write_csv(path, n):
    with open(path, "w") as f:
        for i in range(n):
            aa, ap = local(IN_BASE, i)
            ba, bp = local(OUT_BASE, i)
            ra, rp = a_remote(i)
            f.write(f"{aa}:{ap},{ra}:{rp},{ba}:{bp},{DST}:20000\n")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp_frame(sa, sp, da, dp, payload, ident):
    """An Ethernet/IPv4/UDP frame with correct checksums."""
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ident & 0xFFFF, 0, 64, 17, 0,
                     ipaddress.IPv4Address(sa).packed, ipaddress.IPv4Address(da).packed)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sp, dp, udp_len, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip + udp


def pcap_writer(path):
    f = open(path, "wb")
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    return f


def pcap_add(f, frame):
    f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)


def write_pcap(path, n_sessions, n_flows, payload_len):
    """n_flows packets, one per session, spread evenly over the sessions."""
    payload = bytes([0x80]) + bytes(payload_len - 1)  # looks like RTP (RFC 7983)
    step = max(1, n_sessions // n_flows)
    with pcap_writer(path) as f:
        for k in range(n_flows):
            i = (k * step) % n_sessions
            sa, sp = a_remote(i)
            da, dp = local(IN_BASE, i)
            pcap_add(f, udp_frame(sa, sp, da, dp, payload, k))


def turn_addr_index(j, n_allocs):
    """ABI index of out address j (the "in" addresses come first)."""
    return n_addrs(n_allocs) + j


def write_turnprog(path, n, lifetime):
    """sn-turnprog bulk lines: allocation, permission and channel for each of n."""
    srv = turn_addr_index(0, n)
    with open(path, "w") as f:
        for i in range(n):
            ca, cp = a_remote(i)
            rp = PORT_MIN + i % PER_ADDR
            ridx = turn_addr_index(i // PER_ADDR, n)
            f.write(f"alloc {i} client={ca}:{cp} server={srv}:{TURN_PORT} relay={ridx}:{rp} "
                    f"lifetime={lifetime}\n")
            f.write(f"perm {i} 0 {TURN_PEER} lifetime={lifetime}\n")
            f.write(f"chan {i} 0 {TURN_CHANNEL} 0 {TURN_PEER_PORT} lifetime={lifetime}\n")


def write_turn_pcap(path, n_allocs, n_flows, app_len, direction):
    """n_flows packets spread evenly over the allocations.

    direction c2p: ChannelData (4-byte header + app_len bytes) from each
    client to the server address; p2c: app_len bytes of UDP from the peer to
    each relayed address; mixed: the two alternate (2 * n_flows packets).
    """
    app = bytes([0x80]) + bytes(app_len - 1)  # looks like RTP (RFC 7983)
    chan = struct.pack("!HH", TURN_CHANNEL, app_len) + app
    srv = str(ipaddress.IPv4Address(OUT_BASE))
    step = max(1, n_allocs // n_flows)
    with pcap_writer(path) as f:
        for k in range(n_flows):
            i = (k * step) % n_allocs
            ca, cp = a_remote(i)
            ra, rp = local(OUT_BASE, i)
            if direction in ("c2p", "mixed"):
                pcap_add(f, udp_frame(ca, cp, srv, TURN_PORT, chan, k))
            if direction in ("p2c", "mixed"):
                pcap_add(f, udp_frame(TURN_PEER, TURN_PEER_PORT, ra, rp, app, k))


def counter_names(header):
    """Counter slot names in ABI order, from the X-macro lists of sn_counters.h."""
    import re
    text = open(header).read()
    lists = {}
    for name in ("SN_EVENT_COUNTERS", "SN_PUNT_REASONS", "SN_DROP_REASONS"):
        body = text.split("#define " + name + "(X)")[1].split("\n\n")[0]
        lists[name] = re.findall(r'X\(\w+, "(\w+)"', body)
    return (lists["SN_EVENT_COUNTERS"] + ["punt_" + n for n in lists["SN_PUNT_REASONS"]] +
            ["drop_none"] + ["drop_" + n for n in lists["SN_DROP_REASONS"]])


def sample(shm_path):
    """Print one JSON snapshot of the dataplane counters, read from the shm ABI."""
    import json
    print(json.dumps(snapshot(shm_path)))


def windows(shm_path, secs):
    """One line per 1-second window for secs seconds: Mpps out of port "out"
    and the worker's busy cycles per received packet."""
    import time
    def worker(s):
        return [l for l in s["lcores"] if l["role"] == 2][0]
    a = snapshot(shm_path)
    for _ in range(secs):
        time.sleep(1)
        b = snapshot(shm_path)
        dt = (b["now_tsc"] - a["now_tsc"]) / b["tsc_hz"]
        pk = b["ports"]["out"]["opackets"] - a["ports"]["out"]["opackets"]
        rx = worker(b)["cnt"]["rx_pkts"] - worker(a)["cnt"]["rx_pkts"]
        cyc = worker(b)["cycles_busy"] - worker(a)["cycles_busy"]
        if dt > 0 and rx > 0:
            print("%.3f %.0f" % (pk / dt / 1e6, cyc / rx))
        a = b


def snapshot(shm_path):
    """The dataplane counters, read from the shm ABI."""
    import mmap
    import os
    names = counter_names(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       "..", "libsn", "sn_counters.h"))
    with open(shm_path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    (magic, ver, hsz, gen, total, pid, state, hz, now) = struct.unpack_from("<QIIQQIIQQ", m, 0)
    max_sessions, n_ports, n_lcores, n_addrs = struct.unpack_from("<IIII", m, 64)
    stats_off, = struct.unpack_from("<Q", m, 96)
    active, applied, rejected, table_bytes = struct.unpack_from("<QQQQ", m, 120)
    out = {"generation": gen, "state": state, "pid": pid, "tsc_hz": hz, "now_tsc": now, "max_sessions": max_sessions,
           "sessions_active": active, "table_bytes": table_bytes, "ports": {}, "lcores": []}
    for i in range(n_ports):
        base = 1024 + 208 * i
        name = m[base:base + 32].split(b"\0")[0].decode()
        ip, ib, op, ob, imiss = struct.unpack_from("<QQQQQ", m, base + 144)
        out["ports"][name] = {"ipackets": ip, "opackets": op, "imissed": imiss}
    for i in range(16):
        base = stats_off + 1024 * i
        seq, lcore, role, busy = struct.unpack_from("<QIIQ", m, base)
        if role == 0:
            continue
        cnt = struct.unpack_from("<%dQ" % len(names), m, base + 64)
        out["lcores"].append({"lcore": lcore, "role": role, "cycles_busy": busy,
                              "cnt": dict(zip(names, cnt))})
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "csv":
        write_csv(sys.argv[2], int(sys.argv[3]))
    elif cmd == "pcap":
        write_pcap(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "addrs":
        # print "in" and "out" address lists for the config
        n = n_addrs(int(sys.argv[2]))
        for base in (IN_BASE, OUT_BASE):
            print(" ".join(str(ipaddress.IPv4Address(base + j)) for j in range(n)))
    elif cmd == "sample":
        sample(sys.argv[2])
    elif cmd == "windows":
        windows(sys.argv[2], int(sys.argv[3]))
    elif cmd == "turnprog":
        write_turnprog(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "turnpcap":
        write_turn_pcap(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
                        sys.argv[6])
    else:
        sys.exit("usage: bench_gen.py csv FILE N | pcap FILE N FLOWS PAYLOAD | addrs N |\n"
                 "       sample SHM | windows SHM SECS | turnprog FILE N LIFETIME |\n"
                 "       turnpcap FILE N FLOWS APP_BYTES c2p|p2c|mixed")


if __name__ == "__main__":
    main()
