// setValid() on an invalid header: BMv2 (add_header) resets all its fields to 0, so nothing
// of an earlier packet shows through. setValid() on a valid header changes nothing.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> op;
    bit<8> val;
}

header extra_t {
    bit<8>  a;
    bit<16> b;
}

struct headers_t {
    h_t     h;
    extra_t extra;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition select(hdr.h.op) {
            2: parse_extra;
            default: accept;
        }
    }
    state parse_extra {
        pkt.extract(hdr.extra);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (hdr.h.op == 1) {
            // Fill the header completely ...
            hdr.extra.setValid();
            hdr.extra.a = hdr.h.val;
            hdr.extra.b = 0xFFFF;
        } else {
            // ... or only one field of it: the others read as 0.
            hdr.extra.setValid();
            hdr.extra.a = hdr.extra.a | 0x80;
        }
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
        pkt.emit(hdr.extra);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
