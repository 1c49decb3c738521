/*
 * NAPT44: network address and port translation for TCP and UDP.
 *
 * Inside-to-outside packets are looked up on their (source address,
 * source port, protocol) and rewritten to a public address and port;
 * outside-to-inside packets are looked up on their destination and
 * translated back. Sessions are created by the control plane: the first
 * packet of an unknown inside session is reported with a digest and
 * dropped. The TCP and UDP checksums are verified on input and recomputed
 * on output over the pseudo-header, the L4 header and the payload.
 */
#include <core.p4>
#include <v1model.p4>

typedef bit<32> ip4_t;

const bit<8>  IP_PROTO_TCP = 6;
const bit<8>  IP_PROTO_UDP = 17;
const bit<32> NAT_DIGEST   = 1;

header ethernet_t {
    bit<48> dst_addr;
    bit<48> src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> total_len;
    bit<16> identification;
    bit<3>  flags;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    ip4_t   src_addr;
    ip4_t   dst_addr;
}

header tcp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<32> seq_no;
    bit<32> ack_no;
    bit<4>  data_offset;
    bit<4>  res;
    bit<8>  flags;
    bit<16> window;
    bit<16> checksum;
    bit<16> urgent_ptr;
}

header udp_t {
    bit<16> src_port;
    bit<16> dst_port;
    bit<16> length;
    bit<16> checksum;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    tcp_t      tcp;
    udp_t      udp;
}

struct nat_digest_t {
    ip4_t   inside_addr;
    bit<16> inside_port;
    bit<8>  protocol;
}

struct metadata_t {
    bit<16> l4_len;
    bit<16> sport;
    bit<16> dport;
    bool    inside;
}

parser NatParser(packet_in packet, out headers_t hdr, inout metadata_t meta,
                 inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.l4_len = hdr.ipv4.total_len - ((bit<16>) hdr.ipv4.ihl << 2);
        transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (0, IP_PROTO_TCP): parse_tcp;
            (0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }
    state parse_tcp {
        packet.extract(hdr.tcp);
        meta.sport = hdr.tcp.src_port;
        meta.dport = hdr.tcp.dst_port;
        transition accept;
    }
    state parse_udp {
        packet.extract(hdr.udp);
        meta.sport = hdr.udp.src_port;
        meta.dport = hdr.udp.dst_port;
        transition accept;
    }
}

control NatVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        verify_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        verify_checksum_with_payload(hdr.tcp.isValid(),
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol,
              meta.l4_len,
              hdr.tcp.src_port, hdr.tcp.dst_port, hdr.tcp.seq_no,
              hdr.tcp.ack_no, hdr.tcp.data_offset, hdr.tcp.res,
              hdr.tcp.flags, hdr.tcp.window, hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
    }
}

control NatIngress(inout headers_t hdr, inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action set_inside(bit<1> inside) {
        meta.inside = inside == 1;
    }

    table port_side {
        key = { standard_metadata.ingress_port : exact; }
        actions = { set_inside; }
        default_action = set_inside(0);
    }

    action rewrite_src(ip4_t public_addr, bit<16> public_port) {
        hdr.ipv4.src_addr = public_addr;
        meta.sport = public_port;
    }

    action new_session() {
        digest<nat_digest_t>(NAT_DIGEST,
            { hdr.ipv4.src_addr, meta.sport, hdr.ipv4.protocol });
        drop();
    }

    table snat {
        key = {
            hdr.ipv4.src_addr : exact;
            meta.sport        : exact;
            hdr.ipv4.protocol : exact;
        }
        actions = { rewrite_src; @defaultonly new_session; }
        default_action = new_session();
        support_timeout = true;
    }

    action rewrite_dst(ip4_t inside_addr, bit<16> inside_port) {
        hdr.ipv4.dst_addr = inside_addr;
        meta.dport = inside_port;
    }

    table dnat {
        key = {
            hdr.ipv4.dst_addr : exact;
            meta.dport        : exact;
            hdr.ipv4.protocol : exact;
        }
        actions = { rewrite_dst; @defaultonly drop; }
        default_action = drop();
    }

    action route(bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        standard_metadata.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { route; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid() || standard_metadata.checksum_error == 1) {
            drop();
            exit;
        }
        if (hdr.tcp.isValid() || hdr.udp.isValid()) {
            port_side.apply();
            if (meta.inside) {
                if (snat.apply().miss) {
                    exit;
                }
            } else {
                if (dnat.apply().miss) {
                    exit;
                }
            }
            /* Write the translated ports back into whichever header
             * exists. */
            if (hdr.tcp.isValid()) {
                hdr.tcp.src_port = meta.sport;
                hdr.tcp.dst_port = meta.dport;
            } else {
                hdr.udp.src_port = meta.sport;
                hdr.udp.dst_port = meta.dport;
            }
        }
        routes.apply();
    }
}

control NatEgress(inout headers_t hdr, inout metadata_t meta,
                  inout standard_metadata_t standard_metadata) {
    apply { }
}

control NatComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum_with_payload(hdr.tcp.isValid(),
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol,
              meta.l4_len,
              hdr.tcp.src_port, hdr.tcp.dst_port, hdr.tcp.seq_no,
              hdr.tcp.ack_no, hdr.tcp.data_offset, hdr.tcp.res,
              hdr.tcp.flags, hdr.tcp.window, hdr.tcp.urgent_ptr },
            hdr.tcp.checksum, HashAlgorithm.csum16);
        /* A zero UDP checksum means "none" and is left alone. */
        update_checksum_with_payload(hdr.udp.isValid() && hdr.udp.checksum != 0,
            { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, 8w0, hdr.ipv4.protocol,
              hdr.udp.length,
              hdr.udp.src_port, hdr.udp.dst_port, hdr.udp.length },
            hdr.udp.checksum, HashAlgorithm.csum16);
    }
}

control NatDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.tcp);
        packet.emit(hdr.udp);
    }
}

V1Switch(NatParser(), NatVerifyChecksum(), NatIngress(), NatEgress(),
         NatComputeChecksum(), NatDeparser()) main;
