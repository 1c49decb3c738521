// Packets with payloads of hundreds of bytes leave through the engine's buffer-moving path:
// headers rewritten in place, a header added (the payload shifts right) and a header removed
// (the payload shifts left), with the payload bytes intact.
#include <core.p4>
#include <v1model.p4>

header eth_h { bit<48> dst; bit<48> src; bit<16> etype; }
header tag_h { bit<16> id; bit<16> etype; }
struct hdrs { eth_h eth; tag_h tag; }
struct meta_t { }

parser P(packet_in pkt, out hdrs h, inout meta_t m, inout standard_metadata_t sm) {
    state start {
        pkt.extract(h.eth);
        transition select(h.eth.etype) {
            0x8100: parse_tag;
            default: accept;
        }
    }
    state parse_tag { pkt.extract(h.tag); transition accept; }
}

control V(inout hdrs h, inout meta_t m) { apply { } }

control I(inout hdrs h, inout meta_t m, inout standard_metadata_t sm) {
    action rewrite(bit<9> port) {
        h.eth.src = h.eth.dst;
        h.eth.dst = 48w0x0a0b0c0d0e0f;
        sm.egress_spec = port;
    }
    action push(bit<16> id) {
        h.tag.setValid();
        h.tag.id = id;
        h.tag.etype = h.eth.etype;
        h.eth.etype = 0x8100;
        sm.egress_spec = 2;
    }
    action pop() {
        h.eth.etype = h.tag.etype;
        h.tag.setInvalid();
        sm.egress_spec = 3;
    }
    table t {
        key = { h.eth.dst: exact; }
        actions = { rewrite; push; pop; }
        default_action = rewrite(1);
    }
    apply { t.apply(); }
}

control E(inout hdrs h, inout meta_t m, inout standard_metadata_t sm) { apply { } }
control C(inout hdrs h, inout meta_t m) { apply { } }
control D(packet_out pkt, in hdrs h) { apply { pkt.emit(h.eth); pkt.emit(h.tag); } }

V1Switch(P(), V(), I(), E(), C(), D()) main;
