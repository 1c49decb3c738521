// A parser value_set filled by the control plane, with and without masks.
#include <core.p4>
#include <v1model.p4>

header ethernet_t {
    bit<48> dst;
    bit<48> src;
    bit<16> etype;
}

header custom_t {
    bit<8> v;
}

struct headers_t {
    ethernet_t eth;
    custom_t   c;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    value_set<bit<16>>(8) custom_types;

    state start {
        pkt.extract(hdr.eth);
        transition select(hdr.eth.etype) {
            0x0800: accept;
            custom_types: parse_custom;
            default: accept;
        }
    }
    state parse_custom {
        pkt.extract(hdr.c);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        if (hdr.c.isValid()) {
            hdr.c.v = hdr.c.v + 1;
            sm.egress_spec = 2;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.eth);
        pkt.emit(hdr.c);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
