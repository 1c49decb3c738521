// Priorities of table entries written in the program.
// - t_bmv2: `@priority(N)` on const entries, BMv2's convention: the smaller number wins;
//   an entry without the annotation takes its position in the list (from 1).
// - t_spec: `priority = N` (P4-16 1.2.4): the larger number wins; an entry without one
//   takes the previous priority minus priority_delta. The entries are not const, so the
//   control plane adds entries between them (STF priorities: larger wins as well).
// - t_small: largest_priority_wins = false: the smaller number wins; an entry without a
//   priority takes the previous one plus priority_delta.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<16> k;
    bit<8>  r_bmv2;
    bit<8>  r_spec;
    bit<8>  r_small;
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
    action set_bmv2(bit<8> v) { hdr.h.r_bmv2 = v; }
    action set_spec(bit<8> v) { hdr.h.r_spec = v; }
    action set_small(bit<8> v) { hdr.h.r_small = v; }
    action none() { }

    table t_bmv2 {
        key = { hdr.h.k : ternary; }
        actions = { set_bmv2; none; }
        default_action = none();
        const entries = {
            0x0001 &&& 0x000F : set_bmv2(1) @priority(3);
            0x1181            : set_bmv2(2);
            0x1001 &&& 0xF00F : set_bmv2(3) @priority(1);
            0x2000 &&& 0xF000 : set_bmv2(4);
            0x2002 &&& 0xF00F : set_bmv2(5) @priority(9);
        }
    }

    table t_spec {
        key = { hdr.h.k : ternary; }
        actions = { set_spec; none; }
        default_action = none();
        priority_delta = 10;
        entries = {
            priority = 40: 0x3001 &&& 0xF00F : set_spec(1);
            0x3300 &&& 0xFF00 : set_spec(2);   // 30
            priority = 15: 0x0000 &&& 0x0000 : set_spec(3);
            0x3330 &&& 0xFFF0 : set_spec(4);   // 5: never wins, entry 3 matches everything
        }
    }

    table t_small {
        key = { hdr.h.k : ternary; }
        actions = { set_small; none; }
        default_action = none();
        largest_priority_wins = false;
        entries = {
            priority = 2: 0x4000 &&& 0xF000 : set_small(1);
            0x4400 &&& 0xFF00 : set_small(2);  // 3
            priority = 1: 0x4440 &&& 0xFFF0 : set_small(3);
        }
    }

    apply {
        sm.egress_spec = 1;
        t_bmv2.apply();
        t_spec.apply();
        t_small.apply();
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
