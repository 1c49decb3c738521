// Parser select: exact values, masks, ranges, tuples, don't-care and default.
// Ingress writes the path the parser took into eth.src so the test can see it.
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> etype;
}

header ip_t {
    bit<8>  proto;
    bit<8>  flags;
    bit<16> x;
}

struct headers_t {
    ethernet_t eth;
    ip_t       ip;
}

struct meta_t {
    bit<8> path;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.etype) {
            0x0800: parse_ip;
            0x8100 &&& 0xEFFF: vlan;          // 0x8100 and 0x9100
            0x0600 .. 0x06FF: low_range;
            0x88B4 &&& 0xFFFE: pair;          // 0x88B4 and 0x88B5
            default: other;
        }
    }
    state vlan {
        meta.path = 2;
        transition accept;
    }
    state low_range {
        meta.path = 3;
        transition accept;
    }
    state pair {
        meta.path = 4;
        transition accept;
    }
    state other {
        meta.path = 0xF;
        transition accept;
    }
    state parse_ip {
        pkt.extract(hdr.ip);
        transition select(hdr.ip.proto, hdr.ip.flags) {
            (6, 0): tcp_plain;
            (17, _): udp_any;
            (_, 0x80 &&& 0x80): high_flag;
            (0x20 .. 0x2F, 0x01 .. 0x02): ranged_tuple;
            default: ip_other;
        }
    }
    state tcp_plain {
        meta.path = 0x10;
        transition accept;
    }
    state udp_any {
        meta.path = 0x11;
        transition accept;
    }
    state high_flag {
        meta.path = 0x12;
        transition accept;
    }
    state ranged_tuple {
        meta.path = 0x13;
        transition accept;
    }
    state ip_other {
        meta.path = 0x14;
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.eth.src = (bit<48>)meta.path;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.eth);
        pkt.emit(hdr.ip);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
