// An action that exits, run by a table applied in a condition (if, switch, an assigned
// expression): the control ends at once, so no statement of the chosen branch or case runs
// and the assignment does not happen; egress still runs.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> op;
    bit<8> a;
    bit<8> b;
    bit<8> c;
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

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action stop() {
        hdr.h.c = 0xEE;
        exit;
    }
    action go() { }
    table by_if {
        key = { hdr.h.op : exact; }
        actions = { stop; go; }
        default_action = go();
    }
    table by_switch {
        key = { hdr.h.op : exact; }
        actions = { stop; go; }
        default_action = go();
    }
    table by_value {
        key = { hdr.h.op : exact; }
        actions = { stop; go; }
        default_action = go();
    }
    apply {
        sm.egress_spec = 2;
        if (hdr.h.op < 0x10) {
            if (by_if.apply().hit) {
                hdr.h.a = 0x11;
                hdr.h.b = 0x12;
            } else {
                hdr.h.a = 0x21;
                hdr.h.b = 0x22;
            }
        } else if (hdr.h.op < 0x20) {
            switch (by_switch.apply().action_run) {
                stop: {
                    hdr.h.a = 0x31;
                    hdr.h.b = 0x32;
                }
                default: {
                    hdr.h.a = 0x41;
                    hdr.h.b = 0x42;
                }
            }
        } else {
            hdr.h.a = by_value.apply().hit ? 8w0x51 : 8w0x61;
            hdr.h.b = 0x52;
        }
        hdr.h.c = hdr.h.c + 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply { hdr.h.eg = 0xE0; }
}

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control D(packet_out pkt, in headers_t hdr) {
    apply { pkt.emit(hdr.h); }
}

V1Switch(P(), VC(), IG(), EG(), CC(), D()) main;
