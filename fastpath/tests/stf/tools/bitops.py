#!/usr/bin/env python3
"""Expected outputs of bitops.p4 (prints STF packet/expect pairs)."""
import sys


def out(w, n):
    m16 = 0xFFFF
    t = (w & 0x0FF0) | 0xF | ((n & 0xF) << 12)
    big, small_n = w > 0x1000, n < 4
    f = 0
    f |= 0x01 if big and small_n else 0
    f |= 0x02 if w == 0 or n == 0 else 0
    f |= 0x04 if not n == 1 else 0
    f |= 0x08 if big != small_n else 0
    f |= 0x10 if n & 1 else 0
    b1 = 1 if big or n == 7 else 0
    last = (b1 << 7) | (n & 0x7F)
    fields = [
        ((w << 4) & m16, 2), (w >> 12, 2), ((w << n) & m16 if n < 16 else 0, 2),
        (w >> n if n < 16 else 0, 2), ((w >> 4) & 0xFF, 1), (t, 2),
        (((w & 0xFF) << 16) | (n << 8) | (w >> 8), 3), (w & 0xF, 1), (w, 4), (f, 1), (last, 1),
    ]
    return "".join("%0*X" % (2 * k, v) for v, k in fields)


pairs = [tuple(int(x, 16) for x in p.split(",")) for p in sys.argv[1:]]
for w, n in pairs:
    print("packet 0 %04X %02X" % (w, n))
    print("expect 1 %04X %02X %s$" % (w, n, out(w, n)))
