// Actions lists that bind directional parameters (P4-16 14.2.1.2): the same action writes
// a different field depending on the table that runs it, for entries and default actions.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> key;
    bit<8> f;
    bit<8> g;
    bit<8> count;
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
    // `dst` is bound by the actions list; `v` is action data.
    action put(out bit<8> dst, bit<8> v) {
        dst = v;
    }
    // inout: reads the bound field, then writes it back.
    action add(inout bit<8> acc, bit<8> v) {
        acc = acc + v;
    }
    table to_f {
        key = { hdr.h.key: exact; }
        actions = { put(hdr.h.f); add(hdr.h.count); NoAction; }
        default_action = NoAction();
    }
    table to_g {
        key = { hdr.h.key: exact; }
        actions = { put(hdr.h.g); add(hdr.h.count); }
        default_action = add(hdr.h.count, 100);
    }
    apply {
        sm.egress_spec = 1;
        to_f.apply();
        to_g.apply();
        // A direct call passes its own argument.
        put(hdr.h.key, hdr.h.key + 1);
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }
control DP(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
