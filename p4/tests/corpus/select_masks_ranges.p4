/*
 * Traffic classification in the parser.
 *
 * Demonstrates select keysets: ranges (802.3 length field versus
 * EtherType), masks (multicast destinations, fragment bits), tuples with
 * don't-care elements, and port ranges. The parser records a traffic class
 * in the metadata; the ingress counts packets per class and forwards on a
 * per-class table.
 */
#include <core.p4>
#include <v1model.p4>

/* Traffic classes recorded by the parser. */
const bit<8> CLASS_OTHER       = 0;
const bit<8> CLASS_LLC         = 1;
const bit<8> CLASS_IP_MCAST    = 2;
const bit<8> CLASS_FRAGMENT    = 3;
const bit<8> CLASS_TCP_SYSTEM  = 4;
const bit<8> CLASS_TCP_USER    = 5;
const bit<8> CLASS_UDP         = 6;
const bit<8> CLASS_ICMP        = 7;
const bit<32> NUM_CLASSES      = 8;

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> type_or_len;
}

header llc_t {
    bit<8> dsap;
    bit<8> ssap;
    bit<8> control;
}

header ipv4_t {
    bit<4>  version;
    bit<4>  ihl;
    bit<8>  tos;
    bit<16> total_len;
    bit<16> identification;
    bit<1>  reserved;
    bit<1>  dont_fragment;
    bit<1>  more_fragments;
    bit<13> frag_offset;
    bit<8>  ttl;
    bit<8>  protocol;
    bit<16> hdr_checksum;
    bit<32> src;
    bit<32> dst;
}

header tcp_ports_t {
    bit<16> sport;
    bit<16> dport;
}

struct headers_t {
    ethernet_t  eth;
    llc_t       llc;
    ipv4_t      ipv4;
    tcp_ports_t ports;
}

struct metadata_t {
    bit<8> class;
}

parser ClassParser(packet_in packet,
                   out headers_t hdr,
                   inout metadata_t meta,
                   inout standard_metadata_t standard_metadata) {
    state start {
        meta.class = CLASS_OTHER;
        packet.extract(hdr.eth);
        transition select(hdr.eth.type_or_len) {
            16w0x0000 .. 16w0x05dc: parse_llc;
            16w0x0800: parse_ipv4;
            default: accept;
        }
    }

    state parse_llc {
        packet.extract(hdr.llc);
        meta.class = CLASS_LLC;
        transition accept;
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.dst, hdr.ipv4.more_fragments,
                          hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (32w0xe0000000 &&& 32w0xf0000000, _, _, _): ip_multicast;
            (_, 1w1, _, _): fragment;
            (_, _, 13w1 .. 13w0x1fff, _): fragment;
            (_, _, _, 8w6): parse_tcp;
            (_, _, _, 8w17): udp;
            (_, _, _, 8w1): icmp;
            default: accept;
        }
    }

    state ip_multicast {
        meta.class = CLASS_IP_MCAST;
        transition accept;
    }

    state fragment {
        meta.class = CLASS_FRAGMENT;
        transition accept;
    }

    state udp {
        meta.class = CLASS_UDP;
        transition accept;
    }

    state icmp {
        meta.class = CLASS_ICMP;
        transition accept;
    }

    state parse_tcp {
        packet.extract(hdr.ports);
        transition select(hdr.ports.dport) {
            0 .. 1023: tcp_system;
            default: tcp_user;
        }
    }

    state tcp_system {
        meta.class = CLASS_TCP_SYSTEM;
        transition accept;
    }

    state tcp_user {
        meta.class = CLASS_TCP_USER;
        transition accept;
    }
}

control ClassVerifyChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ClassIngress(inout headers_t hdr,
                     inout metadata_t meta,
                     inout standard_metadata_t standard_metadata) {

    counter(NUM_CLASSES, CounterType.packets_and_bytes) per_class;

    action send(PortId_t port) {
        standard_metadata.egress_spec = port;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table class_policy {
        key = {
            meta.class                     : exact;
            standard_metadata.ingress_port : ternary;
        }
        actions = { send; drop; }
        default_action = drop();
    }

    apply {
        per_class.count((bit<32>) meta.class);
        class_policy.apply();
    }
}

control ClassEgress(inout headers_t hdr,
                    inout metadata_t meta,
                    inout standard_metadata_t standard_metadata) {
    apply { }
}

control ClassComputeChecksum(inout headers_t hdr, inout metadata_t meta) {
    apply { }
}

control ClassDeparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.eth);
        packet.emit(hdr.llc);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ports);
    }
}

V1Switch(ClassParser(), ClassVerifyChecksum(), ClassIngress(), ClassEgress(),
         ClassComputeChecksum(), ClassDeparser()) main;
