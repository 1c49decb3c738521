// lookahead<T>() peeks without consuming; advance(N) skips bits, which are then
// gone from the packet (they are neither a header nor payload).
#include <core.p4>
#include <v1model.p4>

header first_t {
    bit<8> kind;
    bit<8> v;
}

header a_t {
    bit<16> a;
}

header b_t {
    bit<32> b;
}

header note_t {
    bit<16> peek;
    bit<8>  peek8;
    bit<8>  err;
}

struct headers_t {
    note_t  note;
    first_t first;
    a_t     a;
    b_t     b;
}

struct meta_t {
    bit<16> peek;
    bit<8>  peek8;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        meta.peek = pkt.lookahead<bit<16>>();
        transition select(pkt.lookahead<bit<8>>()) {
            0x01: with_a;
            0x02: skip_then_b;
            0x03: peek_deeper;
            0x04: skip_variable;
            default: accept;
        }
    }
    state with_a {
        pkt.extract(hdr.first);
        pkt.extract(hdr.a);
        transition accept;
    }
    state skip_then_b {
        pkt.extract(hdr.first);
        pkt.advance(16);
        pkt.extract(hdr.b);
        transition accept;
    }
    state skip_variable {
        // advance by a run-time amount: first.v bytes.
        pkt.extract(hdr.first);
        pkt.advance((bit<32>)hdr.first.v * 8);
        pkt.extract(hdr.a);
        transition accept;
    }
    state peek_deeper {
        pkt.extract(hdr.first);
        // The byte after a 16-bit gap, seen through a 24-bit lookahead.
        meta.peek8 = pkt.lookahead<bit<24>>()[7:0];
        pkt.advance(8);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 3;
        hdr.note.setValid();
        hdr.note.peek = meta.peek;
        hdr.note.peek8 = meta.peek8;
        hdr.note.err = sm.parser_error == error.PacketTooShort ? 8w1 : 8w0;
        if (hdr.b.isValid()) {
            hdr.b.b = hdr.b.b ^ 0xFFFFFFFF;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.note);
        pkt.emit(hdr.first);
        pkt.emit(hdr.a);
        pkt.emit(hdr.b);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
