#!/usr/bin/env python3
"""Generates the STF tests of the ExoPlane apps (p4/apps/tests/*.stf).

Every expected packet is built from scratch with pktlib (checksums computed
over the whole packet, not updated incrementally like the P4 programs do), so
the tests check the programs against an independent model. Hash-dependent
state (register indexes, SYN cookies) uses zlib's CRC-32, which is BMv2's
crc32.

    python3 gen_stf.py            # rewrite ../*.stf
    python3 gen_stf.py --pcap DIR # also write DIR/<test>.pcap with every fully
                                  # specified input and expected packet, for
                                  # `tcpdump -vvv -r` to check the checksums
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pktlib import (PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_PSH, TCP_SYN, Pkt,  # noqa: E402
                    crc32, csum16, ethernet, ip, ipv4_header, mac, netcache,
                    tcp_segment, u8, u16, u32, u128, udp_datagram, vxlan,
                    write_pcap)
from stf import Stf, h  # noqa: E402

EXT, INT = 1, 2                      # switch ports: uplink, towards the hosts
SW_MAC = "00:00:5e:00:53:01"          # the switch's router MAC
UPLINK_MAC = "00:00:5e:00:53:fe"      # next hop on the uplink


def m48(m):
    return h(mac(m), 48)


def a32(a):
    return h(ip(a), 32)


def ext_pkt():
    return Pkt(smac=UPLINK_MAC, dmac=SW_MAC)


def host_pkt(host_mac):
    return Pkt(smac=host_mac, dmac=SW_MAC)


def retarget(frame, dmac, smac):
    """Rewrites the Ethernet addresses of a frame."""
    return mac(dmac).to_bytes(6, "big") + mac(smac).to_bytes(6, "big") + frame[12:]


def truncate(frame, n):
    return frame[:n]


# ---------------------------------------------------------------- vpn_gateway

SITE_VTEP = "192.0.2.10"
SITE2_VTEP = "192.0.2.20"
GW_VTEP = "203.0.113.1"
SITE_MAC = "02:00:00:00:fe:01"
VNI_T7 = 5001
VNI_T8 = 6001
T7_NEXT_HOP = "02:00:00:00:07:02"


def vxlan_frame(inner, vni=VNI_T7, remote=SITE_VTEP, local=GW_VTEP, flags=0x08,
                ttl=60, ident=0x1234, ip_checksum=None):
    body = udp_datagram(remote, local, 51000, 4789, vxlan(vni, flags) + inner,
                        checksum=False)
    return (ethernet(SW_MAC, SITE_MAC)
            + ipv4_header(remote, local, PROTO_UDP, len(body), ttl=ttl,
                          ident=ident, checksum=ip_checksum)
            + body)


def gen_vpn():
    tests = []

    # --- decapsulation
    t = Stf("vpn_gateway_decap", """
vpn_gateway: external -> internal. A VXLAN packet from a tenant site is
decapsulated and its inner IPv4 packet routed into the data centre; the
tenant's processed-packet counter counts it. Unknown tunnels, bad VXLAN,
expiring TTLs, bad checksums and truncated packets are dropped and counted.
""")
    t.add("vpn_tunnel_map",
          [("remote_vtep", a32(SITE_VTEP)), ("local_vtep", a32(GW_VTEP)),
           ("vni", h(VNI_T7, 24))],
          "decap", [("tenant", "7"), ("port", str(INT)),
                    ("src_mac", m48(SW_MAC)), ("dst_mac", m48(T7_NEXT_HOP))])
    inner_src = Pkt(smac="02:00:00:00:fe:77", dmac="02:00:00:00:fe:00")
    inner = inner_src.tcp("172.16.1.5", "10.7.0.9", 5555, 80, seq=100, ack=200,
                          flags=TCP_ACK | TCP_PSH, payload=b"hello, vpn", ttl=64,
                          ident=0x0101)
    out = Pkt(smac=SW_MAC, dmac=T7_NEXT_HOP).tcp(
        "172.16.1.5", "10.7.0.9", 5555, 80, seq=100, ack=200,
        flags=TCP_ACK | TCP_PSH, payload=b"hello, vpn", ttl=63, ident=0x0101)
    t.comment("Known tunnel: decapsulated, inner TTL 64 -> 63, sent to the tenant's next hop.")
    t.packet(EXT, vxlan_frame(inner))
    t.expect(INT, out)
    t.check_counter("tenant_pkts", 7, 1)

    t.comment("Unknown VNI and unknown site VTEP: no tunnel, dropped (vpn_drops[2]).")
    t.packet(EXT, vxlan_frame(inner, vni=VNI_T7 + 1))
    t.packet(EXT, vxlan_frame(inner, remote="192.0.2.11"))
    t.check_counter("vpn_drops", 2, 2)

    t.comment("VXLAN I flag clear, and an inner frame that is not IPv4: dropped (vpn_drops[5]).")
    t.packet(EXT, vxlan_frame(inner, flags=0x00))
    arp_inner = ethernet("ff:ff:ff:ff:ff:ff", "02:00:00:00:fe:77", 0x0806) + bytes(28)
    t.packet(EXT, vxlan_frame(arp_inner), valid=False)
    t.check_counter("vpn_drops", 5, 2)

    t.comment("Inner TTL 1 cannot be routed: dropped (vpn_drops[4]).")
    t.packet(EXT, vxlan_frame(inner_src.tcp("172.16.1.5", "10.7.0.9", 5555, 80, ttl=1)))
    t.check_counter("vpn_drops", 4, 1)

    t.comment("Bad outer IPv4 checksum: dropped (vpn_drops[1]).")
    t.packet(EXT, vxlan_frame(inner, ip_checksum=0xbeef), valid=False)
    t.check_counter("vpn_drops", 1, 1)

    t.comment("Truncated inside the inner IPv4 header and inside the outer UDP header:\n"
              "parser_error = PacketTooShort, dropped in ingress (vpn_drops[0]).")
    full = vxlan_frame(inner)
    t.packet(EXT, truncate(full, 14 + 20 + 8 + 8 + 14 + 10), valid=False)
    t.packet(EXT, truncate(full, 14 + 20 + 5), valid=False)
    t.check_counter("vpn_drops", 0, 2)
    t.check_counter("tenant_pkts", 7, 1)
    tests.append(t)

    # --- encapsulation
    t = Stf("vpn_gateway_encap", """
