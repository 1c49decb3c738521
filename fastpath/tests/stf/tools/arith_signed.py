#!/usr/bin/env python3
"""Expected outputs of arith_signed.p4 (prints STF packet/expect pairs)."""
import sys


def s(v, w):
    """Unsigned w-bit value as signed."""
    v &= (1 << w) - 1
    return v - (1 << w) if v >> (w - 1) else v


def u(v, w):
    return v & ((1 << w) - 1)


def sat(v, w):
    return max(-(1 << (w - 1)), min((1 << (w - 1)) - 1, v))


def out(a, b):
    x, y = s(a, 8), s(b, 8)
    c = 0
    c |= 0x01 if x < y else 0
    c |= 0x02 if x <= y else 0
    c |= 0x04 if x == y else 0
    c |= 0x10 if x > y else 0
    c |= 0x20 if x >= y else 0
    c |= 0x40 if x < 0 else 0
    fields = [
        (u(x + y, 8), 1), (u(x - y, 8), 1), (u(x * y, 8), 1), (u(sat(x + y, 8), 8), 1),
        (u(sat(x - y, 8), 8), 1), (u(x >> 2, 8), 1), (u(x << 1, 8), 1), (u(-x, 8), 1), (c, 1),
        (u(x, 16), 2), (u(s(x, 4), 8), 1), (u(max(x, y), 8), 1), (u(x * -3 + 1, 32), 4),
    ]
    return "".join("%0*X" % (2 * n, v) for v, n in fields)


pairs = [tuple(int(x, 16) for x in p.split(",")) for p in sys.argv[1:]]
for a, b in pairs:
    print("packet 0 %02X %02X" % (a, b))
    print("expect 1 %02X %02X %s$" % (a, b, out(a, b)))
