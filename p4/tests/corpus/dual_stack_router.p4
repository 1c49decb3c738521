/*
 * Dual-stack router using a header union.
 *
 * IPv4 and IPv6 share one slot in the header struct: `ip` is a header union
 * and at most one of its members is valid. The parser peeks at the version
 * nibble with lookahead instead of trusting the EtherType. Each family has
 * its own LPM table; both resolve to a shared next-hop table.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<48>  mac_addr_t;
typedef bit<32>  ipv4_addr_t;
typedef bit<128> ipv6_addr_t;

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<16> ETHERTYPE_IPV6 = 0x86dd;

header ethernet_h {
    mac_addr_t dst_addr;
    mac_addr_t src_addr;
    bit<16>    ether_type;
}

header ipv4_h {
    bit<4>      version;
    bit<4>      ihl;
    bit<8>      tos;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header ipv6_h {
    bit<4>      version;
    bit<8>      traffic_class;
    bit<20>     flow_label;
    bit<16>     payload_len;
    bit<8>      next_hdr;
    bit<8>      hop_limit;
    ipv6_addr_t src_addr;
    ipv6_addr_t dst_addr;
}

header_union ip_h {
    ipv4_h v4;
    ipv6_h v6;
}

struct headers_t {
    ethernet_h ethernet;
    ip_h       ip;
}

struct metadata_t {
    bit<16> nexthop;
}

parser DsParser(packet_in pkt,
                out headers_t hdr,
                inout metadata_t meta,
                inout standard_metadata_t smeta) {
    state start {
        pkt.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ip;
            ETHERTYPE_IPV6: parse_ip;
            default: accept;
        }
    }

    state parse_ip {
        transition select(pkt.lookahead<bit<4>>()) {
            4w4: parse_ipv4;
            4w6: parse_ipv6;
            default: reject;
        }
    }

    state parse_ipv4 {
        pkt.extract(hdr.ip.v4);
        transition accept;
    }

    state parse_ipv6 {
        pkt.extract(hdr.ip.v6);
        transition accept;
    }
}

control DsVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ip.v4.isValid(),
            { hdr.ip.v4.version, hdr.ip.v4.ihl, hdr.ip.v4.tos,
              hdr.ip.v4.total_len, hdr.ip.v4.identification,
              hdr.ip.v4.flags, hdr.ip.v4.frag_offset, hdr.ip.v4.ttl,
              hdr.ip.v4.protocol, hdr.ip.v4.src_addr, hdr.ip.v4.dst_addr },
            hdr.ip.v4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control DsIngress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t smeta) {

    action drop() {
        mark_to_drop(smeta);
    }

    action route_v4(bit<16> nexthop) {
        meta.nexthop = nexthop;
        hdr.ip.v4.ttl = hdr.ip.v4.ttl - 1;
    }

    action route_v6(bit<16> nexthop) {
        meta.nexthop = nexthop;
        hdr.ip.v6.hop_limit = hdr.ip.v6.hop_limit - 1;
    }

    table fib_v4 {
        key = { hdr.ip.v4.dst_addr : lpm; }
        actions = { route_v4; drop; }
        default_action = drop();
        size = 65536;
    }

    table fib_v6 {
        key = { hdr.ip.v6.dst_addr : lpm; }
        actions = { route_v6; drop; }
        default_action = drop();
        size = 16384;
    }

    action set_l2(mac_addr_t smac, mac_addr_t dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        smeta.egress_spec = port;
    }

    table nexthops {
        key = { meta.nexthop : exact; }
        actions = { set_l2; drop; }
        default_action = drop();
        size = 4096;
    }

    apply {
        if (!hdr.ip.isValid()) {
            drop();
            return;
        }
        bool routed = false;
        if (hdr.ip.v4.isValid()) {
            if (hdr.ip.v4.ttl > 1) {
                if (fib_v4.apply().hit) {
                    routed = true;
                }
            }
        } else if (hdr.ip.v6.hop_limit > 1) {
            if (fib_v6.apply().hit) {
                routed = true;
            }
        }
        if (routed) {
            nexthops.apply();
        } else {
            drop();
        }
    }
}

control DsEgress(inout headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t smeta) {
    apply { }
}

control DsComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ip.v4.isValid(),
            { hdr.ip.v4.version, hdr.ip.v4.ihl, hdr.ip.v4.tos,
              hdr.ip.v4.total_len, hdr.ip.v4.identification,
              hdr.ip.v4.flags, hdr.ip.v4.frag_offset, hdr.ip.v4.ttl,
              hdr.ip.v4.protocol, hdr.ip.v4.src_addr, hdr.ip.v4.dst_addr },
            hdr.ip.v4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control DsDeparser(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.ethernet);
        pkt.emit(hdr.ip);
    }
}

V1Switch(DsParser(), DsVerifyChecksum(), DsIngress(), DsEgress(),
         DsComputeChecksum(), DsDeparser()) main;
