// Control instances passed as constructor arguments: `Twice(inc) add2` gets the instance
// `inc` for its parameter of control type `Step`, and applies it. Applying the same instance
// from two places shares its state (here a counter). Direct type invocation (P4-16 15.1):
// `Dbl.apply(...)` applies an instance of its own.
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> v;
    bit<8> w;
    bit<8> u;
}
struct headers_t { h_t h; }
struct meta_t { }

control Step(inout bit<8> x);

control Inc(inout bit<8> x) {
    counter(4, CounterType.packets) seen;
    apply {
        x = x + 1;
        seen.count(0);
    }
}

control Dbl(inout bit<8> x) {
    apply { x = x << 1; }
}

control Twice(inout bit<8> x)(Step s) {
    apply {
        s.apply(x);
        s.apply(x);
    }
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    Inc() inc;
    Dbl() dbl;
    Twice(inc) add2;
    Twice(dbl) mul4;
    apply {
        sm.egress_spec = 1;
        add2.apply(hdr.h.v);
        mul4.apply(hdr.h.w);
        inc.apply(hdr.h.w);
        Dbl.apply(hdr.h.u);
        Dbl.apply(hdr.h.u);
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }
control CC(inout headers_t hdr, inout meta_t meta) { apply { } }
control DP(packet_out pkt, in headers_t hdr) { apply { pkt.emit(hdr.h); } }

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
