// Two instances of one control type have separate registers and counters, named after the
// instances (I.r1.cells, I.r2.cells), and their own constructor arguments.
#include <core.p4>
#include <v1model.p4>
header h_t { bit<8> k; bit<32> v; }
struct hs { h_t h; }
struct m_t { }
parser P(packet_in pk, out hs hdr, inout m_t m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout hs hdr, inout m_t m) { apply { } }
control Row(inout bit<32> acc, in bit<8> k)(bit<32> seed) {
    register<bit<32>>(16) cells;
    counter(4, CounterType.packets) hits;
    apply {
        bit<32> x;
        cells.read(x, (bit<32>)(k & 15));
        x = x + seed;
        cells.write((bit<32>)(k & 15), x);
        hits.count(0);
        acc = acc + x;
    }
}
control I(inout hs hdr, inout m_t m, inout standard_metadata_t sm) {
    Row(32w1) r1;
    Row(32w100) r2;
    apply {
        bit<32> acc = 0;
        r1.apply(acc, hdr.h.k);
        r2.apply(acc, hdr.h.k);
        hdr.h.v = acc;
        sm.egress_spec = 1;
    }
}
control E(inout hs hdr, inout m_t m, inout standard_metadata_t sm) { apply { } }
control C(inout hs hdr, inout m_t m) { apply { } }
control D(packet_out pk, in hs hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), C(), D()) main;
