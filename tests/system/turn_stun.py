# SPDX-License-Identifier: BSD-3-Clause
"""A small, independent STUN/TURN client codec for the system tests
(RFC 8489, RFC 8656), written from the RFCs with struct, hmac and hashlib
only -- it shares no code with the appliance, so it can build the requests
a normal client would not (wrong keys, tampered nonces, malformed
messages) and check the answers bit by bit.

  Message(method, cls, attrs=[(type, value bytes)], txid=None)
  msg.encode(key=None, sha256=False, fingerprint=True, tamper=None)
  parse(data) -> Message (attrs in order; .raw; .integrity_ok(key))
  xaddr(addr, port, txid) / unxaddr(value, txid)
  Client(ns, bind, server, user, password)   a UDP client socket in a
      namespace with retransmissions (RFC 8489 section 6.2.1), the
      long-term credential dance (401 -> REALM/NONCE, 438 -> new NONCE)
      and a queue of the indications/ChannelData that arrive meanwhile.
"""
import hashlib
import hmac
import ipaddress
import os
import select
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

COOKIE = 0x2112A442
HLEN = 20
FP_XOR = 0x5354554E

# methods (RFC 8489 section 18.2, RFC 8656 section 17)
BINDING, ALLOCATE, REFRESH, SEND, DATA, CREATE_PERMISSION, CHANNEL_BIND = (
    0x001, 0x003, 0x004, 0x006, 0x007, 0x008, 0x009)
# classes
REQUEST, INDICATION, SUCCESS, ERROR = 0x000, 0x010, 0x100, 0x110
# attributes (RFC 8489 section 18.3, RFC 8656 section 18)
USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
UNKNOWN_ATTRIBUTES = 0x000A
CHANNEL_NUMBER = 0x000C
LIFETIME = 0x000D
XOR_PEER_ADDRESS = 0x0012
DATA_ATTR = 0x0013
REALM = 0x0014
NONCE = 0x0015
XOR_RELAYED_ADDRESS = 0x0016
REQUESTED_ADDRESS_FAMILY = 0x0017
REQUESTED_TRANSPORT = 0x0019
MESSAGE_INTEGRITY_SHA256 = 0x001C
PASSWORD_ALGORITHM = 0x001D
XOR_MAPPED_ADDRESS = 0x0020
ADDITIONAL_ADDRESS_FAMILY = 0x8000
PASSWORD_ALGORITHMS = 0x8002
SOFTWARE = 0x8022
FINGERPRINT = 0x8028

UDP = 17
ALG_MD5, ALG_SHA256 = 0x0001, 0x0002
CHANNEL_MIN = 0x4000


def msg_type(method, cls):
    """RFC 8489 section 5: method bits around the class bits C0, C1."""
    return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | cls


def split_type(t):
    method = (t & 0x000F) | ((t & 0x00E0) >> 1) | ((t & 0x3E00) >> 2)
    return method, t & 0x0110


def pad4(n):
    return (4 - n % 4) % 4


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + bytes(pad4(len(v)))


def xaddr(addr, port, txid):
    """XOR-*-ADDRESS value (RFC 8489 section 14.2)."""
    ip = ipaddress.ip_address(addr)
    xport = port ^ (COOKIE >> 16)
    if ip.version == 4:
        return struct.pack("!BBHI", 0, 1, xport, int(ip) ^ COOKIE)
    mask = struct.pack("!I", COOKIE) + txid
    return struct.pack("!BBH", 0, 2, xport) + bytes(a ^ b for a, b in zip(ip.packed, mask))


def unxaddr(v, txid):
    fam, xport = v[1], struct.unpack("!H", v[2:4])[0]
    port = xport ^ (COOKIE >> 16)
    if fam == 1:
        return str(ipaddress.IPv4Address(struct.unpack("!I", v[4:8])[0] ^ COOKIE)), port
    mask = struct.pack("!I", COOKIE) + txid
    return str(ipaddress.IPv6Address(bytes(a ^ b for a, b in zip(v[4:20], mask)))), port


def long_term_key(user, realm, password, alg=ALG_MD5):
    """RFC 8489 section 9.2.2 / 18.5."""
    s = ("%s:%s:%s" % (user, realm, password)).encode()
    return hashlib.md5(s).digest() if alg == ALG_MD5 else hashlib.sha256(s).digest()


