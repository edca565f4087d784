#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""One side of a WebRTC data channel between two aiortc RTCPeerConnections
that may only use TURN relayed candidates (a third-party WebRTC stack:
aiortc over aioice).  Run one "offer" and one "answer" process, each in its
own namespace (ip netns exec NS turn_aiortc.py ...); they signal through
two files in --dir (offer.json, answer.json, written atomically):

  turn_aiortc.py offer|answer --dir DIR --url turn:HOST:PORT[?transport=tcp]
                 --user U --password P [--count N] [--seed S]

Relay only: RTCConfiguration(iceServers=[RTCIceServer(url, user, pass)])
and the ICE transport policy "relay" (aiortc 1.4, Debian 12, has no
RTCConfiguration.iceTransportPolicy: the policy is aioice's
Connection(transport_policy=RELAY) underneath, set here the same way).
The offerer opens a data channel, sends --count messages (text and binary,
1..4000 bytes, contents derived from --seed and the index), the answerer
checks each one in order and byte-exact, then sends as many back, checked
the same way by the offerer.  Each side prints one JSON line: the selected
ICE candidate pair (local and remote type and address), the counts and the
errors.  Exit 0 when the pair is relay/relay and every message arrived
intact.
"""
import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
import time

import aiortc.rtcicetransport as rit  # noqa: E402
from aioice import Connection, TransportPolicy  # noqa: E402
from aiortc import (RTCConfiguration, RTCIceServer, RTCPeerConnection,  # noqa: E402
                    RTCSessionDescription)

TIMEOUT = 30.0
DONE = "done"


class RelayOnlyConnection(Connection):
    """aioice Connection with transport_policy RELAY (no host candidates)."""

    def __init__(self, *args, **kwargs):
        kwargs["transport_policy"] = TransportPolicy.RELAY
        super().__init__(*args, **kwargs)


def message(seed, side, i):
    """Message i of side: str for even i, bytes for odd i; 1..4000 bytes."""
    h = hashlib.sha256(("%s/%s/%d" % (seed, side, i)).encode()).digest()
    size = 1 + int.from_bytes(h[:2], "big") % 4000
    stream = b""
    k = 0
    while len(stream) < size:
        stream += hashlib.sha256(h + k.to_bytes(4, "big")).digest()
        k += 1
    stream = stream[:size]
    if i % 2 == 0:
        return stream.hex()[:size]  # text message (ASCII)
    return stream


async def wait_file(path, deadline):
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError("no %s from the other side" % os.path.basename(path))
        await asyncio.sleep(0.05)
    return json.load(open(path))


def write_file(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, path)


def selected_pair(pc):
    """(local candidate, remote candidate) of the nominated pair, or None."""
    ice = pc.sctp.transport.transport
    conn = ice._connection
    pair = conn._nominated.get(1)
    if pair is None:
        return None
    return pair.local_candidate, pair.remote_candidate


async def run(o):
    deadline = time.monotonic() + TIMEOUT
    cfg = RTCConfiguration(iceServers=[RTCIceServer(urls=o.url, username=o.user,
                                                    credential=o.password)])
    if hasattr(cfg, "iceTransportPolicy"):  # newer aiortc
        cfg.iceTransportPolicy = "relay"
    rit.Connection = RelayOnlyConnection
    pc = RTCPeerConnection(configuration=cfg)
    out = {"role": o.role, "url": o.url}
    errs = []
    stage = ["setup"]  # where a timeout happened
    me, other = ("o", "a") if o.role == "offer" else ("a", "o")
    inbox = asyncio.Queue()
    opened = asyncio.get_running_loop().create_future()
    chan = {}

    def attach(dc):
        chan["dc"] = dc

        @dc.on("message")
        def on_message(m):
            inbox.put_nowait(m)

        if dc.readyState == "open":
            opened.set_result(True)
        else:
            @dc.on("open")
            def on_open():
                if not opened.done():
                    opened.set_result(True)

    try:
        if o.role == "offer":
            attach(pc.createDataChannel("turn-test"))
            stage[0] = "gathering (TURN allocation)"
            await pc.setLocalDescription(await pc.createOffer())  # gathers first
            write_file(os.path.join(o.dir, "offer.json"),
                       {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})
            stage[0] = "waiting for the answer"
            ans = await wait_file(os.path.join(o.dir, "answer.json"), deadline)
            await pc.setRemoteDescription(RTCSessionDescription(**ans))
        else:
            @pc.on("datachannel")
            def on_dc(dc):
                attach(dc)
                if not opened.done():
                    opened.set_result(True)

            stage[0] = "waiting for the offer"
            off = await wait_file(os.path.join(o.dir, "offer.json"), deadline)
            await pc.setRemoteDescription(RTCSessionDescription(**off))
            stage[0] = "gathering (TURN allocation)"
            await pc.setLocalDescription(await pc.createAnswer())
            write_file(os.path.join(o.dir, "answer.json"),
                       {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})
        sdp = pc.localDescription.sdp
        out["local_candidate_types"] = sorted(set(
            l.split()[7] for l in sdp.splitlines() if l.startswith("a=candidate:")))
        stage[0] = "ICE/DTLS/SCTP: waiting for the data channel to open"
        await asyncio.wait_for(opened, max(1, deadline - time.monotonic()))
        dc = chan["dc"]

        async def receive_all():
            got = 0
            for i in range(o.count):
                m = await asyncio.wait_for(inbox.get(), max(1, deadline - time.monotonic()))
                want = message(o.seed, other, i)
                if m != want:
                    errs.append("message %d from the %s side: %s of %d, expected %s of %d" % (
                        i, other, type(m).__name__, len(m), type(want).__name__, len(want)))
                else:
                    got += 1
            out["received"] = got
            m = await asyncio.wait_for(inbox.get(), max(1, deadline - time.monotonic()))
            if m != DONE:
                errs.append("extra message after the last one: %r" % (m[:40],))

        async def send_all():
            for i in range(o.count):
                dc.send(message(o.seed, me, i))
            dc.send(DONE)
            out["sent"] = o.count
            # wait until SCTP has handed everything over
            while dc.bufferedAmount > 0 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

        stage[0] = "exchanging messages"
        if o.role == "offer":
            await send_all()
            await receive_all()
        else:
            await receive_all()
            await send_all()
        pair = selected_pair(pc)
        if pair is None:
            errs.append("no nominated candidate pair")
        else:
            loc, rem = pair
            out["pair"] = {"local": "%s %s:%d" % (loc.type, loc.host, loc.port),
                           "remote": "%s %s:%d" % (rem.type, rem.host, rem.port)}
            if loc.type != "relay":
                errs.append("local candidate of the selected pair is %s, not relay" % loc.type)
            if rem.type != "relay":
                errs.append("remote candidate of the selected pair is %s, not relay" % rem.type)
            if o.relay_addrs:
                want = o.relay_addrs.split(",")
                for c, what in ((loc, "local"), (rem, "remote")):
                    if c.host not in want:
                        errs.append("%s relayed address %s is not an appliance address" % (
                            what, c.host))
        if out["local_candidate_types"] != ["relay"]:
            errs.append("local candidates in the SDP: %s, expected relay only"
                        % out["local_candidate_types"])
        # let the other side read our last messages before we go
        await asyncio.sleep(0.5)
    except Exception as e:  # any failure of the stack is a test failure
        errs.append("%s during %s: %s" % (type(e).__name__, stage[0], e))
    finally:
        await pc.close()
    out["errors"] = errs
    print(json.dumps(out), flush=True)
    return 1 if errs else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=("offer", "answer"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--relay-addrs", default="", help="a,b,...: the appliance addresses")
    ap.add_argument("--debug", action="store_true")
    o = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if o.debug else logging.WARNING, stream=sys.stderr)
    return asyncio.run(run(o))


if __name__ == "__main__":
    sys.exit(main())
