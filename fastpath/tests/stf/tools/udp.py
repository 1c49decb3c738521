#!/usr/bin/env python3
"""Builds the packets of udp_checksum.stf: Ethernet + IPv4 + UDP with correct checksums."""
import sys
sys.path.insert(0, __import__("os").path.dirname(__file__))
import pkt  # noqa: E402


def udp_csum(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    data = (bytes(src) + bytes(dst) + bytes([0, 17]) + length.to_bytes(2, "big")
            + sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + length.to_bytes(2, "big") + payload)
    return pkt.csum16(data)


def frame(src, dst, sport, dport, payload, csum=None):
    length = 8 + len(payload)
    ip = pkt.ipv4(src, dst, proto=17, ttl=64, total_len=20 + length)
    c = udp_csum(src, dst, sport, dport, payload) if csum is None else csum
    udp = sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + length.to_bytes(2, "big") + c.to_bytes(2, "big")
    return "000000000002 000000000001 0800 " + pkt.hx(ip) + " " + pkt.hx(udp) + " " + pkt.hx(payload)


if __name__ == "__main__":
    s, d = [10, 0, 0, 1], [10, 0, 0, 2]
    for pl in [b"hello", bytes(range(16))]:
        print("packet 1 " + frame(s, d, 5353, 80, pl))
        print("expect 2 " + frame(s, d, 5353, 8080, pl) + "$")
    print("packet 1 " + frame(s, d, 1000, 53, b"\x01\x02\x03"))
    print("expect 2 " + frame(s, d, 1000, 53, b"\x01\x02\x03") + "$")
    good = udp_csum(s, d, 5353, 80, b"hello")
    print("# The same first packet with a wrong checksum: dropped.")
    print("packet 1 " + frame(s, d, 5353, 80, b"hello", csum=good ^ 1))
