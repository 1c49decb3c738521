"""Packet construction for the ExoPlane app STF tests.

Builds Ethernet / IPv4 / TCP / UDP / VXLAN / NetCache packets as bytes, with
checksums computed from scratch (RFC 791, 793, 768, 1071), and the hashes the
apps use (BMv2's crc32 is the reflected CRC-32 of zlib over the concatenated
field bytes). Standard library only.
"""

import ipaddress
import struct
import zlib

ETH_IPV4 = 0x0800
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMP = 1

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip(a):
    """'10.0.0.1' -> int."""
    return int(ipaddress.IPv4Address(a))


def mac(m):
    """'00:11:22:33:44:55' -> int."""
    return int(m.replace(":", ""), 16)


def csum16(data):
    """Internet checksum (ones' complement of the ones' complement sum)."""
    if len(data) % 2:
        data = data + b"\x00"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def u8(v):
    return struct.pack("!B", v & 0xFF)


def u16(v):
    return struct.pack("!H", v & 0xFFFF)


def u32(v):
    return struct.pack("!I", v & 0xFFFFFFFF)


def u128(v):
    return (v & ((1 << 128) - 1)).to_bytes(16, "big")


def ethernet(dst, src, ethertype=ETH_IPV4):
    return mac(dst).to_bytes(6, "big") + mac(src).to_bytes(6, "big") + u16(ethertype)


def ipv4_header(src, dst, proto, payload_len, ttl=64, ident=0, flags=0,
                frag=0, tos=0, options=b"", checksum=None):
    """IPv4 header; `options` must be a multiple of 4 bytes."""
    assert len(options) % 4 == 0
    ihl = 5 + len(options) // 4
    total = ihl * 4 + payload_len

    def build(c):
        return (u8(0x40 | ihl) + u8(tos) + u16(total) + u16(ident)
                + u16((flags << 13) | frag) + u8(ttl) + u8(proto) + u16(c)
                + u32(ip(src)) + u32(ip(dst)) + options)

    c = csum16(build(0)) if checksum is None else checksum
    return build(c)


def pseudo_header(src, dst, proto, length):
    return u32(ip(src)) + u32(ip(dst)) + u8(0) + u8(proto) + u16(length)


def tcp_segment(src, dst, sport, dport, seq=0, ack=0, flags=TCP_ACK,
                window=65535, options=b"", payload=b"", urg=0, checksum=None):
    """TCP header + options + payload, with the checksum over the
    pseudo-header unless `checksum` is given."""
    assert len(options) % 4 == 0
    off = 5 + len(options) // 4

    def build(c):
        return (u16(sport) + u16(dport) + u32(seq) + u32(ack)
                + u8(off << 4) + u8(flags) + u16(window) + u16(c) + u16(urg)
                + options + payload)

    seg = build(0)
    c = csum16(pseudo_header(src, dst, PROTO_TCP, len(seg)) + seg) if checksum is None else checksum
    return build(c)


def udp_datagram(src, dst, sport, dport, payload=b"", checksum=True):
    """UDP header + payload. checksum=True computes it (0 is sent as 0xffff),
    False sends 0 (no checksum), an int sends that value."""
    length = 8 + len(payload)

    def build(c):
        return u16(sport) + u16(dport) + u16(length) + u16(c) + payload

    if checksum is True:
        c = csum16(pseudo_header(src, dst, PROTO_UDP, length) + build(0))
        if c == 0:
            c = 0xFFFF
    elif checksum is False:
        c = 0
    else:
        c = checksum
    return build(c)


def vxlan(vni, flags=0x08):
    return u8(flags) + b"\x00\x00\x00" + (vni & 0xFFFFFF).to_bytes(3, "big") + u8(0)


def netcache(op, seq, key, value=0):
    return u8(op) + u32(seq) + u128(key) + u128(value)


class Pkt:
    """Convenience builder for Ethernet/IPv4 packets."""

    def __init__(self, smac="02:00:00:00:00:aa", dmac="02:00:00:00:00:01"):
        self.smac = smac
        self.dmac = dmac

    def tcp(self, src, dst, sport, dport, ttl=64, ident=0, ip_flags=0,
            ip_options=b"", ip_checksum=None, **kw):
        seg = tcp_segment(src, dst, sport, dport, **kw)
        return (ethernet(self.dmac, self.smac)
                + ipv4_header(src, dst, PROTO_TCP, len(seg), ttl=ttl,
                              ident=ident, flags=ip_flags, options=ip_options,
                              checksum=ip_checksum)
                + seg)

    def udp(self, src, dst, sport, dport, payload=b"", ttl=64, ident=0,
            udp_checksum=True, ip_checksum=None, ip_options=b""):
        d = udp_datagram(src, dst, sport, dport, payload, udp_checksum)
        return (ethernet(self.dmac, self.smac)
                + ipv4_header(src, dst, PROTO_UDP, len(d), ttl=ttl,
                              ident=ident, options=ip_options,
                              checksum=ip_checksum)
                + d)

    def icmp_echo(self, src, dst, ttl=64, ident=0):
        body = u8(8) + u8(0) + u16(0) + u16(0x1234) + u16(1) + b"ping"
        body = body[:2] + u16(csum16(body)) + body[4:]
        return (ethernet(self.dmac, self.smac)
                + ipv4_header(src, dst, PROTO_ICMP, len(body), ttl=ttl, ident=ident)
                + body)


def hexs(b):
    return b.hex().upper()


# ---- pcap (classic, microsecond, little-endian) for checking with tcpdump ----

def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1, i, len(p), len(p)))
            f.write(p)