vpn_gateway: internal -> external. A packet from a tenant VM to the tenant's
on-premise prefix is encapsulated in Ethernet/IPv4/UDP/VXLAN towards the
site VTEP. The outer UDP source port is a hash of the inner addresses
(don't-care nibbles); the outer UDP checksum is 0.
""")
    t.add("vpn_encap", [("onprem_prefix", "0xac100000/16")], "encap",
          [("tenant", "7"), ("vni", h(VNI_T7, 24)), ("local_vtep", a32(GW_VTEP)),
           ("remote_vtep", a32(SITE_VTEP)), ("port", str(EXT)),
           ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SITE_MAC))])
    t.add("vpn_encap", [("onprem_prefix", "0xac110000/16")], "encap",
          [("tenant", "8"), ("vni", h(VNI_T8, 24)), ("local_vtep", a32(GW_VTEP)),
           ("remote_vtep", a32(SITE2_VTEP)), ("port", str(EXT)),
           ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SITE_MAC))])

    vm = host_pkt("02:00:00:00:07:09")

    def encapsulated(inner_out, remote, vni):
        udp_len = 8 + 8 + len(inner_out)
        outer_ip = ipv4_header(GW_VTEP, remote, PROTO_UDP, udp_len, ttl=64)
        return (ethernet(SITE_MAC, SW_MAC) + outer_ip
                + u16(0) + u16(4789) + u16(udp_len) + u16(0) + vxlan(vni)
                + inner_out)

    dns = vm.udp("10.7.0.9", "172.16.1.5", 5353, 53, payload=b"\x12\x34query", ident=7)
    dns_inner = vm.udp("10.7.0.9", "172.16.1.5", 5353, 53, payload=b"\x12\x34query",
                       ident=7, ttl=63)
    sport_bytes = [(14 + 20, 2)]    # outer UDP source port: hash, not checked
    t.comment("UDP to tenant 7's on-premise prefix: encapsulated with VNI 5001 towards 192.0.2.10.")
    t.packet(INT, dns)
    t.expect(EXT, encapsulated(dns_inner, SITE_VTEP, VNI_T7), dont_care=sport_bytes)

    web = vm.tcp("10.8.0.3", "172.17.2.2", 40000, 443, seq=1, ack=1,
                 payload=b"GET / HTTP/1.1\r\n", ident=9)
    web_inner = vm.tcp("10.8.0.3", "172.17.2.2", 40000, 443, seq=1, ack=1,
                       payload=b"GET / HTTP/1.1\r\n", ident=9, ttl=63)
    t.comment("TCP to tenant 8's prefix: VNI 6001 towards 192.0.2.20 (TCP is carried as payload).")
    t.packet(INT, web)
    t.expect(EXT, encapsulated(web_inner, SITE2_VTEP, VNI_T8), dont_care=sport_bytes)
    t.check_counter("tenant_pkts", 7, 1)
    t.check_counter("tenant_pkts", 8, 1)

    t.comment("No on-premise route for 172.18.0.1: dropped (vpn_drops[3]).")
    t.packet(INT, vm.udp("10.7.0.9", "172.18.0.1", 5353, 53, payload=b"x"))
    t.check_counter("vpn_drops", 3, 1)

    t.comment("TTL 1: dropped (vpn_drops[4]).")
    t.packet(INT, vm.udp("10.7.0.9", "172.16.1.5", 5353, 53, ttl=1))
    t.check_counter("vpn_drops", 4, 1)

    t.comment("IPv4 options (record route, ihl 6): dropped (vpn_drops[6]).")
    t.packet(INT, vm.udp("10.7.0.9", "172.16.1.5", 5353, 53, payload=b"x",
                         ip_options=b"\x07\x03\x04\x00"))
    t.check_counter("vpn_drops", 6, 1)

    t.comment("Truncated UDP header, and a non-IPv4 frame: dropped (vpn_drops[0]).")
    t.packet(INT, truncate(dns, 14 + 20 + 4), valid=False)
    t.packet(INT, ethernet(SW_MAC, "02:00:00:00:07:09", 0x0806) + bytes(28), valid=False)
    t.check_counter("vpn_drops", 0, 2)
    t.check_counter("tenant_pkts", 7, 1)
    tests.append(t)
    return tests


# ------------------------------------------------------------------------ nat

CLIENT = "198.51.100.20"
VIP = "198.18.0.10"
PRIV = "10.18.0.5"
SVC_MAC = "02:00:00:00:18:05"


def gen_nat():
    tests = []
    t = Stf("nat_translate", """
nat: per-flow NAPT both ways. Inbound client -> VIP:443 becomes
client -> 10.18.0.5:8443; the reply 10.18.0.5:8443 -> client becomes
VIP:443 -> client. IPv4 and TCP/UDP checksums are recomputed (TCP options and
payload included); a UDP datagram without a checksum keeps none.
""")
    fwd_in = [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SVC_MAC))]
    fwd_out = [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))]
    t.add("nat_inbound", [("client_addr", a32(CLIENT)), ("public_addr", a32(VIP)),
                          ("protocol", h(6, 8)), ("client_port", h(40000, 16)),
                          ("public_port", h(443, 16))],
          "dnat", [("private_addr", a32(PRIV)), ("private_port", h(8443, 16))] + fwd_in)
    t.add("nat_outbound", [("private_addr", a32(PRIV)), ("client_addr", a32(CLIENT)),
                           ("protocol", h(6, 8)), ("private_port", h(8443, 16)),
                           ("client_port", h(40000, 16))],
          "snat", [("public_addr", a32(VIP)), ("public_port", h(443, 16))] + fwd_out)
    t.add("nat_inbound", [("client_addr", a32(CLIENT)), ("public_addr", a32(VIP)),
                          ("protocol", h(17, 8)), ("client_port", h(5000, 16)),
                          ("public_port", h(53, 16))],
          "dnat", [("private_addr", a32("10.18.0.6")), ("private_port", h(5353, 16))] + fwd_in)
    t.add("nat_inbound", [("client_addr", a32(CLIENT)), ("public_addr", a32(VIP)),
                          ("protocol", h(17, 8)), ("client_port", h(5001, 16)),
                          ("public_port", h(53, 16))],
          "dnat", [("private_addr", a32("10.18.0.6")), ("private_port", h(5353, 16))] + fwd_in)

    mss = b"\x02\x04\x05\xb4"            # MSS 1460
    payload = b"\x16\x03\x01\x00\x05hello"
    t.comment("Inbound TCP with an MSS option and data: destination translated.")
    t.packet(EXT, ext_pkt().tcp(CLIENT, VIP, 40000, 443, seq=0x01020304, ack=0x0a0b0c0d,
                                flags=TCP_ACK | TCP_PSH, options=mss, payload=payload,
                                ident=0x4242))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC_MAC).tcp(
        CLIENT, PRIV, 40000, 8443, seq=0x01020304, ack=0x0a0b0c0d,
        flags=TCP_ACK | TCP_PSH, options=mss, payload=payload, ident=0x4242, ttl=63))

    t.comment("Outbound reply: source translated back to the VIP.")
    t.packet(INT, host_pkt(SVC_MAC).tcp(PRIV, CLIENT, 8443, 40000, seq=77, ack=0x01020311,
                                        payload=b"world", ident=0x99))
    t.expect(EXT, Pkt(smac=SW_MAC, dmac=UPLINK_MAC).tcp(
        VIP, CLIENT, 443, 40000, seq=77, ack=0x01020311, payload=b"world",
        ident=0x99, ttl=63))

    t.comment("Inbound UDP with a checksum, and one without (checksum stays 0).")
    t.packet(EXT, ext_pkt().udp(CLIENT, VIP, 5000, 53, payload=b"\xab\xcd\x01\x00dns?"))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC_MAC).udp(
        CLIENT, "10.18.0.6", 5000, 5353, payload=b"\xab\xcd\x01\x00dns?", ttl=63))
    t.packet(EXT, ext_pkt().udp(CLIENT, VIP, 5001, 53, payload=b"nocsum", udp_checksum=False))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC_MAC).udp(
        CLIENT, "10.18.0.6", 5001, 5353, payload=b"nocsum", ttl=63, udp_checksum=False))
    t.check_counter("nat_drops", 3, 0)
    tests.append(t)

    t = Stf("nat_miss", """
nat: packets of connections without a mapping are reported to the control
plane (digest nat_miss_t) and dropped; once the control plane has installed
the mapping, the retransmission is translated.
""")
    syn = ext_pkt().tcp(CLIENT, VIP, 40001, 443, seq=5000, ack=0, flags=TCP_SYN,
                        window=64240, options=b"\x02\x04\x05\xb4")
    t.comment("New connection: no mapping, dropped (nat_drops[3]), digest sent.")
    t.packet(EXT, syn)
    t.comment("Outbound packet of an unknown connection: dropped too.")
    t.packet(INT, host_pkt(SVC_MAC).tcp(PRIV, CLIENT, 8443, 40001, seq=1, ack=1))
    t.check_counter("nat_drops", 3, 2)
    t.comment("The control plane installs the mapping; the retransmitted SYN goes through.")
    t.add("nat_inbound", [("client_addr", a32(CLIENT)), ("public_addr", a32(VIP)),
                          ("protocol", h(6, 8)), ("client_port", h(40001, 16)),
                          ("public_port", h(443, 16))],
          "dnat", [("private_addr", a32(PRIV)), ("private_port", h(8443, 16)),
                   ("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SVC_MAC))])
    t.packet(EXT, syn)
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC_MAC).tcp(
        CLIENT, PRIV, 40001, 8443, seq=5000, ack=0, flags=TCP_SYN, window=64240,
        options=b"\x02\x04\x05\xb4", ttl=63))
    t.check_counter("nat_drops", 3, 2)
    tests.append(t)

    t = Stf("nat_malformed", """
nat: malformed and unsupported packets are dropped and counted by reason in
nat_drops: 0 parser error (truncated TCP header), 1 bad IPv4 checksum,
2 not TCP/UDP (ICMP), 4 TTL expired, 5 IPv4 options.
""")
    good = ext_pkt().tcp(CLIENT, VIP, 40000, 443, seq=1, ack=1, payload=b"abc")
    t.packet(EXT, truncate(good, 14 + 20 + 12), valid=False)
    t.packet(EXT, truncate(good, 14 + 8), valid=False)
    t.check_counter("nat_drops", 0, 2)
    t.packet(EXT, ext_pkt().tcp(CLIENT, VIP, 40000, 443, ip_checksum=0x1234), valid=False)
    t.check_counter("nat_drops", 1, 1)
    t.packet(EXT, ext_pkt().icmp_echo(CLIENT, VIP))
    t.check_counter("nat_drops", 2, 1)
    t.packet(EXT, ext_pkt().tcp(CLIENT, VIP, 40000, 443, ttl=1))
    t.check_counter("nat_drops", 4, 1)
    t.packet(EXT, ext_pkt().tcp(CLIENT, VIP, 40000, 443, ip_options=b"\x01\x01\x01\x00"))
    t.check_counter("nat_drops", 5, 1)
    tests.append(t)
    return tests


# ------------------------------------------------------------------------ acl

SVC1 = "10.20.1.10"
SVC1_MAC = "02:00:00:00:20:10"


def gen_acl():
    tests = []
    t = Stf("acl_rules", """
acl: tenant 1 owns 10.20.1.0/24, tenant 2 owns 10.20.2.0/24. Tenant 1's
rules (larger priority wins):
  100 deny   src 192.0.2.0/24
   50 permit tcp to 10.20.1.10 dport 443
   45 permit tcp from 10.20.1.0/24 sport 443 (replies)
   40 permit udp dport 53..53
default deny. Denied packets count in acl_dropped[tenant].
""")
    t.add("acl_tenant", [("service_prefix", "0x0a140100/24")], "set_tenant", [("tenant", "1")])
    t.add("acl_tenant", [("service_prefix", "0x0a140200/24")], "set_tenant", [("tenant", "2")])
    t.add("acl_route", [("dst_prefix", "0x0a140000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SVC1_MAC))])
    t.add("acl_route", [("dst_prefix", "0x00000000/0")], "route",
          [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    any32 = "0x********"
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", "0xc00002**"), ("dst_addr", any32),
                        ("protocol", "0x**"), ("src_port", "0->65535"),
                        ("dst_port", "0->65535")], "deny", prio=100)
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", any32), ("dst_addr", a32(SVC1)),
                        ("protocol", "0x06"), ("src_port", "0->65535"),
                        ("dst_port", "443->443")], "permit", prio=50)
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", "0x0a1401**"), ("dst_addr", any32),
                        ("protocol", "0x06"), ("src_port", "443->443"),
                        ("dst_port", "0->65535")], "permit", prio=45)
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", any32), ("dst_addr", any32),
                        ("protocol", "0x11"), ("src_port", "0->65535"),
                        ("dst_port", "53->53")], "permit", prio=40)

    cl = "198.51.100.20"
    t.comment("HTTPS to the service: permitted (priority 50), routed to the service VM.")
    t.packet(EXT, ext_pkt().tcp(cl, SVC1, 40000, 443, payload=b"hi", ident=1))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC1_MAC).tcp(cl, SVC1, 40000, 443, payload=b"hi",
                                                       ident=1, ttl=63))
    t.comment("The reply: permitted (priority 45), routed to the uplink.")
    t.packet(INT, host_pkt(SVC1_MAC).tcp(SVC1, cl, 443, 40000, payload=b"ok", ident=2))
    t.expect(EXT, Pkt(smac=SW_MAC, dmac=UPLINK_MAC).tcp(SVC1, cl, 443, 40000, payload=b"ok",
                                                         ident=2, ttl=63))
    t.comment("HTTPS from 192.0.2.33: the priority-100 deny wins over the permit.")
    t.packet(EXT, ext_pkt().tcp("192.0.2.33", SVC1, 40000, 443))
    t.check_counter("acl_dropped", 1, 1)
    t.comment("SSH to the service: no rule, default deny.")
    t.packet(EXT, ext_pkt().tcp(cl, SVC1, 40000, 22))
    t.check_counter("acl_dropped", 1, 2)
    t.comment("DNS to any tenant-1 address: permitted by the port range rule.")
    t.packet(EXT, ext_pkt().udp(cl, "10.20.1.53", 5000, 53, payload=b"q", ident=3))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC1_MAC).udp(cl, "10.20.1.53", 5000, 53, payload=b"q",
                                                       ident=3, ttl=63))
    t.comment("DNS to the wrong port range (54): denied.")
    t.packet(EXT, ext_pkt().udp(cl, "10.20.1.53", 5000, 54, payload=b"q"))
    t.check_counter("acl_dropped", 1, 3)
    t.comment("Tenant 2 has no rules: denied and counted for tenant 2.")
    t.packet(EXT, ext_pkt().tcp(cl, "10.20.2.10", 40000, 443))
    t.check_counter("acl_dropped", 2, 1)
    t.comment("No tenant owns 10.20.9.0/24: denied, counted in acl_dropped[0].")
    t.packet(EXT, ext_pkt().tcp(cl, "10.20.9.1", 40000, 443))
    t.check_counter("acl_dropped", 0, 1)
    tests.append(t)

    t = Stf("acl_flows", """
acl: per-flow verdicts in acl_flow override the tenant's rules; the control
plane pins a blocked attacker and an allowed admin session.
""")
    t.add("acl_tenant", [("service_prefix", "0x0a140100/24")], "set_tenant", [("tenant", "1")])
    t.add("acl_route", [("dst_prefix", "0x0a140000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SVC1_MAC))])
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", "0x********"), ("dst_addr", a32(SVC1)),
                        ("protocol", "0x06"), ("src_port", "0->65535"),
                        ("dst_port", "443->443")], "permit", prio=50)
    t.add("acl_flow", [("src_addr", a32("198.51.100.66")), ("dst_addr", a32(SVC1)),
                       ("protocol", "0x06"), ("src_port", h(5555, 16)),
                       ("dst_port", h(443, 16))], "deny")
    t.add("acl_flow", [("src_addr", a32("198.51.100.2")), ("dst_addr", a32(SVC1)),
                       ("protocol", "0x06"), ("src_port", h(50022, 16)),
                       ("dst_port", h(22, 16))], "permit")
    t.comment("Pinned deny: the rule list would permit it.")
    t.packet(EXT, ext_pkt().tcp("198.51.100.66", SVC1, 5555, 443))
    t.check_counter("acl_dropped", 1, 1)
    t.comment("The same client on another source port follows the rules: permitted.")
    t.packet(EXT, ext_pkt().tcp("198.51.100.66", SVC1, 5556, 443, ident=5))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC1_MAC).tcp("198.51.100.66", SVC1, 5556, 443,
                                                       ident=5, ttl=63))
    t.comment("Pinned permit: SSH from the admin host, which no rule allows.")
    t.packet(EXT, ext_pkt().tcp("198.51.100.2", SVC1, 50022, 22, ident=6))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC1_MAC).tcp("198.51.100.2", SVC1, 50022, 22,
                                                       ident=6, ttl=63))
    t.comment("The control plane lifts the block (the pinned entry becomes a permit\n"
              "for a second flow of the attacker, added now): permitted.")
    t.add("acl_flow", [("src_addr", a32("198.51.100.66")), ("dst_addr", a32(SVC1)),
                       ("protocol", "0x06"), ("src_port", h(5557, 16)),
                       ("dst_port", h(22, 16))], "permit")
    t.packet(EXT, ext_pkt().tcp("198.51.100.66", SVC1, 5557, 22, ident=7))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SVC1_MAC).tcp("198.51.100.66", SVC1, 5557, 22,
                                                       ident=7, ttl=63))
    t.check_counter("acl_dropped", 1, 1)
    tests.append(t)

    t = Stf("acl_malformed", """
acl: malformed packets are denied and counted in acl_dropped[0]: truncated
IPv4 header, truncated ports, bad checksum, IPv4 options, TTL 1. A permitted
packet without a route is dropped and counted there too.
""")
    t.add("acl_tenant", [("service_prefix", "0x0a140100/24")], "set_tenant", [("tenant", "1")])
    t.add("acl_rules", [("tenant", "0x0001"), ("src_addr", "0x********"),
                        ("dst_addr", "0x********"), ("protocol", "0x**"),
                        ("src_port", "0->65535"), ("dst_port", "0->65535")], "permit", prio=1)
    good = ext_pkt().tcp("198.51.100.20", SVC1, 40000, 443)
    t.packet(EXT, truncate(good, 14 + 12), valid=False)
    t.packet(EXT, truncate(good, 14 + 20 + 2), valid=False)
    t.packet(EXT, ext_pkt().tcp("198.51.100.20", SVC1, 40000, 443, ip_checksum=0), valid=False)
    t.packet(EXT, ext_pkt().tcp("198.51.100.20", SVC1, 40000, 443,
                                ip_options=b"\x01\x01\x01\x00"))
    t.packet(EXT, ext_pkt().tcp("198.51.100.20", SVC1, 40000, 443, ttl=1))
    t.check_counter("acl_dropped", 0, 5)
    t.comment("Permitted by the catch-all rule but acl_route is empty: dropped, acl_dropped[0].")
    t.packet(EXT, good)
    t.check_counter("acl_dropped", 0, 6)
    t.check_counter("acl_dropped", 1, 0)
    tests.append(t)
    return tests


# -------------------------------------------------------------------- univmon

UM_LEVELS = 8
UM_COLS = 2048


def um_key(src, dst, proto, sport, dport):
    return u32(ip(src)) + u32(ip(dst)) + u8(proto) + u16(sport) + u16(dport)


def um_updates(key):
    """[(register, column, delta)] for one packet with flow key bytes `key`."""
    hs = crc32(key)
    depth = 0
    while depth < UM_LEVELS - 1 and (hs >> depth) & 1:
        depth += 1
    ups = []
    for level in range(depth + 1):
        for row in range(3):
            seed = ((level + 1) << 8) | (row + 1)
            hr = crc32(u32(seed) + key)
            ups.append(("cs_l%d_r%d" % (level, row), hr & 0x7FF, -1 if hr >> 31 else 1))
    return depth, ups


def gen_univmon():
    tests = []
    t = Stf("univmon_sketch", """
univmon: every packet of the class updates the count sketch of each level
its key is sampled into (level j: the j lowest bits of crc32(5-tuple) are 1)
and is routed by ipv4_route. The expected register cells are computed with
zlib's CRC-32 (BMv2's crc32) by tools/gen_stf.py.
""")
    t.add("ipv4_route", [("dst_prefix", "0x00000000/0")], "route",
          [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])

    # Two flows: A sampled into at least level 2, B into level 0 only.
    def find(pred, base_sport):
        for sp in range(base_sport, base_sport + 5000):
            k = um_key("10.30.0.1", "198.51.100.9", PROTO_UDP, sp, 53)
            d, ups = um_updates(k)
            if pred(d, ups):
                return sp, d, ups
        raise SystemExit("no key found")

    sp_a, depth_a, ups_a = find(lambda d, u: d >= 2, 20000)
    sp_b, depth_b, ups_b = find(lambda d, u: d == 0, 30000)
    cells = {}
    for ups, n in ((ups_a, 2), (ups_b, 1)):
        for reg, col, delta in ups:
            cells[(reg, col)] = cells.get((reg, col), 0) + n * delta

    host = host_pkt("02:00:00:00:30:01")
    for sp, n in ((sp_a, 2), (sp_b, 1)):
        for i in range(n):
            t.comment("Flow 10.30.0.1:%d -> 198.51.100.9:53, packet %d." % (sp, i + 1))
            t.packet(INT, host.udp("10.30.0.1", "198.51.100.9", sp, 53, payload=b"m", ident=i))
            t.expect(EXT, Pkt(smac=SW_MAC, dmac=UPLINK_MAC).udp(
                "10.30.0.1", "198.51.100.9", sp, 53, payload=b"m", ident=i, ttl=63))
    t.comment("Per-level packet counts: flow A reaches level %d, flow B level %d." % (depth_a, depth_b))
    for level in range(UM_LEVELS):
        n = (2 if level <= depth_a else 0) + (1 if level <= depth_b else 0)
        t.check_counter("level_packets", level, n)
    t.comment("Count-sketch cells (int<32>, written as two's complement when negative).")
    for (reg, col), v in sorted(cells.items()):
        t.register_read(reg, col, str(v) if v >= 0 else "0x%08x" % (v & 0xFFFFFFFF))
    tests.append(t)

    t = Stf("univmon_drops", """
