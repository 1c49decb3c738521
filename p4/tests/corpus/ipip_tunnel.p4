/*
 * IPv4-in-IPv4 tunnelling (RFC 2003).
 *
 * The parser looks ahead at the first IPv4 header's protocol field: if the
 * packet is IP-in-IP, that header goes into `outer` and the next one into
 * `ipv4`, so that the forwarding logic always sees the innermost header in
 * `ipv4`. Decapsulation just invalidates `outer`; encapsulation fills it in
 * with a structure-valued expression.
 */
#include <core.p4>
#include <v1model.p4>

const bit<16> TYPE_IPV4    = 0x0800;
const bit<8>  PROTO_IPIP   = 4;
const bit<8>  DEFAULT_TTL  = 64;

typedef bit<32> ip4Addr_t;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>    version;
    bit<4>    ihl;
    bit<8>    tos;
    bit<16>   totalLen;
    bit<16>   identification;
    bit<3>    flags;
    bit<13>   fragOffset;
    bit<8>    ttl;
    bit<8>    protocol;
    bit<16>   hdrChecksum;
    ip4Addr_t srcAddr;
    ip4Addr_t dstAddr;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     outer;
    ipv4_t     ipv4;
}

struct metadata {
    bit<16> tunnel_id;
}

parser IpipParser(packet_in packet,
                  out headers hdr,
                  inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            TYPE_IPV4: dispatch_ipv4;
            default: accept;
        }
    }

    state dispatch_ipv4 {
        transition select(packet.lookahead<ipv4_t>().protocol) {
            PROTO_IPIP: parse_outer;
            default: parse_ipv4;
        }
    }

    state parse_outer {
        packet.extract(hdr.outer);
        transition parse_ipv4;
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition accept;
    }
}

control IpipVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control IpipIngress(inout headers hdr,
                    inout metadata meta,
                    inout standard_metadata_t standard_metadata) {

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action decap() {
        hdr.outer.setInvalid();
    }

    table tunnel_terminate {
        key = {
            hdr.outer.dstAddr : exact;
            hdr.outer.srcAddr : exact;
        }
        actions = { decap; drop; }
        default_action = drop();
    }

    action forward(bit<48> dstAddr, bit<9> port) {
        standard_metadata.egress_spec = port;
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dstAddr;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    action to_tunnel(bit<16> tunnel_id) {
        meta.tunnel_id = tunnel_id;
        hdr.ipv4.ttl = hdr.ipv4.ttl - 1;
    }

    table ipv4_lpm {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; to_tunnel; drop; }
        default_action = drop();
        size = 1024;
    }

    action encap(ip4Addr_t src, ip4Addr_t dst, bit<48> dstAddr, bit<9> port) {
        hdr.outer = {
            version = 4,
            ihl = 5,
            tos = hdr.ipv4.tos,
            totalLen = hdr.ipv4.totalLen + 20,
            identification = 0,
            flags = 0b010,
            fragOffset = 0,
            ttl = DEFAULT_TTL,
            protocol = PROTO_IPIP,
            hdrChecksum = 0,
            srcAddr = src,
            dstAddr = dst
        };
        hdr.ethernet.srcAddr = hdr.ethernet.dstAddr;
        hdr.ethernet.dstAddr = dstAddr;
        standard_metadata.egress_spec = port;
    }

    table tunnels {
        key = { meta.tunnel_id : exact; }
        actions = { encap; drop; }
        default_action = drop();
        size = 256;
    }

    apply {
        if (hdr.outer.isValid()) {
            tunnel_terminate.apply();
        }
        if (!hdr.ipv4.isValid() || hdr.outer.isValid()) {
            return;
        }
        if (hdr.ipv4.ttl <= 1) {
            drop();
            return;
        }
        switch (ipv4_lpm.apply().action_run) {
            to_tunnel: {
                tunnels.apply();
            }
            default: { }
        }
    }
}

control IpipEgress(inout headers hdr,
                   inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control IpipComputeChecksum(inout headers hdr, inout metadata meta) {
    apply {
        update_checksum(hdr.outer.isValid(),
            { hdr.outer.version, hdr.outer.ihl, hdr.outer.tos,
              hdr.outer.totalLen, hdr.outer.identification, hdr.outer.flags,
              hdr.outer.fragOffset, hdr.outer.ttl, hdr.outer.protocol,
              hdr.outer.srcAddr, hdr.outer.dstAddr },
            hdr.outer.hdrChecksum, HashAlgorithm.csum16);
        update_checksum(hdr.ipv4.isValid(),
            { hdr.ipv4.version, hdr.ipv4.ihl, hdr.ipv4.tos,
              hdr.ipv4.totalLen, hdr.ipv4.identification, hdr.ipv4.flags,
              hdr.ipv4.fragOffset, hdr.ipv4.ttl, hdr.ipv4.protocol,
              hdr.ipv4.srcAddr, hdr.ipv4.dstAddr },
            hdr.ipv4.hdrChecksum, HashAlgorithm.csum16);
    }
}

control IpipDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.outer);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(IpipParser(), IpipVerifyChecksum(), IpipIngress(), IpipEgress(),
         IpipComputeChecksum(), IpipDeparser()) main;
