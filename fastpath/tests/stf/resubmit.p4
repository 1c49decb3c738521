// resubmit_preserving_field_list: ingress runs again on the ORIGINAL packet (header
// changes of the earlier pass are lost) with instance_type 6; only the @field_list(1)
// metadata survives. A counter counts ingress passes.
#include <core.p4>
#include <v1model.p4>

header r_t {
    bit<8> a;        // how many resubmissions to do
    bit<8> itype;
    bit<8> count;
    bit<8> other;
    bit<8> touched;
}

struct headers_t {
    r_t r;
}

struct meta_t {
    @field_list(1)
    bit<8> count;
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
    counter(4, CounterType.packets) passes;

    apply {
        passes.count(0);
        if (sm.instance_type == 6) {
            passes.count(1);
        }
        if (meta.count < hdr.r.a) {
            meta.count = meta.count + 1;
            meta.other = 0x77;
            hdr.r.touched = 0xFF;
            sm.egress_spec = 4;
            resubmit_preserving_field_list(1);
        } else {
            hdr.r.itype = (bit<8>)sm.instance_type;
            hdr.r.count = meta.count;
            hdr.r.other = meta.other;
            sm.egress_spec = 2;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.r);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
