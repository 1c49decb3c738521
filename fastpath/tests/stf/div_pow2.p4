// Division and modulo of a run-time unsigned value by a constant power of two (what p4c's
// strength reduction turns into a shift and a mask): accepted, and computed as such.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<16> v;
    bit<16> q;
    bit<8>  r;
    bit<8>  q1;
}

struct headers_t { h_t h; }
struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.h.q = hdr.h.v / 16;
        hdr.h.r = (bit<8>)(hdr.h.v % 8);
        hdr.h.q1 = (bit<8>)(hdr.h.v / 1);
        hdr.h.v = hdr.h.v % 16w256;
        sm.egress_spec = 2;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }
control D(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }

V1Switch(P(), VC(), IG(), EG(), CC(), D()) main;
