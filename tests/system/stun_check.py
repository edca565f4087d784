#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""STUN Binding checks with aioice (a third-party ICE/STUN implementation).
Run inside the client's namespace (ip netns exec NS stun_check.py ...).

  raw  --server EP [--bind ADDR] --expect ADDR
       One Binding request built by aioice.stun.Message with FINGERPRINT
       (RFC 8489 section 14.7), sent from an ordinary socket; the response
       is parsed by aioice.stun.parse_message (which verifies FINGERPRINT);
       checks: success class, same transaction id, FINGERPRINT present,
       XOR-MAPPED-ADDRESS == (ADDR, our source port unless --expect-port).
  ice  --server EP --expect ADDR
       aioice.ice.Connection(stun_server=...).gather_candidates(): the
       server-reflexive candidate aioice derives must carry ADDR.
Prints what it saw; exit 0 on success, 1 otherwise.
"""
import argparse
import asyncio
import ipaddress
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402

from aioice import ice, stun  # noqa: E402

RTO = 0.5
TRIES = 6


def raw(o):
    fam = snlab.parse_ep(o.server)[0]
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((o.bind or ("0.0.0.0" if fam == socket.AF_INET else "::"), 0))
    s.settimeout(RTO)
    req = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    req.attributes["SOFTWARE"] = "supernode-tests"
    req.attributes["FINGERPRINT"] = stun.message_fingerprint(bytes(req))
    wire = bytes(req)
    # Sanity: aioice accepts its own request (FINGERPRINT computed right).
    stun.parse_message(wire)
    resp = None
    for _ in range(TRIES):  # RFC 8489 section 6.2.1 retransmissions
        s.sendto(wire, snlab.sockaddr(o.server))
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            continue
        resp = stun.parse_message(data)  # raises if FINGERPRINT is wrong
        break
    if resp is None:
        print("raw: no response from %s" % o.server)
        return 1
    local_port = s.getsockname()[1]
    print("raw: response %s %s attrs=%s from %s" % (resp.message_method, resp.message_class,
                                                    dict(resp.attributes), src[:2]))
    errs = []
    if resp.message_class != stun.Class.RESPONSE:
        errs.append("class is %s, not a success response" % resp.message_class)
    if resp.transaction_id != req.transaction_id:
        errs.append("transaction id differs")
    if "FINGERPRINT" not in resp.attributes:
        errs.append("no FINGERPRINT in the response")
    xma = resp.attributes.get("XOR-MAPPED-ADDRESS")
    want_port = o.expect_port or local_port
    if xma is None:
        errs.append("no XOR-MAPPED-ADDRESS")
    elif ipaddress.ip_address(xma[0]) != ipaddress.ip_address(o.expect):
        errs.append("XOR-MAPPED-ADDRESS %s, expected address %s" % (snlab.fmt_ep(*xma), o.expect))
    elif not o.any_port and xma[1] != want_port:
        errs.append("XOR-MAPPED-ADDRESS %s, expected port %d" % (snlab.fmt_ep(*xma), want_port))
    for e in errs:
        print("raw: FAIL: " + e)
    if not errs:
        print("raw: OK mapped %s" % snlab.fmt_ep(*xma))
    return 1 if errs else 0


async def gather(o):
    fam, host, port = snlab.parse_ep(o.server)
    conn = ice.Connection(ice_controlling=True, stun_server=(host, port),
                          use_ipv4=fam == socket.AF_INET, use_ipv6=fam == socket.AF_INET6)
    try:
        await asyncio.wait_for(conn.gather_candidates(), 20)
        cands = conn.local_candidates
    finally:
        await conn.close()
    for c in cands:
        print("ice: candidate %s %s:%d related %s:%s" % (c.type, c.host, c.port,
                                                          c.related_address, c.related_port))
    srflx = [c for c in cands if c.type == "srflx"]
    if not srflx:
        print("ice: FAIL: no server-reflexive candidate")
        return 1
    if not any(c.host == o.expect for c in srflx):
        print("ice: FAIL: no srflx candidate with %s" % o.expect)
        return 1
    print("ice: OK srflx %s" % o.expect)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("raw", "ice"))
    ap.add_argument("--server", required=True)
    ap.add_argument("--bind", default="")
    ap.add_argument("--expect", required=True)
    ap.add_argument("--expect-port", type=int, default=0)
    ap.add_argument("--any-port", action="store_true", help="check the address only (NAT)")
    o = ap.parse_args()
    if o.mode == "raw":
        return raw(o)
    return asyncio.run(gather(o))


if __name__ == "__main__":
    sys.exit(main())
