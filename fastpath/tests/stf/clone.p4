// Cloning with sessions: I2E (instance_type 1) copies the packet as it arrived (ingress
// header changes are not in the copy); E2E (instance_type 2) copies the packet as egress
// left it. User metadata is reset in a copy except the fields of the preserved @field_list.
#include <core.p4>
#include <v1model.p4>

header c_t {
    bit<8> flags;
    bit<8> itype;
    bit<8> eport;
    bit<8> ig_mark;
    bit<8> eg_mark;
    bit<8> tag;
    bit<8> other;
}

struct headers_t {
    c_t c;
}

struct meta_t {
    @field_list(1)
    bit<8> tag;
    bit<8> other;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.c);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        meta.tag = 0x55;
        meta.other = 0x66;
        hdr.c.ig_mark = 0x11;
        sm.egress_spec = 1;
        if ((hdr.c.flags & 0x01) != 0) {
            clone(CloneType.I2E, 5);
        }
        if ((hdr.c.flags & 0x04) != 0) {
            clone_preserving_field_list(CloneType.I2E, 5, 1);
        }
        if ((hdr.c.flags & 0x10) != 0) {
            mark_to_drop(sm);
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.c.itype = (bit<8>)sm.instance_type;
        hdr.c.eport = (bit<8>)sm.egress_port;
        hdr.c.tag = meta.tag;
        hdr.c.other = meta.other;
        if (sm.instance_type == 0) {
            if ((hdr.c.flags & 0x02) != 0) {
                clone(CloneType.E2E, 6);
            }
            if ((hdr.c.flags & 0x08) != 0) {
                clone_preserving_field_list(CloneType.E2E, 6, 1);
            }
            if ((hdr.c.flags & 0x20) != 0) {
                mark_to_drop(sm);
            }
        }
        hdr.c.eg_mark = hdr.c.eg_mark + 1;
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.c);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
