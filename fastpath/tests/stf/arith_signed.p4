// Signed int<W>: two's-complement wrap, saturating ops that clamp to [-2^(W-1), 2^(W-1)-1],
// arithmetic right shift, signed comparisons, sign extension and truncation by casts.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<8> a;
    bit<8> b;
}

header out_t {
    bit<8>  add;
    bit<8>  sub;
    bit<8>  mul;
    bit<8>  sadd;
    bit<8>  ssub;
    bit<8>  shr;
    bit<8>  shl;
    bit<8>  neg;
    bit<8>  cmp;
    bit<16> ext16;
    bit<8>  ext4;
    bit<8>  max;
    bit<32> ext32;
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
        int<8> x = (int<8>)hdr.i.a;
        int<8> y = (int<8>)hdr.i.b;
        hdr.o.setValid();
        hdr.o.add = (bit<8>)(x + y);
        hdr.o.sub = (bit<8>)(x - y);
        hdr.o.mul = (bit<8>)(x * y);
        hdr.o.sadd = (bit<8>)(x |+| y);
        hdr.o.ssub = (bit<8>)(x |-| y);
        hdr.o.shr = (bit<8>)(x >> 2);
        hdr.o.shl = (bit<8>)(x << 1);
        hdr.o.neg = (bit<8>)(-x);
        bit<8> c = 0;
        if (x < y)  { c = c | 0x01; }
        if (x <= y) { c = c | 0x02; }
        if (x == y) { c = c | 0x04; }
        if (x > y)  { c = c | 0x10; }
        if (x >= y) { c = c | 0x20; }
        if (x < 0)  { c = c | 0x40; }
        hdr.o.cmp = c;
        hdr.o.ext16 = (bit<16>)(int<16>)x;
        hdr.o.ext4 = (bit<8>)(int<8>)(int<4>)x;
        hdr.o.max = (bit<8>)(x > y ? x : y);
        int<32> wide = (int<32>)x * -3 + 32s1;
        hdr.o.ext32 = (bit<32>)wide;
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