class Message:
    def __init__(self, method, cls=REQUEST, attrs=None, txid=None):
        self.method = method
        self.cls = cls
        self.attrs = list(attrs or [])
        self.txid = txid or os.urandom(12)
        self.raw = b""

    def get(self, t, default=None):
        for k, v in self.attrs:
            if k == t:
                return v
        return default

    def has(self, t):
        return any(k == t for k, _ in self.attrs)

    def error_code(self):
        v = self.get(ERROR_CODE)
        return None if v is None else (v[2] & 7) * 100 + v[3]

    def encode(self, key=None, sha256=False, fingerprint=True, tamper=None):
        """Wire bytes.  key: add MESSAGE-INTEGRITY (HMAC-SHA1) or, with
        sha256, MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, 32 bytes).  tamper:
        "integrity" flips a bit of the integrity value after computing it,
        "body" flips a bit of the first attribute value after it."""
        body = b"".join(attr(t, v) for t, v in self.attrs)
        t = msg_type(self.method, self.cls)

        def header(length):
            return struct.pack("!HHI", t, length, COOKIE) + self.txid

        if key is not None:
            ilen = 32 if sha256 else 20
            mac = hmac.new(key, header(len(body) + 4 + ilen) + body,
                           hashlib.sha256 if sha256 else hashlib.sha1).digest()
            if tamper == "integrity":
                mac = bytes([mac[0] ^ 1]) + mac[1:]
            if tamper == "body" and len(body) > 4:
                body = body[:4] + bytes([body[4] ^ 1]) + body[5:]
            body += attr(MESSAGE_INTEGRITY_SHA256 if sha256 else MESSAGE_INTEGRITY, mac)
        if fingerprint:
            crc = zlib.crc32(header(len(body) + 8) + body) ^ FP_XOR
            body += attr(FINGERPRINT, struct.pack("!I", crc & 0xFFFFFFFF))
        return header(len(body)) + body

    def integrity_ok(self, key, sha256=False):
        """The message's MESSAGE-INTEGRITY(-SHA256) verifies with key."""
        want = MESSAGE_INTEGRITY_SHA256 if sha256 else MESSAGE_INTEGRITY
        off = HLEN
        raw = self.raw
        while off + 4 <= len(raw):
            t, n = struct.unpack("!HH", raw[off:off + 4])
            if t == want:
                hdr = raw[:2] + struct.pack("!H", off + 4 + n - HLEN) + raw[4:HLEN]
                mac = hmac.new(key, hdr + raw[HLEN:off],
                               hashlib.sha256 if sha256 else hashlib.sha1).digest()
                return hmac.compare_digest(mac[:n], raw[off + 4:off + 4 + n])
            off += 4 + n + pad4(n)
        return False

    def __repr__(self):
        names = {v: k for k, v in globals().items() if isinstance(v, int) and k.isupper()}
        return "<%s %s %s>" % ({BINDING: "Binding", ALLOCATE: "Allocate", REFRESH: "Refresh",
                                 SEND: "Send", DATA: "Data", CREATE_PERMISSION: "CreatePermission",
                                 CHANNEL_BIND: "ChannelBind"}.get(self.method, hex(self.method)),
                                {REQUEST: "request", INDICATION: "indication", SUCCESS: "success",
                                 ERROR: "error %s" % self.error_code()}[self.cls],
                                [names.get(t, hex(t)) for t, _ in self.attrs])


def parse(data):
    """A STUN message, or None (not STUN, bad length, bad FINGERPRINT)."""
    if len(data) < HLEN or data[0] > 3:
        return None
    t, length, cookie = struct.unpack("!HHI", data[:8])
    if cookie != COOKIE or length != len(data) - HLEN or length % 4:
        return None
    method, cls = split_type(t)
    m = Message(method, cls, txid=data[8:HLEN])
    m.raw = bytes(data)
    off = HLEN
    while off + 4 <= len(data):
        at, n = struct.unpack("!HH", data[off:off + 4])
        if off + 4 + n > len(data):
            return None
        m.attrs.append((at, bytes(data[off + 4:off + 4 + n])))
        if at == FINGERPRINT:
            hdr = data[:2] + struct.pack("!H", off + 8 - HLEN) + data[4:HLEN]
            if zlib.crc32(hdr + data[HLEN:off]) ^ FP_XOR != struct.unpack("!I", data[off + 4:off + 8])[0]:
                return None
        off += 4 + n + pad4(n)
    return m


def channel_data(number, payload):
    return struct.pack("!HH", number, len(payload)) + payload


