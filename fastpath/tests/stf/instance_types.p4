// standard_metadata.instance_type as ingress and egress see it for every kind of packet.
// As in BMv2 simple_switch: a resubmitted (6) or recirculated (4) packet is NORMAL (0) again
// in egress when it goes out unicast; I2E clones are 1, E2E clones 2, replicas 5.
#include <core.p4>
#include <v1model.p4>

header t_t {
    bit<8> op;
    bit<8> ig_it;
    bit<8> eg_it;
    bit<8> passes;
}

struct headers_t {
    t_t t;
}

struct meta_t {
    @field_list(1)
    bit<8> passes;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.t);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        meta.passes = meta.passes + 1;
        hdr.t.ig_it = (bit<8>)sm.instance_type;
        sm.egress_spec = 2;
        if (hdr.t.op == 1 && sm.instance_type == 0) {
            resubmit_preserving_field_list(1);
        }
        if (hdr.t.op == 3) {
            clone(CloneType.I2E, 5);
        }
        if (hdr.t.op == 5) {
            sm.mcast_grp = 1;
        }
        if (hdr.t.op == 6 && sm.instance_type == 0) {
            // Both: the I2E copy is made, and the packet is resubmitted.
            clone(CloneType.I2E, 5);
            resubmit_preserving_field_list(1);
        }
        if (hdr.t.op == 7 && sm.instance_type == 0) {
            // Resubmission is decided before the drop check: the packet comes back.
            mark_to_drop(sm);
            resubmit_preserving_field_list(1);
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.t.eg_it = (bit<8>)sm.instance_type;
        hdr.t.passes = meta.passes;
        if (hdr.t.op == 2 && meta.passes == 1) {
            recirculate_preserving_field_list(1);
        }
        if (hdr.t.op == 4 && meta.passes == 1) {
            clone(CloneType.E2E, 6);
        }
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.t);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