univmon: packets without a route are still measured, then dropped
(univmon_drops[1]); malformed packets are dropped unmeasured
(univmon_drops[0]).
""")
    k = um_key("10.30.0.2", "198.51.100.9", PROTO_TCP, 1234, 80)
    _, ups = um_updates(k)
    t.packet(INT, host_pkt("02:00:00:00:30:02").tcp("10.30.0.2", "198.51.100.9", 1234, 80))
    t.check_counter("univmon_drops", 1, 1)
    t.check_counter("level_packets", 0, 1)
    for reg, col, delta in ups:
        if reg.startswith("cs_l0"):
            t.register_read(reg, col, "1" if delta > 0 else "0xffffffff")
    good = host_pkt("02:00:00:00:30:02").tcp("10.30.0.2", "198.51.100.9", 1234, 80)
    t.packet(INT, truncate(good, 14 + 19), valid=False)
    t.packet(INT, truncate(good, 14 + 20 + 3), valid=False)
    t.packet(INT, host_pkt("02:00:00:00:30:02").tcp("10.30.0.2", "198.51.100.9", 1234, 80,
                                                    ip_checksum=0xffff), valid=False)
    t.check_counter("univmon_drops", 0, 3)
    t.check_counter("level_packets", 0, 1)
    tests.append(t)
    return tests


# --------------------------------------------------------------------- vm_nat

VM_PRIV = "10.1.0.5"
VM_PUB = "198.19.0.5"
VM_MAC = "02:00:00:01:00:05"
REMOTE = "203.0.113.200"


def find_zero_udp_payload(src, dst, sport, dport):
    """A 2-byte payload whose UDP checksum, after the outbound translation
    (src -> VM_PUB, sport -> 61000), computes to 0 and must be sent as 0xffff."""
    for w in range(65536):
        pl = struct.pack("!H", w) + b"zz"
        d = udp_datagram(VM_PUB, dst, 61000, dport, pl, checksum=0)
        c = csum16(struct.pack("!IIBBH", ip(VM_PUB), ip(dst), 0, PROTO_UDP, len(d)) + d)
        if c == 0:
            return pl
    raise SystemExit("no payload found")


def gen_vm_nat():
    tests = []
    t = Stf("vm_nat_translate", """
