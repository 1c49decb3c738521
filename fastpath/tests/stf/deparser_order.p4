// The deparser's emit order decides the output order, whatever the parse order; headers
// made valid in ingress are inserted, unparsed bytes follow as payload. The parser selects
// on standard_metadata.ingress_port.
#include <core.p4>
#include <v1model.p4>

header a_t {
    bit<8> a;
}

header b_t {
    bit<16> b;
}

header c_t {
    bit<8> c;
}

struct headers_t {
    a_t a;
    b_t b;
    c_t c;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.a);
        transition select(sm.ingress_port) {
            1: parse_b;
            default: accept;
        }
    }
    state parse_b {
        pkt.extract(hdr.b);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 5;
        if (hdr.a.a == 0xCC) {
            hdr.c.setValid();
            hdr.c.c = 0xCC;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.c);
        pkt.emit(hdr.b);
        pkt.emit(hdr.a);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
