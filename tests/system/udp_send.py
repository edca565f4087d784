#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send UDP datagrams from a socket bound in a namespace.

usage: udp_send.py NS BIND_EP TO_EP PAYLOAD_HEX [COUNT]
       PAYLOAD_HEX may be "probe:TOKENHEX" for a latch probe (sn_relay.h).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__, file=sys.stderr)
        return 2
    ns, bind, to, payload = sys.argv[1:5]
    count = int(sys.argv[5]) if len(sys.argv) == 6 else 1
    if payload.startswith("probe:"):
        data = snlab.latch_probe(int(payload[6:], 16))
    else:
        data = bytes.fromhex(payload)
    s = snlab.udp_socket(ns, bind)
    for _ in range(count):
        s.sendto(data, snlab.sockaddr(to))
    return 0


if __name__ == "__main__":
    sys.exit(main())