vm_nat: VM 10.1.0.5 has the endpoint-independent mappings
(10.1.0.5, 33000, tcp) <-> (198.19.0.5, 61000) and
(10.1.0.5, 33001, udp) <-> (198.19.0.5, 61001). Checksums are updated
incrementally by the program; the expected packets here are built with
checksums computed from scratch.
""")
    out_fwd = [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))]
    in_fwd = [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(VM_MAC))]
    for proto, priv_port, pub_port in ((6, 33000, 61000), (17, 33001, 61001)):
        t.add("vm_nat_out", [("private_addr", a32(VM_PRIV)), ("private_port", h(priv_port, 16)),
                             ("protocol", h(proto, 8))],
              "snat", [("vm", "5"), ("public_addr", a32(VM_PUB)),
                       ("public_port", h(pub_port, 16))] + out_fwd)
        t.add("vm_nat_in", [("public_addr", a32(VM_PUB)), ("public_port", h(pub_port, 16)),
                            ("protocol", h(proto, 8))],
              "dnat", [("vm", "5"), ("private_addr", a32(VM_PRIV)),
                       ("private_port", h(priv_port, 16))] + in_fwd)
    vm = host_pkt(VM_MAC)
    up = Pkt(smac=SW_MAC, dmac=UPLINK_MAC)
    down = Pkt(smac=SW_MAC, dmac=VM_MAC)

    t.comment("Outbound TCP: source becomes 198.19.0.5:61000.")
    t.packet(INT, vm.tcp(VM_PRIV, REMOTE, 33000, 443, seq=11, ack=22, payload=b"client hello",
                         ident=0x1111))
    t.expect(EXT, up.tcp(VM_PUB, REMOTE, 61000, 443, seq=11, ack=22, payload=b"client hello",
                         ident=0x1111, ttl=63))
    t.comment("Inbound TCP to the mapping, from any remote (endpoint-independent).")
    for remote in (REMOTE, "192.0.2.99"):
        t.packet(EXT, ext_pkt().tcp(remote, VM_PUB, 443, 61000, seq=33, ack=44,
                                    payload=b"server hello", ident=0x2222))
        t.expect(INT, down.tcp(remote, VM_PRIV, 443, 33000, seq=33, ack=44,
                               payload=b"server hello", ident=0x2222, ttl=63))
    t.comment("Outbound UDP with a checksum, and without one (stays 0).")
    t.packet(INT, vm.udp(VM_PRIV, REMOTE, 33001, 123, payload=b"ntp-req!", ident=5))
    t.expect(EXT, up.udp(VM_PUB, REMOTE, 61001, 123, payload=b"ntp-req!", ident=5, ttl=63))
    t.packet(INT, vm.udp(VM_PRIV, REMOTE, 33001, 123, payload=b"nocsum", ident=6,
                         udp_checksum=False))
    t.expect(EXT, up.udp(VM_PUB, REMOTE, 61001, 123, payload=b"nocsum", ident=6, ttl=63,
                         udp_checksum=False))
    t.comment("Inbound TCP with IPv4 options (NOPs, ihl 6): translated, options kept.")
    opts = b"\x01\x01\x01\x00"
    t.packet(EXT, ext_pkt().tcp(REMOTE, VM_PUB, 443, 61000, seq=1, ack=2, payload=b"o",
                                ident=7, ip_options=opts))
    t.expect(INT, down.tcp(REMOTE, VM_PRIV, 443, 33000, seq=1, ack=2, payload=b"o", ident=7,
                           ttl=63, ip_options=opts))
    t.check_counter("vm_traffic", 5, 6)
    tests.append(t)

    t = Stf("vm_nat_udp_zero", """
