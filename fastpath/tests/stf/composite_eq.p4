// `==` and `!=` on composite values: headers (with and without varbit fields), header
// stacks, structs holding headers, and varbit fields. Headers are equal when both are
// invalid, or both valid with equal fields; a varbit compares its length and its value;
// stacks compare their elements. The result bits go out in res.r.
#include <core.p4>
#include <v1model.p4>

header res_t {
    bit<8> r;
    bit<8> s;
}

header len_t {
    bit<8> n;         // varbit length, in bytes
}

header vb_t {
    varbit<32> v;
}

header b_t {
    bit<8> x;
    bit<8> y;
}

struct pair_t {
    b_t    p;
    b_t    q;
    bit<4> tag;
}

struct kv_t {
    bit<8> k;
    bit<8> v;
}

struct headers_t {
    res_t  res;
    len_t  l1;
    vb_t   v1;
    len_t  l2;
    vb_t   v2;
    b_t[2] b;
    b_t    never1;
    b_t    never2;
}

struct meta_t {
    kv_t kv;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.l1);
        pkt.extract(hdr.v1, (bit<32>)hdr.l1.n * 8);
        pkt.extract(hdr.l2);
        pkt.extract(hdr.v2, (bit<32>)hdr.l2.n * 8);
        pkt.extract(hdr.b.next);
        pkt.extract(hdr.b.next);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        sm.egress_spec = 1;
        hdr.res.setValid();
        hdr.res.r = 0;
        hdr.res.s = 0;
        // bit 0: varbit fields (length and value)
        if (hdr.v1.v == hdr.v2.v) { hdr.res.r = hdr.res.r | 0x01; }
        // bit 1: headers with a varbit field
        if (hdr.v1 == hdr.v2) { hdr.res.r = hdr.res.r | 0x02; }
        // bit 2: stack elements
        if (hdr.b[0] == hdr.b[1]) { hdr.res.r = hdr.res.r | 0x04; }
        // bit 3: whole stacks (the local's nextIndex differs and does not count)
        b_t[2] tmp;
        tmp[0] = hdr.b[1];
        tmp[1] = hdr.b[0];
        if (tmp == hdr.b) { hdr.res.r = hdr.res.r | 0x08; }
        // bit 4: structs holding invalid headers whose old field values differ
        pair_t s1;
        pair_t s2;
        s1.p = hdr.b[0];
        s2.p = hdr.b[0];
        s1.q = hdr.b[0];
        s2.q = hdr.b[1];
        s1.tag = 3;
        s2.tag = 3;
        s1.q.setInvalid();
        s2.q.setInvalid();
        if (s1 == s2) { hdr.res.r = hdr.res.r | 0x10; }
        // bit 5: two invalid headers are equal
        if (hdr.never1 == hdr.never2) { hdr.res.r = hdr.res.r | 0x20; }
        // bit 6: an invalid and a valid header differ
        if (hdr.never1 != hdr.b[0]) { hdr.res.r = hdr.res.r | 0x40; }
        // bit 7: struct against a struct expression
        meta.kv = { hdr.b[0].x, hdr.b[0].y };
        if (meta.kv == { 8w1, 8w2 }) { hdr.res.r = hdr.res.r | 0x80; }
        // s bit 0: != on stacks; s bit 1: a run-time index
        if (tmp != hdr.b) { hdr.res.s = hdr.res.s | 0x01; }
        bit<1> i = (bit<1>)hdr.b[1].x;
        if (hdr.b[i] == hdr.b[0]) { hdr.res.s = hdr.res.s | 0x02; }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.res);
        pkt.emit(hdr.l1);
        pkt.emit(hdr.v1);
        pkt.emit(hdr.l2);
        pkt.emit(hdr.v2);
        pkt.emit(hdr.b);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
