// Multicast: mcast_grp set in ingress, replication by the PRE (groups of nodes of
// (rid, ports)), egress_rid / egress_port / instance_type (REPLICATION = 5) in egress,
// egress pruning, and mark_to_drop clearing mcast_grp.
#include <core.p4>
#include <v1model.p4>

header m_t {
    bit<16> grp;
    bit<8>  flags;
    bit<8>  eport;
    bit<16> rid;
    bit<8>  itype;
}

struct headers_t {
    m_t m;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.m);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (hdr.m.grp == 0) {
            sm.egress_spec = 9;
        } else {
            sm.mcast_grp = hdr.m.grp;
        }
        if ((hdr.m.flags & 1) != 0) {
            mark_to_drop(sm);
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if ((hdr.m.flags & 2) != 0 && sm.egress_port == sm.ingress_port) {
            mark_to_drop(sm);
        }
        hdr.m.eport = (bit<8>)sm.egress_port;
        hdr.m.rid = sm.egress_rid;
        hdr.m.itype = (bit<8>)sm.instance_type;
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.m);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
