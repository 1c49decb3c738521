// truncate(n): the packet leaves the switch cut to at most n bytes (headers included,
// after deparsing), whether truncate is called in ingress or in egress; when it is
// called more than once, the smallest length wins.
#include <core.p4>
#include <v1model.p4>

header t_t {
    bit<8> len;
    bit<8> where;    // 0: truncate in ingress, 1: in egress, 2: both (len, then len + 2), 3: never
    bit<8> x;
}

struct headers_t {
    t_t t;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.t);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (hdr.t.where == 0 || hdr.t.where == 2) {
            truncate((bit<32>)hdr.t.len);
        }
        hdr.t.x = 0xAB;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (hdr.t.where == 1) {
            truncate((bit<32>)hdr.t.len);
        }
        if (hdr.t.where == 2) {
            truncate((bit<32>)hdr.t.len + 2);
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