vm_nat: a translated UDP checksum that computes to 0 must be sent as 0xffff
(RFC 768). The payload is chosen by tools/gen_stf.py so that it does.
""")
    t.add("vm_nat_out", [("private_addr", a32(VM_PRIV)), ("private_port", h(33001, 16)),
                         ("protocol", h(17, 8))],
          "snat", [("vm", "5"), ("public_addr", a32(VM_PUB)), ("public_port", h(61000, 16)),
                   ("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    pl = find_zero_udp_payload(VM_PRIV, REMOTE, 33001, 4000)
    inp = vm.udp(VM_PRIV, REMOTE, 33001, 4000, payload=pl, ident=9)
    exp = up.udp(VM_PUB, REMOTE, 61000, 4000, payload=pl, ident=9, ttl=63)
    assert exp[14 + 20 + 6:14 + 20 + 8] == b"\xff\xff", exp.hex()
    t.packet(INT, inp)
    t.expect(EXT, exp)
    tests.append(t)

    t = Stf("vm_nat_miss", """
vm_nat: an outbound packet without a mapping is reported (digest
vm_nat_miss_t) and dropped; an unsolicited inbound packet is dropped. Both
count in vm_nat_drops[3]. Malformed packets count by reason: 0 parser error,
1 bad checksum, 2 not TCP/UDP, 4 TTL.
""")
    t.packet(INT, vm.tcp(VM_PRIV, REMOTE, 34000, 443, flags=TCP_SYN))
    t.packet(EXT, ext_pkt().tcp(REMOTE, VM_PUB, 443, 62000, flags=TCP_SYN))
    t.check_counter("vm_nat_drops", 3, 2)
    t.comment("The control plane creates the mapping; the SYN is retransmitted.")
    t.add("vm_nat_out", [("private_addr", a32(VM_PRIV)), ("private_port", h(34000, 16)),
                         ("protocol", h(6, 8))],
          "snat", [("vm", "5"), ("public_addr", a32(VM_PUB)), ("public_port", h(62000, 16)),
                   ("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    t.packet(INT, vm.tcp(VM_PRIV, REMOTE, 34000, 443, flags=TCP_SYN, seq=99, ack=0))
    t.expect(EXT, up.tcp(VM_PUB, REMOTE, 62000, 443, flags=TCP_SYN, seq=99, ack=0, ttl=63))
    t.check_counter("vm_traffic", 5, 1)
    good = vm.tcp(VM_PRIV, REMOTE, 34000, 443)
    t.packet(INT, truncate(good, 14 + 20 + 10), valid=False)
    t.comment("ihl 4 is shorter than an IPv4 header: verify() fails in the parser.")
    bad_ihl = bytearray(good)
    bad_ihl[14] = 0x44
    t.packet(INT, bytes(bad_ihl), valid=False)
    t.check_counter("vm_nat_drops", 0, 2)
    t.packet(INT, vm.tcp(VM_PRIV, REMOTE, 34000, 443, ip_checksum=0xabcd), valid=False)
    t.check_counter("vm_nat_drops", 1, 1)
    t.packet(INT, vm.icmp_echo(VM_PRIV, REMOTE))
    t.check_counter("vm_nat_drops", 2, 1)
    t.packet(INT, vm.tcp(VM_PRIV, REMOTE, 34000, 443, ttl=1))
    t.check_counter("vm_nat_drops", 4, 1)
    t.check_counter("vm_traffic", 5, 1)
    tests.append(t)
    return tests


# ---------------------------------------------------------------- stateful_fw

FW_VM = "10.2.0.7"
FW_VM_MAC = "02:00:00:02:00:07"
FW_REMOTE = "198.51.100.9"


def fw_index(addr):
    return crc32(u32(ip(addr))) % 65536


def gen_fw():
    tests = []
    t = Stf("stateful_fw_connection", """
