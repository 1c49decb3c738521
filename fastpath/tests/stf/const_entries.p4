// const entries (exact, ternary in program order, lpm by prefix length), const
// default_action, and default actions with action data.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> k;
    bit<8> r_exact;
    bit<8> r_tern;
    bit<8> r_lpm;
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
    action set_exact(bit<8> v) {
        hdr.h.r_exact = v;
    }
    action set_tern(bit<8> v) {
        hdr.h.r_tern = v;
    }
    action set_lpm(bit<8> v) {
        hdr.h.r_lpm = v;
    }
    table ex {
        key = { hdr.h.k : exact; }
        actions = { set_exact; }
        const entries = {
            1 : set_exact(10);
            2 : set_exact(20);
            0xFF : set_exact(0xF0);
        }
        const default_action = set_exact(0xEE);
    }
    table tern {
        key = { hdr.h.k : ternary; }
        actions = { set_tern; }
        const entries = {
            0x1F : set_tern(2);
            0x10 &&& 0xF0 : set_tern(1);
            0x01 &&& 0x0F : set_tern(4);
            _ : set_tern(3);
        }
        default_action = set_tern(0xDD);
    }
    table lp {
        key = { hdr.h.k : lpm; }
        actions = { set_lpm; }
        const entries = {
            0x80 &&& 0x80 : set_lpm(1);
            0xC0 &&& 0xE0 : set_lpm(2);
            0xC8 &&& 0xF8 : set_lpm(3);
        }
        default_action = set_lpm(0xCC);
    }
    apply {
        ex.apply();
        tern.apply();
        lp.apply();
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
