// Optional match: each field is either an exact value or don't-care (left out of the entry).
#include <core.p4>
#include <v1model.p4>

header o_t {
    bit<8>  a;
    bit<16> b;
    bit<8>  v;
}

struct headers_t {
    o_t o;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.o);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set(bit<8> v) {
        hdr.o.v = v;
    }
    table opt {
        key = {
            hdr.o.a : optional;
            hdr.o.b : optional;
        }
        actions = { set; NoAction; }
        default_action = NoAction();
    }
    apply {
        opt.apply();
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.o);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
