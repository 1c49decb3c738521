// Range match (lo->hi, inclusive) next to an exact field; priorities resolve overlaps.
#include <core.p4>
#include <v1model.p4>

header p_t {
    bit<8>  proto;
    bit<16> port;
    bit<8>  v;
}

struct headers_t {
    p_t p;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.p);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set(bit<8> v) {
        hdr.p.v = v;
    }
    table ports {
        key = {
            hdr.p.proto : exact;
            hdr.p.port  : range;
        }
        actions = { set; NoAction; }
        default_action = set(0xEE);
    }
    apply {
        ports.apply();
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.p);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
