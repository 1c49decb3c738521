// recirculate_preserving_field_list: the packet as deparsed at the end of egress goes
// back to the parser with instance_type 4; the original is not sent; @field_list(1)
// metadata survives, other metadata is reset.
#include <core.p4>
#include <v1model.p4>

header r_t {
    bit<8> n;        // how many recirculations
    bit<8> itype;
    bit<8> rc;
    bit<8> other;
    bit<8> ig_touch;
    bit<8> eg_touch;
}

struct headers_t {
    r_t r;
}

struct meta_t {
    @field_list(1)
    bit<8> rc;
    bit<8> other;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.r);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.r.other = hdr.r.other | meta.other;
        meta.other = 0x99;
        hdr.r.ig_touch = hdr.r.ig_touch + 1;
        hdr.r.itype = (bit<8>)sm.instance_type;
        hdr.r.rc = meta.rc;
        sm.egress_spec = 3;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.r.eg_touch = hdr.r.eg_touch + 1;
        if (meta.rc < hdr.r.n) {
            meta.rc = meta.rc + 1;
            recirculate_preserving_field_list(1);
        }
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.r);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
