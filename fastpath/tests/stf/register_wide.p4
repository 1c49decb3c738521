// Registers of 128-bit and 1-bit cells, used from egress and indexed by action data.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8>   k;
    bit<128> add;
    bit<128> total;
    bit<8>   flips;
}

struct headers_t {
    h_t h;
}

struct meta_t {
    bit<32> slot;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action use_slot(bit<32> slot) {
        meta.slot = slot;
    }
    table slots {
        key = { hdr.h.k : exact; }
        actions = { use_slot; }
        default_action = use_slot(0);
    }
    apply {
        slots.apply();
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    register<bit<128>, bit<32>>(4) wide;
    register<bit<1>, bit<32>>(4) bit_reg;

    apply {
        bit<128> t;
        wide.read(t, meta.slot);
        t = t + hdr.h.add;
        wide.write(meta.slot, t);
        hdr.h.total = t;
        bit<1> b;
        bit_reg.read(b, meta.slot);
        b = ~b;
        bit_reg.write(meta.slot, b);
        hdr.h.flips = (bit<8>)b;
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
