// Using the result of apply(): switch on action_run (with fall-through labels and
// default), .hit / .miss, negation, a table applied inside an if condition.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> k;
    bit<8> r1;
    bit<8> r2;
    bit<8> r3;
    bit<8> r4;
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
    action a1() { }
    action a2() { }
    action a3() { }
    action a4() { }
    action a5(bit<8> x) {
        hdr.h.r4 = x;
    }
    action tag2() {
        hdr.h.r2 = hdr.h.r2 | 0x10;
    }
    table t1 {
        key = { hdr.h.k : exact; }
        actions = { a1; a2; a3; a4; a5; }
        default_action = a3();
    }
    table t2 {
        key = { hdr.h.k : exact; }
        actions = { tag2; NoAction; }
        default_action = NoAction();
    }
    table t3 {
        key = { hdr.h.k : exact; }
        actions = { NoAction; }
        default_action = NoAction();
    }
    apply {
        switch (t1.apply().action_run) {
            a1: { hdr.h.r1 = 1; }
            a2:
            a4: { hdr.h.r1 = 2; }
            default: { hdr.h.r1 = 3; }
        }
        if (t2.apply().hit) {
            hdr.h.r2 = hdr.h.r2 | 1;
        } else {
            hdr.h.r2 = hdr.h.r2 | 2;
        }
        if (!t3.apply().hit) {
            hdr.h.r3 = 0xAA;
        }
        if (t3.apply().miss) {
            hdr.h.r3 = hdr.h.r3 | 0x0F;
        }
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
