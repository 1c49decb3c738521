// Registers: read-modify-write per packet, control-plane register_read/write/reset,
// arithmetic wrapping at the cell width.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8>  idx;
    bit<32> inc;
    bit<32> val;
    bit<8>  small;
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
    register<bit<32>, bit<32>>(8) acc;
    register<bit<8>, bit<2>>(4) small_acc;

    apply {
        bit<32> v;
        acc.read(v, (bit<32>)hdr.h.idx);
        v = v + hdr.h.inc;
        acc.write((bit<32>)hdr.h.idx, v);
        hdr.h.val = v;

        bit<8> s;
        small_acc.read(s, hdr.h.idx[1:0]);
        s = s + 0x80;
        small_acc.write(hdr.h.idx[1:0], s);
        hdr.h.small = s;
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
