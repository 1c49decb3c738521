// A stack of header unions: `extract(u.next.member)` fills the next element's member and
// advances the stack; `u[i].member` names a fixed element. Validity of every member of every
// element is reset for each packet.
#include <core.p4>
#include <v1model.p4>

header sel_t { bit<8> kind; }
header one_t { bit<8> v; }
header two_t { bit<16> v; }
header_union opt_t {
    one_t one;
    two_t two;
}
header seen_t { bit<8> bits; }

struct headers_t {
    sel_t    sel;
    opt_t[2] opt;
    seen_t   seen;
}
struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.sel);
        transition select(hdr.sel.kind) {
            1: one_two;
            2: two_one;
            3: fixed_two_two;
            default: accept;
        }
    }
    state one_two {
        pkt.extract(hdr.opt.next.one);
        pkt.extract(hdr.opt.next.two);
        transition accept;
    }
    state two_one {
        pkt.extract(hdr.opt.next.two);
        pkt.extract(hdr.opt.next.one);
        transition accept;
    }
    state fixed_two_two {
        pkt.extract(hdr.opt[0].two);
        pkt.extract(hdr.opt[1].two);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 2;
        // One bit per member and element: which ones are valid.
        hdr.seen.setValid();
        hdr.seen.bits = 0;
        if (hdr.opt[0].one.isValid()) { hdr.seen.bits = hdr.seen.bits | 8; }
        if (hdr.opt[0].two.isValid()) { hdr.seen.bits = hdr.seen.bits | 4; }
        if (hdr.opt[1].one.isValid()) { hdr.seen.bits = hdr.seen.bits | 2; }
        if (hdr.opt[1].two.isValid()) { hdr.seen.bits = hdr.seen.bits | 1; }
        if (hdr.opt[1].one.isValid()) { hdr.opt[1].one.v = hdr.opt[1].one.v + 1; }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.seen);
        pkt.emit(hdr.sel);
        pkt.emit(hdr.opt);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
