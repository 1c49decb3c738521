// random(result, lo, hi): only the range is checked.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> lo;
    bit<8> hi;
    bit<8> in_range;
    bit<8> fixed;
    bit<8> full_ok;
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
    apply {
        bit<8> r;
        random(r, hdr.h.lo, hdr.h.hi);
        hdr.h.in_range = (r >= hdr.h.lo && r <= hdr.h.hi) ? 8w1 : 8w0;
        bit<16> f;
        random(f, 16w1234, 16w1234);
        hdr.h.fixed = (f == 1234) ? 8w1 : 8w0;
        bit<32> w;
        random(w, 32w10, 32w20);
        hdr.h.full_ok = (w >= 10 && w <= 20) ? 8w1 : 8w0;
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