class Client:
    """A TURN client on a UDP socket created in namespace ns."""

    RTO = 0.25
    TRIES = 7  # RFC 8489 section 6.2.1 Rc

    def __init__(self, ns, bind, server, user=None, password=None):
        self.sock = snlab.udp_socket(ns, bind, blocking=False)
        self.server = snlab.sockaddr(server)
        self.addr = self.sock.getsockname()[:2]
        self.user, self.password = user, password
        self.realm = None
        self.nonce = None
        self.algorithms = None  # PASSWORD-ALGORITHMS as offered
        self.inbox = []  # (data, source) that were not answers
        self.sent = 0

    def key(self, password=None, alg=ALG_MD5):
        return long_term_key(self.user, self.realm, password or self.password, alg)

    def send_raw(self, data, to=None):
        self.sock.sendto(data, to or self.server)
        self.sent += 1

    def recv_until(self, deadline, txid=None):
        """Packets until deadline; returns the response with txid as soon as
        it comes (others go to inbox), or None."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            data, src = self.sock.recvfrom(65536)
            m = parse(data)
            if (txid is not None and m is not None and m.txid == txid and
                    m.cls in (SUCCESS, ERROR)):
                return m
            self.inbox.append((data, src))

    def collect(self, seconds):
        """Everything that arrives within seconds (plus what was queued)."""
        self.recv_until(time.monotonic() + seconds)
        out, self.inbox = self.inbox, []
        return out

    def transact(self, wire, txid, tries=None):
        """Send wire and retransmit until the answer to txid: Message or None."""
        rto = self.RTO
        for _ in range(tries or self.TRIES):
            self.send_raw(wire)
            m = self.recv_until(time.monotonic() + rto, txid)
            if m is not None:
                return m
            rto *= 2
        return None

    def challenge(self, method=ALLOCATE, attrs=None):
        """An unauthenticated request: its 401 gives REALM and NONCE."""
        m = Message(method, REQUEST, attrs if attrs is not None else
                    [(REQUESTED_TRANSPORT, bytes([UDP, 0, 0, 0]))])
        r = self.transact(m.encode(), m.txid)
        if r is not None and r.error_code() == 401:
            self.take_nonce(r)
        return r

    def take_nonce(self, r):
        if r.get(REALM) is not None:
            self.realm = r.get(REALM).decode()
        if r.get(NONCE) is not None:
            self.nonce = r.get(NONCE)
        if r.get(PASSWORD_ALGORITHMS) is not None:
            self.algorithms = r.get(PASSWORD_ALGORITHMS)

    def auth_attrs(self, user=None, realm=None, nonce=None):
        return [(USERNAME, (user or self.user).encode()),
                (REALM, (realm or self.realm).encode()),
                (NONCE, nonce if nonce is not None else self.nonce)]

    def request(self, method, attrs, user=None, password=None, txid=None, sha256=False,
                retry_stale=True):
        """An authenticated request (challenge first if we have no nonce).
        attrs: [(type, value)], a value may be a function of the
        transaction id (XOR-PEER-ADDRESS of IPv6).  A 438 answer refreshes
        the nonce and retries once with a new transaction (a normal
        client).  Returns (response or None, request Message)."""
        if self.nonce is None:
            self.challenge()
        extra = []
        alg = ALG_MD5
        if sha256:
            alg = ALG_SHA256
            extra = [(PASSWORD_ALGORITHMS, self.algorithms),
                     (PASSWORD_ALGORITHM, struct.pack("!HH", ALG_SHA256, 0))]
        u = user or self.user
        key = long_term_key(u, self.realm, password or self.password, alg)

        def build(txid):
            txid = txid or os.urandom(12)
            values = [(t, v(txid) if callable(v) else v) for t, v in attrs]
            return Message(method, REQUEST, values + self.auth_attrs(user=u) + extra, txid)

        m = build(txid)
        r = self.transact(m.encode(key, sha256=sha256), m.txid)
        if r is not None and r.error_code() == 438 and retry_stale:
            self.take_nonce(r)
            m = build(None)
            r = self.transact(m.encode(key, sha256=sha256), m.txid)
        return r, m

    def allocate(self, extra=None, **kw):
        return self.request(ALLOCATE, [(REQUESTED_TRANSPORT, bytes([UDP, 0, 0, 0]))] +
                            list(extra or []), **kw)

    def close(self):
        self.sock.close()
