// hash(): crc16 (CRC-16/ARC), crc32 (IEEE), csum16, xor16, identity, and the
// base + (h mod max) range reduction.
#include <core.p4>
#include <v1model.p4>

header in_t {
    bit<16> a;
    bit<32> b;
}

header out_t {
    bit<16> crc16;
    bit<32> crc32;
    bit<16> csum;
    bit<16> xor;
    bit<32> ident;
    bit<16> ranged;
    bit<8>  small;
}

struct headers_t {
    in_t  i;
    out_t o;
}

struct meta_t { }

parser P(packet_in pkt, out headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    state start {
        pkt.extract(hdr.i);
        transition accept;
    }
}

control VC(inout headers_t hdr, inout meta_t meta) { apply { } }

control IG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) {
    apply {
        hdr.o.setValid();
        hash(hdr.o.crc16, HashAlgorithm.crc16, (bit<16>)0, { hdr.i.a, hdr.i.b }, (bit<32>)65536);
        hash(hdr.o.crc32, HashAlgorithm.crc32, (bit<32>)0, { hdr.i.a, hdr.i.b }, (bit<64>)4294967296);
        hash(hdr.o.csum, HashAlgorithm.csum16, (bit<16>)0, { hdr.i.a, hdr.i.b }, (bit<32>)65536);
        hash(hdr.o.xor, HashAlgorithm.xor16, (bit<16>)0, { hdr.i.a, hdr.i.b }, (bit<32>)65536);
        hash(hdr.o.ident, HashAlgorithm.identity, (bit<32>)0, { hdr.i.a, hdr.i.b }, (bit<64>)4294967296);
        hash(hdr.o.ranged, HashAlgorithm.crc16, (bit<16>)100, { hdr.i.a, hdr.i.b }, (bit<32>)50);
        hash(hdr.o.small, HashAlgorithm.crc32, (bit<8>)0, { hdr.i.b }, (bit<16>)256);
        sm.egress_spec = 1;
    }
}

control EG(inout headers_t hdr, inout meta_t meta, inout standard_metadata_t sm) { apply { } }

control CC(inout headers_t hdr, inout meta_t meta) { apply { } }

control DP(packet_out pkt, in headers_t hdr) {
    apply {
        pkt.emit(hdr.i);
        pkt.emit(hdr.o);
    }
}

V1Switch(P(), VC(), IG(), EG(), CC(), DP()) main;
