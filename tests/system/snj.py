#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Evaluate a Python expression over JSON read from stdin and print it.

    snctl --json sessions add ... | snj.py 'j["a"]["local"]'
    snctl --json stats | snj.py 'counter(j, "bad_token")'

Names available: j (the document), counter(j, name), session_list(j),
find_all(j, key).  Strings print bare, other values as JSON; None prints
"null".  Exit 1 (message on stderr) if the expression fails.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snlab  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("usage: snj.py EXPR < json", file=sys.stderr)
        return 2
    raw = sys.stdin.read()
    try:
        j = snlab.load_json(raw)
    except ValueError as e:
        print("snj: not JSON (%s): %r" % (e, raw[:200]), file=sys.stderr)
        return 1
    env = {"j": j, "counter": snlab.counter, "session_list": snlab.session_list,
           "find_all": snlab.find_all, "len": len, "sorted": sorted}
    try:
        v = eval(sys.argv[1], env)
    except Exception as e:  # report any failure of the expression
        print("snj: %s: %s: %s" % (sys.argv[1], type(e).__name__, e), file=sys.stderr)
        return 1
    if isinstance(v, str):
        print(v)
    elif isinstance(v, (list, tuple)) and all(isinstance(x, (int, str)) for x in v):
        print("\n".join(str(x) for x in v))
    else:
        print(json.dumps(v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
