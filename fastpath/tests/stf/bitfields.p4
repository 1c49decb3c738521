// Fields that are not byte-aligned and cross byte boundaries (widths 1..24 and a bool),
// each read, modified and written back in place.
#include <core.p4>
#include <v1model.p4>

header bf_t {
    bit<3>  a;
    bit<5>  b;
    bit<12> c;
    bit<4>  d;
    bit<1>  e;
    bit<15> f;
    bit<24> g;
    bool    h;
    bit<7>  i;
}

struct headers_t {
    bf_t bf;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.bf);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.bf.a = hdr.bf.a + 1;
        hdr.bf.b = hdr.bf.b ^ 0x1F;
        hdr.bf.c = hdr.bf.c + 0x801;
        hdr.bf.d = ~hdr.bf.d;
        hdr.bf.e = ~hdr.bf.e;
        hdr.bf.f = hdr.bf.f - 1;
        hdr.bf.g = hdr.bf.g << 1;
        hdr.bf.h = !hdr.bf.h;
        hdr.bf.i = hdr.bf.i |+| 100;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.bf);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
