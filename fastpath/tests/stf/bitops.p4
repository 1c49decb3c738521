// Shifts (constant and run-time amounts, amounts >= the width), slices read and
// written, concatenation, truncating and widening casts, boolean operators and casts.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<16> w;
    bit<8>  n;
}

header out_t {
    bit<16> shl_c;
    bit<16> shr_c;
    bit<16> shl_v;
    bit<16> shr_v;
    bit<8>  slice;
    bit<16> set_slice;
    bit<24> concat;
    bit<8>  trunc;
    bit<32> ext;
    bit<8>  bools;
    bit<1>  b1;
    bit<7>  rest;
}

struct headers_t {
    in_t  i;
    out_t o;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.i);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        bit<16> w = hdr.i.w;
        bit<8> n = hdr.i.n;
        hdr.o.setValid();
        hdr.o.shl_c = w << 4;
        hdr.o.shr_c = w >> 12;
        hdr.o.shl_v = w << n;
        hdr.o.shr_v = w >> n;
        hdr.o.slice = w[11:4];
        bit<16> t = w;
        t[3:0] = 0xF;
        t[15:12] = n[3:0];
        hdr.o.set_slice = t;
        hdr.o.concat = w[7:0] ++ n ++ w[15:8];
        hdr.o.trunc = (bit<8>)(bit<4>)w;
        hdr.o.ext = (bit<32>)w;
        bool big = w > 0x1000;
        bool small_n = n < 4;
        bit<8> f = 0;
        if (big && small_n) { f = f | 0x01; }
        if (w == 0 || n == 0) { f = f | 0x02; }
        if (!(n == 1)) { f = f | 0x04; }
        if (big != small_n) { f = f | 0x08; }
        if (n[0:0] == 1) { f = f | 0x10; }
        hdr.o.bools = f;
        hdr.o.b1 = (bit<1>)(big || n == 7);
        hdr.o.rest = (bit<7>)n;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.i);
        pkt.emit(hdr.o);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
