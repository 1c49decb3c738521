#!/usr/bin/env python3
"""Expected outputs of bitfields.p4 for the given 9-byte headers (hex)."""
import sys

WIDTHS = [("a", 3), ("b", 5), ("c", 12), ("d", 4), ("e", 1), ("f", 15), ("g", 24), ("h", 1), ("i", 7)]


def unpack(v):
    out, pos = {}, 72
    for name, w in WIDTHS:
        pos -= w
        out[name] = (v >> pos) & ((1 << w) - 1)
    return out


def pack(f):
    v = 0
    for name, w in WIDTHS:
        v = (v << w) | (f[name] & ((1 << w) - 1))
    return v


for h in sys.argv[1:]:
    f = unpack(int(h, 16))
    f["a"] += 1
    f["b"] ^= 0x1F
    f["c"] += 0x801
    f["d"] = ~f["d"]
    f["e"] = ~f["e"]
    f["f"] -= 1
    f["g"] <<= 1
    f["h"] ^= 1
    f["i"] = min(f["i"] + 100, 127)
    print("packet 0 %s" % h.upper())
    print("expect 1 %018X$" % pack(f))
