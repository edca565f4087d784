#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Derive a config file from conf/supernode.conf, keeping its comments
and order, with edits:

  --set 'SECTION/KEY=VALUE'   replace every active KEY line of SECTION (or
                              add one right after the section header)
  --add 'SECTION/KEY=VALUE'   add one more KEY line (repeatable keys such
                              as a port's address)
  --del 'SECTION/KEY'         remove every active KEY line of SECTION
  --raw 'TEXT'                append TEXT (a line) at the end of the file
  --drop-section SECTION      remove a section with its keys

SECTION is the text between the brackets, e.g. "dataplane", "port p0";
"port*" matches the first section starting with "port".  A SECTION that
does not exist is appended.  Writes DST, prints nothing.

usage: mkconf.py SRC DST [edits...]
"""
import re
import sys

HDR = re.compile(r"^\s*\[([^\]]+)\]\s*(?:[;#].*)?$")
KEY = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*[=:]")


def sec_match(pattern, name):
    name = " ".join(name.split())
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == " ".join(pattern.split())


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    lines = open(src).read().splitlines()
    edits = []
    i = 3
    while i < len(argv):
        op = argv[i]
        if op not in ("--set", "--add", "--del", "--raw", "--drop-section") or i + 1 >= len(argv):
            print("mkconf: bad argument %r" % op, file=sys.stderr)
            return 2
        edits.append((op[2:], argv[i + 1]))
        i += 2

    def sections():
        """[(name, header index, end index)] over the current lines."""
        out = []
        cur = None
        for n, l in enumerate(lines):
            m = HDR.match(l)
            if m:
                if cur:
                    out.append((cur[0], cur[1], n))
                cur = (m.group(1), n)
        if cur:
            out.append((cur[0], cur[1], len(lines)))
        return out

    def find(pattern):
        for name, h, e in sections():
            if sec_match(pattern, name):
                return name, h, e
        lines.append("")
        lines.append("[%s]" % pattern.rstrip("*"))
        return pattern, len(lines) - 1, len(lines)

    for op, arg in edits:
        if op == "raw":
            lines.append(arg)
            continue
        if op == "drop-section":
            for name, h, e in sections():
                if sec_match(arg, name):
                    del lines[h:e]
                    break
            continue
        if op == "del":
            sec, key = arg.rsplit("/", 1)
            value = None
        else:
            path, value = arg.split("=", 1)
            sec, key = path.rsplit("/", 1)
        name, h, e = find(sec)
        body = [n for n in range(h + 1, e) if (KEY.match(lines[n]) or [None, None])[1] == key
                if KEY.match(lines[n])]
        if op in ("set", "del"):
            for n in reversed(body):
                del lines[n]
        if op in ("set", "add"):
            # after the last key line of the section (or the header)
            name, h, e = find(sec)
            at = h + 1
            for n in range(h + 1, e):
                if KEY.match(lines[n]):
                    at = n + 1
            lines.insert(at, "%s = %s" % (key, value))
    with open(dst, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