stateful_fw: an outbound SYN opens a connection (digest to the control
plane, which inserts it into conn_table); inbound packets pass only for
connections in conn_table. src_pkt_count[crc32(srcAddr) % 65536] counts
every packet by source address.
""")
    t.add("fw_route", [("dst_prefix", "0x0a020000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(FW_VM_MAC))])
    t.add("fw_route", [("dst_prefix", "0x00000000/0")], "route",
          [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    vm = host_pkt(FW_VM_MAC)
    up = Pkt(smac=SW_MAC, dmac=UPLINK_MAC)
    down = Pkt(smac=SW_MAC, dmac=FW_VM_MAC)
    mss = b"\x02\x04\x05\xb4"

    t.comment("Outbound SYN: forwarded (and reported with a digest).")
    t.packet(INT, vm.tcp(FW_VM, FW_REMOTE, 40000, 443, seq=1000, ack=0, flags=TCP_SYN,
                         options=mss, ident=1))
    t.expect(EXT, up.tcp(FW_VM, FW_REMOTE, 40000, 443, seq=1000, ack=0, flags=TCP_SYN,
                         options=mss, ident=1, ttl=63))
    t.comment("The SYN-ACK arrives before the control plane has inserted the\n"
              "connection: blocked (fw_blocked[2]).")
    synack = ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40000, seq=5000, ack=1001,
                           flags=TCP_SYN | TCP_ACK, options=mss, ident=2)
    t.packet(EXT, synack)
    t.check_counter("fw_blocked", 2, 1)
    t.comment("The control plane inserts the connection (key seen from the VM).")
    t.add("conn_table", [("vm_addr", a32(FW_VM)), ("remote_addr", a32(FW_REMOTE)),
                         ("protocol", "0x06"), ("vm_port", h(40000, 16)),
                         ("remote_port", h(443, 16))], "established")
    t.packet(EXT, synack)
    t.expect(INT, down.tcp(FW_REMOTE, FW_VM, 443, 40000, seq=5000, ack=1001,
                           flags=TCP_SYN | TCP_ACK, options=mss, ident=2, ttl=63))
    t.comment("Outbound ACK and inbound data of the connection: forwarded.")
    t.packet(INT, vm.tcp(FW_VM, FW_REMOTE, 40000, 443, seq=1001, ack=5001, ident=3))
    t.expect(EXT, up.tcp(FW_VM, FW_REMOTE, 40000, 443, seq=1001, ack=5001, ident=3, ttl=63))
    t.packet(EXT, ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40000, seq=5001, ack=1001,
                                payload=b"data", ident=4))
    t.expect(INT, down.tcp(FW_REMOTE, FW_VM, 443, 40000, seq=5001, ack=1001, payload=b"data",
                           ident=4, ttl=63))
    t.comment("Inbound TCP to another port of the VM, and inbound UDP: blocked.")
    t.packet(EXT, ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40001, flags=TCP_SYN))
    t.packet(EXT, ext_pkt().udp(FW_REMOTE, FW_VM, 53, 40000, payload=b"x"))
    t.check_counter("fw_blocked", 2, 2)
    t.check_counter("fw_blocked", 1, 1)
    t.comment("Outbound UDP is allowed without state.")
    t.packet(INT, vm.udp(FW_VM, FW_REMOTE, 40000, 53, payload=b"q", ident=5))
    t.expect(EXT, up.udp(FW_VM, FW_REMOTE, 40000, 53, payload=b"q", ident=5, ttl=63))
    t.comment("Per-source counters: the VM sent 3 packets, the remote 5 (allowed or not).")
    vi, ri = fw_index(FW_VM), fw_index(FW_REMOTE)
    assert vi != ri
    t.register_read("src_pkt_count", vi, "3")
    t.register_read("src_pkt_count", ri, "5")
    tests.append(t)

    t = Stf("stateful_fw_malformed", """
stateful_fw: malformed packets are blocked (fw_blocked[0]) before they are
counted; a packet with no route is blocked (fw_blocked[3]).
""")
    good = ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40000)
    t.packet(EXT, truncate(good, 14 + 20 + 19), valid=False)
    t.packet(EXT, truncate(good, 13), valid=False)
    t.packet(EXT, ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40000, ip_checksum=0x0001), valid=False)
    t.packet(EXT, ext_pkt().tcp(FW_REMOTE, FW_VM, 443, 40000, ttl=1))
    t.check_counter("fw_blocked", 0, 4)
    t.register_read("src_pkt_count", fw_index(FW_REMOTE), "0")
    t.comment("Outbound, allowed, but fw_route is empty.")
    t.packet(INT, host_pkt(FW_VM_MAC).tcp(FW_VM, FW_REMOTE, 40000, 443))
    t.check_counter("fw_blocked", 3, 1)
    t.register_read("src_pkt_count", fw_index(FW_VM), "1")
    tests.append(t)
    return tests


# ------------------------------------------------------------------ syn_proxy

CLI = "198.51.100.7"
SRV = "10.3.0.10"
SRV_MAC = "02:00:00:03:00:10"
CLI_MAC = "02:00:00:00:c1:01"
SECRET = 0x5EED1234


def cookie(client, server, cport, sport, secret=SECRET):
    return crc32(u32(secret) + u32(ip(client)) + u32(ip(server)) + u16(cport) + u16(sport))


def bare_tcp(smac, dmac, src, dst, sport, dport, seq, ack, flags, window, ttl):
    """What the proxy generates: no options, no data, id 0, DF."""
    seg = tcp_segment(src, dst, sport, dport, seq=seq, ack=ack, flags=flags, window=window)
    return (ethernet(dmac, smac)
            + ipv4_header(src, dst, PROTO_TCP, len(seg), ttl=ttl, ident=0, flags=0x2)
            + seg)


def gen_syn_proxy():
    tests = []
    t = Stf("syn_proxy_handshake", """
