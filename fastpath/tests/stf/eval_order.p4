// An assignment evaluates its left side first (P4-16 8.16): the stack index of
// `s[i.v].x = f(i.v)` is the one before f changes i.v. Also: an assignment to a slice of a
// slice writes the bits it names.
#include <core.p4>
#include <v1model.p4>

header idx_t { bit<8> v; }
header elem_t { bit<8> x; }
header bits_t { bit<8> b; }

struct headers_t {
    idx_t     i;
    elem_t[3] s;
    bits_t    bits;
}
struct meta_t { }

bit<8> bump(inout bit<8> v) {
    v = v + 1;
    return 0xEE;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.i);
        pkt.extract(hdr.s[0]);
        pkt.extract(hdr.s[1]);
        pkt.extract(hdr.s[2]);
        pkt.extract(hdr.bits);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        if (hdr.i.v < 2) {
            hdr.s[hdr.i.v].x = bump(hdr.i.v);
        }
        // Bits 5..4 of b: [7:4] then [1:0] of that.
        hdr.bits.b[7:4][1:0] = 2w3;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.i);
        pkt.emit(hdr.s);
        pkt.emit(hdr.bits);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
