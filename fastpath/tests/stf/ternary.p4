// Ternary match on two fields; among matching entries the STF priority decides
// (a smaller number wins, as in BMv2).
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<16> k1;
    bit<8>  k2;
    bit<8>  v;
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
    action set(bit<8> v) {
        hdr.h.v = v;
    }
    action deny() {
        mark_to_drop(sm);
        exit;
    }
    table acl {
        key = {
            hdr.h.k1 : ternary;
            hdr.h.k2 : ternary;
        }
        actions = { set; deny; NoAction; }
        default_action = NoAction();
    }
    apply {
        sm.egress_spec = 1;
        acl.apply();
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