syn_proxy: the full handshake. The client's SYN is answered by the switch
with a SYN cookie; the client's ACK opens the server side; the server's
SYN-ACK is acknowledged by the switch and reported; the control plane
installs the flow's seq_translate entries; data then flows both ways with
sequence numbers translated (delta = server ISN - cookie).
""")
    t.register_write("cookie_secret", 0, "0x%08x" % SECRET)
    t.add("proxy_route", [("dst_prefix", "0x0a030000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SRV_MAC))])
    cli = Pkt(smac=CLI_MAC, dmac=SW_MAC)
    srv = Pkt(smac=SRV_MAC, dmac=SW_MAC)
    c = cookie(CLI, SRV, 50000, 80)
    isn_c, isn_s = 1000, 7000

    t.comment("1. Client SYN (with MSS and window-scale options): SYN-ACK with the cookie\n"
              "   %#010x, sent back out of port %d, 54 bytes." % (c, EXT))
    opts = b"\x02\x04\x05\xb4\x01\x03\x03\x07"
    t.packet(EXT, cli.tcp(CLI, SRV, 50000, 80, seq=isn_c, ack=0, flags=TCP_SYN, window=64240,
                          options=opts, ident=0x3333, ttl=55))
    t.expect(EXT, bare_tcp(SW_MAC, CLI_MAC, SRV, CLI, 80, 50000, c, isn_c + 1,
                           TCP_SYN | TCP_ACK, 65535, 64))
    t.comment("2. Client ACK with the right cookie: becomes a SYN to the server (seq = client ISN).")
    t.packet(EXT, cli.tcp(CLI, SRV, 50000, 80, seq=isn_c + 1, ack=(c + 1) & 0xFFFFFFFF,
                          flags=TCP_ACK, window=502, ident=0x3334, ttl=55))
    t.expect(INT, bare_tcp(SW_MAC, SRV_MAC, CLI, SRV, 50000, 80, isn_c, 0, TCP_SYN, 502, 54))
    t.comment("3. Server SYN-ACK: acknowledged by the switch, back out of port %d." % INT)
    t.packet(INT, srv.tcp(SRV, CLI, 80, 50000, seq=isn_s, ack=isn_c + 1,
                          flags=TCP_SYN | TCP_ACK, window=29200, options=b"\x02\x04\x05\xb4",
                          ident=0x4444))
    t.expect(INT, bare_tcp(SW_MAC, SRV_MAC, CLI, SRV, 50000, 80, isn_c + 1, isn_s + 1,
                           TCP_ACK, 29200, 64))
    delta = (isn_s - c) & 0xFFFFFFFF
    t.comment("4. The control plane installs both directions (delta = %#010x)." % delta)
    t.add("seq_translate", [("src_addr", a32(CLI)), ("dst_addr", a32(SRV)),
                            ("src_port", h(50000, 16)), ("dst_port", h(80, 16))],
          "client_to_server", [("delta", "0x%08x" % delta), ("port", str(INT)),
                               ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SRV_MAC))])
    t.add("seq_translate", [("src_addr", a32(SRV)), ("dst_addr", a32(CLI)),
                            ("src_port", h(80, 16)), ("dst_port", h(50000, 16))],
          "server_to_client", [("delta", "0x%08x" % delta), ("port", str(EXT)),
                               ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    t.comment("Client data: ack translated into the server's sequence space.")
    t.packet(EXT, cli.tcp(CLI, SRV, 50000, 80, seq=isn_c + 1, ack=(c + 1) & 0xFFFFFFFF,
                          flags=TCP_ACK | TCP_PSH, window=502, payload=req, ident=0x3335,
                          ttl=55))
    t.expect(INT, Pkt(smac=SW_MAC, dmac=SRV_MAC).tcp(
        CLI, SRV, 50000, 80, seq=isn_c + 1, ack=isn_s + 1, flags=TCP_ACK | TCP_PSH,
        window=502, payload=req, ident=0x3335, ttl=54))
    resp = b"HTTP/1.1 200 OK\r\n\r\n"
    t.comment("Server data: seq translated into the cookie space.")
    t.packet(INT, srv.tcp(SRV, CLI, 80, 50000, seq=isn_s + 1, ack=isn_c + 1 + len(req),
                          flags=TCP_ACK | TCP_PSH, window=235, payload=resp, ident=0x4445))
    t.expect(EXT, Pkt(smac=SW_MAC, dmac=UPLINK_MAC).tcp(
        SRV, CLI, 80, 50000, seq=(c + 1) & 0xFFFFFFFF, ack=isn_c + 1 + len(req),
        flags=TCP_ACK | TCP_PSH, window=235, payload=resp, ident=0x4445, ttl=63))
    t.check_counter("proxy_drops", 2, 0)
    tests.append(t)

    t = Stf("syn_proxy_attacks", """
syn_proxy: spoofed ACKs (wrong cookie), stray segments of unknown flows,
non-TCP packets and malformed packets never reach the servers.
""")
    t.register_write("cookie_secret", 0, "0x%08x" % SECRET)
    t.add("proxy_route", [("dst_prefix", "0x0a030000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(SRV_MAC))])
    cli = Pkt(smac=CLI_MAC, dmac=SW_MAC)
    c = cookie(CLI, SRV, 50001, 80)
    t.comment("ACK with a wrong cookie: dropped (proxy_drops[2]).")
    t.packet(EXT, cli.tcp(CLI, SRV, 50001, 80, seq=5, ack=(c + 2) & 0xFFFFFFFF, flags=TCP_ACK))
    t.check_counter("proxy_drops", 2, 1)
    t.comment("A cookie made with another secret is wrong too.")
    c_old = cookie(CLI, SRV, 50001, 80, secret=0x11111111)
    t.packet(EXT, cli.tcp(CLI, SRV, 50001, 80, seq=5, ack=(c_old + 1) & 0xFFFFFFFF,
                          flags=TCP_ACK))
    t.check_counter("proxy_drops", 2, 2)
    t.comment("RST, FIN and data of unknown flows, and a stray server ACK: dropped (proxy_drops[3]).")
    t.packet(EXT, cli.tcp(CLI, SRV, 50001, 80, flags=0x04))
    t.packet(EXT, cli.tcp(CLI, SRV, 50001, 80, flags=0x11))
    t.packet(INT, Pkt(smac=SRV_MAC, dmac=SW_MAC).tcp(SRV, CLI, 80, 50001, flags=TCP_ACK,
                                                     payload=b"x"))
    t.check_counter("proxy_drops", 3, 3)
    t.comment("UDP to a server: dropped (proxy_drops[1]).")
    t.packet(EXT, cli.udp(CLI, SRV, 5000, 53, payload=b"q"))
    t.check_counter("proxy_drops", 1, 1)
    t.comment("Truncated TCP header, TCP data offset 4 (parser verify), bad IPv4 checksum:\n"
              "dropped (proxy_drops[0]).")
    syn = cli.tcp(CLI, SRV, 50001, 80, flags=TCP_SYN)
    t.packet(EXT, truncate(syn, 14 + 20 + 15), valid=False)
    bad_off = bytearray(syn)
    bad_off[14 + 20 + 12] = 0x40
    t.packet(EXT, bytes(bad_off), valid=False)
    t.packet(EXT, cli.tcp(CLI, SRV, 50001, 80, flags=TCP_SYN, ip_checksum=0x7777), valid=False)
    t.check_counter("proxy_drops", 0, 3)
    t.comment("Truncated inside the TCP options: the options are parsed (varbit) and\n"
              "the packet is too short for them.")
    syn_opts = cli.tcp(CLI, SRV, 50001, 80, flags=TCP_SYN, options=b"\x02\x04\x05\xb4" * 2)
    t.packet(EXT, truncate(syn_opts, 14 + 20 + 20 + 5), valid=False)
    t.check_counter("proxy_drops", 0, 4)
    tests.append(t)
    return tests


# ------------------------------------------------------------------- netcache

KV_SRV = "10.4.0.1"
KV_SRV_MAC = "02:00:00:04:00:01"
KV_CLI = "198.51.100.5"
K1 = 0x6B65792D303030303030303030303031  # "key-000000000001"
K2 = 0x00112233445566778899AABBCCDDEEFF
V1 = 0x0102030405060708090A0B0C0D0E0F10


def nc_idx(seed, key):
    return crc32(u32(seed) + u128(key)) % 4096


def gen_netcache():
    tests = []
    t = Stf("netcache_cache", """
