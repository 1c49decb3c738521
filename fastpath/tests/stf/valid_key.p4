// Table keys on header validity (isValid(), written `$valid$` in STF) and on header stack
// elements (written `s[0].x` or `s$0.x` in STF).
#include <core.p4>
#include <v1model.p4>

header h_t {
    bit<8> flag;
    bit<8> k;
    bit<8> v1;
    bit<8> v2;
}

header opt_t {
    bit<8> o;
}

header s_t {
    bit<8> x;
}

struct headers_t {
    h_t    h;
    opt_t  opt;
    s_t[2] s;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.h);
        transition select(hdr.h.flag) {
            1: parse_opt;
            2: parse_s;
            default: accept;
        }
    }
    state parse_opt {
        pkt.extract(hdr.opt);
        transition accept;
    }
    state parse_s {
        pkt.extract(hdr.s.next);
        pkt.extract(hdr.s.next);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    action set1(bit<8> v) {
        hdr.h.v1 = v;
    }
    action set2(bit<8> v) {
        hdr.h.v2 = v;
    }
    table t {
        key = {
            hdr.opt.isValid() : exact;
            hdr.h.k           : exact;
        }
        actions = { set1; NoAction; }
        default_action = NoAction();
    }
    table t2 {
        key = {
            hdr.s[0].x : exact;
            hdr.s[1].x : exact;
        }
        actions = { set2; NoAction; }
        default_action = NoAction();
    }
    apply {
        t.apply();
        if (hdr.s[1].isValid()) {
            t2.apply();
        }
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.h);
        pkt.emit(hdr.opt);
        pkt.emit(hdr.s);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
