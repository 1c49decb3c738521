// Serializable enums (enum bit<8>) as header fields, select cases, table keys, action
// data, casts to and from bit<8>, a switch on an enum value; a plain enum in a local.
#include <core.p4>
#include <v1model.p4>

enum bit<8> Kind {
    A = 1,
    B = 2,
    C = 0x10
}

enum Colour {
    Red,
    Green
}

header h_t {
    Kind   kind;
    bit<8> path;
    bit<8> r;
    Kind   out_kind;
}

struct headers_t {
    h_t h;
}

struct meta_t {
    bit<8> path;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition select(hdr.h.kind) {
            Kind.A: is_a;
            Kind.C: is_c;
            default: accept;
        }
    }
    state is_a {
        meta.path = 0xA;
        transition accept;
    }
    state is_c {
        meta.path = 0xC;
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set_kind(Kind k) {
        hdr.h.out_kind = k;
    }
    table by_kind {
        key = { hdr.h.kind : exact; }
        actions = { set_kind; NoAction; }
        default_action = NoAction();
    }
    apply {
        hdr.h.path = meta.path;
        Colour c = Colour.Red;
        switch (hdr.h.kind) {
            Kind.A: { hdr.h.r = 1; }
            Kind.B: { hdr.h.r = 2; c = Colour.Green; }
            default: { hdr.h.r = (bit<8>)hdr.h.kind + 0x80; }
        }
        if (c == Colour.Green) {
            hdr.h.r = hdr.h.r | 0x40;
        }
        if ((Kind)(hdr.h.path + 4) == Kind.C) {
            hdr.h.r = hdr.h.r | 0x20;
        }
        by_kind.apply();
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
