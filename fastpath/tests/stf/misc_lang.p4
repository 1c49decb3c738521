// Assorted language features: top-level constants and typedefs, a keyless table (default
// action only), control-plane names from @name, header stack element and whole-stack
// assignment, run-time stack indexes, stack .size.
#include <core.p4>
#include <v1model.p4>

typedef bit<8> byte_t;
const byte_t KIND_STACK = 0x53;
const bit<9> OUT_PORT = 6;

header h_t {
    byte_t kind;
    byte_t idx;
    byte_t r1;
    byte_t r2;
}

header e_t {
    byte_t v;
}

struct headers_t {
    h_t    h;
    e_t[3] s;
    e_t[3] copy;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition select(hdr.h.kind) {
            KIND_STACK: parse_stack;
            default: accept;
        }
    }
    state parse_stack {
        // Fixed indexes, out of order.
        pkt.extract(hdr.s[1]);
        pkt.extract(hdr.s[0]);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    @name("set_r1_action")
    action set_r1(byte_t v) {
        hdr.h.r1 = v;
    }
    @name("keyless_table")
    table keyless {
        actions = { set_r1; }
        default_action = set_r1(0x11);
    }
    apply {
        keyless.apply();
        sm.egress_spec = OUT_PORT;
        if (hdr.h.kind == KIND_STACK) {
            // Run-time index: read and write.
            hdr.h.r2 = hdr.s[hdr.h.idx].v;
            hdr.s[hdr.h.idx].v = hdr.s[hdr.h.idx].v + 1;
            // Element assignment copies validity and contents.
            hdr.s[2] = hdr.s[0];
            // Whole-stack assignment.
            hdr.copy = hdr.s;
            hdr.copy[0].v = (byte_t)hdr.s.size;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
        pkt.emit(hdr.s);
        pkt.emit(hdr.copy);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
