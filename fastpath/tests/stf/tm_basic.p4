// Traffic manager basics: egress_spec routing, mark_to_drop in ingress and egress, the drop
// port 511, the last write to egress_spec winning, standard metadata seen in both pipes.
#include <core.p4>
#include <v1model.p4>

header fwd_t {
    bit<8>  port;
    bit<8>  flags;
    bit<8>  iport;
    bit<16> plen;
    bit<8>  eport;
    bit<8>  itype;
    bit<8>  marker;
}

struct headers_t {
    fwd_t fwd;
}

struct meta_t {
    bit<8> seen;   // never written: user metadata starts at zero
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.fwd);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = (bit<9>)hdr.fwd.port;
        if ((hdr.fwd.flags & 0x01) != 0) {
            mark_to_drop(sm);
        }
        if ((hdr.fwd.flags & 0x04) != 0) {
            sm.egress_spec = 511;
        }
        if ((hdr.fwd.flags & 0x08) != 0) {
            // A later write undoes mark_to_drop.
            sm.egress_spec = (bit<9>)hdr.fwd.port + 1;
        }
        hdr.fwd.iport = (bit<8>)sm.ingress_port;
        hdr.fwd.plen = (bit<16>)sm.packet_length;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if ((hdr.fwd.flags & 0x02) != 0) {
            mark_to_drop(sm);
        }
        hdr.fwd.eport = (bit<8>)sm.egress_port;
        hdr.fwd.itype = (bit<8>)sm.instance_type;
        hdr.fwd.marker = 0xE5 | meta.seen;
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.fwd);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
