// Functions (in, inout, out parameters, early return), actions called directly with
// directional parameters, and sub-controls with constructor parameters.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> a;
    bit<8> b;
    bit<8> m;
    bit<8> c;
    bit<8> o;
    bit<8> d;
}

struct headers_t {
    h_t h;
}

struct meta_t { }

bit<8> max8(in bit<8> x, in bit<8> y) {
    return x > y ? x : y;
}

bit<8> classify(in bit<8> v) {
    if (v < 10) {
        return 1;
    } else if (v < 100) {
        return 2;
    }
    return 3;
}

void swap(inout bit<8> x, inout bit<8> y) {
    bit<8> t = x;
    x = y;
    y = t;
}

void set_out(out bit<8> o, in bit<8> base) {
    o = base + 7;
}

control Adder(inout bit<8> v)(bit<8> amount) {
    apply {
        v = v + amount;
    }
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    Adder(5) add5;
    Adder(0x10) add16;

    action bump(inout bit<8> x, bit<8> delta) {
        x = x + delta;
    }
    apply {
        hdr.h.m = max8(hdr.h.a, hdr.h.b);
        hdr.h.c = classify(hdr.h.a);
        set_out(hdr.h.o, hdr.h.b);
        swap(hdr.h.a, hdr.h.b);
        bump(hdr.h.d, 3);
        add5.apply(hdr.h.d);
        add16.apply(hdr.h.d);
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
