// exit (in an action and in a control body) ends the current pipeline block but the packet
// carries on (egress still runs after an ingress exit); return leaves only the enclosing
// control (here a sub-control applied from ingress).
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> op;
    bit<8> r1;
    bit<8> r2;
    bit<8> r3;
    bit<8> eg;
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

control Sub(inout h_t h) {
    apply {
        if (h.op == 3) {
            h.r2 = 0x33;
            return;
        }
        h.r2 = 0x22;
    }
}

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    Sub() sub;

    action act_exit() {
        hdr.h.r1 = 0xA1;
        exit;
    }
    table t {
        key = { hdr.h.op : exact; }
        actions = { act_exit; NoAction; }
        default_action = NoAction();
    }
    apply {
        sm.egress_spec = 2;
        if (hdr.h.op == 1) {
            hdr.h.r1 = 0x11;
            exit;
        }
        if (hdr.h.op == 2) {
            hdr.h.r1 = 0x12;
            return;
        }
        sub.apply(hdr.h);
        t.apply();
        hdr.h.r3 = 0x33;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (hdr.h.op == 5) {
            hdr.h.eg = 0xE5;
            exit;
        }
        hdr.h.eg = 0xE0;
    }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
