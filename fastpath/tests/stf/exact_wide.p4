// Exact keys of several fields (a 104-bit 5-tuple) and of 128 bits; action data of
// widths 1, 7, 48 and 128 bits.
#include <core.p4>
#include <v1model.p4>

header five_t {
    bit<32> src;
    bit<32> dst;
    bit<8>  proto;
    bit<16> sport;
    bit<16> dport;
}

header addr_t {
    bit<128> a;
}

header res_t {
    bit<1>   flag;
    bit<7>   small;
    bit<48>  mac;
    bit<128> big;
    bit<8>   which;
}

struct headers_t {
    five_t five;
    addr_t addr;
    res_t  res;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.five);
        pkt.extract(hdr.addr);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action flow_hit(bit<1> flag, bit<7> small, bit<48> mac) {
        hdr.res.flag = flag;
        hdr.res.small = small;
        hdr.res.mac = mac;
        hdr.res.which = hdr.res.which | 1;
    }
    action addr_hit(bit<128> big) {
        hdr.res.big = big;
        hdr.res.which = hdr.res.which | 2;
    }
    table flows {
        key = {
            hdr.five.src   : exact;
            hdr.five.dst   : exact;
            hdr.five.proto : exact;
            hdr.five.sport : exact;
            hdr.five.dport : exact;
        }
        actions = { flow_hit; NoAction; }
        default_action = NoAction();
        size = 65536;
    }
    table addrs {
        key = { hdr.addr.a : exact; }
        actions = { addr_hit; NoAction; }
        default_action = NoAction();
    }
    apply {
        hdr.res.setValid();
        // Explicit zeroes, so that this test does not depend on setValid() zeroing
        // (setvalid_zero.p4 tests that).
        hdr.res.flag = 0;
        hdr.res.small = 0;
        hdr.res.mac = 0;
        hdr.res.big = 0;
        hdr.res.which = 0;
        flows.apply();
        addrs.apply();
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.five);
        pkt.emit(hdr.addr);
        pkt.emit(hdr.res);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
