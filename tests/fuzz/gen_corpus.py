#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora in corpus/<target>/ (a few valid inputs each,
every file < 1 KB).  Run from anywhere: ./gen_corpus.py; the output is
deterministic, so re-running changes nothing unless this script changed."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
COOKIE = 0x2112A442
TXID = bytes.fromhex("b7e7a701bc34d686fa87dfae")


def write(target, name, data):
    assert len(data) < 1024, (target, name)
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- STUN

def attr(t, v):
    pad = (-len(v)) % 4
    return struct.pack(">HH", t, len(v)) + v + b"\0" * pad


def stun(mtype, attrs, fingerprint=False, txid=TXID):
    body = b"".join(attrs)
    if fingerprint:
        hdr = struct.pack(">HHI", mtype, len(body) + 8, COOKIE) + txid
        crc = zlib.crc32(hdr + body) ^ 0x5354554E
        return hdr + body + attr(0x8028, struct.pack(">I", crc))
    return struct.pack(">HHI", mtype, len(body), COOKIE) + txid + body


def xaddr4(ip, port):
    a = bytes(ip)
    x = bytes(b ^ c for b, c in zip(a, struct.pack(">I", COOKIE)))
    return struct.pack(">BBH", 0, 1, port ^ (COOKIE >> 16)) + x


def xaddr6(ip, port, txid=TXID):
    key = struct.pack(">I", COOKIE) + txid
    x = bytes(b ^ c for b, c in zip(bytes(ip), key))
    return struct.pack(">BBH", 0, 2, port ^ (COOKIE >> 16)) + x


# RFC 5769 sections 2.1-2.3 and RFC 8489 appendix B.1
RFC5769_REQUEST = bytes.fromhex(
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
    "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149a"
    "eaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf")
RFC5769_V4 = bytes.fromhex(
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200008"
    "0001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96")
RFC5769_V6 = bytes.fromhex(
    "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f722000200014"
    "0002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275"
    "bfe3ed4180280004c8fb0b4c")
RFC8489_B1 = bytes.fromhex(
    "000100902112a44278ad3433c6ad72c029da412e"
    "001e0020" "4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704"
    "00150029" "6f624d61744a6f733241414143662f2f3439396b39353464364f4c33346f4c39"
    "4653547679363473" "41000000"
    "0014000b" "6578616d706c652e6f726700"
    "001d0004" "00020000"
    "001c0020" "b5c7bf005b6c52a21c51c5e892f8192413629" "6cb927c43149309278cc6518e65")


def stun_seeds():
    write("stun", "rfc5769-request", RFC5769_REQUEST)
    write("stun", "rfc5769-v4-response", RFC5769_V4)
    write("stun", "rfc5769-v6-response", RFC5769_V6)
    write("stun", "rfc8489-b1-sha256", RFC8489_B1)
    write("stun", "binding-request", stun(0x0001, []))
    write("stun", "binding-request-fp", stun(0x0001, [attr(0x8022, b"sn")], True))
    write("stun", "binding-success-v4-fp",
          stun(0x0101, [attr(0x0020, xaddr4([198, 18, 0, 11], 5000))], True))
    write("stun", "binding-success-v6",
          stun(0x0101, [attr(0x0020, xaddr6([0x20, 1, 0xd, 0xb8, 0, 1] + [0] * 9 + [0x11],
                                            5000))]))
    write("stun", "allocate-request",
          stun(0x0003, [attr(0x0019, bytes([17, 0, 0, 0])), attr(0x0006, b"user"),
                        attr(0x0014, b"example.org"), attr(0x0015, b"nonce"),
                        attr(0x0008, b"\x11" * 20)], True))
    write("stun", "send-indication",
          stun(0x0016, [attr(0x0012, xaddr4([192, 0, 2, 10], 40000)),
                        attr(0x0013, b"media payload")]))
    write("stun", "mi-sha256-truncated",
          stun(0x0001, [attr(0x0006, b"u"), attr(0x001C, b"\x22" * 16)], True))
    write("stun", "unknown-required", stun(0x0001, [attr(0x0003, b"\0\0\0\0")]))


# ---------------------------------------------------------------- frames

def eth(etype, vlan=None):
    h = bytes.fromhex("020000000001") + bytes.fromhex("020000000002")
    if vlan is not None:
        h += struct.pack(">HH", 0x8100, vlan)
    return h + struct.pack(">H", etype)


