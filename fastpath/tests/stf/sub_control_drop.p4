// mark_to_drop(sm) inside a sub-control drops the packet: it marks the sub-control's copy of
// standard_metadata, which is copied back out (p4c / BMv2 semantics).
#include <core.p4>
#include <v1model.p4>

header h_t { bit<8> op; }
struct hs { h_t h; }
struct m_t { }

parser P(packet_in pk, out hs hdr, inout m_t m, inout standard_metadata_t sm) {
    state start { pk.extract(hdr.h); transition accept; }
}
control VC(inout hs hdr, inout m_t m) { apply { } }
control Dropper(in h_t h, inout standard_metadata_t sm) {
    apply {
        if (h.op == 1) {
            mark_to_drop(sm);
        }
    }
}
control I(inout hs hdr, inout m_t m, inout standard_metadata_t sm) {
    Dropper() d;
    apply {
        sm.egress_spec = 3;
        d.apply(hdr.h, sm);
    }
}
control E(inout hs hdr, inout m_t m, inout standard_metadata_t sm) { apply { } }
control C(inout hs hdr, inout m_t m) { apply { } }
control D(packet_out pk, in hs hdr) { apply { pk.emit(hdr.h); } }
V1Switch(P(), VC(), I(), E(), C(), D()) main;
