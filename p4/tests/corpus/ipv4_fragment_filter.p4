/*
 * IPv4 fragment filter (RFC 1858 / RFC 3128 protections).
 *
 * Drops the fragment patterns used to sneak TCP past packet filters:
 *  - a non-first fragment with offset 1 (it would overwrite the TCP
 *    flags of the first fragment);
 *  - a first TCP fragment too short to hold the fixed TCP header.
 * Other fragments are subject to a per-source policy: fragments may be
 * allowed, dropped, or sent to a reassembly host. The flag bits are read
 * with bit slices of the 3-bit flags field.
 */
#include <core.p4>
#include <v1model.p4>

const bit<8>  PROTO_TCP = 6;
/* Five 32-bit words: the TCP header without options. */
const bit<16> MIN_TCP_HEADER_BYTES = 5 * 4;

header ethernet_t {
    bit<48> dstAddr;
    bit<48> srcAddr;
    bit<16> etherType;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  diffserv;
    bit<16> totalLen;
    bit<16> identification;
    bit<3>  flags;
    bit<13> fragOffset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdrChecksum;
    bit<32> srcAddr;
    bit<32> dstAddr;
}

struct headers {
    ethernet_t ethernet;
    ipv4_t     ipv4;
}

struct metadata {
    bit<1> more_fragments;
    bit<1> dont_fragment;
    bool   is_fragment;
}

parser FragParser(packet_in packet, out headers hdr, inout metadata meta,
                  inout standard_metadata_t standard_metadata) {
    state start {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.etherType) {
            0x0800: parse_ipv4;
            default: accept;
        }
    }
    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        meta.dont_fragment = hdr.ipv4.flags[1:1];
        meta.more_fragments = hdr.ipv4.flags[0:0];
        meta.is_fragment = hdr.ipv4.flags[0:0] == 1 || hdr.ipv4.fragOffset != 0;
        transition accept;
    }
}

control FragVerifyChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FragIngress(inout headers hdr, inout metadata meta,
                    inout standard_metadata_t standard_metadata) {

    counter(32w3, CounterType.packets) attacks;   /* by rule below */

    action drop() {
        mark_to_drop(standard_metadata);
    }

    action allow() { }

    action to_reassembly(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    table fragment_policy {
        key = {
            hdr.ipv4.srcAddr   : lpm;
        }
        actions = { allow; drop; to_reassembly; }
        default_action = allow();
    }

    action forward(bit<9> port) {
        standard_metadata.egress_spec = port;
    }

    table routes {
        key = { hdr.ipv4.dstAddr : lpm; }
        actions = { forward; drop; }
        default_action = drop();
    }

    apply {
        if (!hdr.ipv4.isValid()) {
            drop();
            return;
        }
        if (meta.is_fragment) {
            if (hdr.ipv4.protocol == PROTO_TCP && hdr.ipv4.fragOffset == 1) {
                attacks.count(32w0);
                drop();
                return;
            }
            if (hdr.ipv4.protocol == PROTO_TCP && hdr.ipv4.fragOffset == 0 &&
                hdr.ipv4.totalLen - ((bit<16>) hdr.ipv4.ihl << 2) < MIN_TCP_HEADER_BYTES) {
                attacks.count(32w1);
                drop();
                return;
            }
            if (meta.dont_fragment == 1) {
                /* DF together with MF or an offset is contradictory. */
                attacks.count(32w2);
                drop();
                return;
            }
            switch (fragment_policy.apply().action_run) {
                to_reassembly: {
                    return;
                }
                drop: {
                    return;
                }
                allow: { }
            }
        }
        routes.apply();
    }
}

control FragEgress(inout headers hdr, inout metadata meta,
                   inout standard_metadata_t standard_metadata) {
    apply { }
}

control FragComputeChecksum(inout headers hdr, inout metadata meta) {
    apply { }
}

control FragDeparser(packet_out packet, in headers hdr) {
    apply {
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
    }
}

V1Switch(FragParser(), FragVerifyChecksum(), FragIngress(), FragEgress(),
         FragComputeChecksum(), FragDeparser()) main;
