#!/usr/bin/env python3
"""Expected outputs of arith_unsigned.p4 (prints STF packet/expect pairs)."""
import sys


def out(a, b):
    m8 = 0xFF
    c = 0
    c |= 0x01 if a < b else 0
    c |= 0x02 if a <= b else 0
    c |= 0x04 if a == b else 0
    c |= 0x08 if a != b else 0
    c |= 0x10 if a > b else 0
    c |= 0x20 if a >= b else 0
    fields = [
        ((a + b) & m8, 1), ((a - b) & m8, 1), ((a * b) & m8, 1), (min(a + b, 255), 1),
        (max(a - b, 0), 1), (a & b, 1), (a | b, 1), (a ^ b, 1), (~a & m8, 1), (-a & m8, 1),
        (a * b, 2), (max(a, b), 1), (c, 1), (((a & 0xF) + (b & 0xF)) & 0xF, 1),
        ((0xFFFFFFFFFFFFFFFF + a) % 2**64, 8),
        (((1 << 127) + (a << 64) + b * 0x10001) % 2**128, 16),
        (((a << 192) + (b << 96) - 1) % 2**200, 25),
    ]
    return "".join("%0*X" % (2 * n, v) for v, n in fields)


pairs = [tuple(int(x, 16) for x in p.split(",")) for p in sys.argv[1:]]
for a, b in pairs:
    print("packet 0 %02X %02X" % (a, b))
    print("expect 1 %02X %02X %s$" % (a, b, out(a, b)))
