// Unsigned arithmetic at several widths: wrap-around, saturating ops, comparisons,
// the ternary operator, and widths of 4, 16, 64, 128 and 200 bits.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<8> a;
    bit<8> b;
}

header out_t {
    bit<8>   add;
    bit<8>   sub;
    bit<8>   mul;
    bit<8>   sadd;
    bit<8>   ssub;
    bit<8>   band;
    bit<8>   bor;
    bit<8>   bxor;
    bit<8>   bnot;
    bit<8>   neg;
    bit<16>  wide_mul;
    bit<8>   max;
    bit<8>   cmp;
    bit<8>   n4;
    bit<64>  w64;
    bit<128> w128;
    bit<200> w200;
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
        bit<8> a = hdr.i.a;
        bit<8> b = hdr.i.b;
        hdr.o.setValid();
        hdr.o.add = a + b;
        hdr.o.sub = a - b;
        hdr.o.mul = a * b;
        hdr.o.sadd = a |+| b;
        hdr.o.ssub = a |-| b;
        hdr.o.band = a & b;
        hdr.o.bor = a | b;
        hdr.o.bxor = a ^ b;
        hdr.o.bnot = ~a;
        hdr.o.neg = -a;
        hdr.o.wide_mul = (bit<16>)a * (bit<16>)b;
        hdr.o.max = a > b ? a : b;
        bit<8> c = 0;
        if (a < b)  { c = c | 0x01; }
        if (a <= b) { c = c | 0x02; }
        if (a == b) { c = c | 0x04; }
        if (a != b) { c = c | 0x08; }
        if (a > b)  { c = c | 0x10; }
        if (a >= b) { c = c | 0x20; }
        hdr.o.cmp = c;
        bit<4> n = a[3:0] + b[3:0];
        hdr.o.n4 = (bit<8>)n;
        hdr.o.w64 = 64w0xFFFFFFFFFFFFFFFF + (bit<64>)a;
        hdr.o.w128 = (128w1 << 127) + ((bit<128>)a << 64) + (bit<128>)b * 128w0x10001;
        hdr.o.w200 = ((bit<200>)a << 192) + ((bit<200>)b << 96) - 200w1;
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
