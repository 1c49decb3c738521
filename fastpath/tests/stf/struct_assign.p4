// Header and struct assignment: copying a header copies its validity and fields,
// structure-valued expressions, copying an invalid header invalidates the target,
// setValid / setInvalid, and the deparser emitting only valid headers.
#include <core.p4>
#include <v1model.p4>

header a_t {
    bit<8>  x;
    bit<16> y;
}

struct pair_t {
    bit<8> p;
    bit<8> q;
}

struct headers_t {
    a_t a;
    a_t b;
    a_t c;
    a_t d;
    a_t e;
}

struct meta_t {
    pair_t s1;
    pair_t s2;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.a);
        pkt.extract(hdr.d);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.b = hdr.a;
        hdr.b.x = hdr.b.x + 1;
        hdr.c = { x = 0xCC, y = 0x1234 };
        meta.s1 = { p = 1, q = 2 };
        meta.s2 = meta.s1;
        meta.s2.q = 9;
        hdr.a.y = meta.s2.p ++ meta.s2.q;
        hdr.d = hdr.e;
        if (hdr.a.x == 0xFF) {
            hdr.a.setInvalid();
        }
        if (hdr.a.x == 0xEE) {
            // setValid on a valid header keeps its contents.
            hdr.a.setValid();
            hdr.e.setValid();
            hdr.e.x = meta.s1.p;
            hdr.e.y = (bit<16>)meta.s1.q;
        }
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.a);
        pkt.emit(hdr.b);
        pkt.emit(hdr.c);
        pkt.emit(hdr.d);
        pkt.emit(hdr.e);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
