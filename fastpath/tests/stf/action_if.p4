// Conditionals inside actions, nested if/else chains in a control, block-scoped locals
// that shadow outer ones, and a switch on action_run in egress.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> k;
    bit<8> x;
    bit<8> y;
    bit<8> z;
    bit<8> e;
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
    action clamp(bit<8> limit) {
        if (hdr.h.x > limit) {
            hdr.h.x = limit;
        } else {
            hdr.h.x = hdr.h.x + 1;
        }
    }
    table t {
        key = { hdr.h.k : exact; }
        actions = { clamp; NoAction; }
        default_action = NoAction();
    }
    apply {
        t.apply();
        bit<8> v = 1;
        if (hdr.h.k < 0x10) {
            bit<8> w = 2;
            if (hdr.h.k < 0x08) {
                v = v + w;
            } else if (hdr.h.k == 0x08) {
                v = v + 4;
            } else {
                v = v + 8;
            }
        } else {
            v = 0x80;
        }
        hdr.h.y = v;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action mark(bit<8> m) {
        hdr.h.e = m;
    }
    action other() {
        hdr.h.e = 0x0F;
    }
    table eg_t {
        key = { hdr.h.k : exact; }
        actions = { mark; other; }
        default_action = other();
    }
    apply {
        switch (eg_t.apply().action_run) {
            mark: {
                hdr.h.z = 1;
            }
            other: {
                hdr.h.z = 2;
            }
        }
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