netcache: K1 is cached in slot 3 with value V1. A GET of K1 is answered by
the switch; a PUT invalidates the slot (the next GET goes to the server);
the server's PUT_REPLY is forwarded to the client (and reported with a
digest so that the control plane refreshes the slot).
""")
    t.add("ipv4_route", [("dst_prefix", "0x0a040000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(KV_SRV_MAC))])
    t.add("ipv4_route", [("dst_prefix", "0x00000000/0")], "route",
          [("port", str(EXT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(UPLINK_MAC))])
    t.add("nc_cache", [("key", h(K1, 128))], "cache_hit", [("slot", "3")])
    for i in range(4):
        t.register_write("nc_value%d" % i, 3, "0x%08x" % ((V1 >> (32 * (3 - i))) & 0xFFFFFFFF))
    t.register_write("nc_valid", 3, "1")
    cli = Pkt(smac=UPLINK_MAC, dmac=SW_MAC)

    def nc_udp(p, src, dst, sport, dport, op, seq, key, value=0, ident=0, ttl=64,
               udp_checksum=True):
        return p.udp(src, dst, sport, dport, payload=netcache(op, seq, key, value),
                     ident=ident, ttl=ttl, udp_checksum=udp_checksum)

    t.comment("GET K1: answered from the cache, back out of the client's port, UDP checksum 0.")
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 1, K1, ident=10, ttl=60))
    t.expect(EXT, nc_udp(Pkt(smac=SW_MAC, dmac=UPLINK_MAC), KV_SRV, KV_CLI, 50000, 40000,
                         0x80, 1, K1, V1, ident=10, ttl=64, udp_checksum=False))
    t.check_counter("nc_hits", 3, 1)

    t.comment("PUT K1: forwarded to the server, slot 3 invalidated.")
    put = nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x01, 2, K1, 0xAB, ident=11)
    t.packet(EXT, put)
    t.expect(INT, retarget(nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x01, 2, K1, 0xAB,
                                  ident=11, ttl=63), KV_SRV_MAC, SW_MAC))
    t.register_read("nc_valid", 3, "0")
    t.comment("GET K1 while invalid: goes to the server; no hit counted.")
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 3, K1, ident=12))
    t.expect(INT, retarget(nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 3, K1, ident=12,
                                  ttl=63), KV_SRV_MAC, SW_MAC))
    t.check_counter("nc_hits", 3, 1)
    t.comment("The server's PUT_REPLY: routed to the client.")
    srv = Pkt(smac=KV_SRV_MAC, dmac=SW_MAC)
    t.packet(INT, nc_udp(srv, KV_SRV, KV_CLI, 50000, 40000, 0x81, 2, K1, 0xAB, ident=13))
    t.expect(EXT, retarget(nc_udp(srv, KV_SRV, KV_CLI, 50000, 40000, 0x81, 2, K1, 0xAB,
                                  ident=13, ttl=63), UPLINK_MAC, SW_MAC))
    t.comment("The control plane writes the new value and validates the slot again.")
    for i in range(4):
        t.register_write("nc_value%d" % i, 3, "0x%08x" % ((0xAB >> (32 * (3 - i))) & 0xFFFFFFFF))
    t.register_write("nc_valid", 3, "1")
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40001, 50000, 0x00, 4, K1, ident=14, ttl=60))
    t.expect(EXT, nc_udp(Pkt(smac=SW_MAC, dmac=UPLINK_MAC), KV_SRV, KV_CLI, 50000, 40001,
                         0x80, 4, K1, 0xAB, ident=14, ttl=64, udp_checksum=False))
    t.check_counter("nc_hits", 3, 2)
    tests.append(t)

    t = Stf("netcache_hot_keys", """
netcache: GETs of the uncached key K2 are counted in the count-min sketch;
with nc_hot_threshold = 2 the second GET reports K2 (digest nc_hot_key_t)
and marks it in the Bloom filter. All GETs go to the server.
""")
    t.add("ipv4_route", [("dst_prefix", "0x0a040000/16")], "route",
          [("port", str(INT)), ("src_mac", m48(SW_MAC)), ("dst_mac", m48(KV_SRV_MAC))])
    t.register_write("nc_hot_threshold", 0, "2")
    i0, i1, i2 = (nc_idx(0x6E630001, K2), nc_idx(0x6E630002, K2), nc_idx(0x6E630003, K2))
    for n in range(3):
        pkt = nc_udp(cli, KV_CLI, KV_SRV, 41000, 50000, 0x00, 100 + n, K2, ident=20 + n)
        t.packet(EXT, pkt)
        t.expect(INT, retarget(nc_udp(cli, KV_CLI, KV_SRV, 41000, 50000, 0x00, 100 + n, K2,
                                      ident=20 + n, ttl=63), KV_SRV_MAC, SW_MAC))
        t.register_read("nc_cms0", i0, str(n + 1))
        t.register_read("nc_cms1", i1, str(n + 1))
        t.register_read("nc_cms2", i2, str(n + 1))
        t.register_read("nc_reported0", i0, "1" if n >= 1 else "0")
        t.register_read("nc_reported1", i1, "1" if n >= 1 else "0")
    t.comment("Other traffic to the server (TCP) is routed, not counted.")
    t.packet(EXT, cli.tcp(KV_CLI, KV_SRV, 41000, 6379, payload=b"PING\r\n", ident=30))
    t.expect(INT, retarget(cli.tcp(KV_CLI, KV_SRV, 41000, 6379, payload=b"PING\r\n",
                                   ident=30, ttl=63), KV_SRV_MAC, SW_MAC))
    t.register_read("nc_cms0", i0, "3")
    tests.append(t)

    t = Stf("netcache_malformed", """
netcache: a request truncated inside the NetCache header (PacketTooShort),
a bad IPv4 checksum and TTL 1 are dropped (nc_drops[0]); a packet without
a route is dropped (nc_drops[1]). No cache state changes.
""")
    t.add("nc_cache", [("key", h(K1, 128))], "cache_hit", [("slot", "3")])
    t.register_write("nc_valid", 3, "1")
    get = nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 1, K1)
    t.packet(EXT, truncate(get, 14 + 20 + 8 + 10), valid=False)
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 1, K1)[:14]
             + ipv4_header(KV_CLI, KV_SRV, PROTO_UDP, 8 + 37, checksum=0x0bad)
             + get[34:], valid=False)
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x00, 1, K1, ttl=1))
    t.check_counter("nc_drops", 0, 3)
    t.check_counter("nc_hits", 3, 0)
    t.comment("A PUT for K1 with no route: the slot is invalidated, then the packet is\n"
              "dropped (nc_drops[1]).")
    t.packet(EXT, nc_udp(cli, KV_CLI, KV_SRV, 40000, 50000, 0x01, 1, K1, 5))
    t.check_counter("nc_drops", 1, 1)
    t.register_read("nc_valid", 3, "0")
    tests.append(t)
    return tests


GENERATORS = {
    "vpn_gateway": gen_vpn,
    "nat": gen_nat,
    "acl": gen_acl,
    "univmon": gen_univmon,
    "vm_nat": gen_vm_nat,
    "stateful_fw": gen_fw,
    "syn_proxy": gen_syn_proxy,
    "netcache": gen_netcache,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--pcap", help="also write one pcap per test into this directory")
    args = ap.parse_args()
    for app, gen in GENERATORS.items():
        for t in gen():
            assert t.name.startswith(app + "_"), t.name
            with open(os.path.join(args.out, t.name + ".stf"), "w") as f:
                f.write(t.text())
            if args.pcap:
                os.makedirs(args.pcap, exist_ok=True)
                write_pcap(os.path.join(args.pcap, t.name + ".pcap"),
                           [p for _, p in t.packets])
            print("wrote", t.name + ".stf")


if __name__ == "__main__":
    main()
