// An exact field next to an LPM field (a VRF id and an address): the longest prefix
// within the matching VRF wins; no priorities are needed. A key named with @name.
#include <core.p4>
#include <v1model.p4>

header k_t {
    bit<16> vrf;
    bit<32> dst;
    bit<8>  nh;
}

struct headers_t {
    k_t k;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.k);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set_nh(bit<8> nh) {
        hdr.k.nh = nh;
    }
    table vrf_routes {
        key = {
            hdr.k.vrf : exact @name("vrf_id");
            hdr.k.dst : lpm;
        }
        actions = { set_nh; NoAction; }
        default_action = set_nh(0xFF);
    }
    apply {
        vrf_routes.apply();
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.k);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
