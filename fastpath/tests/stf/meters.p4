// Two-rate three-colour meters: indexed (packets and bytes) and direct (per table entry).
// An unconfigured meter marks everything GREEN (0); YELLOW = 1, RED = 2.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> idx;
    bit<8> k;
    bit<8> pcolor;
    bit<8> bcolor;
    bit<8> dcolor;
}

struct headers_t {
    h_t h;
}

struct meta_t {
    bit<8> dcolor;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    meter<bit<32>>(4, MeterType.packets) pm;
    meter<bit<32>>(4, MeterType.bytes) bm;
    direct_meter<bit<8>>(MeterType.packets) dm;

    action metered() {
        dm.read(meta.dcolor);
    }
    table t {
        key = { hdr.h.k : exact; }
        actions = { metered; NoAction; }
        default_action = NoAction();
        meters = dm;
    }

    apply {
        meta.dcolor = 0xFF;
        pm.execute_meter((bit<32>)hdr.h.idx, hdr.h.pcolor);
        bm.execute_meter((bit<32>)hdr.h.idx, hdr.h.bcolor);
        t.apply();
        hdr.h.dcolor = meta.dcolor;
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
