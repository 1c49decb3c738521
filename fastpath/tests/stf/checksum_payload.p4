// verify_checksum_with_payload / update_checksum_with_payload: the listed fields followed
// by the unparsed payload (headers parsed after c but not listed are not included).
#include <core.p4>
#include <v1model.p4>

header c_t {
    bit<16> len;
    bit<16> csum;
    bit<8>  flag;
}

header p_t {
    bit<16> p;
}

struct headers_t {
    c_t c;
    p_t p;
}

struct meta_t {
    bit<1> rewrite;
}

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.c);
        pkt.extract(hdr.p);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) {
    apply {
        verify_checksum_with_payload(hdr.c.isValid(), { hdr.c.len, hdr.c.flag },
                                     hdr.c.csum, HashAlgorithm.csum16);
    }
}

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        if (sm.checksum_error == 1) {
            sm.egress_spec = 2;
        } else {
            hdr.c.len = hdr.c.len + 1;
            meta.rewrite = 1;
            sm.egress_spec = 1;
        }
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) {
    apply {
        update_checksum_with_payload(hdr.c.isValid() && meta.rewrite == 1,
                                     { hdr.c.len, hdr.c.flag }, hdr.c.csum, HashAlgorithm.csum16);
    }
}

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.c);
        pkt.emit(hdr.p);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
