// Copy-in/copy-out: an inout argument is copied in at the call and written back at the
// end, overwriting what the callee wrote to the same location meanwhile; whole-struct
// copies into locals and back.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> a;
    bit<8> b;
    bit<8> c;
    bit<8> d;
}

struct headers_t {
    h_t h;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action bump(inout bit<8> x) {
        hdr.h.a = 0x55;    // overwritten by the copy-out of x when x is hdr.h.a
        x = x + 1;
    }
    action swap(inout bit<8> x, inout bit<8> y) {
        bit<8> t = x;
        x = y;
        y = t;
    }
    apply {
        bump(hdr.h.a);
        swap(hdr.h.b, hdr.h.c);
        headers_t tmp = hdr;
        tmp.h.d = tmp.h.d + hdr.h.a;
        hdr.h.a = 0;            // does not change tmp
        hdr = tmp;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
