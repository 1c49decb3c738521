// 128-bit values everywhere: select on a 128-bit field (value and mask), a ternary table on
// two 128-bit fields, an exact table with a 256-bit key, comparisons and a carry across
// the 64-bit boundary.
#include <core.p4>
#include <v1model.p4>

header v6_t {
    bit<128> src;
    bit<128> dst;
    bit<8>   r1;
    bit<8>   r2;
    bit<8>   r3;
    bit<8>   r4;
    bit<8>   r5;
}

struct headers_t {
    v6_t v6;
}

struct meta_t {
    bit<8> path;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.v6);
        transition select(hdr.v6.dst) {
            0x20010DB8000000000000000000000001: one;
            0xFF020000000000000000000000000000 &&& 0xFFFF0000000000000000000000000000: mcast;
            default: accept;
        }
    }
    state one {
        meta.path = 1;
        transition accept;
    }
    state mcast {
        meta.path = 2;
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set2(bit<8> v) {
        hdr.v6.r2 = v;
    }
    action set3(bit<8> v) {
        hdr.v6.r3 = v;
    }
    table acl6 {
        key = {
            hdr.v6.src : ternary;
            hdr.v6.dst : ternary;
        }
        actions = { set2; NoAction; }
        default_action = NoAction();
    }
    table pair {
        key = {
            hdr.v6.src : exact;
            hdr.v6.dst : exact;
        }
        actions = { set3; NoAction; }
        default_action = NoAction();
    }
    apply {
        hdr.v6.r1 = meta.path;
        acl6.apply();
        pair.apply();
        bit<8> c = 0;
        if (hdr.v6.src > hdr.v6.dst) {
            c = c | 1;
        }
        if (hdr.v6.src == hdr.v6.dst) {
            c = c | 2;
        }
        if (hdr.v6.src < hdr.v6.dst) {
            c = c | 4;
        }
        hdr.v6.r4 = c;
        bit<128> s1 = hdr.v6.src + 1;
        hdr.v6.r5 = s1[71:64];
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.v6);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
