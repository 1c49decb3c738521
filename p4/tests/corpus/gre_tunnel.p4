/*
 * GRE tunnel router (IPv4 over GRE over IPv4, RFC 2784 with the RFC 2890
 * key extension).
 *
 * Tunnel termination: a GRE packet addressed to a local tunnel endpoint
 * loses its outer IPv4 and GRE headers, and the inner IPv4 header takes the
 * place of the outer one before the route lookup. Tunnel origination: a
 * route may point at a tunnel, which pushes a GRE header with a key and a
 * new outer IPv4 header.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> ETHERTYPE_IPV4 = 16w0x0800;
const bit<8>  IPPROTO_GRE    = 8w47;

error {
    GreBadVersion
}

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
    bit<32> src_addr;
    bit<32> dst_addr;
}

header gre_t {
    bit<1>  checksum_present;
    bit<1>  routing_present;
    bit<1>  key_present;
    bit<1>  seq_present;
    bit<1>  strict_route;
    bit<3>  recurse;
    bit<5>  flags;
    bit<3>  version;
    bit<16> protocol;
}

header gre_key_t {
    bit<32> key;
}

struct headers_t {
    ethernet_t ethernet;
    ipv4_t     ipv4;
    gre_t      gre;
    gre_key_t  gre_key;
    ipv4_t     inner_ipv4;
}

struct metadata_t {
    bit<32> tunnel_key;
}

parser GreParser(packet_in packet,
                 out headers_t hdr,
                 inout metadata_t meta,
                 inout standard_metadata_t sm) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETHERTYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.protocol) {
            IPPROTO_GRE: parse_gre;
            default: accept;
        }
    }

    state parse_gre {
        packet.extract(hdr.gre);
        /* Only version 0 without checksum or routing is understood. */
        verify(hdr.gre.version == 0, error.GreBadVersion);
        transition select(hdr.gre.checksum_present, hdr.gre.routing_present,
                          hdr.gre.key_present) {
            (0, 0, 1): parse_gre_key;
            (0, 0, 0): parse_gre_payload;
            default: reject;
        }
    }

    state parse_gre_key {
        packet.extract(hdr.gre_key);
        meta.tunnel_key = hdr.gre_key.key;
        transition parse_gre_payload;
    }

    state parse_gre_payload {
        transition select(hdr.gre.protocol) {
            ETHERTYPE_IPV4: parse_inner_ipv4;
            default: accept;
        }
    }

    state parse_inner_ipv4 {
        packet.extract(hdr.inner_ipv4);
        transition accept;
    }
}

control GreVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control GreIngress(inout headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t sm) {

    action drop() {
        mark_to_drop(sm);
    }

    action terminate() {
        hdr.ipv4 = hdr.inner_ipv4;
        hdr.inner_ipv4.setInvalid();
        hdr.gre.setInvalid();
        hdr.gre_key.setInvalid();
    }

    table tunnel_termination {
        key = {
            hdr.ipv4.dst_addr  : exact;
            hdr.gre_key.isValid() : exact;
            meta.tunnel_key    : ternary;
        }
        actions = { terminate; drop; }
        default_action = drop();
    }

    action forward(bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    action gre_encap(bit<32> tunnel_src, bit<32> tunnel_dst, bit<32> key,
                     bit<48> smac, bit<48> dmac, PortId_t port) {
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
        hdr.inner_ipv4 = hdr.ipv4;

        hdr.gre.setValid();
        hdr.gre.checksum_present = 0;
        hdr.gre.routing_present = 0;
        hdr.gre.key_present = 1;
        hdr.gre.seq_present = 0;
        hdr.gre.strict_route = 0;
        hdr.gre.recurse = 0;
        hdr.gre.flags = 0;
        hdr.gre.version = 0;
        hdr.gre.protocol = ETHERTYPE_IPV4;
        hdr.gre_key.setValid();
        hdr.gre_key.key = key;

        /* Outer header: 20 bytes of IPv4 plus 8 bytes of GRE with key. */
        hdr.ipv4.tos = 0;
        hdr.ipv4.total_len = hdr.inner_ipv4.total_len + 16w28;
        hdr.ipv4.identification = 0;
        hdr.ipv4.flags = 0;
        hdr.ipv4.frag_offset = 0;
        hdr.ipv4.ttl = 64;
        hdr.ipv4.protocol = IPPROTO_GRE;
        hdr.ipv4.src_addr = tunnel_src;
        hdr.ipv4.dst_addr = tunnel_dst;

        hdr.ethernet.src_addr = smac;
        hdr.ethernet.dst_addr = dmac;
        sm.egress_spec = port;
    }

    table routes {
        key = { hdr.ipv4.dst_addr : lpm; }
        actions = { forward; gre_encap; drop; }
        default_action = drop();
        size = 8192;
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            exit;
        }
        if (hdr.gre.isValid()) {
            tunnel_termination.apply();
        }
        if (hdr.ipv4.ttl > 1) {
            routes.apply();
        } else {
            drop();
        }
    }
}

control GreEgress(inout headers_t hdr,
                  inout metadata_t meta,
                  inout standard_metadata_t sm) {
    apply { }
}

control GreComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply {
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos, hdr.ipv4.total_len,
              hdr.ipv4.identification, hdr.ipv4.flags, hdr.ipv4.frag_offset,
              hdr.ipv4.ttl, hdr.ipv4.protocol, hdr.ipv4.src_addr,
              hdr.ipv4.dst_addr },
            hdr.ipv4.hdr_checksum, HashAlgorithm.csum16);
        update_checksum(hdr.inner_ipv4.isValid(),
            { hdr.inner_ipv4.version, hdr.inner_ipv4.ihl, hdr.inner_ipv4.tos,
              hdr.inner_ipv4.total_len, hdr.inner_ipv4.identification,
              hdr.inner_ipv4.flags, hdr.inner_ipv4.frag_offset,
              hdr.inner_ipv4.ttl, hdr.inner_ipv4.protocol,
              hdr.inner_ipv4.src_addr, hdr.inner_ipv4.dst_addr },
            hdr.inner_ipv4.hdr_checksum, HashAlgorithm.csum16);
    }
}

control GreDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr);
    }
}

V1Switch(GreParser(), GreVerifyChecksum(), GreIngress(), GreEgress(),
         GreComputeChecksum(), GreDeparser()) main;
