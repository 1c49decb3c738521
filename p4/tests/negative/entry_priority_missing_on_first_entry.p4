// expect: the first entry must state a priority
// Invalid on purpose: other entries state priorities, so the first one must too
// (P4-16 1.2.4: the others take the previous entry's priority minus priority_delta).
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<16> k;
    bit<8>  r;
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
    action set(bit<8> v) { hdr.h.r = v; }

    table acl {
        key = { hdr.h.k : ternary; }
        actions = { set; }
        default_action = set(0);
        entries = {
            0x1000 &&& 0xF000 : set(1);
            priority = 20: 0x1100 &&& 0xFF00 : set(2);
        }
    }

    apply { acl.apply(); }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
