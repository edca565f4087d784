# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the system tests: sockets inside network namespaces,
endpoint text, snctl JSON access.

One process can own sockets in several namespaces: a socket stays in the
namespace it was created in, so we setns() into a namespace, create and bind
the socket, and setns() back.  That lets a single process drive both ends of
a relay session and count every packet in one place (no cross-process
coordination, no timing races).
"""
import ctypes
import ipaddress
import json
import os
import socket

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


class netns:
    """with netns("snh1"): ...  -- run the block inside that namespace.
    None or "" means: stay where we are."""

    def __init__(self, name):
        self.name = name
        self.orig = None

    def __enter__(self):
        if not self.name:
            return self
        self.orig = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if self.orig is not None:
            _setns(self.orig)
            os.close(self.orig)
        return False


def parse_ep(text):
    """'1.2.3.4:5' or '[2001:db8::1]:5' -> (family, addr, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return socket.AF_INET6, str(ipaddress.IPv6Address(host)), int(port)
    host, _, port = text.rpartition(":")
    return socket.AF_INET, str(ipaddress.IPv4Address(host)), int(port)


def fmt_ep(addr, port):
    if ":" in addr:
        return "[%s]:%d" % (ipaddress.IPv6Address(addr), port)
    return "%s:%d" % (addr, port)


def sockaddr(ep):
    fam, addr, port = parse_ep(ep)
    return (addr, port) if fam == socket.AF_INET else (addr, port, 0, 0)


def udp_socket(ns, bind_ep, rcvbuf=4 << 20, blocking=False):
    """A UDP socket created in namespace ns and bound to bind_ep."""
    fam, addr, port = parse_ep(bind_ep)
    with netns(ns):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        # Only for a fixed port: with SO_REUSEADDR on every socket, Linux
        # may hand an ephemeral bind (port 0) a port another open socket
        # holds, and two clients then share a 5-tuple (turn_negative's
        # other_clients_nonce_438 saw it once).
        if port != 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:
            try:  # root: beyond net.core.rmem_max
                s.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            try:
                s.setsockopt(socket.SOL_SOCKET, 32, rcvbuf)  # SO_SNDBUFFORCE
            except OSError:
                pass
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port) if fam == socket.AF_INET else (addr, port, 0, 0))
    s.setblocking(blocking)
    return s


def latch_probe(token):
    """sn_relay.h: "SNLT", version 1, 3 zero bytes, 8-byte token (BE)."""
    return b"SNLT" + bytes([1, 0, 0, 0]) + int(token).to_bytes(8, "big")


def token_int(text):
    """The token as snctl prints it (16 hex digits) -> int."""
    return int(str(text), 16)


# ------------------------------------------------------------ snctl JSON

def find_all(j, key):
    """Every value stored under key anywhere in j (depth first), with the
    path of keys leading to it."""
    out = []

    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == key:
                    out.append((path + [k], x))
                walk(x, path + [k])
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, path + [i])

    walk(j, [])
    return out


def counter(j, name):
    """Total of counter name in `snctl stats --json` / `status --json`
    output: the value under a path mentioning "total" if there is one,
    else the sum over every occurrence (per-lcore values)."""
    hits = [(p, v) for p, v in find_all(j, name) if isinstance(v, (int, float))]
    if not hits:
        raise KeyError("counter %r not in snctl output" % name)
    tot = [v for p, v in hits if any("total" in str(k) for k in p)]
    if tot:
        return max(tot)
    return sum(v for p, v in hits)


def session_list(j):
    """The session objects in `snctl sessions list --json` output."""
    if isinstance(j, dict):
        for k in ("sessions", "items", "list"):
            if isinstance(j.get(k), list):
                return j[k]
        if "id" in j:
            return [j]
    if isinstance(j, list):
        return j
    return []


def load_json(text):
    """snctl prints one JSON object; tolerate surrounding lines."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        first = min([i for i in (text.find("{"), text.find("[")) if i >= 0] or [0])
        return json.loads(text[first:])