def ipv4(proto, l4, opts=b"", flags=0x4000):
    hlen = 20 + len(opts)
    return struct.pack(">BBHHHBBH4s4s", 0x40 | hlen // 4, 0, hlen + len(l4), 0x1234, flags,
                       64, proto, 0, bytes([198, 18, 0, 11]), bytes([198, 18, 0, 1])) + opts + l4


def ipv6(nh, l4, ext=b""):
    src = bytes([0x20, 1, 0xd, 0xb8, 0, 1] + [0] * 9 + [0x11])
    dst = bytes([0x20, 1, 0xd, 0xb8, 0, 1] + [0] * 9 + [0x01])
    return struct.pack(">IHBB", 0x60000000, len(ext) + len(l4), nh, 64) + src + dst + ext + l4


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport):
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02, 65535, 0, 0)


def pkt_seeds():
    req = stun(0x0001, [], True)
    write("pkt", "v4-udp-stun", eth(0x0800) + ipv4(17, udp(5000, 3478, req)))
    write("pkt", "v4-udp-vlan", eth(0x0800, vlan=100) + ipv4(17, udp(5000, 49152, b"\x80" * 40)))
    write("pkt", "v4-udp-options", eth(0x0800) + ipv4(17, udp(1, 2, b"x"), opts=b"\x01" * 8))
    write("pkt", "v4-fragment", eth(0x0800) + ipv4(17, udp(1, 2, b"x" * 16), flags=0x2000))
    write("pkt", "v4-tcp", eth(0x0800) + ipv4(6, tcp(40000, 22)))
    write("pkt", "v4-icmp-padded", eth(0x0800) + ipv4(1, bytes([8, 0]) + b"\0" * 6) + b"\0" * 18)
    write("pkt", "v6-udp", eth(0x86DD) + ipv6(17, udp(5000, 3478, req)))
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])
    dst = bytes([17, 0, 1, 4, 0, 0, 0, 0])
    write("pkt", "v6-udp-ext", eth(0x86DD) + ipv6(0, udp(5000, 49152, b"rtp"), hbh + dst))
    write("pkt", "v6-frag", eth(0x86DD) + ipv6(44, bytes([17, 0, 0, 1, 0, 0, 0, 1]) +
                                                 udp(1, 2, b"")))
    write("pkt", "v6-icmpv6-vlan", eth(0x86DD, vlan=7) + ipv6(58, bytes([135, 0, 0, 0]) +
                                                               b"\0" * 20))
    arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, 1) + bytes.fromhex("020000000002") + \
        bytes([198, 18, 0, 11]) + b"\0" * 6 + bytes([198, 18, 0, 1])
    write("pkt", "arp", eth(0x0806) + arp)


# ---------------------------------------------------------------- config

def config_seeds():
    write("config", "wiring", b"""[dataplane]
main_lcore = 0
workers = 1
[port p0]
device = net_af_packet0,iface=dp0,qpairs=2
tap = sntap0
address = 198.18.0.1/24
address = 2001:db8:1::1/64
""")
    write("config", "full", b"""; every key
[dataplane]
main_lcore = 2
workers = 0, 1 ,3
huge = off
mem_mb = 256
mbufs = 8191
max_sessions = 1024
burst = 16
punt_rate_pps = 100
cmds_per_loop = 32
cmd_slots = 1024
cpl_slots = 1024
shm_path = /dev/shm/sn-fuzz
file_prefix = sn-fuzz
eal_args = --no-pci --log-level=8
[port lan]
device = 0000:3b:00.0
tap = lan0
rx_desc = 512
tx_desc = 512
mtu = 9000
address = 10.0.0.1/8
address = 2001:db8::1/48
gateway4 = 10.255.255.254
gateway6 = fe80::1
gateway_mac = 02:00:00:00:00:01
[port wan]
device = net_null0
address = 203.0.113.5/32
[relay]
stun_port = 3478
port_min = 20000
port_max = 29999
[control]
admin_socket = /tmp/sn-fuzz.sock
idle_timeout_s = 0
replay_timeout_ms = 500
log_level = debug
""")
    write("config", "bad-value", b"[port p0]\ndevice = x\n[dataplane]\nmax_sessions = 12x\n")
    write("config", "indented-crlf", b"\xef\xbb\xbf[port p0]\r\n  device = d ; c\r\n  mtu = 1280\r\n")


# ---------------------------------------------------------------- latch

