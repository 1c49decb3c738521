// Less common argument and return forms:
//   - `pkt.extract<H>(_)` skips a header without keeping it;
//   - `pkt.lookahead<H>();` as a statement only checks that the bits are there;
//   - a bit slice passed to an inout parameter is read, then written back into its bits;
//   - a function returns a header built from a list (valid, fields in order).
#include <core.p4>
#include <v1model.p4>

header skip_t { bit<16> junk; }
header probe_t { bit<32> p; }
header data_t {
    bit<8>  a;
    bit<8>  b;
}
header made_t {
    bit<8> x;
    bit<8> y;
}

struct headers_t {
    data_t data;
    made_t made;
}
struct meta_t { }

made_t make(in bit<8> seed) {
    return { seed, seed + 1 };
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract<skip_t>(_);
        pkt.lookahead<probe_t>();
        pkt.extract(hdr.data);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action bump(inout bit<4> nibble) {
        nibble = nibble + 1;
    }
    apply {
        sm.egress_spec = 3;
        if (sm.parser_error != error.NoError) {
            mark_to_drop(sm);
            return;
        }
        // Only bits 7..4 of `a` change; a carry out of the nibble is lost.
        bump(hdr.data.a[7:4]);
        hdr.made = make(hdr.data.b);
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.data);
        pkt.emit(hdr.made);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
