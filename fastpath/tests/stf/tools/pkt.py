#!/usr/bin/env python3
"""Helpers for computing expected bytes of the STF conformance suite.

Usage as a library (python3 -i tools/pkt.py) or as a CLI:
    pkt.py ipv4 HEX          -> the header with its checksum recomputed (20+ bytes of IPv4 header)
    pkt.py csum16 HEX        -> ones'-complement checksum of the bytes (BMv2 csum16)
    pkt.py crc16 HEX         -> CRC-16/ARC (BMv2 crc16)
    pkt.py crc32 HEX         -> CRC-32/IEEE (BMv2 crc32)
    pkt.py xor16 HEX         -> XOR of the 16-bit words (BMv2 xor16)
Every value the suite's expectations depend on was computed with these functions.
"""
import sys
import zlib


def b(h):
    """Hex string (spaces allowed) to bytes."""
    return bytes.fromhex(h.replace(" ", "").replace("_", ""))


def hx(data):
    return data.hex().upper()


def csum16(data):
    """Internet checksum: ones' complement of the ones'-complement sum (zero-padded)."""
    if len(data) % 2:
        data = data + b"\x00"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def crc16(data):
    """CRC-16/ARC: poly 0x8005 reflected (0xA001), init 0, no final xor."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc & 0xFFFF


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def xor16(data):
    if len(data) % 2:
        data = data + b"\x00"
    x = 0
    for i in range(0, len(data), 2):
        x ^= (data[i] << 8) | data[i + 1]
    return x


def ipv4_fix(hdr):
    """Returns the IPv4 header with bytes 10..11 set to its checksum."""
    h = bytearray(hdr)
    h[10:12] = b"\x00\x00"
    c = csum16(bytes(h))
    h[10] = c >> 8
    h[11] = c & 0xFF
    return bytes(h)


def ipv4(src, dst, proto=17, ttl=64, total_len=20, ident=0, tos=0):
    """A 20-byte IPv4 header (no options) with a correct checksum."""
    h = bytes([0x45, tos, total_len >> 8, total_len & 0xFF, ident >> 8, ident & 0xFF, 0, 0,
               ttl, proto, 0, 0]) + bytes(src) + bytes(dst)
    return ipv4_fix(h)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    cmd, data = sys.argv[1], b("".join(sys.argv[2:]))
    if cmd == "ipv4":
        print(hx(ipv4_fix(data[:20]) + data[20:]))
    else:
        f = {"csum16": csum16, "crc16": crc16, "crc32": crc32, "xor16": xor16}[cmd]
        print("0x%X" % f(data))