def latch_seeds():
    write("latch", "probe", b"SNLT\x01\0\0\0" + bytes.fromhex("0123456789abcdef"))
    write("latch", "probe-v2", b"SNLT\x02\0\0\0" + bytes(8))
    write("latch", "short", b"SNLT\x01")


# ---------------------------------------------------------------- control: sessions.load CSV

def cp_csv_seeds():
    write("cp_csv", "full", b"""# a_local,a_remote,b_local,b_remote
a_local,a_remote,b_local,b_remote
198.18.0.1,198.18.0.11:5000,198.18.0.1,198.18.0.12:6000
198.18.0.1:50003,198.18.0.11:5002,198.18.0.2:50004,198.18.0.12:6002
,,,
,198.18.0.11:5004,198.18.0.2,

[2001:db8:1::1]:50005,[2001:db8:1::11]:5000,2001:db8:1::1,[2001:db8:1::12]:6000
""")
    write("cp_csv", "crlf-spaces", b" 198.18.0.1 , 198.18.0.11:5000 ,\t198.18.0.2,198.18.0.12:6000 \r\n"
          b"2001:db8:1::1,,,[2001:db8:1::12]:6000\r\n")
    write("cp_csv", "errors", b"""198.18.0.1,198.18.0.11,198.18.0.1,198.18.0.12:6000
198.18.0.1,198.18.0.11:5000,198.18.0.1
198.18.0.1,198.18.0.11:5000,198.18.0.1,198.18.0.12:6000,extra
10.0.0.1,198.18.0.11:5000,,198.18.0.12:6000
198.18.0.1,[2001:db8:1::11]:5000,,198.18.0.12:6000
198.18.0.1:50000,198.18.0.11:5000,198.18.0.1:50000,198.18.0.12:0
""")
    write("cp_csv", "one-line", b"198.18.0.1,198.18.0.11:5000,198.18.0.1,198.18.0.12:6000")


# ---------------------------------------------------------------- control: admin requests

def cp_admin_seeds():
    reqs = {
        "ping": b'{"cmd":"ping"}',
        "status": b'{"cmd":"status","tag":"t1"}',
        "stats": b'{"cmd":"stats"}',
        "list": b'{"cmd":"sessions.list","offset":0,"limit":0}',
        "list-tag": b'{"cmd":"sessions.list","offset":1,"limit":5,"tag":{"n":[1,2.5,null]}}',
        "show": b'{"cmd":"sessions.show","id":1}',
        "add": b'{"cmd":"sessions.add","a_remote":"198.18.0.11:5000","b_remote":null,'
               b'"a_local":"198.18.0.1","b_local":"198.18.0.1:50000","latch":true,'
               b'"rate_bytes_per_s":0,"burst_bytes":0,"family":4}',
        "add-v6": b'{"cmd":"sessions.add","a_remote":"[2001:db8:1::11]:5000",'
                  b'"b_local":"2001:db8:1::1","latch":true,"rate_bytes_per_s":125000,"family":6}',
        "del": b'{"cmd":"sessions.del","ids":[0,2],"tag":42}',
        "del-one": b'{"cmd":"sessions.del","id":1}',
        "load": b'{"cmd":"sessions.load","path":"/tmp/sessions.csv"}',
        "flush": b'{"cmd":"sessions.flush"}',
        "bad-field": b'{"cmd":"status","verbose":1}',
    }
    for name, line in reqs.items():
        write("cp_admin", name, line + b"\n")
    # One connection's worth: several lines, CRLF, a blank line.
    write("cp_admin", "session", b'{"cmd":"sessions.show","id":0}\r\n\n'
          b'{"cmd":"sessions.del","ids":[0,0,7]}\n{"cmd":"sessions.list","tag":"x"}\n'
          b'{"cmd":"sessions.flush"}\n{"cmd":"status"}\n')
    write("cp_admin", "session-add", b'{"cmd":"sessions.add","latch":true,"family":4,"burst_bytes":0,'
          b'"rate_bytes_per_s":1000000,"tag":[1]}\n{"cmd":"sessions.show","id":3}\n'
          b'{"cmd":"sessions.list","offset":2,"limit":1}\n{"cmd":"sessions.del","id":3,"ids":[3]}\n')


if __name__ == "__main__":
    stun_seeds()
    pkt_seeds()
    config_seeds()
    latch_seeds()
    cp_csv_seeds()
    cp_admin_seeds()
