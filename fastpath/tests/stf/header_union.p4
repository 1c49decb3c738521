// Header unions: at most one member valid; setValid on one member invalidates the
// others; u.isValid(); emitting a union emits its valid member.
#include <core.p4>
#include <v1model.p4>

header v4_t {
    bit<4> version;
    bit<4> x;
    bit<8> a;
}

header v6_t {
    bit<4>  version;
    bit<4>  x;
    bit<16> a;
    bit<8>  b;
}

header_union ip_u {
    v4_t v4;
    v6_t v6;
}

header res_t {
    bit<8> code;
}

struct headers_t {
    res_t res;
    ip_u  u;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        transition select(pkt.lookahead<bit<4>>()) {
            4: parse_v4;
            6: parse_v6;
            default: accept;
        }
    }
    state parse_v4 {
        pkt.extract(hdr.u.v4);
        transition accept;
    }
    state parse_v6 {
        pkt.extract(hdr.u.v6);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.res.setValid();
        hdr.res.code = 0;
        if (hdr.u.v4.isValid()) {
            hdr.res.code = 4;
            if (hdr.u.v4.x == 1) {
                // Turn it into the other member.
                hdr.u.v6.setValid();
                hdr.u.v6.version = 6;
                hdr.u.v6.x = 0;
                hdr.u.v6.a = 0xABCD;
                hdr.u.v6.b = 1;
            }
        } else if (hdr.u.v6.isValid()) {
            hdr.res.code = 6;
            if (hdr.u.v6.x == 2) {
                hdr.u.v6.setInvalid();
            }
        }
        if (hdr.u.isValid()) {
            hdr.res.code = hdr.res.code | 0x80;
        }
        if (hdr.u.v4.isValid()) {
            hdr.res.code = hdr.res.code | 0x40;
        }
        if (hdr.u.v6.isValid()) {
            hdr.res.code = hdr.res.code | 0x20;
        }
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.res);
        pkt.emit(hdr.u);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
