#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpus for fuzz_cp_auth: STUN requests for the fixed server state in
fuzz_cp_auth.c (realm example.org, nonce key 32 x 0x42 with key id 1, client
198.18.0.11:40000, now 1699999000).  The nonce format is recomputed here from
control/turn/cp_auth.h, independently of the C code, so the seeds that should
authenticate do.  Usage: gen_corpus_cp_auth.py [OUTDIR]"""
import base64
import hashlib
import hmac
import os
import struct
import sys
import zlib

COOKIE = 0x2112A442
TXID = bytes(range(0xb0, 0xbc))
REALM = b"example.org"
NOW = 1699999000
LIFETIME = 600
NONCE_KEY = bytes([0x42]) * 32
CLIENT = bytes([198, 18, 0, 11]) + bytes(12)
PORT = 40000
USER_LTC = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9".encode()
OFFER = bytes([0, 2, 0, 0, 0, 1, 0, 0])


def nonce(now=NOW, features=3, kid=1):
    prefix = b"obMatJos2" + base64.b64encode(features.to_bytes(3, "big"))
    blob = bytes([1, kid, 0]) + struct.pack(">Q", now + LIFETIME)
    mac = hmac.new(NONCE_KEY, prefix + blob + bytes([4]) + CLIENT + struct.pack(">H", PORT),
                   hashlib.sha256).digest()[:16]
    return prefix + base64.b64encode(blob + mac)


def attr(t, v):
    return struct.pack(">HH", t, len(v)) + v + bytes(-len(v) % 4)


def msg(mtype, attrs, mi_key=None, sha256=False, fingerprint=True):
    body = b"".join(attr(t, v) for t, v in attrs)

    def hdr(extra):
        return struct.pack(">HHI", mtype, len(body) + extra, COOKIE) + TXID
    if mi_key is not None:
        if sha256:
            m = hmac.new(mi_key, hdr(36) + body, hashlib.sha256).digest()
            body += attr(0x001C, m)
        else:
            m = hmac.new(mi_key, hdr(24) + body, hashlib.sha1).digest()
            body += attr(0x0008, m)
    if fingerprint:
        crc = zlib.crc32(hdr(8) + body) ^ 0x5354554E
        body += attr(0x8028, struct.pack(">I", crc))
    return hdr(0) + body


def key(alg, user, pw):
    h = hashlib.md5 if alg == 1 else hashlib.sha256
    return h(user + b":" + REALM + b":" + pw).digest()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "cp_auth")
    os.makedirs(out, exist_ok=True)
    rt = attr(0x0019, bytes([17, 0, 0, 0]))[4:]
    n = nonce()
    rest_user = b"4000000000:bob"
    rest_pw = base64.b64encode(hmac.new(b"north-secret", rest_user, hashlib.sha1).digest())
    seeds = {
        # RFC 5769 section 2.4 and RFC 8489 Appendix B.1 (erratum 6268)
        "rfc5769_2_4": bytes.fromhex(
            "000100602112a44278ad3433c6ad72c029da412e00060012e3839ee38388e383aae38383e382afe382b9"
            "00000015001c662f2f3439396b39353464364f4c33346f4c394653547679363473410014000b6578616d"
            "706c652e6f72670000080014f67024656dd64a3e02b8e0712e85c9a28ca89666"),
        "challenge": msg(0x0003, [(0x0019, rt)]),
        "carol_md5": msg(0x0003, [(0x0019, rt), (0x0006, b"carol"), (0x0014, REALM),
                                  (0x0015, n)], key(1, b"carol", b"pass")),
        "ltc_sha256": msg(0x0003, [(0x0019, rt), (0x0006, USER_LTC), (0x0014, REALM),
                                   (0x0015, n), (0x8002, OFFER), (0x001D, bytes([0, 2, 0, 0]))],
                          key(2, USER_LTC, b"TheMatrIX"), sha256=True),
        "userhash": msg(0x0003, [(0x0019, rt),
                                 (0x001E, hashlib.sha256(USER_LTC + b":" + REALM).digest()),
                                 (0x0014, REALM), (0x0015, n), (0x8002, OFFER),
                                 (0x001D, bytes([0, 2, 0, 0]))],
                        key(2, USER_LTC, b"TheMatrIX"), sha256=True),
        "rest_md5": msg(0x0004, [(0x000D, struct.pack(">I", 600)), (0x0006, rest_user),
                                 (0x0014, REALM), (0x0015, n)], key(1, rest_user, rest_pw)),
        "stale": msg(0x0003, [(0x0006, b"carol"), (0x0014, REALM),
                              (0x0015, nonce(NOW - 2 * LIFETIME))], key(1, b"carol", b"pass")),
        "missing_realm": msg(0x0008, [(0x0006, b"carol"), (0x0015, n)],
                             key(1, b"carol", b"pass")),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
